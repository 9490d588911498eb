/**
 * `relais webhook`: webhook ingress and the API only (scale-out). Accepted runs are committed to
 * PostgreSQL and put on the queue for the workers; no worker, no timer loop here.
 */
import type { Io } from './io.js';
import { runProcess } from './start-command.js';

export async function webhookCommand(args: string[], io: Io): Promise<number> {
  if (args.length > 0) {
    io.err(`relais webhook: unknown option '${args[0]}' (usage: relais webhook)`);
    return 2;
  }
  return runProcess(io, 'webhook');
}
