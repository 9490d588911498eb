/**
 * Group commits on PostgreSQL: the run commits of one turn are written by one statement per shape
 * (commit-batch.ts says why and how); every other write, and a commit alone in its shape, is
 * written as before, its own statement or transaction. The statements of a batch go at once over
 * the pool, and a batch does not wait for the one before it (`concurrentBatches`).
 *
 * Each write still fails alone: when a shared statement fails (a step already written, a deadlock
 * with another process), none of it is written, and each of its commits is written again by its own
 * statement, so only the bad one is refused. A run appears at most once per statement: PostgreSQL
 * applies only one of two updates of a row in one statement, and does not say which.
 */
import type { Kysely } from 'kysely';
import { type BatchableCommit, commitsStatement, shapeOf } from '../commit-batch.js';
import type { Database } from '../schema.js';
import { type BatchWriter, executePlan, type WriteOutcome, type WritePlan } from '../write-plan.js';
import type { DialectCapabilities } from './types.js';

/** Runs per statement: bounds a statement's size, and how many commits one failure writes again. */
export const MAX_RUNS_PER_STATEMENT = 256;

export function postgresBatchWriter(
  db: Kysely<Database>,
  caps: Pick<DialectCapabilities, 'dateColumnType' | 'jsonColumnType'>,
): BatchWriter {
  const statementOf = commitsStatement(caps);

  /** A plan's write on its own; building its statements may fail too (a commit is encoded then). */
  const alone = async (plan: WritePlan): Promise<WriteOutcome> => {
    try {
      const rows =
        plan.statements.length === 1
          ? await executePlan(db, plan)
          : await db.transaction().execute((trx) => executePlan(trx, plan));
      return { ok: true, rows };
    } catch (error) {
      return { ok: false, error };
    }
  };

  async function together(plans: readonly WritePlan[]): Promise<WriteOutcome[]> {
    let rows: { id: string; version: number }[];
    try {
      // Built here: a commit that cannot be encoded (a value JSON cannot hold) fails alone below.
      ({ rows } = await db.executeQuery(statementOf(plans.map((plan) => plan.commit as BatchableCommit))));
    } catch {
      // Nothing of it was written: each commit again on its own, so that only the bad one fails.
      return Promise.all(plans.map(alone));
    }
    const moved = new Map(rows.map((row) => [row.id, row.version]));
    return plans.map((plan) => {
      const version = moved.get((plan.commit as BatchableCommit).id);
      return { ok: true, rows: version === undefined ? [] : [{ version }] };
    });
  }

  return async (plans) => {
    const outcomes: WriteOutcome[] = new Array(plans.length);
    await Promise.all(
      groups(plans).map(async (indexes) => {
        const group = indexes.map((i) => plans[i]);
        const written = group.length === 1 ? [await alone(group[0])] : await together(group);
        written.forEach((outcome, k) => {
          outcomes[indexes[k]] = outcome;
        });
      }),
    );
    return outcomes;
  };
}

/**
 * Plan indexes by how they are written: each plan without a batchable commit alone, commits of one
 * shape together, with distinct runs and at most MAX_RUNS_PER_STATEMENT of them per group.
 */
function groups(plans: readonly WritePlan[]): number[][] {
  const all: number[][] = [];
  const open = new Map<string, { indexes: number[]; runs: Set<string> }>();
  plans.forEach((plan, i) => {
    if (!plan.commit) {
      all.push([i]);
      return;
    }
    const shape = shapeOf(plan.commit);
    let group = open.get(shape);
    if (!group || group.runs.has(plan.commit.id) || group.indexes.length >= MAX_RUNS_PER_STATEMENT) {
      group = { indexes: [], runs: new Set() };
      open.set(shape, group);
      all.push(group.indexes);
    }
    group.indexes.push(i);
    group.runs.add(plan.commit.id);
  });
  return all;
}
