/**
 * The handler of `resume` timers, in embedded and scale-out mode alike: wakes the timer's run with a
 * time resume that names the timer's due time. The engine refuses a wake-up due before the run's
 * current wait ends (engine.ts, `continue`): it is an earlier wait's, left over by a process that
 * died between resuming the run and completing the timer, and must not end a later wait early.
 */
import { StaleRunError } from '../engine/errors.js';
import type { TimerRecord } from '../store/index.js';
import type { RunJob } from './contract.js';
import type { TimerHandler } from './timer-loop.js';

export function resumeTimer(
  enqueue: (job: Pick<RunJob, 'runId' | 'resume'>) => Promise<unknown>,
): TimerHandler {
  return async (timer: TimerRecord) => {
    if (!timer.runId) throw new Error(`Timer ${timer.id} resumes no run`);
    try {
      await enqueue({ runId: timer.runId, resume: { by: 'time', timerDueAt: timer.dueAt.getTime() } });
    } catch (error) {
      // The run moved on without this wake-up (another driver took it, or the wake-up is a left
      // over one): there is nothing left for it to do, and it is completed like any other.
      if (!(error instanceof StaleRunError)) throw error;
    }
  };
}
