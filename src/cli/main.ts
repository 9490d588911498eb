/**
 * The `relais` command line: one function per command, all taking their arguments and an Io. Each
 * command's module is imported when it runs: `relais run` does not load the server, and a server
 * loads its modules with the young generation held (`heap-tuning.ts`).
 */

import { holdYoungGeneration, limitOldGenerationGrowth, releaseYoungGeneration } from './heap-tuning.js';
import { type Io, processIo } from './io.js';

const USAGE = `usage: relais <command> [options]

commands:
  start [--no-worker]                                              start the server (API, webhooks, triggers)
  worker [--concurrency N]                                         drive queued runs (scale-out: RELAIS_REDIS_URL)
  webhook                                                          webhook ingress + API only (scale-out)
  run FILE [--input JSON|@file.json] [--json] [--data-dir DIR]   execute a workflow once
  validate FILE...                                                 check workflow files
  import FILE|DIR [-o OUT] [--json]                                convert n8n exports to Relais workflows
  schema                                                           print the workflow JSON Schema
  user create|list|set-password --email E --password P [--role R] manage accounts (no server needed)`;

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'start':
      return serve(async () => (await import('./start-command.js')).startCommand(rest, io));
    case 'worker':
      return serve(async () => (await import('./worker-command.js')).workerCommand(rest, io));
    case 'webhook':
      return serve(async () => (await import('./webhook-command.js')).webhookCommand(rest, io));
    case 'run':
      return (await import('./run-command.js')).runCommand(rest, io);
    case 'validate':
      return (await import('./validate-command.js')).validateCommand(rest, io);
    case 'import':
      return (await import('./import-command.js')).importCommand(rest, io);
    case 'user':
      return (await import('./user-command.js')).userCommand(rest, io);
    case 'schema':
      return (await import('./schema-command.js')).schemaCommand(io);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      io.out(USAGE);
      return command === undefined ? 2 : 0;
    default:
      io.err(`relais: unknown command '${command}'\n${USAGE}`);
      return 2;
  }
}

/**
 * A server command: its modules load and it starts with the young generation held; `runProcess`
 * releases it once serving, and this at the latest when the command returns (a bad option, a
 * failed start, the end). Its old generation grows by half at most (heap-tuning.ts).
 */
async function serve(command: () => Promise<number>): Promise<number> {
  holdYoungGeneration();
  limitOldGenerationGrowth();
  try {
    return await command();
  } finally {
    releaseYoungGeneration();
  }
}
