/**
 * The queue port (ARCHITECTURE decision 8): it only says "run R is ready"; the run's state stays in
 * the store. Embedded mode drives runs in this process; scale-out mode puts the id on BullMQ.
 */
import type { RespondCallback, ResumeInput, RunOutcome } from '../engine/engine.js';

export interface RunJob {
  runId: string;
  /** How a waiting run is resumed (due time, webhook body, event). */
  resume?: ResumeInput;
  /** For webhook callers waiting on a Respond to Webhook node. */
  respond?: RespondCallback;
}

export interface RunQueue {
  /** Queues a run and resolves when this process has driven it to its end or to a pause. */
  submit(job: RunJob): Promise<RunOutcome>;
  /** Runs queued or being driven here (a gauge for /metrics and health). */
  depth(): { queued: number; active: number };
  /** Stops taking jobs and waits for the active ones to reach a checkpoint. */
  close(): Promise<void>;
}
