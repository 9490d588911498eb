/**
 * Group commits on SQLite, executed straight on the connection: one `begin immediate`, the writes,
 * one `commit`, all synchronous (better-sqlite3 is). When a write fails, the batch is written
 * again with each write in its own savepoint, so that only that one fails.
 *
 * Why not through Kysely: a Kysely query on a transaction allocates its executor wrappers, a
 * connection-provider closure and a few promises; a webhook run's writes are ~10 statements, and
 * those allocations were a quarter of everything a request allocated (sampled heap profile), paid
 * again in scavenges. The statements are the same compiled queries (write-plan.ts); only their
 * execution skips the machinery. Kysely's connection is still taken for the whole batch, so a
 * Kysely transaction open on this one connection finishes first and nothing interleaves.
 */
import type { Kysely, SqliteDatabase } from 'kysely';
import type { Database } from '../schema.js';
import type { BatchWriter, WriteOutcome, WritePlan } from '../write-plan.js';

export function sqliteBatchWriter(db: Kysely<Database>, connection: SqliteDatabase): BatchWriter {
  const run = (sql: string) => connection.prepare(sql).run([]);
  const execute = (statement: WritePlan['statements'][number]): unknown[] => {
    const prepared = connection.prepare(statement.sql);
    if (prepared.reader) return prepared.all(statement.parameters) as unknown[];
    prepared.run(statement.parameters);
    return [];
  };

  const rollback = () => {
    try {
      run('rollback');
    } catch {
      // Already rolled back by SQLite itself (a failed statement or commit may end the transaction).
    }
  };
  const write = (plan: WritePlan): unknown[] => {
    const [first, ...rest] = plan.statements;
    const rows = execute(first);
    if (!(plan.guarded && rows.length === 0)) for (const statement of rest) execute(statement);
    return rows;
  };
  /** Each write in its own savepoint: one that throws is rolled back alone and fails alone. */
  const writeEachAlone = (plans: readonly WritePlan[]): WriteOutcome[] =>
    plans.map((plan): WriteOutcome => {
      run('savepoint relais_write');
      try {
        return { ok: true, rows: write(plan) };
      } catch (error) {
        run('rollback to savepoint relais_write');
        return { ok: false, error };
      } finally {
        run('release savepoint relais_write');
      }
    });

  function writeAll(plans: readonly WritePlan[]): WriteOutcome[] {
    run('begin immediate');
    try {
      let outcomes: WriteOutcome[];
      try {
        // Optimistic: a batch where nothing fails needs no savepoints (two statements a write).
        outcomes = plans.map((plan) => ({ ok: true, rows: write(plan) }));
      } catch {
        // Something failed: the batch again from the start, each write alone (and with its own
        // error, should the failure have ended the transaction already: disk full, I/O).
        rollback();
        run('begin immediate');
        outcomes = writeEachAlone(plans);
      }
      run('commit');
      return outcomes;
    } catch (error) {
      // The commit itself failed (or a savepoint could not be handled): nothing was written.
      rollback();
      throw error;
    }
  }

  return (plans) => db.connection().execute(async () => writeAll(plans));
}
