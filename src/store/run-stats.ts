/**
 * Aggregates over runs for the API: per-workflow stats on an automation list page, and the
 * dashboard's counts per time bucket, per workflow and in flight. Each is one grouped statement,
 * never a query per row. Test runs (`is_test`) are left out: they are not what a workflow did.
 */
import { type RawBuilder, sql } from 'kysely';
import type { ErrorDetails } from '../engine/errors.js';
import type { RunStatus } from '../engine/run-state.js';
import type { StoreDialect } from './dialects/types.js';

/** The `stats` block of an automation (seeds/002). */
export interface WorkflowRunStats {
  totalRuns: number;
  successfulRuns: number;
  failedRuns: number;
  lastRunAt: Date | null;
  /** Message of the latest failed run. */
  lastError: string | null;
}

export interface RunWindow {
  /** Inclusive. */
  from: Date;
  /** Exclusive. */
  to: Date;
}

export interface RunCountBucket {
  /** Start of the bucket (a multiple of its size since the epoch, so hours and days are UTC). */
  start: Date;
  status: RunStatus;
  count: number;
}

export interface WorkflowRunCounts {
  workflowId: string;
  /** Null when the workflow was deleted since (its runs stay as history). */
  name: string | null;
  counts: Partial<Record<RunStatus, number>>;
}

export interface RunStatsQueries {
  /** Stats of each given workflow that has runs (workflows without runs are absent). */
  workflowStats(workflowIds: readonly string[]): Promise<Map<string, WorkflowRunStats>>;
  /** Runs created in the window, per bucket of `bucketMs` and status; empty buckets are absent. */
  countRunsByBucket(window: RunWindow, bucketMs: number): Promise<RunCountBucket[]>;
  /** Runs created in the window, per workflow and status. */
  countRunsByWorkflow(window: RunWindow): Promise<WorkflowRunCounts[]>;
  /** Runs in the given statuses right now, whenever created, test runs included: they load the machine too. */
  countRunsByStatus(statuses: readonly RunStatus[]): Promise<Partial<Record<RunStatus, number>>>;
}

/** `sum(case when status = '<status>' then 1 else 0 end)`: literals, so both dialects type it as an integer. */
function countWhere(status: RunStatus): RawBuilder<number | string> {
  return sql<number | string>`sum(case when status = ${sql.lit(status)} then 1 else 0 end)`;
}

export function createRunStats(dialect: StoreDialect): RunStatsQueries {
  const { db, codec, caps } = dialect;
  const notTest = codec.bool(false);

  /** Epoch milliseconds of `created_at` rounded down to a multiple of `size`, per the date column type. */
  const bucketOf = (size: number): RawBuilder<number | string> =>
    caps.dateColumnType === 'integer'
      ? sql<number>`(created_at / ${sql.lit(size)}) * ${sql.lit(size)}`
      : sql<string>`floor(extract(epoch from created_at) * 1000 / ${sql.lit(size)}) * ${sql.lit(size)}`;

  return {
    async workflowStats(workflowIds) {
      const stats = new Map<string, WorkflowRunStats>();
      if (workflowIds.length === 0) return stats;
      const rows = await db
        .selectFrom('runs')
        .select((eb) => [
          'runs.workflow_id',
          eb.fn.countAll<number | string>().as('total'),
          countWhere('succeeded').as('succeeded'),
          countWhere('failed').as('failed'),
          eb.fn.max('runs.created_at').as('last_run_at'),
          // Correlated on the grouped column: one index seek per workflow (runs_workflow_status).
          eb
            .selectFrom('runs as f')
            .select('f.error')
            .whereRef('f.workflow_id', '=', 'runs.workflow_id')
            .where('f.status', '=', 'failed')
            .where('f.is_test', '=', notTest)
            .orderBy('f.created_at', 'desc')
            .orderBy('f.id', 'desc')
            .limit(1)
            .as('last_error'),
        ])
        .where('runs.workflow_id', 'in', [...workflowIds])
        .where('runs.is_test', '=', notTest)
        .groupBy('runs.workflow_id')
        .execute();
      for (const row of rows) {
        const error = row.last_error == null ? null : codec.readJson<ErrorDetails>(row.last_error);
        stats.set(row.workflow_id, {
          totalRuns: Number(row.total),
          successfulRuns: Number(row.succeeded),
          failedRuns: Number(row.failed),
          lastRunAt: row.last_run_at == null ? null : codec.readDate(row.last_run_at),
          lastError: error?.message ?? null,
        });
      }
      return stats;
    },

    async countRunsByBucket(window, bucketMs) {
      if (!Number.isInteger(bucketMs) || bucketMs <= 0)
        throw new RangeError('bucketMs must be a positive integer');
      const rows = await db
        .selectFrom('runs')
        .select((eb) => [
          bucketOf(bucketMs).as('bucket'),
          'status',
          eb.fn.countAll<number | string>().as('count'),
        ])
        .where('created_at', '>=', codec.date(window.from))
        .where('created_at', '<', codec.date(window.to))
        .where('is_test', '=', notTest)
        // By position: PostgreSQL would not match two copies of the bucket expression otherwise.
        .groupBy([sql`1`, sql`2`])
        .orderBy(sql`1`)
        .orderBy('status')
        .execute();
      return rows.map((row) => ({
        start: new Date(Number(row.bucket)),
        status: row.status,
        count: Number(row.count),
      }));
    },

    async countRunsByWorkflow(window) {
      const rows = await db
        .selectFrom('runs')
        .leftJoin('workflows', 'workflows.id', 'runs.workflow_id')
        .select((eb) => [
          'runs.workflow_id',
          'workflows.name',
          'runs.status',
          eb.fn.countAll<number | string>().as('count'),
        ])
        .where('runs.created_at', '>=', codec.date(window.from))
        .where('runs.created_at', '<', codec.date(window.to))
        .where('runs.is_test', '=', notTest)
        .groupBy(['runs.workflow_id', 'workflows.name', 'runs.status'])
        .orderBy('runs.workflow_id')
        .execute();
      const byWorkflow = new Map<string, WorkflowRunCounts>();
      for (const row of rows) {
        let entry = byWorkflow.get(row.workflow_id);
        if (!entry) {
          entry = { workflowId: row.workflow_id, name: row.name ?? null, counts: {} };
          byWorkflow.set(row.workflow_id, entry);
        }
        entry.counts[row.status] = Number(row.count);
      }
      return [...byWorkflow.values()];
    },

    async countRunsByStatus(statuses) {
      const counts: Partial<Record<RunStatus, number>> = {};
      if (statuses.length === 0) return counts;
      const rows = await db
        .selectFrom('runs')
        .select((eb) => ['status', eb.fn.countAll<number | string>().as('count')])
        .where('status', 'in', [...statuses])
        .groupBy('status')
        .execute();
      for (const row of rows) counts[row.status] = Number(row.count);
      return counts;
    },
  };
}
