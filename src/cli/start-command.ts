/**
 * `relais start`: the server, the API, webhooks and triggers in one process, until SIGTERM/SIGINT.
 * With RELAIS_REDIS_URL (scale-out) it also works queued runs, unless `--no-worker`.
 */
import { type Config, ConfigError, loadConfig } from '../config.js';
import type { ProcessRole } from '../queue/bullmq-probe.js';
import { type RuntimeOptions, startRuntime } from '../server/runtime.js';
import { releaseYoungGeneration } from './heap-tuning.js';
import type { Io } from './io.js';

export async function startCommand(args: string[], io: Io): Promise<number> {
  const unknown = args.filter((a) => a !== '--no-worker');
  if (unknown.length > 0) {
    io.err(`relais start: unknown option '${unknown[0]}' (usage: relais start [--no-worker])`);
    return 2;
  }
  return runProcess(io, 'start', { noWorker: args.includes('--no-worker') });
}

/**
 * Loads the configuration, starts a runtime in `role` and keeps it until SIGTERM/SIGINT. Roles
 * other than a plain `start` need the scale-out queue (RELAIS_REDIS_URL).
 */
export async function runProcess(
  io: Io,
  role: ProcessRole,
  opts: Pick<RuntimeOptions, 'noWorker'> = {},
  adjust: (config: Config) => Config = (c) => c,
): Promise<number> {
  let config: Config;
  try {
    config = adjust(loadConfig());
  } catch (error) {
    if (error instanceof ConfigError) {
      io.err(error.message);
      return 2;
    }
    throw error;
  }
  if (!config.redis && (role !== 'start' || opts.noWorker)) {
    const what = role === 'start' ? 'relais start --no-worker' : `relais ${role}`;
    io.err(`${what} needs the scale-out queue: set RELAIS_REDIS_URL (and RELAIS_DATABASE_URL to PostgreSQL)`);
    return 2;
  }
  const runtime = await startRuntime(config, { role, noWorker: opts.noWorker });
  // Started: what it allocates from now on is mostly short-lived, V8's defaults fit again.
  releaseYoungGeneration();
  if (role === 'worker') {
    const http = runtime.url ? `, health on ${runtime.url}` : '';
    io.out(`Relais worker is running (store: ${runtime.store.dialect}${http})`);
  } else {
    const mode = config.redis
      ? `, queue: redis${opts.noWorker || role === 'webhook' ? ', no worker' : ''}`
      : '';
    io.out(
      `Relais is running on ${runtime.url} (role: ${role}, store: ${runtime.store.dialect}, data: ${config.dataDir}${mode})`,
    );
  }
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      runtime.logger.info({ signal }, 'shutting down');
      runtime.stop().then(resolve, (error) => {
        runtime.logger.error({ err: error }, 'shutdown failed');
        resolve();
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  return 0;
}
