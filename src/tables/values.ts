/**
 * Column types: which values each accepts (with the conversions an import needs: "12.5" into a
 * number column, "true" into a boolean, an ISO string into a date), how they are stored on each
 * database, and how they read back as JSON. A refused value names its row and column.
 *
 * | type    | accepts                                                   | SQLite        | PostgreSQL       | reads as     |
 * |---------|-----------------------------------------------------------|---------------|------------------|--------------|
 * | string  | strings; numbers, booleans (their text); dates (ISO)      | text          | text             | string       |
 * | number  | finite numbers; numeric strings                           | real          | double precision | number       |
 * | boolean | booleans; "true"/"false", 1/0                             | integer 0/1   | boolean          | boolean      |
 * | date    | Date, Luxon DateTime, ISO 8601 strings, epoch milliseconds| integer (ms)  | timestamptz      | ISO string   |
 * | json    | any JSON value                                            | text          | json             | the value    |
 *
 * null and undefined store NULL; an empty string stores NULL in number, boolean and date columns
 * (spreadsheet exports leave empty cells). ISO strings without an offset are UTC.
 */
import { DateTime } from 'luxon';
import type { DialectName } from '../store/dialects/types.js';
import { type ColumnType, type SystemColumn, TableError } from './port.js';

/** Where a value sits, for error messages: `rows[2].age`, `filter.age`, `values.age`. */
export type Where = { row?: number; column: string; field?: string };

/** A column as the query layer sees it: user columns and the system ones alike. */
export type ColumnKind = ColumnType | 'id';

export const SYSTEM_COLUMN_TYPES: Readonly<Record<SystemColumn, ColumnKind>> = {
  _id: 'id',
  _created_at: 'date',
  _updated_at: 'date',
  _run_id: 'string',
};

export function place(where: Where): string {
  if (where.field) return where.field;
  return where.row === undefined ? where.column : `rows[${where.row}].${where.column}`;
}

function refuse(where: Where, expected: string, value: unknown): never {
  throw new TableError('invalid', `${place(where)}: expected ${expected}, got ${describe(value)}`, {
    ...(where.row !== undefined && { row: where.row }),
    column: where.column,
  });
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Date) return 'a date';
  if (typeof value === 'object' && value !== null) return 'an object';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return String(value);
}

/** The value converted to the column's JS form (string, number, boolean, Date, JSON value) or null. */
export function coerce(kind: ColumnKind, value: unknown, where: Where): unknown {
  if (value === null || value === undefined) return null;
  switch (kind) {
    case 'string':
      if (typeof value === 'string') return value;
      if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
        return String(value);
      if (value instanceof Date || DateTime.isDateTime(value)) return toDate(value, where).toISOString();
      return refuse(where, 'text', value);
    case 'number':
    case 'id': {
      if (value === '') return null;
      const n =
        typeof value === 'number' ? value : typeof value === 'string' ? Number(value.trim()) : Number.NaN;
      if (!Number.isFinite(n) || (typeof value === 'string' && value.trim() === '')) {
        return refuse(where, kind === 'id' ? 'a row id' : 'a number', value);
      }
      if (kind === 'id' && !Number.isSafeInteger(n)) return refuse(where, 'a row id', value);
      return n;
    }
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (value === '') return null;
      if (value === 1 || value === '1' || (typeof value === 'string' && value.toLowerCase() === 'true'))
        return true;
      if (value === 0 || value === '0' || (typeof value === 'string' && value.toLowerCase() === 'false'))
        return false;
      return refuse(where, 'true or false', value);
    case 'date':
      if (value === '') return null;
      return toDate(value, where);
    case 'json':
      if (typeof value === 'number' && !Number.isFinite(value)) return refuse(where, 'a JSON value', value);
      try {
        if (JSON.stringify(value) === undefined) return refuse(where, 'a JSON value', value);
      } catch {
        return refuse(where, 'a JSON value', value);
      }
      return value;
  }
}

/** ISO 8601 instants with an offset, which `Date` parses alike everywhere (a 100,000-row import parses many). */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

function toDate(value: unknown, where: Where): Date {
  let date: Date | undefined;
  if (value instanceof Date) date = value;
  else if (DateTime.isDateTime(value)) date = value.toJSDate();
  else if (typeof value === 'number') date = new Date(value);
  else if (typeof value === 'string') {
    const text = value.trim();
    if (ISO_INSTANT.test(text)) date = new Date(text);
    else {
      // Dates and local times without an offset: UTC, which `Date` would not do for the latter.
      const parsed = DateTime.fromISO(text, { zone: 'utc', setZone: true });
      if (parsed.isValid) date = parsed.toJSDate();
    }
  }
  if (!date || Number.isNaN(date.getTime()))
    return refuse(where, 'a date (ISO 8601 or epoch milliseconds)', value);
  return date;
}

/** What the driver binds for a coerced value. */
export function encode(dialect: DialectName, kind: ColumnKind, value: unknown): unknown {
  if (value === null) return null;
  switch (kind) {
    case 'boolean':
      return dialect === 'sqlite' ? (value ? 1 : 0) : value;
    case 'date':
      return dialect === 'sqlite' ? (value as Date).getTime() : value;
    case 'json':
      return JSON.stringify(value);
    default:
      return value;
  }
}

/** The JSON form of a stored value (dates as ISO strings). */
export function decode(kind: ColumnKind, raw: unknown): unknown {
  if (raw === null || raw === undefined) return null;
  switch (kind) {
    case 'id':
      return Number(raw);
    case 'number':
      return typeof raw === 'number' ? raw : Number(raw);
    case 'boolean':
      return raw === true || raw === 1 || raw === 1n;
    case 'date':
      return (raw instanceof Date ? raw : new Date(Number(raw))).toISOString();
    case 'json':
      // Both dialects hand back the text (dialects/postgres.ts: `jsonAsText`).
      return JSON.parse(raw as string);
    default:
      return raw;
  }
}
