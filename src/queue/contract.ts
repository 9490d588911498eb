/**
 * The queue port (ARCHITECTURE decision 8): it only says "run R is ready"; the run's state stays in
 * the store. Embedded mode drives runs in this process; scale-out mode puts the id on BullMQ.
 */
import type { RespondCallback, ResumeInput, RunOutcome } from '../engine/engine.js';
import type { RunRecord } from '../engine/ports.js';
import type { Workflow } from '../engine/workflow.js';

/**
 * Runs one process drives at once unless configured (`RELAIS_MAX_CONCURRENT_RUNS`). Runs mostly wait
 * on I/O (HTTP calls, the store), so a low limit queues them behind each other for nothing: at 16,
 * 50 concurrent webhook callers left runs queued, each read back from the store when its turn
 * came, and commits shared fewer transactions. Per-workflow limits (`settings.concurrency`)
 * protect slow or rate-limited services.
 */
export const DEFAULT_CONCURRENCY = 100;

/**
 * The same on PostgreSQL, where each commit is a round trip over the network: keeping a run's
 * throughput takes more runs in flight (throughput = runs in flight / time per run). 10,000 waits
 * falling due at once (100,000 pending, 2 vCPUs shared with PostgreSQL): with 100 driven at once
 * Relais and PostgreSQL each sat idle half the burst, passing batches of 100 back and forth; with
 * 500, lag p99 1.25 → 1.06 s on average. On SQLite (writes in-process, no round trip) more did not
 * help: 0.59 → 0.67 s with 1,000.
 */
export const POSTGRES_CONCURRENCY = 500;

export interface RunJob {
  runId: string;
  /** How a waiting run is resumed (due time, webhook body, event). */
  resume?: ResumeInput;
  /** For webhook callers waiting on a Respond to Webhook node. */
  respond?: RespondCallback;
  /**
   * The run as this process has just created it, with its workflow version's document and whether
   * the workflow is active: spares reading them back. In-process only: BullMQ carries the id.
   */
  created?: { run: RunRecord; workflow: Workflow; active: boolean };
}

export interface RunQueue {
  /** Queues a run and resolves when this process has driven it to its end or to a pause. */
  submit(job: RunJob): Promise<RunOutcome>;
  /** Runs queued or being driven here (a gauge for /metrics and health). */
  depth(): { queued: number; active: number };
  /** Stops taking jobs and waits for the active ones to reach a checkpoint. */
  close(): Promise<void>;
}
