/**
 * RunStore on Kysely. Every write that changes a run is one conditional UPDATE on
 * `(id, version[, status])` that bumps `version` (STYLE practice 4): two processes holding the same
 * view of a run can never both move it, and the loser gets a named refusal instead of an exception.
 */
import type { CompiledQuery, Kysely, Updateable } from 'kysely';
import type {
  NewRun,
  RunCommit,
  RunPatch,
  RunRecord,
  RunStore,
  StepRecord,
  TransitionResult,
} from '../engine/ports.js';
import { allowedSources, canCommit, type RunStatus } from '../engine/run-state.js';
import type { RunMode } from '../nodes/sdk.js';
import { coalescedRead, paddedKeys } from './coalesced-read.js';
import { type CommitPlanning, encodeSteps, OneStatementCommit } from './commit-plan.js';
import { DATA_COLUMN_KINDS, oneStatementCommit, STEP_COLUMN_KINDS } from './commit-statement.js';
import { namedParameterQuery } from './compiled-query.js';
import { type Page, readPage } from './cursor.js';
import type { StoreDialect, ValueCodec } from './dialects/types.js';
import { groupCommit } from './group-commit.js';
import { insertStatement } from './insert-statement.js';
import { ReadAhead, textSize } from './read-ahead.js';
import { newRunRecord, nullable, runFromRow, runToRow, stepFromRow } from './run-rows.js';
import { createRunSlotQueries, type RunSlotQueries } from './run-slots.js';
import { createRunStats, type RunStatsQueries } from './run-stats.js';
import type { Database } from './schema.js';

export interface RunListQuery {
  workflowId?: string;
  statuses?: RunStatus[];
  modes?: RunMode[];
  /** Created at or after. */
  from?: Date;
  /** Created before. */
  to?: Date;
  isTest?: boolean;
  limit: number;
  /** From a previous page's `nextCursor`. */
  cursor?: string | null;
}

/** Statuses in which a run may be picked up and driven at any moment: it cannot be deleted then. */
export const IN_FLIGHT_STATUSES: readonly RunStatus[] = ['queued', 'running'];

/** Named outcome of `deleteRun`. */
export type DeleteRunResult =
  | { ok: true }
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'in_flight'; status: RunStatus };

/** The engine's RunStore plus what the API needs to show run history. */
export interface RelaisRunStore extends RunStore, RunStatsQueries, RunSlotQueries {
  /** Runs newest first, optionally filtered by workflow, statuses, modes, creation time and test flag. */
  listRuns(query: RunListQuery): Promise<Page<RunRecord>>;
  /**
   * Deletes a run with its steps, payloads and timers, unless it is queued or running (one
   * conditional DELETE, so a run that starts meanwhile is never deleted under its driver).
   */
  deleteRun(id: string): Promise<DeleteRunResult>;
  prefetch(ids: readonly string[]): Promise<void>;
}

export function createRunStore(dialect: StoreDialect): RelaisRunStore {
  const { db, codec } = dialect;
  const write = groupCommit(dialect.batchWriter, dialect.caps.concurrentBatches);
  const insertRun = insertStatement(db, 'runs', RUN_COLUMNS);
  const insertSteps = insertStatement(db, 'steps', STEP_COLUMNS);
  const insertStepData = insertStatement(db, 'step_data', DATA_COLUMNS);
  const moveRunQuery = conditionalRunUpdate(db);
  const planning: CommitPlanning | undefined = dialect.caps.oneStatementCommit
    ? { codec, move: moveRunQuery, statement: oneStatementCommit(dialect.caps) }
    : undefined;
  /** The version a write of the run's conditional UPDATE ... RETURNING left; null if refused. */
  const movedTo = (rows: unknown[]): number | null =>
    (rows[0] as { version: number } | undefined)?.version ?? null;
  const readRunRows = async (ids: readonly string[]) => {
    const rows = await db.selectFrom('runs').selectAll().where('id', 'in', paddedKeys(ids)).execute();
    return new Map(rows.map((row) => [row.id, row]));
  };
  const readStepRows = async (runIds: readonly string[]) => {
    const rows = await db
      .selectFrom('steps')
      .leftJoin('step_data', (join) =>
        join.onRef('step_data.run_id', '=', 'steps.run_id').onRef('step_data.seq', '=', 'steps.seq'),
      )
      .selectAll('steps')
      .select(['step_data.input', 'step_data.output'])
      .where('steps.run_id', 'in', paddedKeys(runIds))
      .orderBy('steps.run_id')
      .orderBy('steps.seq')
      .execute();
    const byRun = new Map<string, typeof rows>();
    for (const row of rows) {
      const list = byRun.get(row.run_id);
      if (list) list.push(row);
      else byRun.set(row.run_id, [row]);
    }
    return byRun;
  };
  // Reads of one turn share a query (coalesced-read.ts): a batch of due timers reads a hundred runs.
  const readRun = coalescedRead(readRunRows, (row) => runFromRow(codec, row));
  const readSteps = coalescedRead(readStepRows, (rows) => rows.map((row) => stepFromRow(codec, row)));
  const ahead = new ReadAhead<RunRecord, StepRecord>(READ_AHEAD);
  /** After a write of the run, whatever its outcome: rows read ahead of it are stale. */
  const written = <T>(id: string, write: Promise<T>): Promise<T> => write.finally(() => ahead.forget(id));

  /** RunStore.commit: see the port. */
  async function commit(id: string, expectedVersion: number, change: RunCommit): Promise<TransitionResult> {
    if (!canCommit(change.from, change.to)) return refusal(db, id, expectedVersion);
    for (const step of change.steps)
      if (step.runId !== id) throw new RangeError(`step of run ${step.runId} recorded on run ${id}`);
    const checkpoint = codec.json(change.checkpoint);
    const currentNode = change.steps.at(-1)?.nodeName;
    const set = {
      ...patchColumns(codec, change.patch ?? {}),
      checkpoint,
      ...(currentNode !== undefined && { current_node: currentNode }),
      status: change.to,
    };
    let version: number | null;
    if (planning && change.steps.length > 0 && change.steps.length <= STEP_ROWS_PER_INSERT) {
      // PostgreSQL: the UPDATE and the INSERTs it guards in one statement, one round trip, or the
      // same rows in a statement shared with the other commits of the turn (commit-plan.ts). Either
      // is encoded when sent: the caller leaves what it gave unchanged meanwhile (see the port).
      const plan = new OneStatementCommit(planning, id, expectedVersion, change.from, set, change.steps);
      version = movedTo(await written(id, write(plan)));
    } else {
      // Every statement built before the transaction starts: a 100k-item payload must not hold the
      // write lock (SQLite) or the run's row lock (PostgreSQL) while it is being stringified. The
      // UPDATE comes first: it takes the run's row lock, so of two concurrent callers at the same
      // version the second re-reads the bumped version and matches nothing. Refused, it skips the
      // INSERTs: nothing is written.
      const statements: CompiledQuery[] = [moveRunQuery(id, expectedVersion, [change.from], set)];
      for (const chunk of chunks(change.steps, STEP_ROWS_PER_INSERT)) {
        const rows = encodeSteps(codec, chunk);
        statements.push(insertSteps(rows.steps));
        if (rows.data.length > 0) statements.push(insertStepData(rows.data));
      }
      version = movedTo(await written(id, write({ statements, guarded: true })));
    }
    return version === null ? refusal(db, id, expectedVersion) : { ok: true, version };
  }

  return {
    ...createRunStats(dialect),
    ...createRunSlotQueries(dialect),

    async createRun(run: NewRun): Promise<RunRecord> {
      const record = newRunRecord(run);
      const row = runToRow(codec, record);
      await write({ statements: [insertRun([row])] });
      return record;
    },

    async getRun(id: string): Promise<RunRecord | null> {
      return ahead.takeRun(id) ?? (await readRun(id)) ?? null;
    },

    async prefetch(ids: readonly string[]): Promise<void> {
      await ahead.fill(ids, async (chunk) => {
        const [runs, steps] = await Promise.all([readRunRows(chunk), readStepRows(chunk)]);
        return new Map(
          [...runs].map(([id, run]) => {
            const stepRows = steps.get(id) ?? [];
            const records = {
              run: runFromRow(codec, run),
              steps: stepRows.map((row) => stepFromRow(codec, row)),
            };
            return [id, { records, bytes: textSize([run, ...stepRows]) }];
          }),
        );
      });
    },

    async transition(id, expectedVersion, to, patch = {}): Promise<TransitionResult> {
      const sources = allowedSources(to);
      if (sources.length === 0) return refusal(db, id, expectedVersion);
      const move = moveRunQuery(id, expectedVersion, sources, { ...patchColumns(codec, patch), status: to });
      const version = movedTo(await written(id, write({ statements: [move] })));
      return version === null ? refusal(db, id, expectedVersion) : { ok: true, version };
    },

    commit,

    recordStep(id, expectedVersion, step, checkpoint) {
      return commit(id, expectedVersion, { from: 'running', to: 'running', steps: [step], checkpoint });
    },

    async listSteps(runId: string): Promise<StepRecord[]> {
      return ahead.takeSteps(runId) ?? (await readSteps(runId)) ?? [];
    },

    async listRunsByStatus(statuses: RunStatus[], limit: number): Promise<RunRecord[]> {
      if (statuses.length === 0 || limit <= 0) return [];
      const rows = await db
        .selectFrom('runs')
        .selectAll()
        .where('status', 'in', statuses)
        .orderBy('created_at')
        .orderBy('id')
        .limit(limit)
        .execute();
      return rows.map((row) => runFromRow(codec, row));
    },

    async listRuns(query: RunListQuery): Promise<Page<RunRecord>> {
      if (query.statuses?.length === 0 || query.modes?.length === 0) return { items: [], nextCursor: null };
      const rows = db
        .selectFrom('runs')
        .selectAll()
        .$if(query.workflowId !== undefined, (q) => q.where('workflow_id', '=', query.workflowId!))
        .$if(query.statuses !== undefined, (q) => q.where('status', 'in', query.statuses!))
        .$if(query.modes !== undefined, (q) => q.where('mode', 'in', query.modes!))
        .$if(query.from !== undefined, (q) => q.where('created_at', '>=', codec.date(query.from!)))
        .$if(query.to !== undefined, (q) => q.where('created_at', '<', codec.date(query.to!)))
        .$if(query.isTest !== undefined, (q) => q.where('is_test', '=', codec.bool(query.isTest!)));
      return readPage(rows, codec, query, (row) => runFromRow(codec, row));
    },

    async deleteRun(id: string): Promise<DeleteRunResult> {
      // Steps, step payloads and timers go by ON DELETE CASCADE.
      const result = await written(
        id,
        db
          .deleteFrom('runs')
          .where('id', '=', id)
          .where('status', 'not in', [...IN_FLIGHT_STATUSES])
          .executeTakeFirst(),
      );
      if (result.numDeletedRows > 0n) return { ok: true };
      const run = await db.selectFrom('runs').select('status').where('id', '=', id).executeTakeFirst();
      return run
        ? { ok: false, reason: 'in_flight', status: run.status }
        : { ok: false, reason: 'not_found' };
    },
  };
}

type RunColumns = Omit<Updateable<Database['runs']>, 'version'>;

/**
 * The run's conditional UPDATE, compiled once per set of columns and number of source statuses
 * (a handful of shapes: see compiled-query.ts for why).
 */
function conditionalRunUpdate(db: Kysely<Database>) {
  type Bind = (values: Readonly<Record<string, unknown>>) => CompiledQuery<{ version: number }>;
  const shapes = new Map<string, Bind>();
  return (id: string, expectedVersion: number, sources: readonly RunStatus[], set: RunColumns) => {
    const columns = Object.keys(set) as (keyof RunColumns & string)[];
    const shape = `${columns.join(',')}|${sources.length}`;
    let bind = shapes.get(shape);
    if (!bind) {
      const sourceNames = sources.map((_, i) => `from:${i}`);
      bind = namedParameterQuery(
        [...columns.map((c) => `set:${c}`), 'id', 'version', ...sourceNames],
        (parameter) =>
          db
            .updateTable('runs')
            .set((eb) => ({
              ...Object.fromEntries(columns.map((column) => [column, parameter(`set:${column}`)])),
              version: eb('version', '+', 1),
            }))
            .where('id', '=', parameter('id'))
            .where('version', '=', parameter('version'))
            .where(
              'status',
              'in',
              sourceNames.map((name) => parameter(name)),
            )
            .returning('version'),
      );
      shapes.set(shape, bind);
    }
    const values: Record<string, unknown> = { id, version: expectedVersion };
    for (const column of columns) values[`set:${column}`] = set[column];
    sources.forEach((status, i) => {
      values[`from:${i}`] = status;
    });
    return bind(values);
  };
}

/** Only the fields the caller passed are written: `undefined` keeps, `null` clears. */
function patchColumns(codec: ValueCodec, patch: RunPatch) {
  return {
    ...(patch.error !== undefined && { error: nullable(patch.error, codec.json) }),
    ...(patch.checkpoint !== undefined && { checkpoint: nullable(patch.checkpoint, codec.json) }),
    ...(patch.startedAt !== undefined && { started_at: codec.date(patch.startedAt) }),
    ...(patch.finishedAt !== undefined && { finished_at: codec.date(patch.finishedAt) }),
    ...(patch.waitTill !== undefined && { wait_till: nullable(patch.waitTill, codec.date) }),
  };
}

/**
 * Runs read ahead: a burst of 10,000 resumes of small runs counts ~20 MB of text. Held parsed, they
 * left the RSS peak of `npm run bench -- waits` where it was as text (188-196 MB either way); the
 * bound keeps runs with large payloads from holding more. Ten seconds covers the loop's look-ahead
 * with room.
 */
const READ_AHEAD = { maxBytes: 32 * 1024 ** 2, ttlMs: 10_000 };

/** The columns `runToRow` and `stepToRows` fill (the others keep their defaults). */
const RUN_COLUMNS = [
  'id',
  'workflow_id',
  'workflow_version',
  'status',
  'mode',
  'trigger_items',
  'checkpoint',
  'error',
  'current_node',
  'version',
  'is_test',
  'retry_of',
  'created_at',
  'started_at',
  'finished_at',
  'wait_till',
] as const;
const STEP_COLUMNS = Object.keys(STEP_COLUMN_KINDS) as (keyof typeof STEP_COLUMN_KINDS)[];
const DATA_COLUMNS = Object.keys(DATA_COLUMN_KINDS) as (keyof typeof DATA_COLUMN_KINDS)[];

/**
 * Steps written by one INSERT: 14 columns each stays far below SQLite's 32,766 bound parameters
 * (PostgreSQL's limit is 65,535), and commits rarely carry more steps than this.
 */
const STEP_ROWS_PER_INSERT = 200;

function chunks<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

/**
 * Names why a conditional UPDATE matched nothing. Read after the fact, so it describes the run as
 * it is now; the refusal itself was decided atomically by the UPDATE.
 */
async function refusal(db: Kysely<Database>, id: string, expectedVersion: number): Promise<TransitionResult> {
  const run = await db
    .selectFrom('runs')
    .select(['status', 'version'])
    .where('id', '=', id)
    .executeTakeFirst();
  if (!run) return { ok: false, reason: 'not_found' };
  if (run.version !== expectedVersion) return { ok: false, reason: 'stale', status: run.status };
  return { ok: false, reason: 'invalid_transition', status: run.status };
}
