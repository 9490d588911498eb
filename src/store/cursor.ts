/**
 * Opaque page cursors for keyset pagination on (created_at, id), newest first. Callers treat the
 * string as a token; its content (base64url JSON) may change between releases.
 */
import { type RawBuilder, type SelectQueryBuilder, type SqlBool, sql } from 'kysely';
import type { ValueCodec } from './dialects/types.js';

export interface Page<T> {
  items: T[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

/** A cursor that was not produced by this store (tampered, truncated): the API answers 400. */
export class InvalidCursorError extends Error {
  override readonly name = 'InvalidCursorError';
  constructor() {
    super('invalid page cursor');
  }
}

export function encodeCursor(createdAt: Date, id: string): string {
  return Buffer.from(JSON.stringify([createdAt.getTime(), id])).toString('base64url');
}

export function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      Number.isInteger(value[0]) &&
      typeof value[1] === 'string'
    ) {
      return { createdAt: new Date(value[0]), id: value[1] };
    }
  } catch {
    // falls through to the named error
  }
  throw new InvalidCursorError();
}

/** Rows strictly after the cursor in (created_at desc, id desc) order; a row-value comparison both dialects index. */
export function afterCursor(codec: ValueCodec, cursor: string): RawBuilder<SqlBool> {
  const { createdAt, id } = decodeCursor(cursor);
  return sql<SqlBool>`(created_at, id) < (${codec.date(createdAt)}, ${id})`;
}

/** Clamps a page size; `limit + 1` rows are read to know whether another page exists. */
export function pageSize(limit: number): number {
  return Math.min(Math.max(Math.trunc(limit) || 1, 1), 1000);
}

/**
 * One page of `query`'s rows, newest first: those after `page.cursor`, `limit + 1` of them read to
 * know whether another page follows, each made a record by `fromRow`. Every paged table has the
 * `created_at` and `id` columns the order and the cursor are made of.
 */
export async function readPage<DB, TB extends keyof DB, Row extends { created_at: unknown; id: string }, T>(
  query: SelectQueryBuilder<DB, TB, Row>,
  codec: ValueCodec,
  page: { cursor?: string | null; limit: number },
  fromRow: (row: Row) => T,
): Promise<Page<T>> {
  const limit = pageSize(page.limit);
  const rows = await query
    .$if(!!page.cursor, (q) => q.where(afterCursor(codec, page.cursor!)))
    .orderBy(sql`created_at`, 'desc')
    .orderBy(sql`id`, 'desc')
    .limit(limit + 1)
    .execute();
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return {
    items: items.map(fromRow),
    nextCursor: rows.length > limit ? encodeCursor(codec.readDate(last.created_at), last.id) : null,
  };
}
