/**
 * What is kept of finished runs (issue "Durable execution", point 9; ARCHITECTURE decision 4):
 * - `dropRunData` applies a workflow's `saveData` to one succeeded run: its payloads (trigger
 *   items, step inputs/outputs, log lines, node state) or its steps altogether go; the run row
 *   stays, with status and timings, so counts and stats stay true;
 * - `pruneOlderThan` / `pruneWorkflowBefore` delete whole finished runs in bounded batches (steps,
 *   payloads and timers go by ON DELETE CASCADE). Runs that are queued, running or waiting are
 *   never touched: every DELETE names the finished statuses itself, so a run cannot start
 *   meanwhile and be deleted under its driver.
 *
 * Step payloads already live apart from the runs table (`step_data`, migration 0001), so dropping
 * them never rewrites a run row, and SQLite keeps big values in overflow pages that a delete frees
 * whole; `Store.reclaimSpace()` then returns them to the file system (incremental vacuum).
 */
import { type SqlBool, sql } from 'kysely';
import type { RunStatus } from '../engine/run-state.js';
import type { StoreDialect } from './dialects/types.js';
import type { RunPosition } from './run-slots.js';

/** Statuses whose runs may be pruned: nothing will ever drive them again. */
export const FINISHED_STATUSES: readonly RunStatus[] = ['succeeded', 'failed', 'canceled'];

/** `payloads`: `saveData: 'errors'` on a succeeded run. `steps`: `saveData: 'none'`. */
export type DropLevel = 'payloads' | 'steps';

export interface WorkflowOverCount {
  workflowId: string;
  /** The oldest finished run to keep; finished runs before it go. */
  keepFrom: RunPosition;
}

export interface RetentionStore {
  /**
   * Drops the data of a succeeded run (the only status `saveData` thins out). Returns false when
   * the run is not (or no longer) there or did not succeed. Idempotent.
   */
  dropRunData(runId: string, level: DropLevel): Promise<boolean>;
  /** Deletes up to `limit` finished runs created before `cutoff`, oldest first; returns how many. */
  pruneOlderThan(cutoff: Date, limit: number): Promise<number>;
  /** Workflows with more than `keep` finished runs, each with the oldest of its `keep` newest. */
  workflowsOverCount(keep: number): Promise<WorkflowOverCount[]>;
  /** Deletes up to `limit` finished runs of a workflow created before `before`, oldest first. */
  pruneWorkflowBefore(workflowId: string, before: RunPosition, limit: number): Promise<number>;
}

export function createRetentionStore(dialect: StoreDialect): RetentionStore {
  const { db, codec } = dialect;
  const finished = [...FINISHED_STATUSES];
  const before = (position: RunPosition) =>
    sql<SqlBool>`(created_at, id) < (${codec.date(position.createdAt)}, ${position.id})`;

  /** One DELETE whose subquery picks the batch: atomic on both databases, bounded by `limit`. */
  async function deleteBatch(
    where: (q: ReturnType<typeof candidates>) => ReturnType<typeof candidates>,
    limit: number,
  ): Promise<number> {
    if (limit <= 0) return 0;
    const batch = where(candidates()).orderBy('created_at').orderBy('id').limit(limit);
    const result = await db
      .deleteFrom('runs')
      .where('id', 'in', batch)
      .where('status', 'in', finished)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  function candidates() {
    return db.selectFrom('runs').select('id').where('status', 'in', finished);
  }

  return {
    async dropRunData(runId, level) {
      return db.transaction().execute(async (trx) => {
        // The run row first: it decides (succeeded, present) and locks the run on PostgreSQL.
        const run = await trx
          .updateTable('runs')
          .set({ trigger_items: codec.json([]), checkpoint: null })
          .where('id', '=', runId)
          .where('status', '=', 'succeeded')
          .executeTakeFirst();
        if (Number(run.numUpdatedRows) === 0) return false;
        if (level === 'steps') {
          await trx.deleteFrom('steps').where('run_id', '=', runId).execute();
        } else {
          await trx.deleteFrom('step_data').where('run_id', '=', runId).execute();
          await trx
            .updateTable('steps')
            .set({ logs: codec.json([]) })
            .where('run_id', '=', runId)
            .execute();
        }
        return true;
      });
    },

    pruneOlderThan(cutoff, limit) {
      return deleteBatch((q) => q.where('created_at', '<', codec.date(cutoff)), limit);
    },

    async workflowsOverCount(keep) {
      if (keep <= 0) return [];
      const over = await db
        .selectFrom('runs')
        .select(['workflow_id', (eb) => eb.fn.countAll().as('n')])
        .where('status', 'in', finished)
        .groupBy('workflow_id')
        .having((eb) => eb.fn.countAll(), '>', keep)
        .execute();
      const result: WorkflowOverCount[] = [];
      for (const { workflow_id: workflowId } of over) {
        // Walks `runs_workflow_created` from the newest: `keep` index entries, not the whole history.
        const row = await db
          .selectFrom('runs')
          .select(['created_at', 'id'])
          .where('workflow_id', '=', workflowId)
          .where('status', 'in', finished)
          .orderBy('created_at', 'desc')
          .orderBy('id', 'desc')
          .limit(1)
          .offset(keep - 1)
          .executeTakeFirst();
        if (row)
          result.push({ workflowId, keepFrom: { createdAt: codec.readDate(row.created_at), id: row.id } });
      }
      return result;
    },

    pruneWorkflowBefore(workflowId, position, limit) {
      return deleteBatch((q) => q.where('workflow_id', '=', workflowId).where(before(position)), limit);
    },
  };
}
