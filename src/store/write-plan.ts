/**
 * A write as data: the statements of one logical write (a run created, moved, or moved with its
 * steps), compiled beforehand, run in order. Because a write is data and not a function, a batch of
 * them can be executed without Kysely's per-query machinery: on SQLite, synchronously on the
 * connection (dialects/sqlite-batch.ts); on PostgreSQL, the run commits of many plans as one
 * statement (dialects/postgres-batch.ts), the other plans one at a time through Kysely
 * (`executePlan`).
 */
import type { CompiledQuery, Kysely } from 'kysely';
import type { BatchableCommit } from './commit-batch.js';
import type { Database } from './schema.js';

export interface WritePlan {
  /** Run in order; the plan's result is the rows of the first one. */
  statements: readonly CompiledQuery[];
  /**
   * The first statement decides: when it returns no row (a conditional UPDATE ... RETURNING that
   * matched nothing), the others are skipped and the write changes nothing.
   */
  guarded?: boolean;
  /**
   * The same write as a run's commit in rows, which one statement shared with other runs' commits
   * can write instead (PostgreSQL: commit-batch.ts). `statements` remain its write on its own.
   */
  commit?: BatchableCommit;
}

/** How one write of a batch ended: each fails alone, having written nothing. */
export type WriteOutcome = { ok: true; rows: unknown[] } | { ok: false; error: unknown };

/**
 * Executes a batch of writes (group-commit.ts), each with its own outcome; rejects only when none
 * of them was written.
 */
export type BatchWriter = (plans: readonly WritePlan[]) => Promise<WriteOutcome[]>;

/** Runs a plan on a connection or transaction; the rows of its first statement. */
export async function executePlan(db: Kysely<Database>, plan: WritePlan): Promise<unknown[]> {
  const [first, ...rest] = plan.statements;
  const { rows } = await db.executeQuery(first);
  if (plan.guarded && rows.length === 0) return rows;
  for (const statement of rest) await db.executeQuery(statement);
  return rows;
}
