/**
 * Group commit: writes that arrive during the same turn of the event loop share one transaction.
 *
 * On SQLite a commit costs far more than the statements in it (the WAL frames of every page touched,
 * written once per commit), and the run store commits for every run that is created or moves. Under
 * load many runs are created and finish in the same turn — one per HTTP request read in that turn —
 * so they are written together: one commit for all of them instead of one each. Nobody waits for a
 * timer: a batch is flushed on `setImmediate`, right after the I/O that produced it, and the writes
 * that arrive while a batch is being written make the next one.
 *
 * Each write fails alone: one that throws (a duplicate id) is rolled back and rejects, the others
 * commit (a batch where a write failed is written again with each write in its own savepoint:
 * dialects/sqlite-batch.ts). A write resolves only after its batch has committed.
 *
 * Enabled where the dialect gives a batch writer: SQLite, which has one writer anyway.
 * PostgreSQL commits in parallel over its pool, and a batch holding many runs' row locks would make
 * deadlocks between processes possible, so there each write keeps its own transaction (a run's
 * commit, one statement: commit-statement.ts).
 */
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';
import { type BatchWriter, executePlan, type WritePlan } from './write-plan.js';

interface Queued {
  plan: WritePlan;
  resolve(rows: unknown[]): void;
  reject(error: unknown): void;
}

/** Runs a write; resolves with the rows of its first statement once it has committed. */
export type GroupCommit = (plan: WritePlan) => Promise<unknown[]>;

/**
 * With `batchWriter` (the dialect's, SQLite: dialects/sqlite-batch.ts) writes are grouped;
 * without it each write is its own transaction, or a single statement.
 */
export function groupCommit(db: Kysely<Database>, batchWriter?: BatchWriter): GroupCommit {
  if (!batchWriter) {
    return (plan) =>
      plan.statements.length === 1
        ? executePlan(db, plan)
        : db.transaction().execute((trx) => executePlan(trx, plan));
  }
  const writeBatch = batchWriter;
  let queue: Queued[] = [];
  let writing = false;

  function flush(): void {
    const batch = queue;
    queue = [];
    writing = true;
    writeBatch(batch.map((queued) => queued.plan))
      .then(
        (outcomes) =>
          batch.forEach((queued, i) => {
            const outcome = outcomes[i];
            if (outcome.ok) queued.resolve(outcome.rows);
            else queued.reject(outcome.error);
          }),
        // The commit itself failed: nothing of the batch was written.
        (error) => {
          for (const queued of batch) queued.reject(error);
        },
      )
      .finally(() => {
        writing = false;
        if (queue.length > 0) flush();
      });
  }

  return (plan) =>
    new Promise<unknown[]>((resolve, reject) => {
      queue.push({ plan, resolve, reject });
      if (queue.length === 1 && !writing) setImmediate(flush);
    });
}
