/**
 * Queries over runs for the run queue and start-up recovery (issue "Durable execution", points 1
 * and 8), all bounded so that a million waiting runs cost disk, not memory:
 * - concurrency slots, derivable from the store by any process (migration 0006): a run holds a slot
 *   of its workflow's group `concurrency_key` while `running`, or `waiting` with `concurrency_hold`,
 *   or while a worker's claim made at its current version stands (migration 0009: a queued run, or a
 *   waiting run being resumed, is driven up to its first commit without changing its status);
 * - the claim itself (`claimSlot`), serialised per group so that workers of several processes never
 *   take more than `max` slots between them;
 * - keyset pages of runs to resume, and of timed waits whose timer row is missing (an anti-join,
 *   one pass over the waiting runs, never the whole list in memory).
 */
import { type SqlBool, sql } from 'kysely';
import type { RunStatus } from '../engine/run-state.js';
import type { StoreDialect } from './dialects/types.js';
import { heldLiteral } from './migrations/0006_retention.js';

/** Where a run stands for the concurrency limits of its workflow. */
export interface ConcurrencyGroup {
  /** The evaluated `settings.concurrency.key` (`''` without a key). */
  key: string;
  /** Whether the run keeps its slot while it waits. */
  hold: boolean;
}

export interface HeldRun {
  id: string;
  workflowId: string;
  key: string;
}

/** Position in (created_at, id) order, oldest first, for keyset pages. */
export interface RunPosition {
  createdAt: Date;
  id: string;
}

export interface WaitWithoutTimer extends RunPosition {
  version: number;
  waitTill: Date;
}

/** What `claimSlot` needs: the run at the version its driver read, and its group's limit. */
export interface SlotClaim {
  runId: string;
  expectedVersion: number;
  workflowId: string;
  key: string;
  hold: boolean;
  max: number;
  /** The claiming drive (a fresh id per drive). */
  owner: string;
}

/**
 * `claimed`: the slot is the run's now. `held`: it had one already (running, a waiting run keeping
 * its slot, or a claim at this version by a driver that died). `full`: every slot is taken by
 * other runs. `moved`: the run is not at the expected version or is over (someone else moved it).
 */
export type SlotClaimResult = 'claimed' | 'held' | 'full' | 'moved';

export interface RunSlotQueries {
  /** Records the run's concurrency group on its row (the first submit of a limited run does it). */
  setConcurrencyGroup(runId: string, group: ConcurrencyGroup): Promise<void>;
  /** Waiting runs of these workflows that keep their slot (a partial index holds only them). */
  listHeldRuns(workflowIds: readonly string[]): Promise<HeldRun[]>;
  /** Slots of a group taken now: its running runs, its waiting runs that keep their slot, and standing claims. */
  countTakenSlots(workflowId: string, key: string): Promise<number>;
  /**
   * Takes a slot of the run's group for its driver if one is free, in one transaction serialised
   * per group (a PostgreSQL advisory lock on workflow + key; SQLite has one writer anyway).
   */
  claimSlot(claim: SlotClaim): Promise<SlotClaimResult>;
  /** The drive of `owner` ended: its claim (if it is still its own) no longer holds a slot. */
  releaseSlot(runId: string, owner: string): Promise<void>;
  /** Runs in these statuses after `after`, oldest first, `limit` at most (ids and positions only). */
  pageRunIds(statuses: readonly RunStatus[], limit: number, after?: RunPosition): Promise<RunPosition[]>;
  /**
   * Timed waits (`waiting` with a `wait_till`) that have no timer row, after `after`, oldest first:
   * what a crash between a pause and its timer write leaves behind. One bounded anti-join per page.
   */
  listWaitsWithoutTimer(limit: number, after?: RunPosition): Promise<WaitWithoutTimer[]>;
}

export function createRunSlotQueries(dialect: StoreDialect): RunSlotQueries {
  const { db, codec, caps } = dialect;
  const held = sql.raw(heldLiteral(caps));
  const after = (position: RunPosition | undefined) =>
    position
      ? sql<SqlBool>`(runs.created_at, runs.id) > (${codec.date(position.createdAt)}, ${position.id})`
      : sql<SqlBool>`1 = 1`;

  return {
    async setConcurrencyGroup(runId, group) {
      await db
        .updateTable('runs')
        .set({ concurrency_key: group.key, concurrency_hold: codec.bool(group.hold) })
        .where('id', '=', runId)
        .execute();
    },

    async listHeldRuns(workflowIds) {
      if (workflowIds.length === 0) return [];
      const rows = await db
        .selectFrom('runs')
        .select(['id', 'workflow_id', 'concurrency_key'])
        .where('workflow_id', 'in', [...workflowIds])
        // Literal, not bound: the planner matches it against the partial index `runs_held`.
        .where(sql<SqlBool>`status = 'waiting' and concurrency_hold = ${held}`)
        .execute();
      return rows.map((r) => ({ id: r.id, workflowId: r.workflow_id, key: r.concurrency_key ?? '' }));
    },

    async countTakenSlots(workflowId, key) {
      const claimed = await db
        .selectFrom('runs')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('workflow_id', '=', workflowId)
        .where('concurrency_key', '=', key)
        .where(sql<SqlBool>`slot_version is not null and slot_version = version`)
        .where(sql<SqlBool>`(status = 'queued' or (status = 'waiting' and concurrency_hold <> ${held}))`)
        .executeTakeFirstOrThrow();
      const running = await db
        .selectFrom('runs')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('workflow_id', '=', workflowId)
        .where('concurrency_key', '=', key)
        .where('status', '=', 'running')
        .executeTakeFirstOrThrow();
      const waiting = await db
        .selectFrom('runs')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('workflow_id', '=', workflowId)
        .where('concurrency_key', '=', key)
        .where(sql<SqlBool>`status = 'waiting' and concurrency_hold = ${held}`)
        .executeTakeFirstOrThrow();
      // PostgreSQL returns count(*) as a bigint string.
      return Number(running.n) + Number(waiting.n) + Number(claimed.n);
    },

    async claimSlot(claim) {
      return db.transaction().execute(async (trx) => {
        if (dialect.name === 'postgres') {
          // Held until the transaction ends: two workers claiming in one group take turns.
          await sql`select pg_advisory_xact_lock(hashtext(${claim.workflowId}), hashtext(${claim.key}))`.execute(
            trx,
          );
        }
        const run = await trx
          .selectFrom('runs')
          .select(['status', 'version', 'slot_version', 'concurrency_hold'])
          .where('id', '=', claim.runId)
          .executeTakeFirst();
        if (!run || run.version !== claim.expectedVersion) return 'moved';
        const holds =
          run.status === 'running' ||
          (run.status === 'waiting' && Boolean(run.concurrency_hold)) ||
          run.slot_version === run.version;
        if (run.status !== 'queued' && run.status !== 'waiting' && run.status !== 'running') return 'moved';
        if (!holds) {
          const taken = await trx
            .selectFrom('runs')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('workflow_id', '=', claim.workflowId)
            .where('concurrency_key', '=', claim.key)
            .where('id', '<>', claim.runId)
            .where(
              sql<SqlBool>`(status = 'running' or (status = 'waiting' and concurrency_hold = ${held}) or (slot_version = version and status in ('queued', 'waiting')))`,
            )
            .executeTakeFirstOrThrow();
          if (Number(taken.n) >= claim.max) return 'full';
        }
        if (run.status === 'running') return 'held';
        // The group goes on the row with the claim: counted by whoever claims next in this group.
        await trx
          .updateTable('runs')
          .set({
            slot_version: run.version,
            slot_owner: claim.owner,
            ...(run.status === 'queued' && {
              concurrency_key: claim.key,
              concurrency_hold: codec.bool(claim.hold),
            }),
          })
          .where('id', '=', claim.runId)
          .where('version', '=', claim.expectedVersion)
          .execute();
        return holds ? 'held' : 'claimed';
      });
    },

    async releaseSlot(runId, owner) {
      await db
        .updateTable('runs')
        .set({ slot_version: null, slot_owner: null })
        .where('id', '=', runId)
        .where('slot_owner', '=', owner)
        .execute();
    },

    async pageRunIds(statuses, limit, position) {
      if (statuses.length === 0 || limit <= 0) return [];
      const rows = await db
        .selectFrom('runs')
        .select(['id', 'created_at'])
        .where('status', 'in', [...statuses])
        .where(after(position))
        .orderBy('created_at')
        .orderBy('id')
        .limit(limit)
        .execute();
      return rows.map((r) => ({ id: r.id, createdAt: codec.readDate(r.created_at) }));
    },

    async listWaitsWithoutTimer(limit, position) {
      if (limit <= 0) return [];
      const rows = await db
        .selectFrom('runs')
        .select(['runs.id', 'runs.created_at', 'runs.version', 'runs.wait_till'])
        .where('runs.status', '=', 'waiting')
        .where('runs.wait_till', 'is not', null)
        .where(after(position))
        .where(({ not, exists, selectFrom }) =>
          not(exists(selectFrom('timers').select('timers.id').whereRef('timers.run_id', '=', 'runs.id'))),
        )
        .orderBy('runs.created_at')
        .orderBy('runs.id')
        .limit(limit)
        .execute();
      return rows.map((r) => ({
        id: r.id,
        createdAt: codec.readDate(r.created_at),
        version: r.version,
        waitTill: codec.readDate(r.wait_till),
      }));
    },
  };
}
