/**
 * Retention (issue "Durable execution", point 9): what is kept of runs once they end, and for how
 * long, so the database does not only grow (n8n issue 37926).
 *
 * - At the end of a run, the workflow's `settings.saveData` applies to a run that succeeded:
 *   `all` keeps everything; `errors` drops its payloads (trigger items, step inputs and outputs, log
 *   lines, node state) and keeps the step list; `none` drops the steps too. The run row stays either
 *   way, with status and timings, so counts and stats stay true. Failed and canceled runs keep
 *   everything in every mode: retrying from the failed node needs its stored inputs, and the error
 *   workflow and the person debugging need the rest. Test runs (the editor's) are never thinned:
 *   showing their data is their purpose.
 * - Periodically, finished runs older than `maxAgeMs`, and beyond the `maxRunsPerWorkflow` newest
 *   of their workflow, are deleted in short batches (queued, running and waiting runs never), then
 *   the freed pages go back to the file system (`reclaimSpace`: SQLite incremental vacuum).
 *
 * Steps are written whole while a run is in flight (the engine needs them to resume); a crash in
 * the instant between a run's last transition and `afterRun` leaves that run's data until pruning.
 */
import type { Clock } from '../engine/clock.js';
import type { RunRecord } from '../engine/ports.js';
import type { WorkflowSettings } from '../engine/workflow.js';
import type { DropLevel, RetentionStore } from '../store/index.js';

export interface RetentionSettings {
  /** Finished runs created longer ago than this are deleted (ms); null: kept whatever their age. */
  maxAgeMs: number | null;
  /** Finished runs kept per workflow, the newest; null: no limit. */
  maxRunsPerWorkflow: number | null;
  /** Time between two prunings (ms). */
  intervalMs: number;
  /** Delay before the first pruning after `start()` (ms); default: `min(intervalMs, 60 s)`. */
  firstAfterMs?: number;
  /** Runs deleted per statement: each batch is one short write, so runs never wait long on pruning. */
  batchSize?: number;
}

export interface PruneResult {
  byAge: number;
  byCount: number;
}

export interface RetentionOptions {
  store: RetentionStore;
  /** Gives freed pages back to the file system (Store.reclaimSpace). */
  reclaimSpace(): Promise<void>;
  clock: Clock;
  settings: RetentionSettings;
  onPruned?(result: PruneResult): void;
  onError?(error: unknown): void;
}

/** What `saveData` asks to drop of a run that ended; null: keep everything. */
export function dropLevelFor(run: RunRecord, saveData: WorkflowSettings['saveData']): DropLevel | null {
  if (run.status !== 'succeeded' || run.isTest) return null;
  if (saveData === 'errors') return 'payloads';
  if (saveData === 'none') return 'steps';
  return null;
}

/** ~5 ms a statement for runs of a few steps; 500 took ~11 ms, up to 30 with a checkpoint. */
const DEFAULT_BATCH = 200;

export class Retention {
  private handle: NodeJS.Timeout | undefined;
  private pruning: Promise<PruneResult> | undefined;
  private stopped = true;

  constructor(private readonly opts: RetentionOptions) {}

  /** Applies `saveData` to a run that just ended (the run queue calls it after the run's last step). */
  async afterRun(run: RunRecord, settings: Pick<WorkflowSettings, 'saveData'>): Promise<DropLevel | null> {
    const level = dropLevelFor(run, settings.saveData);
    if (level === null) return null;
    return (await this.opts.store.dropRunData(run.id, level)) ? level : null;
  }

  /** Deletes what is past the age and count limits, then reclaims the space. One pruning at a time. */
  prune(): Promise<PruneResult> {
    this.pruning ??= this.pruneOnce().finally(() => {
      this.pruning = undefined;
    });
    return this.pruning;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const { intervalMs, firstAfterMs } = this.opts.settings;
    const next = (delay: number) => {
      if (this.stopped) return;
      this.handle = setTimeout(() => {
        this.prune()
          .then((result) => {
            if (result.byAge + result.byCount > 0) this.opts.onPruned?.(result);
          })
          .catch((error) => this.opts.onError?.(error))
          .finally(() => next(intervalMs));
      }, delay);
      this.handle.unref();
    };
    next(firstAfterMs ?? Math.min(intervalMs, 60_000));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.handle);
    await this.pruning?.catch(() => undefined);
  }

  private async pruneOnce(): Promise<PruneResult> {
    const { store, clock, settings } = this.opts;
    const batch = settings.batchSize ?? DEFAULT_BATCH;
    const result: PruneResult = { byAge: 0, byCount: 0 };
    if (settings.maxAgeMs !== null && settings.maxAgeMs > 0) {
      const cutoff = new Date(clock.now().getTime() - settings.maxAgeMs);
      result.byAge = await drain(() => store.pruneOlderThan(cutoff, batch), batch);
    }
    if (settings.maxRunsPerWorkflow !== null && settings.maxRunsPerWorkflow > 0) {
      for (const { workflowId, keepFrom } of await store.workflowsOverCount(settings.maxRunsPerWorkflow)) {
        result.byCount += await drain(() => store.pruneWorkflowBefore(workflowId, keepFrom, batch), batch);
      }
    }
    if (result.byAge + result.byCount > 0) await this.opts.reclaimSpace();
    return result;
  }
}

/** Repeats a batch until one comes back short, letting other work in between batches. */
async function drain(batchOnce: () => Promise<number>, batch: number): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await batchOnce();
    total += n;
    if (n < batch) return total;
    await new Promise((resolve) => setImmediate(resolve));
  }
}
