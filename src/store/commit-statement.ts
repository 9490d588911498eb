/**
 * A run's commit as ONE statement, for PostgreSQL: the run's conditional UPDATE, then its new steps
 * and their payloads, as data-modifying CTEs. The INSERTs are guarded by the UPDATE's outcome
 * (`where exists (select 1 from moved)`), so a refused move writes nothing, as the transaction it
 * replaces did; a single statement is atomic on its own.
 *
 * Why: without group commit (group-commit.ts says why PostgreSQL has none), a commit was BEGIN,
 * UPDATE, two INSERTs and COMMIT: five round trips holding a pooled connection "idle in
 * transaction" while Node was busy elsewhere. A burst of 10,000 resumes spent half of the main
 * thread in socket writes (`npm run bench -- waits` with RELAIS_TEST_DATABASE_URL).
 *
 * The rows go through `VALUES` lists, whose parameters PostgreSQL cannot type from the target
 * table: each placeholder is cast to its column's type.
 */
import type { CompiledQuery, Insertable } from 'kysely';
import type { DialectCapabilities } from './dialects/types.js';
import { rowBinder } from './insert-statement.js';
import type { Database } from './schema.js';

/** How a column is typed in a statement whose placeholders PostgreSQL cannot type from a table. */
export type ColumnKind = 'text' | 'integer' | 'date' | 'json';

/** Columns written by `stepToRows`, in the order the rows are bound, with their kind. */
export const STEP_COLUMN_KINDS = {
  run_id: 'text',
  seq: 'integer',
  node_id: 'text',
  node_name: 'text',
  node_type: 'text',
  run_index: 'integer',
  status: 'text',
  started_at: 'date',
  finished_at: 'date',
  input_count: 'integer',
  output_counts: 'json',
  sources: 'json',
  error: 'json',
  logs: 'json',
} as const satisfies Record<keyof Database['steps'] & string, ColumnKind>;

export const DATA_COLUMN_KINDS = {
  run_id: 'text',
  seq: 'integer',
  input: 'json',
  output: 'json',
} as const satisfies Record<keyof Database['step_data'] & string, ColumnKind>;

/** The SQL type of each kind of column on a dialect. */
export function columnTypes(
  caps: Pick<DialectCapabilities, 'dateColumnType' | 'jsonColumnType'>,
): Record<ColumnKind, string> {
  return { text: 'text', integer: 'integer', date: caps.dateColumnType, json: caps.jsonColumnType };
}

export type StepRow = Insertable<Database['steps']>;
export type StepDataRow = Insertable<Database['step_data']>;

/**
 * `(update, steps, payloads) => statement`: `update` is the run's compiled conditional UPDATE ...
 * RETURNING "version" (placeholders `$1`..`$n`, as PostgreSQL compiles them); the statement returns
 * that row, or none when the move was refused. Compiled once per shape (UPDATE text, row counts).
 */
export function oneStatementCommit(
  caps: Pick<DialectCapabilities, 'dateColumnType' | 'jsonColumnType'>,
): (
  update: CompiledQuery<{ version: number }>,
  steps: readonly StepRow[],
  data: readonly StepDataRow[],
) => CompiledQuery<{ version: number }> {
  const typeOf = columnTypes(caps);
  const shapes = new Map<string, string>();
  const bindSteps = rowBinder(Object.keys(STEP_COLUMN_KINDS), 'one-statement commit');
  const bindData = rowBinder(Object.keys(DATA_COLUMN_KINDS), 'one-statement commit');

  /** `, "s" as (insert ... select * from (values ...) ...)` with placeholders from `first`. */
  function insert(
    name: string,
    table: string,
    kinds: Record<string, ColumnKind>,
    rows: number,
    first: number,
  ): string {
    const columns = Object.keys(kinds);
    const list = columns.map((c) => `"${c}"`).join(', ');
    let next = first;
    const values = Array.from(
      { length: rows },
      () => `(${columns.map((c) => `$${next++}::${typeOf[kinds[c]]}`).join(', ')})`,
    ).join(', ');
    return (
      `, "${name}" as (insert into "${table}" (${list}) select * from (values ${values}) as "v" (${list}) ` +
      'where exists (select 1 from "moved"))'
    );
  }

  return (update, steps, data) => {
    const key = `${steps.length}|${data.length}|${update.sql}`;
    let text = shapes.get(key);
    if (!text) {
      let first = update.parameters.length + 1;
      text = `with "moved" as (${update.sql})`;
      if (steps.length > 0) {
        text += insert('steps_written', 'steps', STEP_COLUMN_KINDS, steps.length, first);
        first += steps.length * Object.keys(STEP_COLUMN_KINDS).length;
      }
      if (data.length > 0) text += insert('data_written', 'step_data', DATA_COLUMN_KINDS, data.length, first);
      text += ' select "version" from "moved"';
      shapes.set(key, text);
    }
    const parameters: unknown[] = [...update.parameters];
    bindSteps(parameters, steps);
    bindData(parameters, data);
    return { ...update, sql: text, parameters };
  };
}
