/**
 * Group commit: writes that arrive during the same turn of the event loop share one transaction.
 *
 * On SQLite a commit costs far more than the statements in it (the WAL frames of every page touched,
 * written once per commit), and the run store commits for every run that is created or moves. Under
 * load many runs are created and finish in the same turn — one per HTTP request read in that turn —
 * so they are written together: one commit for all of them instead of one each. Nobody waits for a
 * timer: a batch is flushed on `setImmediate`, right after the I/O that produced it.
 *
 * Each write runs inside its own savepoint: one that throws (a duplicate id) is rolled back alone
 * and rejects alone; the others commit. A write resolves only after its batch has committed.
 *
 * Enabled where the dialect says it pays (`caps.groupCommit`): SQLite has one writer anyway.
 * PostgreSQL commits in parallel over its pool, and a batch holding many runs' row locks would make
 * deadlocks between processes possible, so there each write keeps its own transaction (a run's
 * commit, one statement: commit-statement.ts).
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from './schema.js';

/** A write: given a transaction (or, for a single statement without group commit, the database). */
export type Write<T> = (db: Kysely<Database>) => Promise<T>;

interface Queued {
  // biome-ignore lint/suspicious/noExplicitAny: a batch mixes writes of every result type.
  write: Write<any>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

export interface GroupCommit {
  /** Runs `write` in a transaction, shared with the other writes of this turn when enabled. */
  run<T>(write: Write<T>): Promise<T>;
  /** The same for a write of one statement, which needs no transaction of its own otherwise. */
  one<T>(write: Write<T>): Promise<T>;
}

export function groupCommit(db: Kysely<Database>, enabled: boolean): GroupCommit {
  if (!enabled) return { run: (write) => db.transaction().execute(write), one: (write) => write(db) };
  let queue: Queued[] = [];

  async function flush(batch: Queued[]): Promise<void> {
    if (batch.length === 1) {
      const [only] = batch;
      await db.transaction().execute(only.write).then(only.resolve, only.reject);
      return;
    }
    const outcomes: { ok: boolean; value: unknown }[] = [];
    try {
      await db.transaction().execute(async (trx) => {
        for (const { write } of batch) {
          await sql`savepoint relais_write`.execute(trx);
          try {
            outcomes.push({ ok: true, value: await write(trx) });
          } catch (error) {
            await sql`rollback to savepoint relais_write`.execute(trx);
            outcomes.push({ ok: false, value: error });
          }
          await sql`release savepoint relais_write`.execute(trx);
        }
      });
    } catch (error) {
      // The commit itself failed: nothing of the batch was written.
      for (const queued of batch) queued.reject(error);
      return;
    }
    batch.forEach((queued, i) => {
      const outcome = outcomes[i];
      if (outcome.ok) queued.resolve(outcome.value);
      else queued.reject(outcome.value);
    });
  }

  function run<T>(write: Write<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      queue.push({ write, resolve: resolve as (value: unknown) => void, reject });
      if (queue.length > 1) return;
      setImmediate(() => {
        const batch = queue;
        queue = [];
        void flush(batch);
      });
    });
  }
  return { run, one: run };
}
