/**
 * Row filters: from the API's query string (`?filter[age][gt]=30`, `?filter[nom]=Durand`, or a
 * JSON `filter` parameter) or from a node, into one SQL condition. Column names are checked
 * against the table and quoted (`sql.id`); values are converted to the column's type and bound —
 * nothing a caller sends is ever spliced into SQL text.
 *
 * `like` is case-sensitive and `ilike` is not (SQLite folds ASCII letters only). A pattern without
 * `%` means "contains" and is taken literally; with `%`, it is a LIKE pattern (`_` one character,
 * `\` escapes). SQLite's LIKE ignores case, so `like` runs there as GLOB with the pattern translated.
 */
import { type RawBuilder, type SqlBool, sql } from 'kysely';
import type { DialectName } from '../store/dialects/types.js';
import type { DataTableRecord } from '../store/table-store.js';
import {
  type Condition,
  FILTER_OPS,
  type Filter,
  type FilterOp,
  SYSTEM_COLUMNS,
  type SystemColumn,
  TableError,
} from './port.js';
import { type ColumnKind, coerce, encode, SYSTEM_COLUMN_TYPES } from './values.js';

export interface ResolvedColumn {
  name: string;
  kind: ColumnKind;
}

/** A user or system column of `table`, by exact name; unknown names are refused with the list of known ones. */
export function resolveColumn(table: DataTableRecord, name: unknown, field: string): ResolvedColumn {
  if (typeof name === 'string') {
    if ((SYSTEM_COLUMNS as readonly string[]).includes(name)) {
      return { name, kind: SYSTEM_COLUMN_TYPES[name as SystemColumn] };
    }
    const column = table.columns.find((c) => c.name === name);
    if (column) return { name: column.name, kind: column.type };
  }
  const known = [...table.columns.map((c) => c.name), ...SYSTEM_COLUMNS].join(', ');
  throw new TableError(
    'invalid',
    `${field}: unknown column ${JSON.stringify(name)} in table '${table.name}' (columns: ${known})`,
    {
      field,
    },
  );
}

const COMPARABLE: ReadonlySet<ColumnKind> = new Set(['string', 'number', 'date', 'id']);

/** The SQL condition of `filter` (undefined when it has no conditions). */
export function filterSql(
  dialect: DialectName,
  table: DataTableRecord,
  filter: Filter | undefined,
): RawBuilder<SqlBool> | undefined {
  if (!filter || filter.conditions.length === 0) return undefined;
  const parts = filter.conditions.map((c, i) => conditionSql(dialect, table, c, `filter.conditions[${i}]`));
  return sql<SqlBool>`(${sql.join(parts, filter.match === 'any' ? sql` or ` : sql` and `)})`;
}

function conditionSql(
  dialect: DialectName,
  table: DataTableRecord,
  c: Condition,
  field: string,
): RawBuilder<SqlBool> {
  const column = resolveColumn(table, c.column, `${field}.column`);
  const ref = sql.id(column.name);
  const op: FilterOp = c.op;
  if (!FILTER_OPS.includes(op)) {
    throw new TableError(
      'invalid',
      `${field}.op: unknown operator ${JSON.stringify(op)} (one of ${FILTER_OPS.join(', ')})`,
      { field },
    );
  }
  const where = { column: column.name, field: `${field}.value (${column.name})` };
  const value = (v: unknown): unknown => encode(dialect, column.kind, coerce(column.kind, v, where));
  const refuseOp = (): never => {
    throw new TableError(
      'invalid',
      `${field}: operator '${op}' does not apply to ${column.kind} column '${column.name}'`,
      {
        field,
      },
    );
  };

  if (op === 'isNull' || op === 'isNotNull') {
    const wantNull =
      (op === 'isNull') === (c.value === undefined || coerce('boolean', c.value, where) !== false);
    return wantNull ? sql<SqlBool>`${ref} is null` : sql<SqlBool>`${ref} is not null`;
  }
  if (op === 'eq' || op === 'ne') {
    const v = column.kind === 'json' ? (c.value ?? null) : value(c.value);
    if (v === null) return op === 'eq' ? sql<SqlBool>`${ref} is null` : sql<SqlBool>`${ref} is not null`;
    if (column.kind === 'json') return refuseOp();
    // "not equal to x" keeps the rows without a value: null is not x.
    return op === 'eq' ? sql<SqlBool>`${ref} = ${v}` : sql<SqlBool>`(${ref} <> ${v} or ${ref} is null)`;
  }
  if (op === 'in') {
    if (column.kind === 'json') return refuseOp();
    if (!Array.isArray(c.value)) {
      throw new TableError('invalid', `${field}.value: 'in' takes a list of values`, { field });
    }
    const values = c.value.map(value).filter((v) => v !== null);
    const hasNull = c.value.some((v) => v === null);
    const list = values.length > 0 ? sql<SqlBool>`${ref} in (${sql.join(values)})` : sql<SqlBool>`1 = 0`;
    return hasNull ? sql<SqlBool>`(${list} or ${ref} is null)` : list;
  }
  if (op === 'like' || op === 'ilike') {
    if (column.kind !== 'string') return refuseOp();
    if (typeof c.value !== 'string') {
      throw new TableError('invalid', `${field}.value: '${op}' takes a text pattern`, { field });
    }
    const pattern = likePattern(c.value);
    if (dialect === 'postgres') {
      return op === 'like'
        ? sql<SqlBool>`${ref} like ${pattern} escape '\\'`
        : sql<SqlBool>`${ref} ilike ${pattern} escape '\\'`;
    }
    return op === 'like'
      ? sql<SqlBool>`${ref} glob ${globPattern(pattern)}`
      : sql<SqlBool>`${ref} like ${pattern} escape '\\'`;
  }
  if (!COMPARABLE.has(column.kind)) return refuseOp();
  const v = value(c.value);
  if (v === null) throw new TableError('invalid', `${field}.value: '${op}' needs a value`, { field });
  const operator = { gt: '>', gte: '>=', lt: '<', lte: '<=' }[op];
  return sql<SqlBool>`${ref} ${sql.raw(operator)} ${v}`;
}

/** A value without `%` means "contains", literally; otherwise it is already a LIKE pattern. */
export function likePattern(value: string): string {
  if (value.includes('%')) return value;
  return `%${value.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
}

/** The GLOB pattern (case-sensitive, SQLite) matching what LIKE `pattern` (escape `\`) matches. */
export function globPattern(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '\\' && i + 1 < pattern.length) {
      out += literalGlob(pattern[++i]);
    } else if (ch === '%') out += '*';
    else if (ch === '_') out += '?';
    else out += literalGlob(ch);
  }
  return out;
}

function literalGlob(ch: string): string {
  return ch === '*' || ch === '?' || ch === '[' ? `[${ch}]` : ch;
}

/** A JSON filter: `{ col: value }`, `{ col: { op: value } }`, `[conditions]` or `{ match, conditions }`. */
export function parseFilterJson(value: unknown, field = 'filter'): Filter {
  if (value === undefined || value === null || value === '') return { conditions: [] };
  if (typeof value === 'string') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      throw new TableError('invalid', `${field}: not valid JSON`, { field });
    }
    return parseFilterJson(parsed, field);
  }
  if (Array.isArray(value)) return { conditions: value.map((c, i) => conditionFrom(c, `${field}[${i}]`)) };
  if (typeof value !== 'object')
    throw new TableError('invalid', `${field}: expected an object or a list`, { field });
  const obj = value as Record<string, unknown>;
  if (Array.isArray(obj.conditions)) {
    const match = obj.match ?? 'all';
    if (match !== 'all' && match !== 'any') {
      throw new TableError('invalid', `${field}.match: 'all' or 'any'`, { field: `${field}.match` });
    }
    return { match, conditions: obj.conditions.map((c, i) => conditionFrom(c, `${field}.conditions[${i}]`)) };
  }
  const conditions: Condition[] = [];
  for (const [column, spec] of Object.entries(obj)) {
    if (spec !== null && typeof spec === 'object' && !Array.isArray(spec)) {
      for (const [op, v] of Object.entries(spec))
        conditions.push({ column, op: checkOp(op, `${field}.${column}`), value: v });
    } else {
      conditions.push({ column, op: 'eq', value: spec });
    }
  }
  return { conditions };
}

function conditionFrom(value: unknown, field: string): Condition {
  if (!value || typeof value !== 'object')
    throw new TableError('invalid', `${field}: expected { column, op, value }`, { field });
  const c = value as Record<string, unknown>;
  if (typeof c.column !== 'string')
    throw new TableError('invalid', `${field}.column: a column name is required`, { field });
  return { column: c.column, op: checkOp(c.op ?? 'eq', field), value: c.value };
}

function checkOp(op: unknown, field: string): FilterOp {
  if (typeof op === 'string' && (FILTER_OPS as readonly string[]).includes(op)) return op as FilterOp;
  throw new TableError(
    'invalid',
    `${field}: unknown operator ${JSON.stringify(op)} (one of ${FILTER_OPS.join(', ')})`,
    { field },
  );
}

const BRACKETS = /^filter\[([^\]]+)\](?:\[([^\]]+)\])?$/;

/**
 * The filter of a query string: `filter[col][op]=v` (repeatable), `filter[col]=v` (eq), and/or a
 * JSON `filter=...`, combined with `match=any|all`. `in` takes `a,b,c` (or repeated keys); `isNull`
 * takes true/false or nothing.
 */
export function filterFromQuery(query: Record<string, unknown>): Filter {
  const fromJson = parseFilterJson(query.filter);
  const conditions = [...fromJson.conditions];
  for (const [key, raw] of Object.entries(query)) {
    const m = BRACKETS.exec(key);
    if (!m) continue;
    const [, column, opName] = m;
    const op = checkOp(opName ?? 'eq', `querystring.${key}`);
    for (const v of [raw].flat()) {
      const text = v === undefined ? '' : String(v);
      if (op === 'in')
        conditions.push({ column, op, value: [raw].flat().flatMap((s) => String(s).split(',')) });
      else if (op === 'isNull' || op === 'isNotNull')
        conditions.push({ column, op, value: text === '' ? undefined : text });
      else conditions.push({ column, op, value: text });
      if (op === 'in') break;
    }
  }
  const match = query.match ?? fromJson.match ?? 'all';
  if (match !== 'all' && match !== 'any') {
    throw new TableError('invalid', `querystring.match: 'all' or 'any'`, { field: 'querystring.match' });
  }
  return { match, conditions };
}
