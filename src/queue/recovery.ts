/**
 * What a starting process does before taking new work (ARCHITECTURE decision 4): every run that was
 * queued or running when the previous process stopped continues from its checkpoint, and every
 * timed wait has its timer (a crash between the pause and the timer write is repaired here).
 */
import { resumeTimer } from '../engine/engine.js';
import type { RunStore, TimerPort } from '../engine/ports.js';
import type { RunQueue } from './contract.js';

export interface RecoveryResult {
  resumed: number;
  timersRepaired: number;
}

export async function recoverRuns(
  runs: RunStore,
  timers: TimerPort,
  queue: RunQueue,
  onError: (runId: string, error: unknown) => void,
  batch = 1000,
): Promise<RecoveryResult> {
  let timersRepaired = 0;
  for (const run of await runs.listRunsByStatus(['waiting'], Number.MAX_SAFE_INTEGER)) {
    if (!run.waitTill) continue;
    await timers.schedule(resumeTimer(run.id, run.version, run.waitTill));
    timersRepaired++;
  }
  const interrupted = await runs.listRunsByStatus(['queued', 'running'], batch);
  for (const run of interrupted) queue.submit({ runId: run.id }).catch((error) => onError(run.id, error));
  return { resumed: interrupted.length, timersRepaired };
}
