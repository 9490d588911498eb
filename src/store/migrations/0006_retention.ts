/**
 * Concurrency slots on the run row (issue "Durable execution", point 8), so that any process can
 * count who holds a workflow's (or a key's) slots from the store alone:
 * - `concurrency_key`: the value of the workflow's `settings.concurrency.key` for this run's trigger
 *   item (`''` for a limited workflow without a key; NULL for runs of unlimited workflows);
 * - `concurrency_hold`: the run keeps its slot while it waits (`holdWhileWaiting`, fixed by the
 *   workflow version the run started on).
 * A slot is held by a run that is `running`, or `waiting` with `concurrency_hold`.
 *
 * Pruning (point 9) reads finished runs by status and age through `runs_status_created`, and per
 * workflow through `runs_workflow_created` (both from 0001): it needs no index of its own.
 */
import { type Kysely, type Migration, type SqlBool, sql } from 'kysely';
import type { DialectCapabilities } from '../dialects/types.js';

export function retention(caps: DialectCapabilities): Migration {
  const bool = caps.boolColumnType;
  const no = bool === 'boolean' ? false : 0;
  return {
    // biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's Database type.
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('runs').addColumn('concurrency_key', 'text').execute();
      await db.schema
        .alterTable('runs')
        .addColumn('concurrency_hold', bool, (c) => c.notNull().defaultTo(no))
        .execute();
      await db.schema
        .createIndex('runs_concurrency')
        .on('runs')
        .columns(['workflow_id', 'concurrency_key', 'status'])
        .execute();
      // Only the waiting runs that keep a slot: a handful per limited workflow, whatever the number
      // of runs waiting elsewhere (a million pending waits must not make this lookup a scan).
      await db.schema
        .createIndex('runs_held')
        .on('runs')
        // Covering the lookup, so the planner prefers it to the (larger) `runs_workflow_status`.
        .columns(['workflow_id', 'status', 'concurrency_key', 'id'])
        .where(sql.raw<SqlBool>(`status = 'waiting' and concurrency_hold = ${heldLiteral(caps)}`))
        .execute();
    },
  };
}

/** `true` as the dialect writes it; queries must repeat it literally for the partial index to apply. */
export function heldLiteral(caps: DialectCapabilities): string {
  return caps.boolColumnType === 'boolean' ? 'true' : '1';
}
