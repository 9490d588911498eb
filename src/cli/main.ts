/** The `relais` command line: one function per command, all taking their arguments and an Io. */
import { importCommand } from './import-command.js';
import { type Io, processIo } from './io.js';
import { runCommand } from './run-command.js';
import { schemaCommand } from './schema-command.js';
import { startCommand } from './start-command.js';
import { userCommand } from './user-command.js';
import { validateCommand } from './validate-command.js';
import { webhookCommand } from './webhook-command.js';
import { workerCommand } from './worker-command.js';

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
      return startCommand(rest, io);
    case 'worker':
      return workerCommand(rest, io);
    case 'webhook':
      return webhookCommand(rest, io);
    case 'run':
      return runCommand(rest, io);
    case 'validate':
      return validateCommand(rest, io);
    case 'import':
      return importCommand(rest, io);
    case 'user':
      return userCommand(rest, io);
    case 'schema':
      return schemaCommand(io);
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
