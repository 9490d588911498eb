/**
 * Opaque page cursors for keyset pagination on (created_at, id), newest first. Callers treat the
 * string as a token; its content (base64url JSON) may change between releases.
 */
import { type RawBuilder, type SqlBool, sql } from 'kysely';
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

export function toPage<T>(
  rows: T[],
  limit: number,
  key: (row: T) => { createdAt: Date; id: string },
): Page<T> {
  if (rows.length <= limit) return { items: rows, nextCursor: null };
  const items = rows.slice(0, limit);
  const last = key(items[items.length - 1]);
  return { items, nextCursor: encodeCursor(last.createdAt, last.id) };
}
