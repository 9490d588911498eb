/**
 * Queries over runs for the run queue and start-up recovery (issue "Durable execution", points 1
 * and 8), all bounded so that a million waiting runs cost disk, not memory:
 * - concurrency slots, derivable from the store by any process (migration 0006): a run holds a slot
 *   of its workflow's group `concurrency_key` while `running`, or `waiting` with `concurrency_hold`;
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

export interface RunSlotQueries {
  /** Records the run's concurrency group on its row (the first submit of a limited run does it). */
  setConcurrencyGroup(runId: string, group: ConcurrencyGroup): Promise<void>;
  /** Waiting runs of these workflows that keep their slot (a partial index holds only them). */
  listHeldRuns(workflowIds: readonly string[]): Promise<HeldRun[]>;
  /** Slots of a group taken now: its running runs plus its waiting runs that keep their slot. */
  countTakenSlots(workflowId: string, key: string): Promise<number>;
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
      return Number(running.n) + Number(waiting.n);
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
