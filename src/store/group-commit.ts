/**
 * Group commit: writes that arrive during the same turn of the event loop are written together.
 *
 * The run store writes for every run that is created or moves, and under load many runs are
 * created and move in the same turn (one per HTTP request read in that turn, a hundred resumes
 * read by one query). Nobody waits for a timer: a batch is flushed on `setImmediate`, right after
 * the I/O that produced it. How a batch is written is the dialect's (its `batchWriter`):
 * - SQLite: one transaction (dialects/sqlite-batch.ts). A commit costs far more than the
 *   statements in it (the WAL frames of every page touched, written once per commit), and there
 *   is one writer anyway: the writes that arrive while a batch is written make the next one.
 * - PostgreSQL: the run commits of the batch in one statement (dialects/postgres-batch.ts), each
 *   other write on its own. Batches do not wait for each other (`concurrentBatches`): the pool
 *   writes in parallel, and one long write must not hold back the others.
 *
 * Each write fails alone: one that throws (a duplicate id) rejects, the others are written. A
 * write resolves only once it is committed.
 */
import type { BatchWriter, WritePlan } from './write-plan.js';

interface Queued {
  plan: WritePlan;
  resolve(rows: unknown[]): void;
  reject(error: unknown): void;
}

/** Runs a write; resolves with the rows of its first statement once it has committed. */
export type GroupCommit = (plan: WritePlan) => Promise<unknown[]>;

/** `concurrent`: a batch is written while earlier ones still are (see the header). */
export function groupCommit(writeBatch: BatchWriter, concurrent: boolean): GroupCommit {
  let queue: Queued[] = [];
  /** A batch is being written; with `concurrent`, it does not hold back the next. */
  let writing = false;

  function flush(): void {
    const batch = queue;
    queue = [];
    writing = !concurrent;
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
        if (concurrent) return;
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
