/**
 * Run commits of many runs as ONE statement, for PostgreSQL (dialects/postgres-batch.ts writes the
 * commits of a turn with it): the runs' moves as rows, one UPDATE ... FROM of them, then the steps
 * and payloads of the runs that moved. It replaces one statement per run (commit-statement.ts).
 *
 * Why: every statement is a socket write and a wake-up of a PostgreSQL backend, and on a small
 * machine those cost more than the SQL. A burst of 10,000 resumes sent 10,000 commits, and
 * `writev` alone was a third of the server's busy time (`npm run bench -- waits` with
 * RELAIS_TEST_DATABASE_URL).
 *
 * The rows are bound as one parameter per column, so the text depends only on the run columns set
 * (a pause sets `wait_till`, an end `finished_at`), not on how many runs or steps there are: it is
 * prepared once per connection. A run whose move is refused (stale version, other status) writes
 * nothing, exactly as its own statement would.
 *
 * A JSON column is bound as one JSON array of its values (`json_array_elements`), the values'
 * texts joined as they are; the other columns as PostgreSQL arrays (`unnest`). A JSON text in an
 * array literal must have every quote and backslash escaped, and that copy of every payload was a
 * tenth of the server's busy time in a burst of resumes. Columns are zipped by position
 * (`rows from`); a JSON `null` element is written as SQL NULL, as a missing value is.
 *
 * A commit's steps are encoded when the statement is built, and the JSON arrays are bound as
 * bytes (`json` takes its text as its binary form): a statement's texts then die as it is sent,
 * not when PostgreSQL answers. Held until then, with hundreds of commits in flight in a burst of
 * resumes, they outlived the young generation's collections, each of which copied them again: the
 * commits' texts were a fifth of what those collections copied (`npm run bench -- waits`).
 */
import { CompiledQuery } from 'kysely';
import {
  type ColumnKind,
  columnTypes,
  DATA_COLUMN_KINDS,
  STEP_COLUMN_KINDS,
  type StepDataRow,
  type StepRow,
} from './commit-statement.js';
import type { DialectCapabilities } from './dialects/types.js';
import type { Database } from './schema.js';

/** The run columns a commit may set, with their kind (the `set` of run-store.ts's `commit`). */
export const RUN_SET_KINDS = {
  error: 'json',
  checkpoint: 'json',
  started_at: 'date',
  finished_at: 'date',
  wait_till: 'date',
  current_node: 'text',
  status: 'text',
} as const satisfies Partial<Record<keyof Database['runs'] & string, ColumnKind>>;

export type RunSetColumn = keyof typeof RUN_SET_KINDS;

/**
 * A run's commit as rows, which a statement shared with other runs' commits can write. Values are
 * encoded by the dialect's codec: a JSON column's is the text of exactly one JSON value
 * (`toJsonText`), since the texts of a column are joined into one JSON array.
 */
export interface BatchableCommit {
  id: string;
  expectedVersion: number;
  from: string;
  /** Encoded values of the run columns the commit sets; the columns make its shape. */
  set: Partial<Record<RunSetColumn, unknown>>;
  /** Its steps and payloads, encoded when called (once per statement built: see the header). */
  rows(): { steps: readonly StepRow[]; data: readonly StepDataRow[] };
}

/** What commits sharing one statement have in common: the run columns they set. */
export function shapeOf(commit: BatchableCommit): string {
  return Object.keys(commit.set).join(',');
}

/** A row set's columns with their kinds, in the order the statement binds them. */
type Kinds = readonly (readonly [string, ColumnKind])[];

const STEP_KINDS: Kinds = Object.entries(STEP_COLUMN_KINDS);
const DATA_KINDS: Kinds = Object.entries(DATA_COLUMN_KINDS);

/** The columns of a move: which run, at which version, from which status, then what it sets. */
function moveKinds(set: readonly RunSetColumn[]): Kinds {
  return [
    ['id', 'text'],
    ['expected', 'integer'],
    ['from', 'text'],
    ...set.map((column): [string, ColumnKind] => {
      // A column the run store sets that this list misses: refused, not written as untyped.
      if (!Object.hasOwn(RUN_SET_KINDS, column))
        throw new Error(`commits statement: run column '${column}' has no kind`);
      return [column, RUN_SET_KINDS[column]];
    }),
  ];
}

/** One value as an element of an array literal: NULL, a number, or quoted text (ISO for a date). */
function element(kind: Exclude<ColumnKind, 'json'>, value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (kind === 'integer' && typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (kind === 'date' && value instanceof Date) return `"${value.toISOString()}"`;
  let text = String(value);
  // Plain string patterns, each replaced only when present: V8's fastest paths.
  if (text.includes('\\')) text = text.replaceAll('\\', '\\\\');
  if (text.includes('"')) text = text.replaceAll('"', '\\"');
  return `"${text}"`;
}

/**
 * Per column, its values in every row as one parameter: a JSON column's as a JSON array of their
 * texts (`[{"a":1},null]`), any other's as a PostgreSQL array literal (`{"a","b",NULL}`), cast by
 * the statement (`$n::json`, `$n::text[]`, ...). `pg` would write the literal from a JS array,
 * but copies each value four times on the way (two escaping passes, then concatenations) and
 * writes dates in local time through six getters.
 */
function columnParameters(rows: readonly object[], kinds: Kinds): (string | Buffer)[] {
  return kinds.map(([column, kind]) => {
    const parts = new Array<string>(rows.length);
    for (let r = 0; r < rows.length; r++) {
      const value = (rows[r] as Record<string, unknown>)[column];
      parts[r] = kind === 'json' ? ((value ?? 'null') as string) : element(kind, value);
    }
    return kind === 'json' ? Buffer.from(`[${parts.join(',')}]`) : `{${parts.join(',')}}`;
  });
}

/**
 * `(commits) => statement` returning `(id, version)` of each run that moved; the text depends only
 * on the shape (the run columns set), so it is built once per shape. The commits are bound sorted
 * by run id, so that two statements lock the runs they share in the same order.
 */
export function commitsStatement(
  caps: Pick<DialectCapabilities, 'dateColumnType' | 'jsonColumnType'>,
): (commits: readonly BatchableCommit[]) => CompiledQuery<{ id: string; version: number }> {
  const typeOf = columnTypes(caps);
  /** Per shape, the statement's text and the columns of its moves. */
  const shapes = new Map<string, { text: string; moves: Kinds }>();

  /**
   * `select <columns> from rows from (unnest($a::t[]), json_array_elements($b::json), ...) as
   * "alias" ("c1", "c2", ...)`, placeholders from `first`; a JSON `null` selected as SQL NULL.
   */
  const rowsOf = (alias: string, kinds: Kinds, first: number) => {
    const columns = kinds.map(([column, kind]) =>
      kind === 'json'
        ? `case when json_typeof("${column}") = 'null' then null else "${column}" end as "${column}"`
        : `"${column}"`,
    );
    const sources = kinds.map(([, kind], i) =>
      kind === 'json'
        ? `json_array_elements($${first + i}::json)`
        : `unnest($${first + i}::${typeOf[kind]}[])`,
    );
    return `select ${columns.join(', ')} from rows from (${sources.join(', ')}) as "${alias}" (${list(kinds)})`;
  };
  const list = (kinds: Kinds) => kinds.map(([column]) => `"${column}"`).join(', ');
  const movedRun = (alias: string) =>
    `where exists (select 1 from "moved" where "moved"."id" = "${alias}"."run_id")`;

  const textOf = (set: readonly RunSetColumn[], moves: Kinds): string =>
    `with "v" as (${rowsOf('v', moves, 1)}), ` +
    `"moved" as (update "runs" set ${set.map((c) => `"${c}" = "v"."${c}"`).join(', ')}, ` +
    `"version" = "runs"."version" + 1 from "v" where "runs"."id" = "v"."id" ` +
    `and "runs"."version" = "v"."expected" and "runs"."status" = "v"."from" ` +
    'returning "runs"."id", "runs"."version"), ' +
    `"steps_written" as (insert into "steps" (${list(STEP_KINDS)}) ${rowsOf('s', STEP_KINDS, moves.length + 1)} ${movedRun('s')}), ` +
    `"data_written" as (insert into "step_data" (${list(DATA_KINDS)}) ${rowsOf('d', DATA_KINDS, moves.length + STEP_KINDS.length + 1)} ${movedRun('d')}) ` +
    'select "id", "version" from "moved"';

  return (commits) => {
    const key = shapeOf(commits[0]);
    let shape = shapes.get(key);
    if (!shape) {
      const set = Object.keys(commits[0].set) as RunSetColumn[];
      const moves = moveKinds(set);
      shape = { text: textOf(set, moves), moves };
      shapes.set(key, shape);
    }
    const sorted = [...commits].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const moves = sorted.map((commit) => ({
      ...commit.set,
      id: commit.id,
      expected: commit.expectedVersion,
      from: commit.from,
    }));
    const rows = sorted.map((commit) => commit.rows());
    const parameters = [
      ...columnParameters(moves, shape.moves),
      ...columnParameters(
        rows.flatMap((r) => r.steps),
        STEP_KINDS,
      ),
      ...columnParameters(
        rows.flatMap((r) => r.data),
        DATA_KINDS,
      ),
    ];
    return CompiledQuery.raw(shape.text, parameters) as CompiledQuery<{ id: string; version: number }>;
  };
}
