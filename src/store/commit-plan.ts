/**
 * A run's commit written by one statement (PostgreSQL), as a write plan: its own statement, or its
 * rows for a statement shared with the other commits of its turn (dialects/postgres-batch.ts),
 * whichever is sent, encoded only then. Until then it holds the commit as given: texts held while
 * the write is in flight cost the young generation's collections (commit-batch.ts says how much).
 *
 * A class: hundreds are in flight in a burst of resumes, and a plan written as an object literal
 * with a getter made a closure and its context for each.
 */
import type { CompiledQuery } from 'kysely';
import type { StepRecord } from '../engine/ports.js';
import type { RunStatus } from '../engine/run-state.js';
import type { BatchableCommit } from './commit-batch.js';
import type { StepDataRow, StepRow } from './commit-statement.js';
import type { ValueCodec } from './dialects/types.js';
import { stepToRows } from './run-rows.js';
import type { WritePlan } from './write-plan.js';

type Version = CompiledQuery<{ version: number }>;

/** What a plan is built with, the same for every commit of a store. */
export interface CommitPlanning {
  codec: ValueCodec;
  /** The run's conditional UPDATE ... RETURNING "version" (run-store.ts). */
  move(
    id: string,
    expectedVersion: number,
    sources: readonly RunStatus[],
    set: BatchableCommit['set'],
  ): Version;
  /** The UPDATE with the INSERTs it guards, as one statement (commit-statement.ts). */
  statement(update: Version, steps: readonly StepRow[], data: readonly StepDataRow[]): Version;
}

/** The steps' rows, and their payloads (a step without input and output has no `step_data` row). */
export function encodeSteps(
  codec: ValueCodec,
  steps: readonly StepRecord[],
): { steps: StepRow[]; data: StepDataRow[] } {
  const rows = { steps: new Array<StepRow>(steps.length), data: [] as StepDataRow[] };
  steps.forEach((step, i) => {
    const { meta, data } = stepToRows(codec, step);
    rows.steps[i] = meta;
    if (data) rows.data.push(data);
  });
  return rows;
}

export class OneStatementCommit implements WritePlan, BatchableCommit {
  private own: CompiledQuery[] | undefined;

  constructor(
    private readonly planning: CommitPlanning,
    readonly id: string,
    readonly expectedVersion: number,
    readonly from: RunStatus,
    readonly set: BatchableCommit['set'],
    private readonly steps: readonly StepRecord[],
  ) {}

  get commit(): BatchableCommit {
    return this;
  }

  /** Its write on its own. */
  get statements(): readonly CompiledQuery[] {
    if (!this.own) {
      const { steps, data } = this.rows();
      const update = this.planning.move(this.id, this.expectedVersion, [this.from], this.set);
      this.own = [this.planning.statement(update, steps, data)];
    }
    return this.own;
  }

  rows(): { steps: readonly StepRow[]; data: readonly StepDataRow[] } {
    return encodeSteps(this.planning.codec, this.steps);
  }
}
