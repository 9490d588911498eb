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
 * Respond to Webhook answers cannot cross processes as callbacks: the worker publishes them, and
 * the end of each drive that finishes a run, on a Redis channel named after the run; the process
 * whose caller waits listens to it (`watch`) for as long as the caller waits, so an answer given
 * after a Wait, by whichever worker resumed the run, still reaches it.
 *
 * Per-workflow concurrency limits hold across workers: before driving a run of a limited workflow, a
 * worker claims a slot in the store (`claimSlot`, serialised per group in PostgreSQL). A run that
 * finds its group full goes back to BullMQ as a delayed job and joins its group's waiting room (a
 * Redis sorted set, oldest first); a worker that frees a slot promotes the oldest. The delay is a
 * safety net only (a slot freed by a cancel, or by a worker that died): slots are derived from run
 * statuses in the store, so a dead worker never keeps one.
 */
import { randomUUID } from 'node:crypto';
import { DelayedError, type Job, Queue, QueueEvents, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { type Clock, systemClock } from '../engine/clock.js';
import { type RespondCallback, type ResumeInput, type RunOutcome, StaleRunError } from '../engine/engine.js';
import type { RunRecord, RunStore, StepRecord, WorkflowStore } from '../engine/ports.js';
import { RunData } from '../engine/run-data.js';
import { isTerminal } from '../engine/run-state.js';
import type { Workflow } from '../engine/workflow.js';
import type { RunSlotQueries } from '../store/run-slots.js';
import { type SlotGroup, slotGroupOf } from './concurrency.js';
import { DEFAULT_CONCURRENCY, type RunJob, type RunQueue } from './contract.js';

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

/** What a process waiting for a run driven elsewhere is told (see `watch`). */
export interface RunWatcher {
  respond(response: Parameters<RespondCallback>[0]): void;
  /** The run ended (read back from the store). */
  finish(run: RunRecord): void;
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

const RESPOND_CHANNEL = (prefix: string, runId: string) => `${prefix}:respond:${runId}`;

/** A run refused a slot tries again after this long at least, and at most (ms). */
const ROOM_MIN_DELAY_MS = 500;
const ROOM_MAX_DELAY_MS = 15_000;
/** Workflow versions read for their limits are kept this long (a deleted workflow may come back). */
const LIMITS_TTL_MS = 60_000;
const LIMITS_CACHE = 500;

type Message = { t: 'respond'; r: unknown } | { t: 'end' };

interface Subscription {
  watchers: Set<RunWatcher>;
  /** SUBSCRIBE acknowledged: nothing published after it is missed. */
  ready: Promise<unknown>;
}

export class BullMqQueue implements RunQueue {
  readonly queue: Queue<BullRunJob, { status: string }>;
  private readonly events: QueueEvents;
  private readonly worker: Worker<BullRunJob, { status: string }> | undefined;
  private readonly prefix: string;
  private readonly publisher: Redis;
  /** BullMQ never closes connections it is given: this queue quits them itself. */
  private readonly connections: Redis[] = [];
  private subscriber: Redis | undefined;
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly limits = new Map<string, { doc: Workflow | null; at: number }>();
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
    this.queue = new Queue(name, { connection: this.publisher, prefix: this.prefix });
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
            () => this.publish(job.data.runId, { t: 'end' }),
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
    const unlisten = respond ? this.listen(job.runId, { respond, finish: () => {} }) : undefined;
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
      group = await this.groupOf(job.data);
      if (group && (await this.claim(runId, group, owner)) === 'full') {
        delayed = true;
        await this.waitForSlot(job, token, group);
        // BullMQ's way out of a processor that moved its own job: the job is neither done nor failed.
        throw new DelayedError();
      }
      // Answers are always published: a caller may wait for this run from any process.
      const outcome = await executor.submit({
        runId,
        resume,
        respond: (response) => this.publish(runId, { t: 'respond', r: encodeResponse(response) }),
      });
      if (isTerminal(outcome.run.status)) this.publish(runId, { t: 'end' });
      return { status: outcome.run.status };
    } catch (error) {
      // Another driver moved the run first (this worker stalled past its lease and the run was
      // taken over, or the reverse): the store refused this drive's write; the other one goes on.
      if (error instanceof StaleRunError) return { status: 'moved' };
      throw error;
    } finally {
      this.leases--;
      if (group && !delayed) await this.freeSlot(runId, group, owner);
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

  /** The run's concurrency group, or null when its workflow sets no limit (or it is over already). */
  private async groupOf(data: BullRunJob): Promise<SlotGroup | null> {
    if (!this.opts.slots || !this.opts.workflows) return null;
    let run: RunRecord | null = null;
    let wf = data.wf;
    if (!wf) {
      run = await this.opts.runs.getRun(data.runId);
      if (!run) return null;
      wf = { id: run.workflowId, version: run.workflowVersion };
    }
    const doc = await this.workflowVersion(wf.id, wf.version);
    if (!doc?.settings.concurrency) return null;
    run ??= await this.opts.runs.getRun(data.runId);
    if (!run || isTerminal(run.status)) return null;
    return slotGroupOf(run, doc, this.clock, (error) => this.opts.onError?.(run.id, error));
  }

  private async workflowVersion(id: string, version: number): Promise<Workflow | null> {
    const key = `${id}\u0000${version}`;
    const now = Date.now();
    const cached = this.limits.get(key);
    if (cached && now - cached.at < LIMITS_TTL_MS) return cached.doc;
    const doc = (await this.opts.workflows?.getWorkflowVersion(id, version)) ?? null;
    if (this.limits.size >= LIMITS_CACHE) this.limits.delete(this.limits.keys().next().value!);
    this.limits.set(key, { doc, at: now });
    return doc;
  }

  /** Claims a slot for this drive; a run moved meanwhile is read again (a few times at most). */
  private async claim(runId: string, group: SlotGroup, owner: string): Promise<'ok' | 'full'> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const run = await this.opts.runs.getRun(runId);
      if (!run || isTerminal(run.status)) return 'ok';
      const result = await this.opts.slots!.claimSlot({
        runId,
        expectedVersion: run.version,
        workflowId: group.workflowId,
        key: group.key,
        hold: group.hold,
        max: group.max,
        owner,
      });
      if (result === 'full') return 'full';
      if (result !== 'moved') {
        await this.publisher.zrem(this.roomKey(group), runId);
        return 'ok';
      }
    }
    // Still moving under us: the executor reads it once more and the store refuses stale writes.
    return 'ok';
  }

  /**
   * The group is full: the run joins its waiting room (keeping its first place) and its job goes
   * back to BullMQ, delayed. A freed slot promotes the oldest of the room; the delay, longer the
   * longer the run has waited (its place keeps it first anyway), only covers slots freed unseen.
   */
  private async waitForSlot(
    job: Job<BullRunJob>,
    token: string | undefined,
    group: SlotGroup,
  ): Promise<void> {
    const room = this.roomKey(group);
    const now = Date.now();
    const [, since] = (await this.publisher
      .multi()
      .zadd(room, 'NX', now, job.data.runId)
      .zscore(room, job.data.runId)
      .exec()) as [unknown, [Error | null, string | null]][];
    const waited = now - Number(since[1] ?? now);
    const base = Math.min(ROOM_MAX_DELAY_MS, Math.max(ROOM_MIN_DELAY_MS, waited / 4));
    await job.moveToDelayed(now + Math.round(base * (0.75 + Math.random() / 2)), token);
  }

  /** The drive ended: its claim goes, and the oldest run waiting for a slot of the group is woken. */
  private async freeSlot(runId: string, group: SlotGroup, owner: string): Promise<void> {
    try {
      await this.opts.slots!.releaseSlot(runId, owner);
      const room = this.roomKey(group);
      const heads = await this.publisher.zrange(room, '0', '4');
      for (const head of heads) {
        const job = await this.queue.getJob(`run-${head}`);
        const state = job ? await job.getState() : 'unknown';
        if (state === 'delayed') {
          await job!.promote().catch(() => undefined);
          return;
        }
        // Already on its way to a worker: it takes the freed slot.
        if (state === 'waiting' || state === 'active' || state === 'prioritized') return;
        // Its job is gone (the run ended or was canceled): it waits for nothing any more.
        await this.publisher.zrem(room, head);
      }
    } catch (error) {
      this.opts.onError?.(runId, error);
    }
  }

  private roomKey(group: SlotGroup): string {
    return `${this.prefix}:slots:${JSON.stringify([group.workflowId, group.key])}`;
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

  private publish(runId: string, message: Message): void {
    this.publisher
      .publish(RESPOND_CHANNEL(this.prefix, runId), JSON.stringify(message))
      .catch((error) => this.opts.onError?.(runId, error));
  }

  /**
   * Tells `watcher` the answers and the end of the run, whichever process drives it, until the
   * returned function is called (a webhook caller waits for a run that may pause and resume
   * elsewhere). The webhook ingress calls it for every caller it keeps waiting.
   */
  watch(runId: string, watcher: RunWatcher): () => void {
    const { stop } = this.listen(runId, watcher);
    return () => void stop();
  }

  private listen(runId: string, watcher: RunWatcher): { ready: Promise<unknown>; stop: () => Promise<void> } {
    if (!this.subscriber) {
      this.subscriber = new Redis(this.opts.redisUrl, { maxRetriesPerRequest: null });
      this.connections.push(this.subscriber);
      this.subscriber.on('message', (channel: string, text: string) => {
        const id = channel.slice(`${this.prefix}:respond:`.length);
        this.deliver(id, text).catch((error) => this.opts.onError?.(id, error));
      });
    }
    const subscriber = this.subscriber;
    const channel = RESPOND_CHANNEL(this.prefix, runId);
    let sub = this.subscriptions.get(runId);
    if (!sub) {
      // Commands on one connection run in order: an UNSUBSCRIBE of an earlier watch cannot overtake it.
      sub = { watchers: new Set(), ready: subscriber.subscribe(channel).catch(() => undefined) };
      this.subscriptions.set(runId, sub);
    }
    const mine = sub;
    mine.watchers.add(watcher);
    return {
      ready: mine.ready,
      stop: async () => {
        mine.watchers.delete(watcher);
        if (mine.watchers.size === 0 && this.subscriptions.get(runId) === mine) {
          this.subscriptions.delete(runId);
          await subscriber.unsubscribe(channel).catch(() => undefined);
        }
      },
    };
  }

  private async deliver(runId: string, text: string): Promise<void> {
    const watchers = this.subscriptions.get(runId)?.watchers;
    if (!watchers || watchers.size === 0) return;
    const message = JSON.parse(text) as Message;
    if (message.t === 'respond') {
      const response = decodeResponse(message.r);
      for (const w of [...watchers]) w.respond(response);
      return;
    }
    const run = await this.opts.runs.getRun(runId);
    if (run) for (const w of [...watchers]) w.finish(run);
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

type Response = Parameters<RespondCallback>[0];

/** JSON for the channel; binary bodies travel as base64. */
function encodeResponse(r: Response): unknown {
  const body =
    r.body instanceof Uint8Array ? { $base64: Buffer.from(r.body).toString('base64') } : { json: r.body };
  return { status: r.status, headers: r.headers, body };
}

function decodeResponse(raw: unknown): Response {
  const r = raw as {
    status: number;
    headers: Record<string, string>;
    body: { $base64?: string; json?: unknown };
  };
  const body = r.body.$base64 !== undefined ? Buffer.from(r.body.$base64, 'base64') : r.body.json;
  return { status: r.status, headers: r.headers, body };
}
