/**
 * `relais worker [--concurrency N]`: takes runs from the scale-out queue (RELAIS_REDIS_URL) and
 * drives them, state in PostgreSQL. No API, webhooks nor timers; /healthz and /metrics on
 * RELAIS_WORKER_PORT when it is set.
 */
import type { Io } from './io.js';
import { runProcess } from './start-command.js';

export async function workerCommand(args: string[], io: Io): Promise<number> {
  let concurrency: number | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const value =
      arg === '--concurrency' ? args[++i] : arg.startsWith('--concurrency=') ? arg.slice(14) : null;
    if (value === null) {
      io.err(`relais worker: unknown option '${arg}' (usage: relais worker [--concurrency N])`);
      return 2;
    }
    concurrency = Number(value);
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      io.err(`relais worker: --concurrency takes a whole number of runs, at least 1 (got '${value ?? ''}')`);
      return 2;
    }
  }
  return runProcess(io, 'worker', {}, (config) =>
    concurrency === undefined ? config : { ...config, workerConcurrency: concurrency },
  );
}
