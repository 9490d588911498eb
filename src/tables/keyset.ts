/**
 * Keyset pagination over any sort: rows are ordered by the requested keys then `_id` (unique, so
 * the order is total), NULLs last in both directions on both databases, and the cursor carries
 * the last row's values of those keys. "Rows after the cursor" is the lexicographic condition
 * (k1 after v1) OR (k1 = v1 AND k2 after v2) OR ... — bound values, quoted names, no OFFSET.
 */
import { type RawBuilder, type SqlBool, sql } from 'kysely';
import { InvalidCursorError } from '../store/cursor.js';
import type { DialectName } from '../store/dialects/types.js';
import type { DataTableRecord } from '../store/table-store.js';
import { type ResolvedColumn, resolveColumn } from './filters.js';
import { type SortKey, TableError } from './port.js';
import { coerce, encode } from './values.js';

export interface ResolvedSort {
  keys: (ResolvedColumn & { direction: 'asc' | 'desc' })[];
  /** Identifies the order, so a cursor cannot be replayed under another one. */
  signature: string;
}

export function resolveSort(table: DataTableRecord, sort: readonly SortKey[] | undefined): ResolvedSort {
  const keys: ResolvedSort['keys'] = [];
  for (const [i, key] of (sort ?? []).entries()) {
    const column = resolveColumn(table, key.column, `sort[${i}]`);
    if (column.kind === 'json') {
      throw new TableError('invalid', `sort[${i}]: json column '${column.name}' cannot be sorted`, {
        field: `sort[${i}]`,
      });
    }
    if (keys.some((k) => k.name === column.name)) continue;
    keys.push({ ...column, direction: key.direction === 'desc' ? 'desc' : 'asc' });
    if (column.name === '_id') break;
  }
  if (!keys.some((k) => k.name === '_id')) keys.push({ name: '_id', kind: 'id', direction: 'asc' });
  return { keys, signature: keys.map((k) => `${k.name}:${k.direction}`).join(',') };
}

/** `ORDER BY` items for the sort. */
export function orderBySql(sort: ResolvedSort): RawBuilder<unknown> {
  return sql.join(
    sort.keys.map((k) => sql`${sql.id(k.name)} ${sql.raw(k.direction)} nulls last`),
    sql`, `,
  );
}

export function encodeKeysetCursor(sort: ResolvedSort, row: Record<string, unknown>): string {
  const values = sort.keys.map((k) => row[k.name] ?? null);
  return Buffer.from(JSON.stringify({ s: sort.signature, v: values })).toString('base64url');
}

/** Rows strictly after the cursor's row in the sort's order. */
export function afterKeyset(dialect: DialectName, sort: ResolvedSort, cursor: string): RawBuilder<SqlBool> {
  const values = decode(sort, cursor);
  const branches: RawBuilder<SqlBool>[] = [];
  const equal: RawBuilder<SqlBool>[] = [];
  for (const [i, key] of sort.keys.entries()) {
    const ref = sql.id(key.name);
    const raw = values[i];
    let v: unknown;
    try {
      v = encode(dialect, key.kind, coerce(key.kind, raw, { column: key.name }));
    } catch {
      throw new InvalidCursorError();
    }
    if (v !== null) {
      const op = sql.raw(key.direction === 'asc' ? '>' : '<');
      const after = sql<SqlBool>`(${ref} ${op} ${v} or ${ref} is null)`;
      branches.push(equal.length ? sql<SqlBool>`(${sql.join([...equal, after], sql` and `)})` : after);
      equal.push(sql<SqlBool>`${ref} = ${v}`);
    } else {
      // NULLs come last: nothing sorts after a NULL but other NULLs, which the next keys order.
      equal.push(sql<SqlBool>`${ref} is null`);
    }
  }
  return branches.length ? sql<SqlBool>`(${sql.join(branches, sql` or `)})` : sql<SqlBool>`1 = 0`;
}

function decode(sort: ResolvedSort, cursor: string): unknown[] {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as {
      s?: unknown;
      v?: unknown;
    };
    if (parsed.s === sort.signature && Array.isArray(parsed.v) && parsed.v.length === sort.keys.length) {
      return parsed.v;
    }
  } catch {
    // falls through to the named error
  }
  throw new InvalidCursorError();
}
