/**
 * `runs_concurrency (workflow_id, concurrency_key, status)` held every run, and a run's status
 * changes two or three times in its life: each change rewrote its entry. Only runs of workflows
 * with a concurrency limit have a key (NULL otherwise, see 0006), and every query that counts slots
 * asks for `concurrency_key = ?`, which both SQLite and PostgreSQL know implies `IS NOT NULL`. So
 * the index keeps just those runs: the other runs, the great majority, no longer pay for it
 * (measured on SQLite: about 1 µs of the conditional UPDATE that moves a run, and a little of each
 * INSERT).
 */
import { type Kysely, type Migration, type SqlBool, sql } from 'kysely';

export function concurrencyPartial(): Migration {
  return {
    // biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's Database type.
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.dropIndex('runs_concurrency').execute();
      await db.schema
        .createIndex('runs_concurrency')
        .on('runs')
        .columns(['workflow_id', 'concurrency_key', 'status'])
        .where(sql.raw<SqlBool>('concurrency_key is not null'))
        .execute();
    },
  };
}
