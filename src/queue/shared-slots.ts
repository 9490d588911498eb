/**
 * Per-workflow concurrency limits across BullMQ workers (scale-out): before driving a run of a
 * limited workflow, a worker claims a slot in the store (`claimSlot`, serialised per group in
 * PostgreSQL). A run that finds its group full goes back to BullMQ as a delayed job and joins its
 * group's waiting room (a Redis sorted set, oldest first); a worker that frees a slot promotes the
 * oldest. The delay is a safety net only (a slot freed by a cancel, or by a worker that died):
 * slots are derived from run statuses in the store, so a dead worker never keeps one.
 */
import type { Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Clock } from '../engine/clock.js';
import type { RunRecord, RunStore, WorkflowStore } from '../engine/ports.js';
import { isTerminal } from '../engine/run-state.js';
import type { Workflow } from '../engine/workflow.js';
import type { RunSlotQueries } from '../store/run-slots.js';
import type { BullRunJob } from './bullmq.js';
import { type SlotGroup, slotGroupOf } from './concurrency.js';

/** A run refused a slot tries again after this long at least, and at most (ms). */
const ROOM_MIN_DELAY_MS = 500;
const ROOM_MAX_DELAY_MS = 15_000;
/** Workflow versions read for their limits are kept this long (a deleted workflow may come back). */
const LIMITS_TTL_MS = 60_000;
const LIMITS_CACHE = 500;

export interface SharedSlotsOptions {
  runs: Pick<RunStore, 'getRun'>;
  slots: Pick<RunSlotQueries, 'claimSlot' | 'releaseSlot'>;
  /** Where a run's workflow version is read, for its `settings.concurrency`. */
  workflows: Pick<WorkflowStore, 'getWorkflowVersion'>;
  /** Holds the waiting rooms. */
  redis: Redis;
  /** The run queue, whose delayed jobs a freed slot promotes. */
  queue: Queue<BullRunJob, unknown>;
  prefix: string;
  clock: Clock;
  onError?: (runId: string, error: unknown) => void;
}

export class SharedSlots {
  private readonly limits = new Map<string, { doc: Workflow | null; at: number }>();

  constructor(private readonly opts: SharedSlotsOptions) {}

  /** The run's concurrency group, or null when its workflow sets no limit (or it is over already). */
  async groupOf(data: BullRunJob): Promise<SlotGroup | null> {
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
    return slotGroupOf(run, doc, this.opts.clock, (error) => this.opts.onError?.(run.id, error));
  }

  private async workflowVersion(id: string, version: number): Promise<Workflow | null> {
    const key = `${id}\u0000${version}`;
    const now = Date.now();
    const cached = this.limits.get(key);
    if (cached && now - cached.at < LIMITS_TTL_MS) return cached.doc;
    const doc = await this.opts.workflows.getWorkflowVersion(id, version);
    if (this.limits.size >= LIMITS_CACHE) this.limits.delete(this.limits.keys().next().value!);
    this.limits.set(key, { doc, at: now });
    return doc;
  }

  /** Claims a slot for this drive; a run moved meanwhile is read again (a few times at most). */
  async claim(runId: string, group: SlotGroup, owner: string): Promise<'ok' | 'full'> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const run = await this.opts.runs.getRun(runId);
      if (!run || isTerminal(run.status)) return 'ok';
      const result = await this.opts.slots.claimSlot({
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
        await this.opts.redis.zrem(this.roomKey(group), runId);
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
  async waitForSlot(job: Job<BullRunJob>, token: string | undefined, group: SlotGroup): Promise<void> {
    const room = this.roomKey(group);
    const now = Date.now();
    const [, since] = (await this.opts.redis
      .multi()
      .zadd(room, 'NX', now, job.data.runId)
      .zscore(room, job.data.runId)
      .exec()) as [unknown, [Error | null, string | null]][];
    const waited = now - Number(since[1] ?? now);
    const base = Math.min(ROOM_MAX_DELAY_MS, Math.max(ROOM_MIN_DELAY_MS, waited / 4));
    await job.moveToDelayed(now + Math.round(base * (0.75 + Math.random() / 2)), token);
  }

  /** The drive ended: its claim goes, and the oldest run waiting for a slot of the group is woken. */
  async free(runId: string, group: SlotGroup, owner: string): Promise<void> {
    try {
      await this.opts.slots.releaseSlot(runId, owner);
      const room = this.roomKey(group);
      const heads = await this.opts.redis.zrange(room, '0', '4');
      for (const head of heads) {
        const job = await this.opts.queue.getJob(`run-${head}`);
        const state = job ? await job.getState() : 'unknown';
        if (state === 'delayed') {
          await job!.promote().catch(() => undefined);
          return;
        }
        // Already on its way to a worker: it takes the freed slot.
        if (state === 'waiting' || state === 'active' || state === 'prioritized') return;
        // Its job is gone (the run ended or was canceled): it waits for nothing any more.
        await this.opts.redis.zrem(room, head);
      }
    } catch (error) {
      this.opts.onError?.(runId, error);
    }
  }

  private roomKey(group: SlotGroup): string {
    return `${this.opts.prefix}:slots:${JSON.stringify([group.workflowId, group.key])}`;
  }
}
