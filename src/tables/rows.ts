/**
 * Row reads and writes on one user table. Every value is checked against its column's type before
 * any SQL runs (so a bad row 7,000 of 10,000 writes nothing), then bound; names are quoted by
 * Kysely. Large writes are cut into multi-row statements that stay under each database's limit of
 * bound parameters; the caller runs them in one transaction.
 */
import { CompiledQuery, type Kysely, type RawBuilder, type SqlBool, sql } from 'kysely';
import type { DialectName } from '../store/dialects/types.js';
import { type DataTableRecord, isUniqueViolation } from '../store/table-store.js';
import { filterSql, resolveColumn } from './filters.js';
import { afterKeyset, encodeKeysetCursor, orderBySql, resolveSort } from './keyset.js';
import {
  type Filter,
  type QueryOptions,
  type RowPage,
  type RowValues,
  SYSTEM_COLUMNS,
  TableError,
  type TableRow,
} from './port.js';
import { type ColumnKind, coerce, decode, encode } from './values.js';

// biome-ignore lint/suspicious/noExplicitAny: user tables have no static schema.
export type Db = Kysely<any>;

export interface RowScope {
  dialect: DialectName;
  table: DataTableRecord;
  now: Date;
  runId: string | null;
}

/** Bound parameters per statement: SQLite allows 32,766, PostgreSQL 65,535. */
const MAX_PARAMS: Record<DialectName, number> = { sqlite: 30_000, postgres: 60_000 };
const MAX_ROWS_PER_STATEMENT = 2_000;

export const DEFAULT_PAGE = 50;
export const MAX_PAGE = 1_000;

/** One validated row: encoded values by column name, in table column order. */
type Encoded = Record<string, unknown>;

/** Checks and encodes rows; refuses unknown and system columns, naming the row. */
export function prepareRows(scope: RowScope, rows: readonly RowValues[]): Encoded[] {
  const types = new Map(scope.table.columns.map((c) => [c.name, c.type]));
  return rows.map((row, i) => {
    if (row === null || typeof row !== 'object' || Array.isArray(row)) {
      throw new TableError('invalid', `rows[${i}]: expected an object of column values`, { row: i });
    }
    const out: Encoded = {};
    for (const [name, value] of Object.entries(row)) {
      const type = types.get(name);
      if (!type) throw unknownColumn(scope.table, name, i);
      if (value === undefined) continue;
      out[name] = encode(scope.dialect, type, coerce(type, value, { row: i, column: name }));
    }
    return out;
  });
}

function unknownColumn(table: DataTableRecord, name: string, row: number): TableError {
  if ((SYSTEM_COLUMNS as readonly string[]).includes(name)) {
    return new TableError('invalid', `rows[${row}].${name}: system columns are set by Relais`, {
      row,
      column: name,
    });
  }
  const known = table.columns.map((c) => c.name).join(', ');
  return new TableError(
    'invalid',
    `rows[${row}]: unknown column ${JSON.stringify(name)} in table '${table.name}' (columns: ${known})`,
    {
      row,
      column: name,
    },
  );
}

function systemValues(scope: RowScope): Encoded {
  const at = encode(scope.dialect, 'date', scope.now);
  return { _created_at: at, _updated_at: at, _run_id: scope.runId };
}

/** Groups of rows with the same columns, cut to fit the parameter limit; each keeps its input positions. */
function* statements(
  dialect: DialectName,
  rows: Encoded[],
): Generator<{ columns: string[]; rows: Encoded[]; at: number[] }> {
  const groups = new Map<string, { columns: string[]; rows: Encoded[]; at: number[] }>();
  rows.forEach((row, i) => {
    const columns = Object.keys(row);
    const signature = columns.join('\u0000');
    let group = groups.get(signature);
    if (!group) {
      group = { columns, rows: [], at: [] };
      groups.set(signature, group);
    }
    group.rows.push(row);
    group.at.push(i);
  });
  for (const group of groups.values()) {
    const perRow = group.columns.length + 3;
    const size = Math.max(1, Math.min(MAX_ROWS_PER_STATEMENT, Math.floor(MAX_PARAMS[dialect] / perRow)));
    for (let start = 0; start < group.rows.length; start += size) {
      yield {
        columns: group.columns,
        rows: group.rows.slice(start, start + size),
        at: group.at.slice(start, start + size),
      };
    }
  }
}

/**
 * `insert into "t" ("a", ...) values (?, ...), ... <tail>`: the names are compiled by Kysely
 * (quoted), the values are bound; the placeholders are written directly instead of one query
 * node per value, which made a 100,000-row import spend most of its time building the query.
 */
function multiRowInsert(
  db: Db,
  dialect: DialectName,
  physical: string,
  columns: readonly string[],
  rows: readonly Encoded[],
  tail: RawBuilder<unknown>,
): CompiledQuery {
  const head =
    sql`insert into ${sql.id(physical)} (${sql.join(columns.map((c) => sql.id(c)))}) values `.compile(db);
  const end = tail.compile(db);
  if (head.parameters.length > 0 || end.parameters.length > 0) throw new Error('multiRowInsert: names only');
  const params: unknown[] = [];
  const groups: string[] = new Array(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const marks: string[] = new Array(columns.length);
    for (let c = 0; c < columns.length; c++) {
      params.push(rows[r][columns[c]]);
      marks[c] = dialect === 'postgres' ? `$${params.length}` : '?';
    }
    groups[r] = `(${marks.join(', ')})`;
  }
  return CompiledQuery.raw(`${head.sql}${groups.join(', ')}${end.sql}`, params);
}

const SYSTEM_WRITTEN = ['_created_at', '_updated_at', '_run_id'];

export async function insertRows(
  db: Db,
  scope: RowScope,
  rows: Encoded[],
  returnRows: boolean,
): Promise<TableRow[]> {
  const system = systemValues(scope);
  const out: TableRow[] = new Array(returnRows ? rows.length : 0);
  for (const batch of statements(scope.dialect, rows)) {
    const values = batch.rows.map((r) => Object.assign(r, system));
    const columns = [...batch.columns, ...SYSTEM_WRITTEN];
    const q = multiRowInsert(
      db,
      scope.dialect,
      scope.table.physical,
      columns,
      values,
      returnRows ? sql` returning *` : sql``,
    );
    const written = await guard(scope.table, db.executeQuery<Record<string, unknown>>(q));
    if (!returnRows) continue;
    // Identity/autoincrement ids follow the VALUES order within a statement.
    const sorted = written.rows.sort((a, b) => Number(a._id) - Number(b._id));
    sorted.forEach((row, k) => {
      out[batch.at[k]] = decodeRow(scope, row);
    });
  }
  return out;
}

/**
 * `INSERT ... ON CONFLICT (keys) DO UPDATE` the provided columns (plus `_updated_at`, `_run_id`;
 * `_created_at` stays). Rows repeating a key are merged first, later values winning: one statement
 * cannot touch a row twice on PostgreSQL. Returns one row per input row, in input order.
 */
export async function upsertRows(
  db: Db,
  scope: RowScope,
  rows: Encoded[],
  keys: string[],
  returnRows: boolean,
): Promise<{ count: number; rows: TableRow[] }> {
  const positions = new Map<string, number>();
  const merged: Encoded[] = [];
  const slotOf: number[] = [];
  rows.forEach((row, i) => {
    const keyValues = keys.map((k) => {
      const v = row[k];
      if (v === null || v === undefined) {
        throw new TableError('invalid', `rows[${i}].${k}: the key column needs a value`, {
          row: i,
          column: k,
        });
      }
      return v instanceof Date ? v.getTime() : v;
    });
    const key = JSON.stringify(keyValues);
    let slot = positions.get(key);
    if (slot === undefined) {
      slot = merged.length;
      positions.set(key, slot);
      merged.push({ ...row });
    } else {
      Object.assign(merged[slot], row);
    }
    slotOf.push(slot);
  });
  const system = systemValues(scope);
  const bySlot: TableRow[] = new Array(merged.length);
  for (const batch of statements(scope.dialect, merged)) {
    const values = batch.rows.map((r) => ({ ...r, ...system }));
    const updated = [...batch.columns.filter((c) => !keys.includes(c)), '_updated_at', '_run_id'];
    const tail = sql` on conflict (${sql.join(keys.map((k) => sql.id(k)))}) do update set ${sql.join(
      updated.map((c) => sql`${sql.id(c)} = excluded.${sql.id(c)}`),
    )}${returnRows ? sql` returning *` : sql``}`;
    const q = multiRowInsert(
      db,
      scope.dialect,
      scope.table.physical,
      [...batch.columns, ...SYSTEM_WRITTEN],
      values,
      tail,
    );
    const written = (await guard(scope.table, db.executeQuery<Record<string, unknown>>(q))).rows;
    if (!returnRows) continue;
    // RETURNING order is not promised for upserts: match rows back by their key.
    const slotByKey = new Map(batch.rows.map((r, k) => [keyOf(scope.dialect, keys, r), batch.at[k]]));
    for (const row of written) {
      const slot = slotByKey.get(keyOf(scope.dialect, keys, row));
      if (slot !== undefined) bySlot[slot] = decodeRow(scope, row);
    }
  }
  return { count: merged.length, rows: returnRows ? slotOf.map((s) => bySlot[s]) : [] };
}

function keyOf(dialect: DialectName, keys: string[], row: Record<string, unknown>): string {
  return JSON.stringify(
    keys.map((k) => {
      const v = row[k];
      if (v instanceof Date) return v.getTime();
      // Read back, SQLite booleans are 1/0 and PostgreSQL booleans true/false: compare one form.
      if (typeof v === 'boolean') return dialect === 'sqlite' ? (v ? 1 : 0) : v;
      return typeof v === 'bigint' ? Number(v) : v;
    }),
  );
}

export async function updateRows(
  db: Db,
  scope: RowScope,
  filter: Filter,
  values: RowValues,
  returnRows: boolean,
): Promise<{ count: number; rows: TableRow[] }> {
  const [set] = prepareRows(scope, [values]);
  if (Object.keys(set).length === 0) {
    throw new TableError('invalid', 'values: give at least one column to set', { field: 'values' });
  }
  const q = db
    .updateTable(scope.table.physical)
    .set({ ...set, _updated_at: encode(scope.dialect, 'date', scope.now), _run_id: scope.runId })
    .$call(where(scope, filter));
  if (!returnRows) {
    const result = await guard(scope.table, q.executeTakeFirst());
    return { count: Number(result.numUpdatedRows), rows: [] };
  }
  const rows = (await guard(scope.table, q.returningAll().execute())) as Record<string, unknown>[];
  return { count: rows.length, rows: sortById(rows).map((r) => decodeRow(scope, r)) };
}

export async function deleteRows(
  db: Db,
  scope: RowScope,
  filter: Filter,
  returnRows: boolean,
): Promise<{ count: number; rows: TableRow[] }> {
  const q = db.deleteFrom(scope.table.physical).$call(where(scope, filter));
  if (!returnRows) {
    const result = await q.executeTakeFirst();
    return { count: Number(result.numDeletedRows), rows: [] };
  }
  const rows = (await q.returningAll().execute()) as Record<string, unknown>[];
  return { count: rows.length, rows: sortById(rows).map((r) => decodeRow(scope, r)) };
}

export async function queryRows(db: Db, scope: RowScope, opts: QueryOptions): Promise<RowPage> {
  const limit = Math.min(Math.max(Math.trunc(opts.limit ?? DEFAULT_PAGE) || DEFAULT_PAGE, 1), MAX_PAGE);
  const sort = resolveSort(scope.table, opts.sort);
  const conditions: RawBuilder<SqlBool>[] = [];
  const filtered = filterSql(scope.dialect, scope.table, opts.filter);
  if (filtered) conditions.push(filtered);
  if (opts.cursor) conditions.push(afterKeyset(scope.dialect, sort, opts.cursor));
  const whereSql = conditions.length ? sql`where ${sql.join(conditions, sql` and `)}` : sql``;
  const result = await sql<
    Record<string, unknown>
  >`select * from ${sql.id(scope.table.physical)} ${whereSql} order by ${orderBySql(sort)} limit ${limit + 1}`.execute(
    db,
  );
  const rows = result.rows.map((r) => decodeRow(scope, r));
  if (rows.length <= limit) return { items: rows, nextCursor: null };
  const items = rows.slice(0, limit);
  return { items, nextCursor: encodeKeysetCursor(sort, items[items.length - 1]) };
}

export async function countRows(db: Db, table: DataTableRecord): Promise<number> {
  const result = await sql<{
    n: number | string;
  }>`select count(*) as n from ${sql.id(table.physical)}`.execute(db);
  return Number(result.rows[0]?.n ?? 0);
}

/** Adds the filter's WHERE; an empty filter matches every row. */
function where(scope: RowScope, filter: Filter) {
  const condition = filterSql(scope.dialect, scope.table, filter);
  // biome-ignore lint/suspicious/noExplicitAny: the builder type of an untyped table.
  return <Q extends { where(e: RawBuilder<SqlBool>): any }>(q: Q): Q => (condition ? q.where(condition) : q);
}

function sortById(rows: Record<string, unknown>[]): Record<string, unknown>[] {
  return rows.sort((a, b) => Number(a._id) - Number(b._id));
}

/** A stored row as JSON: `_id`, the columns in table order, then the other system columns. */
export function decodeRow(scope: RowScope, raw: Record<string, unknown>): TableRow {
  const { table } = scope;
  const row: Record<string, unknown> = { _id: decode('id', raw._id) };
  for (const c of table.columns) row[c.name] = decode(c.type, raw[c.name]);
  row._created_at = decode('date', raw._created_at);
  row._updated_at = decode('date', raw._updated_at);
  row._run_id = raw._run_id ?? null;
  return row as TableRow;
}

/** A unique index refused the write: a conflict the caller can act on, naming the table's unique indexes. */
async function guard<T>(table: DataTableRecord, work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (isUniqueViolation(error)) {
      const unique = table.indexes.filter((i) => i.unique).map((i) => `${i.name} (${i.columns.join(', ')})`);
      throw new TableError(
        'conflict',
        `A row with the same values already exists: unique index ${unique.join(' or ')}`,
        {
          indexes: unique,
        },
      );
    }
    throw error;
  }
}

/** The kind of a column by name, for callers validating keys. */
export function columnKind(table: DataTableRecord, name: string, field: string): ColumnKind {
  return resolveColumn(table, name, field).kind;
}
