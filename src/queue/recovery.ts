/**
 * What a starting process does before taking new work (ARCHITECTURE decision 4): every run that was
 * queued or running when the previous process stopped continues from its checkpoint, and every
 * timed wait has its timer (a crash between the pause and the timer write is repaired here).
 *
 * Both are read in keyset pages, never as one list: with a million runs waiting, start-up reads
 * the waiting runs once through an anti-join (those without a timer row) and keeps none of them in
 * memory. Due waits are not resumed here: their timers are, by the timer loop, like any other time.
 */
import { resumeTimer } from '../engine/engine.js';
import type { TimerPort } from '../engine/ports.js';
import type { RunPosition, RunSlotQueries } from '../store/index.js';
import type { RunQueue } from './contract.js';

export interface RecoveryResult {
  resumed: number;
  timersRepaired: number;
}

export type RecoveryRuns = Pick<RunSlotQueries, 'pageRunIds' | 'listWaitsWithoutTimer'>;

export async function recoverRuns(
  runs: RecoveryRuns,
  timers: TimerPort,
  queue: RunQueue,
  onError: (runId: string, error: unknown) => void,
  batch = 1000,
): Promise<RecoveryResult> {
  let timersRepaired = 0;
  let after: RunPosition | undefined;
  for (;;) {
    const page = await runs.listWaitsWithoutTimer(batch, after);
    for (const wait of page) {
      // The id the engine would have used: a timer written meanwhile by a live process is not doubled.
      await timers.schedule(resumeTimer(wait.id, wait.version, wait.waitTill));
      timersRepaired++;
    }
    if (page.length < batch) break;
    after = page[page.length - 1];
  }

  let resumed = 0;
  after = undefined;
  for (;;) {
    const page = await runs.pageRunIds(['queued', 'running'], batch, after);
    for (const run of page) queue.submit({ runId: run.id }).catch((error) => onError(run.id, error));
    resumed += page.length;
    if (page.length < batch) break;
    after = page[page.length - 1];
  }
  return { resumed, timersRepaired };
}
