/**
 * SQL of the table operations (insert, upsert, update, select, delete, truncate, drop) for
 * PostgreSQL and MySQL, built with Kysely's `sql` templates and compiled without a connection:
 * names are quoted by `sql.id`, values are bound (`$n` / `?`), operators come from closed lists.
 */
import {
  DummyDriver,
  Kysely,
  MysqlAdapter,
  MysqlIntrospector,
  MysqlQueryCompiler,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type RawBuilder,
  sql,
} from 'kysely';
import type { SqlDialect, Statement } from './query-text.js';

// biome-ignore lint/suspicious/noExplicitAny: compile-only instances have no schema.
type AnyKysely = Kysely<any>;

const compilers: Record<SqlDialect, AnyKysely> = {
  postgres: new Kysely({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) => new PostgresIntrospector(db),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
  }),
  mysql: new Kysely({
    dialect: {
      createAdapter: () => new MysqlAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) => new MysqlIntrospector(db),
      createQueryCompiler: () => new MysqlQueryCompiler(),
    },
  }),
};

export function compile(dialect: SqlDialect, query: RawBuilder<unknown>): Statement {
  const compiled = query.compile(compilers[dialect]);
  return { text: compiled.sql, values: [...compiled.parameters] };
}

/** An identifier quoted for `dialect` (`"a""b"` / `` `a``b` ``). */
export function quoteIdent(dialect: SqlDialect, name: string): string {
  return compile(dialect, sql`${sql.id(name)}`).text;
}

/** `schema.table` (PostgreSQL) or `table` / `db.table` (MySQL, as n8n splits it). */
export function tableRef(dialect: SqlDialect, table: string, schema?: string): RawBuilder<unknown> {
  if (dialect === 'postgres') return schema ? sql.id(schema, table) : sql.id(table);
  const parts = table.split('.').map((p) => p.replace(/^`|`$/g, ''));
  return sql.id(...parts);
}

const ids = (names: readonly string[]) => sql.join(names.map((n) => sql.id(n)));

export type Returning = '*' | readonly string[] | undefined;

function returning(r: Returning): RawBuilder<unknown> {
  if (r === undefined) return sql``;
  return r === '*' || r.length === 0 || r.includes('*') ? sql` returning *` : sql` returning ${ids(r)}`;
}

export interface InsertSpec {
  table: RawBuilder<unknown>;
  columns: readonly string[];
  rows: readonly (readonly unknown[])[];
  returning?: Returning;
  /** PostgreSQL `ON CONFLICT DO NOTHING`. */
  skipOnConflict?: boolean;
  /** MySQL `INSERT IGNORE` and priority. */
  ignore?: boolean;
  priority?: 'LOW_PRIORITY' | 'HIGH_PRIORITY';
}

export function insertSql(dialect: SqlDialect, spec: InsertSpec): RawBuilder<unknown> {
  const modifiers = [
    spec.priority && sql.raw(spec.priority === 'HIGH_PRIORITY' ? 'high_priority ' : 'low_priority '),
    spec.ignore && sql`ignore `,
  ].filter(Boolean) as RawBuilder<unknown>[];
  const head = sql`insert ${sql.join(modifiers, sql``)}into ${spec.table}`;
  const body =
    spec.columns.length === 0
      ? dialect === 'postgres'
        ? sql` default values`
        : sql` () values ${sql.join(spec.rows.map(() => sql`()`))}`
      : sql` (${ids(spec.columns)}) values ${sql.join(spec.rows.map((r) => sql`(${sql.join(r)})`))}`;
  const conflict = spec.skipOnConflict && dialect === 'postgres' ? sql` on conflict do nothing` : sql``;
  return sql`${head}${body}${conflict}${returning(dialect === 'postgres' ? spec.returning : undefined)}`;
}

/** Insert or update by `keys`: PostgreSQL `ON CONFLICT (keys) DO UPDATE`, MySQL `ON DUPLICATE KEY UPDATE`. */
export function upsertSql(
  dialect: SqlDialect,
  table: RawBuilder<unknown>,
  row: Record<string, unknown>,
  keys: readonly string[],
  r?: Returning,
): RawBuilder<unknown> {
  const columns = Object.keys(row);
  const insert = insertSql(dialect, { table, columns, rows: [columns.map((c) => row[c])] });
  const updated = columns.filter((c) => !keys.includes(c));
  if (dialect === 'postgres') {
    const action =
      updated.length > 0
        ? sql`do update set ${sql.join(updated.map((c) => sql`${sql.id(c)} = excluded.${sql.id(c)}`))}`
        : sql`do nothing`;
    return sql`${insert} on conflict (${ids(keys)}) ${action}${returning(r)}`;
  }
  const set = updated.length > 0 ? updated : keys;
  return sql`${insert} on duplicate key update ${sql.join(set.map((c) => sql`${sql.id(c)} = ${row[c]}`))}`;
}

export function updateSql(
  dialect: SqlDialect,
  table: RawBuilder<unknown>,
  set: Record<string, unknown>,
  match: Record<string, unknown>,
  r?: Returning,
): RawBuilder<unknown> {
  const assignments = Object.entries(set).map(([c, v]) => sql`${sql.id(c)} = ${v}`);
  const conditions = Object.entries(match).map(([c, v]) =>
    v === null ? sql`${sql.id(c)} is null` : sql`${sql.id(c)} = ${v}`,
  );
  return sql`update ${table} set ${sql.join(assignments)} where ${sql.join(conditions, sql` and `)}${returning(dialect === 'postgres' ? r : undefined)}`;
}

export interface Condition {
  column: string;
  /** One of params.ts WHERE_OPERATORS' values. */
  op: string;
  value: unknown;
}

const OPERATORS = new Set(['=', '<>', 'LIKE', '>', '<', '>=', '<=', 'IS NULL', 'IS NOT NULL']);

export function whereSql(conditions: readonly Condition[], combine: 'AND' | 'OR'): RawBuilder<unknown> {
  if (conditions.length === 0) return sql``;
  const parts = conditions.map((c) => {
    if (!OPERATORS.has(c.op)) throw new Error(`operator ${c.op} is not allowed`);
    if (c.op === 'IS NULL' || c.op === 'IS NOT NULL') return sql`${sql.id(c.column)} ${sql.raw(c.op)}`;
    return sql`${sql.id(c.column)} ${sql.raw(c.op)} ${c.value}`;
  });
  return sql` where ${sql.join(parts, combine === 'OR' ? sql` or ` : sql` and `)}`;
}

export interface SelectSpec {
  table: RawBuilder<unknown>;
  columns: readonly string[];
  where: readonly Condition[];
  combine: 'AND' | 'OR';
  sort: readonly { column: string; direction: 'ASC' | 'DESC' }[];
  /** Undefined: every row. */
  limit?: number;
  distinct?: boolean;
}

export function selectSql(spec: SelectSpec): RawBuilder<unknown> {
  const columns = spec.columns.length === 0 || spec.columns.includes('*') ? sql`*` : ids(spec.columns);
  const order =
    spec.sort.length > 0
      ? sql` order by ${sql.join(spec.sort.map((s) => sql`${sql.id(s.column)} ${sql.raw(s.direction === 'DESC' ? 'desc' : 'asc')}`))}`
      : sql``;
  // A checked integer, inlined: MySQL refuses some numeric types for a bound LIMIT.
  const limit =
    spec.limit === undefined ? sql`` : sql` limit ${sql.lit(Math.max(1, Math.trunc(spec.limit)))}`;
  return sql`select ${spec.distinct ? sql`distinct ` : sql``}${columns} from ${spec.table}${whereSql(spec.where, spec.combine)}${order}${limit}`;
}

export function deleteSql(
  table: RawBuilder<unknown>,
  where: readonly Condition[],
  combine: 'AND' | 'OR',
): RawBuilder<unknown> {
  return sql`delete from ${table}${whereSql(where, combine)}`;
}

export function truncateSql(
  dialect: SqlDialect,
  table: RawBuilder<unknown>,
  restartIdentity: boolean,
  cascade: boolean,
): RawBuilder<unknown> {
  if (dialect === 'mysql') return sql`truncate table ${table}`;
  return sql`truncate table ${table}${restartIdentity ? sql` restart identity` : sql``}${cascade ? sql` cascade` : sql``}`;
}

export function dropSql(
  dialect: SqlDialect,
  table: RawBuilder<unknown>,
  cascade: boolean,
): RawBuilder<unknown> {
  return sql`drop table if exists ${table}${cascade && dialect === 'postgres' ? sql` cascade` : sql``}`;
}

/** Whether every statement is a SELECT (n8n then outputs nothing for no rows, instead of `{ success: true }`). */
export function isSelectOnly(statements: readonly string[]): boolean {
  return statements.every((s) =>
    s
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/--[^\n]*/g, '')
      .trim()
      .toLowerCase()
      .startsWith('select'),
  );
}

/** Row values as JSON for items: dates as ISO strings, binary as n8n serialises it, big integers as text. */
export function jsonRow(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    if (v instanceof Date) out[k] = Number.isNaN(v.getTime()) ? null : v.toISOString();
    else if (Buffer.isBuffer(v)) out[k] = v.toJSON();
    else if (typeof v === 'bigint') out[k] = v.toString();
    else out[k] = v;
  }
  return out;
}
