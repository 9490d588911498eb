/**
 * The scale-out run queue (ARCHITECTURE decision 8): "run R is ready" goes on a BullMQ queue in
 * Redis; any process with a worker takes it and drives the run from the store (PostgreSQL). A job
 * carries only `{ runId, resume? }`: the state stays in the store, so whoever takes a job continues
 * the run from its last checkpoint.
 *
 * A worker drives its jobs through an executor (the EmbeddedQueue of its process: global and
 * per-workflow slots, driver failures given back through timers), so both modes share one driving
 * path. BullMQ's job lock is the lease: renewed while the worker lives; when a worker dies its lock
 * expires, the stalled-job check of another worker puts the job back, and that worker continues the
 * run (a terminal run is left as it is: a late "stalled" delivery never overwrites a finished run,
 * unlike n8n issue 4867).
 *
 * Respond to Webhook answers, and the end of each drive that finishes a run, reach the process
 * whose caller waits through Redis (run-answers.ts): workers always publish them.
 *
 * Per-workflow concurrency limits hold across workers: a worker claims a slot in the store before
 * driving a run of a limited workflow, and a run that finds its group full waits as a delayed job
 * (shared-slots.ts).
 */
import { randomUUID } from 'node:crypto';
import { DelayedError, type Job, Queue, QueueEvents, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { type Clock, systemClock } from '../engine/clock.js';
import { type ResumeInput, type RunOutcome, StaleRunError } from '../engine/engine.js';
import type { RunStore, StepRecord, WorkflowStore } from '../engine/ports.js';
import { RunData } from '../engine/run-data.js';
import { isTerminal } from '../engine/run-state.js';
import type { RunSlotQueries } from '../store/run-slots.js';
import type { SlotGroup } from './concurrency.js';
import { DEFAULT_CONCURRENCY, type RunJob, type RunQueue } from './contract.js';
import { RunAnswers, type RunWatcher } from './run-answers.js';
import { SharedSlots } from './shared-slots.js';

/** What travels through Redis for one job: ids and how to resume, never run state. */
export interface BullRunJob {
  runId: string;
  resume?: ResumeInput;
  /** Tells this submit's job from another job of the same run (ids are per run). */
  nonce?: string;
  /** A resume's run version when it was submitted: a resume re-delivered after the run moved on is dropped. */
  version?: number;
  /** The run's workflow and version when the submitter knew them: spares a read for unlimited workflows. */
  wf?: { id: string; version: number };
}

export interface BullMqQueueOptions {
  redisUrl: string;
  /** BullMQ key prefix (tests use one per run). Default `relais`. */
  prefix?: string;
  /** Queue name. Default `runs`. */
  name?: string;
  runs: Pick<RunStore, 'getRun' | 'listSteps' | 'transition'>;
  /**
   * Where workers claim concurrency slots and read workflow versions (their `settings.concurrency`).
   * Without them a worker applies the limits of its own process only.
   */
  slots?: Pick<RunSlotQueries, 'claimSlot' | 'releaseSlot'>;
  workflows?: Pick<WorkflowStore, 'getWorkflowVersion'>;
  clock?: Clock;
  /** This process also works jobs: each is driven by this executor (the process' EmbeddedQueue). */
  executor?: RunQueue;
  /** Jobs taken at once by this process' worker. Default `DEFAULT_CONCURRENCY`. */
  concurrency?: number;
  /** How long a worker's lease lasts without renewal (ms). Default 30 s. */
  lockDurationMs?: number;
  /** How often workers look for jobs whose lease expired (ms). Default 30 s. */
  stalledIntervalMs?: number;
  /** How often the queue depth gauge is read from Redis (ms). Default 5 s; 0 = never. */
  gaugeIntervalMs?: number;
  onError?: (runId: string, error: unknown) => void;
}

export interface QueueStats {
  /** Jobs waiting for a worker, all processes together. */
  waiting: number;
  /** Jobs being worked, all processes together. */
  active: number;
  delayed: number;
  /** Jobs this process' worker holds a lease on. */
  leases: number;
}

/** A resume behind other jobs of its run tries this many times (each waits for the one in flight). */
const MAX_RESUME_ATTEMPTS = 10;

/** Times a run's job goes back to the queue after its worker died, before the run is failed. */
const MAX_STALLS = 5;

export class BullMqQueue implements RunQueue {
  readonly queue: Queue<BullRunJob, { status: string }>;
  private readonly events: QueueEvents;
  private readonly worker: Worker<BullRunJob, { status: string }> | undefined;
  private readonly prefix: string;
  private readonly publisher: Redis;
  /** BullMQ never closes connections it is given: this queue quits them itself. */
  private readonly connections: Redis[] = [];
  private readonly answers: RunAnswers;
  private readonly slots: SharedSlots | undefined;
  private readonly clock: Clock;
  private readonly submitted = new Set<Promise<unknown>>();
  private gauge = { waiting: 0, active: 0, delayed: 0 };
  private gaugeTimer: NodeJS.Timeout | undefined;
  private leases = 0;
  private closed = false;

  constructor(private readonly opts: BullMqQueueOptions) {
    this.prefix = opts.prefix ?? 'relais';
    this.clock = opts.clock ?? systemClock;
    const name = opts.name ?? 'runs';
    const connection = () => {
      const redis = new Redis(opts.redisUrl, { maxRetriesPerRequest: null });
      this.connections.push(redis);
      return redis;
    };
    this.publisher = connection();
    this.answers = new RunAnswers({
      publisher: this.publisher,
      connect: connection,
      prefix: this.prefix,
      runs: opts.runs,
      onError: opts.onError,
    });
    this.queue = new Queue(name, { connection: this.publisher, prefix: this.prefix });
    if (opts.slots && opts.workflows)
      this.slots = new SharedSlots({
        runs: opts.runs,
        slots: opts.slots,
        workflows: opts.workflows,
        redis: this.publisher,
        queue: this.queue,
        prefix: this.prefix,
        clock: this.clock,
        onError: opts.onError,
      });
    // Every waiting submit listens for the queue closing: thousands may wait at once.
    this.queue.setMaxListeners(0);
    this.events = new QueueEvents(name, { connection: connection(), prefix: this.prefix });
    if (opts.executor) {
      const executor = opts.executor;
      this.worker = new Worker<BullRunJob, { status: string }>(
        name,
        (job, token) => this.work(executor, job, token),
        {
          connection: connection(),
          prefix: this.prefix,
          concurrency: opts.concurrency ?? DEFAULT_CONCURRENCY,
          lockDuration: opts.lockDurationMs ?? 30_000,
          stalledInterval: opts.stalledIntervalMs ?? 30_000,
          // A dead worker's job goes back to the queue this many times before it fails; the run is
          // continued from its checkpoint each time, so this only bounds a run that kills workers.
          maxStalledCount: MAX_STALLS,
        },
      );
      this.worker.on('error', (error) => opts.onError?.('', error));
      this.worker.on('failed', (job, error) => {
        if (!job) return;
        opts.onError?.(job.data.runId, error);
        // Never stuck "running" with no job left (n8n issues 12367, 23841): the run fails, visibly.
        if (/stalled/i.test(error.message))
          this.failLost(job.data.runId).then(
            () => this.answers.end(job.data.runId),
            (e) => opts.onError?.(job.data.runId, e),
          );
      });
    }
    const every = opts.gaugeIntervalMs ?? 5000;
    if (every > 0) {
      this.gaugeTimer = setInterval(() => void this.stats().catch(() => undefined), every);
      this.gaugeTimer.unref();
    }
  }

  /** Puts the run on the queue; resolves when a worker (here or elsewhere) drove it to its end or a pause. */
  submit(job: RunJob): Promise<RunOutcome> {
    if (this.closed) return Promise.reject(new Error('The run queue is closed'));
    const done = this.submitAndWait(job);
    this.submitted.add(done);
    const forget = () => this.submitted.delete(done);
    done.then(forget, forget);
    return done;
  }

  /**
   * Puts a resume on the queue and returns once Redis has it (the timer loop's handler: a timer is
   * done once its job is durable, not once the run was driven, so that due waits never queue up
   * behind runs that wait for a worker). A job of the run still in the way is waited for first.
   */
  async enqueue(job: Pick<RunJob, 'runId' | 'resume'>): Promise<void> {
    if (this.closed) throw new Error('The run queue is closed');
    const before = job.resume ? (await this.opts.runs.getRun(job.runId))?.version : undefined;
    const data: BullRunJob = { runId: job.runId, nonce: randomUUID() };
    if (job.resume) data.resume = job.resume;
    if (before !== undefined) data.version = before;
    const added = await this.queue.add('run', data, {
      jobId: `run-${job.runId}`,
      removeOnComplete: true,
      removeOnFail: true,
    });
    if (job.resume && (await this.isOther(added.id!, data.nonce!, before))) await this.submit(job);
  }

  private async submitAndWait(job: RunJob): Promise<RunOutcome> {
    const respond = job.respond;
    const unlisten = respond ? this.answers.listen(job.runId, { respond, finish: () => {} }) : undefined;
    try {
      await unlisten?.ready;
      const data: BullRunJob = { runId: job.runId };
      if (job.resume) data.resume = job.resume;
      if (job.created) data.wf = { id: job.created.run.workflowId, version: job.created.run.workflowVersion };
      // One job id per run, and jobs are removed when they end: a run has at most one job in
      // flight, so no two workers drive it at once (start-up recovery of several processes, a
      // duplicate delivery). A plain submit that finds a job of the run joins it; a resume that
      // finds another job (BullMQ then keeps the old one) waits for it to end and tries again.
      const before = job.resume ? (await this.opts.runs.getRun(job.runId))?.version : undefined;
      if (before !== undefined) data.version = before;
      for (let attempt = 1; ; attempt++) {
        if (job.resume) data.nonce = randomUUID();
        const added = await this.queue.add('run', data, {
          jobId: `run-${job.runId}`,
          removeOnComplete: true,
          removeOnFail: true,
        });
        const other = job.resume ? await this.isOther(added.id!, data.nonce!, before) : false;
        try {
          await added.waitUntilFinished(this.events);
        } catch (error) {
          // A job removed once ended before this process looked at it reads as "missing": the
          // store says how the run is. A job that failed rejects like the embedded queue does.
          if (!/missing/i.test(String((error as Error).message)) && !other) throw error;
        }
        if (!other || this.closed || attempt >= MAX_RESUME_ATTEMPTS) break;
      }
      return await this.outcome(job.runId);
    } finally {
      await unlisten?.stop();
    }
  }

  /**
   * Whether the job in Redis under this id is another submit's. Gone already: it ended, and it was
   * ours unless the run still waits at the version read before (nobody moved it).
   */
  private async isOther(id: string, nonce: string, before: number | undefined): Promise<boolean> {
    const current = await this.queue.getJob(id);
    if (current) return current.data.nonce !== nonce;
    const run = await this.opts.runs.getRun(id.slice('run-'.length));
    return run?.status === 'waiting' && run.version === before;
  }

  /** The run as the store has it, and its node outputs rebuilt from the recorded steps. */
  private async outcome(runId: string): Promise<RunOutcome> {
    const run = await this.opts.runs.getRun(runId);
    if (!run) throw new Error(`Run ${runId} not found`);
    return { run, runData: runDataFromSteps(await this.opts.runs.listSteps(runId)) };
  }

  private async work(executor: RunQueue, job: Job<BullRunJob>, token?: string): Promise<{ status: string }> {
    const { runId, resume } = job.data;
    this.leases++;
    const owner = randomUUID();
    let group: SlotGroup | null = null;
    let delayed = false;
    try {
      if (await this.spent(job)) return { status: 'spent' };
      group = (await this.slots?.groupOf(job.data)) ?? null;
      if (group && (await this.slots!.claim(runId, group, owner)) === 'full') {
        delayed = true;
        await this.slots!.waitForSlot(job, token, group);
        // BullMQ's way out of a processor that moved its own job: the job is neither done nor failed.
        throw new DelayedError();
      }
      // Answers are always published: a caller may wait for this run from any process.
      const outcome = await executor.submit({
        runId,
        resume,
        respond: (response) => this.answers.respond(runId, response),
      });
      if (isTerminal(outcome.run.status)) this.answers.end(runId);
      return { status: outcome.run.status };
    } catch (error) {
      // Another driver moved the run first (this worker stalled past its lease and the run was
      // taken over, or the reverse): the store refused this drive's write; the other one goes on.
      if (error instanceof StaleRunError) return { status: 'moved' };
      throw error;
    } finally {
      this.leases--;
      if (group && !delayed) await this.slots!.free(runId, group, owner);
    }
  }

  /**
   * A job delivered again after its worker died may have done its work already: the run paused (a
   * plain job) or was resumed and moved on (a resume). Driving it again would end a wait before its
   * time; the store says whether there is anything left to do.
   */
  private async spent(job: Job<BullRunJob>): Promise<boolean> {
    const { resume, version } = job.data;
    const again = (job.stalledCounter ?? 0) > 0 || (job.attemptsStarted ?? 0) > 1;
    if (!resume && !again) return false;
    const run = await this.opts.runs.getRun(job.data.runId);
    if (!run) return false;
    if (resume) return version !== undefined && run.version !== version;
    return run.status === 'waiting';
  }

  /** A run whose job was given up after its workers kept dying: failed, never left "running". */
  private async failLost(runId: string): Promise<void> {
    const run = await this.opts.runs.getRun(runId);
    if (!run || (run.status !== 'running' && run.status !== 'queued')) return;
    await this.opts.runs.transition(runId, run.version, 'failed', {
      finishedAt: new Date(),
      error: {
        message: `The workers driving this run stopped ${MAX_STALLS + 1} times (killed or out of memory)`,
        code: 'WORKER_LOST',
      },
    });
  }

  /** See RunAnswers.watch: answers and the end of a run, whichever process drives it. */
  watch(runId: string, watcher: RunWatcher): () => void {
    return this.answers.watch(runId, watcher);
  }

  /** Last known queue gauge (read every `gaugeIntervalMs`); `active` = leases held here. */
  depth(): { queued: number; active: number } {
    return { queued: this.gauge.waiting, active: this.leases };
  }

  /** Reads the queue counts from Redis now (health, metrics). */
  async stats(): Promise<QueueStats> {
    const c = await this.queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
    this.gauge = {
      waiting: (c.waiting ?? 0) + (c.prioritized ?? 0),
      active: c.active ?? 0,
      delayed: c.delayed ?? 0,
    };
    return { ...this.gauge, leases: this.leases };
  }

  /** Whether this process works jobs (a `worker`, or `start` without `--no-worker`). */
  get works(): boolean {
    return this.worker !== undefined;
  }

  /**
   * Stops taking jobs and waits for the active ones (the executor brings them to a checkpoint);
   * callers still waiting for runs driven elsewhere are let go.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.gaugeTimer);
    await this.worker?.close();
    await this.opts.executor?.close();
    await this.events.close();
    await this.queue.close();
    await Promise.allSettled([...this.submitted]);
    await Promise.allSettled(this.connections.map((c) => c.quit()));
  }

  /**
   * A dead worker, for tests: stops renewing leases and taking jobs without waiting for the jobs in
   * hand, as a SIGKILL would; their leases expire and other workers take them over.
   */
  async abandon(): Promise<void> {
    this.closed = true;
    clearInterval(this.gaugeTimer);
    await this.worker?.close(true);
    this.worker?.disconnect();
    await this.events.close();
    for (const c of this.connections) c.disconnect();
  }
}

/** What the engine rebuilds on load: every recorded node execution, in order (see Engine.load). */
export function runDataFromSteps(steps: readonly StepRecord[]): RunData {
  const runData = new RunData();
  for (const step of [...steps].sort((a, b) => a.seq - b.seq)) {
    if (step.status === 'waiting' || step.status === 'retried') continue;
    runData.add(step.nodeName, { outputs: step.output ?? [], sources: step.sources });
  }
  return runData;
}
