/**
 * The embedded queue: drives runs in this process, FIFO, with a global limit on runs driven at once
 * (`RELAIS_MAX_CONCURRENT_RUNS`) and each workflow's `settings.concurrency` (per workflow or per key,
 * waiting runs keeping their slot or not: see concurrency.ts). A run held back by a limit lets the
 * runs behind it of other groups start. The store stays the source of truth: a job is only a run id.
 *
 * Never stuck: a slot is given back whatever way a drive ends, and a run whose driver failed (not a
 * node: the engine or the store threw) is given back to `queued` and tried again from a timer row,
 * failed after `MAX_DRIVER_FAILURES` attempts.
 */
import { type Clock, systemClock } from '../engine/clock.js';
import { type Engine, type RunOutcome, StaleRunError } from '../engine/engine.js';
import { errorDetails } from '../engine/errors.js';
import type { RunRecord, RunStore, TimerPort, WorkflowStore } from '../engine/ports.js';
import { RunData } from '../engine/run-data.js';
import { isTerminal } from '../engine/run-state.js';
import type { Workflow } from '../engine/workflow.js';
import type { ConcurrencyGroup } from '../store/index.js';
import { ConcurrencySlots, type SlotGroup, type SlotStore, slotGroupOf } from './concurrency.js';
import { DEFAULT_CONCURRENCY, type RunJob, type RunQueue } from './contract.js';

export interface EmbeddedQueueOptions {
  engine: Engine;
  runs: RunStore;
  workflows: Pick<WorkflowStore, 'getWorkflowHead' | 'getWorkflowVersion'>;
  /** Runs driven at once by this process (waiting runs do not count). Default `DEFAULT_CONCURRENCY`. */
  concurrency?: number;
  /** For runs of documents that are not in the store (`relais run`, tests). */
  workflowOf?: (run: RunRecord) => Workflow | undefined;
  onError?: (runId: string, error: unknown) => void;
  /**
   * Where each limited run's group is written and held slots are read (the SQL run store). Without
   * it, limits hold within this process only and a restart forgets the slots of waiting runs.
   */
  slots?: SlotStore & { setConcurrencyGroup(runId: string, group: ConcurrencyGroup): Promise<void> };
  /** Called when a run has ended, before its job resolves (retention applies `saveData` here). */
  afterRun?: (run: RunRecord, workflow: Workflow) => Promise<unknown>;
  /** Wake-ups that retry runs whose driver failed; without it they wait for the next start. */
  timers?: TimerPort;
  clock?: Clock;
  /** While runs are held back by waiting runs keeping their slots, how often those are re-read (ms). */
  recheckMs?: number;
}

interface Pending {
  job: RunJob;
  runId: string;
  /** The run as created or just read, while it enters the queue (see `enqueue`). */
  run?: RunRecord;
  workflow: Workflow;
  active: boolean;
  group: SlotGroup | null;
  resolve(outcome: RunOutcome): void;
  reject(error: unknown): void;
}

/** Drives of one run that may fail before it is failed for good (the last one fails it). */
export const MAX_DRIVER_FAILURES = 3;
const DRIVER_RETRY_MS = [1000, 10_000];

/** Workflow versions never change once saved: their parsed documents are shared by the runs (read-only). */
const VERSION_CACHE = 200;

export class EmbeddedQueue implements RunQueue {
  /** Submitted, not read yet: waiting for room (`admit`). */
  private readonly unread: Pick<Pending, 'job' | 'resolve' | 'reject'>[] = [];
  /** Jobs being read, on their way into `pending`. */
  private reading = 0;
  private readonly pending: Pending[] = [];
  private readonly driving = new Set<string>();
  private readonly inFlight = new Map<string, Promise<RunOutcome>>();
  private readonly slots: ConcurrencySlots;
  private readonly versions = new Map<string, Promise<Workflow | null>>();
  private readonly driverFailures = new Map<string, number>();
  private readonly clock: Clock;
  private active = 0;
  private closed = false;
  private readonly idle = new Set<() => void>();
  private intake: Promise<void> = Promise.resolve();
  private recheck: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;

  constructor(private readonly opts: EmbeddedQueueOptions) {
    this.slots = new ConcurrencySlots(opts.slots);
    this.clock = opts.clock ?? systemClock;
  }

  submit(job: RunJob): Promise<RunOutcome> {
    if (this.closed) return Promise.reject(new Error('The run queue is closed'));
    // A run already queued or driven here is not driven twice (start-up recovery racing a new
    // submit of the same run): a plain second submit shares the first one's outcome.
    const same = job.resume === undefined ? this.inFlight.get(job.runId) : undefined;
    if (same) return same;
    const outcome = this.enqueue(job);
    this.inFlight.set(job.runId, outcome);
    const forget = () => {
      if (this.inFlight.get(job.runId) === outcome) this.inFlight.delete(job.runId);
    };
    outcome.then(forget, forget);
    return outcome;
  }

  private enqueue(job: RunJob): Promise<RunOutcome> {
    return new Promise<RunOutcome>((resolve, reject) => {
      this.unread.push({ job, resolve, reject });
      this.admit();
    });
  }

  /**
   * Reads submitted jobs, oldest first, while the queue has room to drive them: beyond its limit a
   * job waits unread. Read at once, it would wait in `pending`, let go of its run (see below) and
   * be read again at its turn: 10,000 waits falling due together were each read twice. Runs held
   * back by a workflow's limit do not take room (those of other workflows are read and start).
   */
  private admit(): void {
    const limit = this.opts.concurrency ?? DEFAULT_CONCURRENCY;
    while (this.unread.length > 0 && this.active + this.reading < limit) {
      const { job, resolve, reject } = this.unread.shift()!;
      this.reading++;
      // Jobs are read side by side (the store serves the reads of one turn with one query) and
      // enter the queue one after the other, in the order they were submitted.
      const loading = this.load(job);
      loading.catch(() => undefined); // Rejected in turn below.
      this.intake = this.intake
        .then(async () => {
          const { run, workflow, active } = await loading;
          const group = slotGroupOf(run, workflow, this.clock, (error) => this.opts.onError?.(run.id, error));
          if (group && run.status === 'queued')
            await this.opts.slots?.setConcurrencyGroup(run.id, { key: group.key, hold: group.hold });
          if (group?.hold && !this.slots.isKnown(group.workflowId)) await this.refresh([group.workflowId]);
          if (this.closed) throw new Error('The run queue closed before the run started');
          const entry: Pending = {
            job,
            runId: run.id,
            run,
            workflow,
            active,
            group,
            resolve,
            reject,
          };
          this.pending.push(entry);
          this.reading--;
          this.pump();
          this.admit(); // Held back by its workflow's limit, it left its room to the next job.
          // Driven by that pump, the run was taken synchronously by `continueRun`, as read moments
          // ago: had anything moved it since, the drive's first commit is refused (it is
          // conditional on the version read). Held back by a limit, it may be canceled or deleted
          // meanwhile and is read again when its turn comes.
          entry.run = undefined;
        })
        .catch((error) => {
          this.reading--;
          reject(error);
          this.admit();
        });
    }
  }

  private async load(job: RunJob): Promise<{ run: RunRecord; workflow: Workflow; active: boolean }> {
    if (job.created) return job.created;
    const run = await this.opts.runs.getRun(job.runId);
    if (!run) throw gone(job.runId);
    return { run, ...(await this.workflowFor(run)) };
  }

  depth(): { queued: number; active: number } {
    return { queued: this.unread.length + this.reading + this.pending.length, active: this.active };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.recheck);
    for (const p of [...this.unread.splice(0), ...this.pending.splice(0)])
      p.reject(new Error('The run queue closed before the run started'));
    if (this.active === 0) return;
    await new Promise<void>((resolve) => this.idle.add(resolve));
  }

  private async workflowFor(run: RunRecord): Promise<{ workflow: Workflow; active: boolean }> {
    const given = this.opts.workflowOf?.(run);
    if (given) return { workflow: given, active: false };
    const current = await this.opts.workflows.getWorkflowHead(run.workflowId);
    // Keyed by creation time too: a workflow deleted and saved again under its id restarts at v1.
    const cacheKey = current
      ? `${run.workflowId}\u0000${current.createdAt.getTime()}\u0000${run.workflowVersion}`
      : undefined;
    let reading = cacheKey ? this.versions.get(cacheKey) : undefined;
    if (!reading) {
      reading = this.opts.workflows.getWorkflowVersion(run.workflowId, run.workflowVersion);
      // The read itself is cached: the runs of a burst ask for the same version all at once.
      if (cacheKey) {
        const read = reading;
        if (this.versions.size >= VERSION_CACHE) this.versions.delete(this.versions.keys().next().value!);
        this.versions.set(cacheKey, read);
        const forget = () => {
          if (this.versions.get(cacheKey) === read) this.versions.delete(cacheKey);
        };
        read.then((doc) => {
          if (!doc) forget();
        }, forget);
      }
    }
    const doc = await reading;
    if (!doc)
      throw new Error(`Workflow ${run.workflowId} v${run.workflowVersion} of run ${run.id} not found`);
    return { workflow: doc, active: current?.active ?? false };
  }

  /** Starts every pending job that fits the limits, oldest first. */
  private pump(): void {
    const limit = this.opts.concurrency ?? DEFAULT_CONCURRENCY;
    const blocked: SlotGroup[] = [];
    for (let i = 0; i < this.pending.length && this.active < limit; ) {
      const p = this.pending[i];
      if (!this.slots.canStart(p.group, p.runId)) {
        blocked.push(p.group!);
        i++;
        continue;
      }
      this.pending.splice(i, 1);
      this.drive(p);
    }
    this.watchHeld(blocked);
  }

  /**
   * Runs held back behind waiting runs that keep their slot: re-read those from the store now and
   * then, since one may end without passing through this queue (canceled, deleted).
   */
  private watchHeld(blocked: SlotGroup[]): void {
    if (this.recheck || this.closed || !this.slots.holdsAny(blocked)) return;
    this.recheck = setTimeout(() => {
      this.recheck = undefined;
      const ids = [...new Set(this.pending.filter((p) => p.group?.hold).map((p) => p.group!.workflowId))];
      this.refresh(ids)
        .catch((error) => this.opts.onError?.('', error))
        .finally(() => this.pump());
    }, this.opts.recheckMs ?? 1000);
  }

  private refresh(workflowIds: string[]): Promise<void> {
    // One read at a time: ConcurrencySlots compares each read with the changes made during it.
    const next = (this.refreshing ?? Promise.resolve()).then(() =>
      this.slots.refresh(workflowIds, this.driving),
    );
    this.refreshing = next.catch(() => undefined);
    return next;
  }

  private drive(p: Pending): void {
    this.active++;
    this.driving.add(p.runId);
    this.slots.acquire(p.group, p.runId);
    // The slot is given back before the job settles: whoever awaits it sees the queue as it is next.
    this.continueRun(p).then(
      (outcome) => {
        this.driverFailures.delete(p.runId);
        this.release(p, outcome.run.status);
        p.resolve(outcome);
      },
      (error) => {
        this.release(p, undefined);
        this.opts.onError?.(p.runId, error);
        p.reject(error);
        this.afterDriverFailure(p.runId, error).catch((e) => this.opts.onError?.(p.runId, e));
      },
    );
  }

  private release(p: Pending, status: RunRecord['status'] | undefined): void {
    this.active--;
    this.driving.delete(p.runId);
    this.slots.release(p.group, p.runId, status);
    if (this.active === 0) for (const done of this.idle) done();
    this.pump();
    this.admit();
  }

  private async continueRun(p: Pending): Promise<RunOutcome> {
    // Read the run again if it waited here: it may have moved (canceled, resumed elsewhere).
    const run = p.run ?? (await this.opts.runs.getRun(p.runId));
    if (!run) throw gone(p.runId);
    if (isTerminal(run.status)) return { run, runData: new RunData() };
    // A time resume wakes a waiting run; a queued run (given back after a driver failure, then woken
    // by a timer) is simply driven: its queued → running move refuses a second driver.
    const resume = p.job.resume?.by === 'time' && run.status === 'queued' ? undefined : p.job.resume;
    const outcome = await this.opts.engine.continue(run, p.workflow, {
      active: p.active,
      respond: p.job.respond,
      resume,
    });
    if (isTerminal(outcome.run.status) && this.opts.afterRun) {
      await this.opts.afterRun(outcome.run, p.workflow).catch((error) => this.opts.onError?.(p.runId, error));
    }
    return outcome;
  }

  /**
   * The engine or the store threw while driving (a node's failure ends its run instead). A stale
   * run is someone else's; a run left `running` or `queued` is given back and tried again later.
   */
  private async afterDriverFailure(runId: string, error: unknown): Promise<void> {
    if (error instanceof StaleRunError || this.closed) return;
    let run = await this.opts.runs.getRun(runId);
    if (!run || (run.status !== 'running' && run.status !== 'queued')) return;
    const failures = (this.driverFailures.get(runId) ?? 0) + 1;
    this.driverFailures.set(runId, failures);
    const { timers } = this.opts;
    if (failures < MAX_DRIVER_FAILURES) {
      if (!timers) return; // The next start's recovery picks it up.
      if (run.status === 'running') {
        const back = await this.opts.runs.transition(runId, run.version, 'queued');
        if (!back.ok) return;
      }
      const delay = DRIVER_RETRY_MS[Math.min(failures, DRIVER_RETRY_MS.length) - 1];
      // One wake-up per run: the timer that brought this attempt (if any) must not fire it again.
      await timers.cancelForRun(runId);
      await timers.schedule({
        id: `requeue:${runId}:${failures}`,
        runId,
        kind: 'resume',
        dueAt: new Date(this.clock.now().getTime() + delay),
      });
      return;
    }
    this.driverFailures.delete(runId);
    await timers?.cancelForRun(runId);
    if (run.status === 'queued') {
      const started = await this.opts.runs.transition(runId, run.version, 'running', {
        startedAt: this.clock.now(),
      });
      if (!started.ok) return;
      run = { ...run, status: 'running', version: started.version };
    }
    const details = errorDetails(error);
    await this.opts.runs.transition(runId, run.version, 'failed', {
      finishedAt: this.clock.now(),
      error: {
        ...details,
        message: `Relais could not drive this run (${failures} attempts): ${details.message}`,
        code: 'DRIVER_FAILED',
      },
    });
  }
}

/**
 * A run that is not in the store (deleted meanwhile, say while its wake-up was on its way): like
 * a run another driver moved on, there is nothing left to drive, and whoever sent the job is told so.
 */
function gone(runId: string): StaleRunError {
  return new StaleRunError(`Run ${runId} not found: deleted, or never created`);
}
