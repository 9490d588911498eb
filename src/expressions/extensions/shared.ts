/** Types and helpers shared by the n8n extension methods (`'a'.toTitleCase()`, `[1].sum()`...). */
import { DateTime } from 'luxon';
import { ExpressionError } from '../../engine/errors.js';
import type { Ctx } from '../context.js';
import { setOwn } from '../security.js';

/** An extension method: `value` is the receiver, `args` the call arguments (n8n's `extraArgs`). */
export type Extension<T> = (value: T, args: unknown[], c: Ctx) => unknown;

export type ExtensionTable<T> = ReadonlyMap<string, Extension<T>>;

/** n8n's ExpressionExtensionError: always propagates (never swallowed like a TypeError). */
export function extensionError(message: string, description?: string): ExpressionError {
  return new ExpressionError(message, { description });
}

/**
 * n8n's `tryToParseDateTime`: ISO, HTTP, RFC 2822, SQL, then anything `Date.parse` accepts.
 * Strings without an offset are read in the workflow's time zone.
 */
export function parseDateTime(value: unknown, zone: string): DateTime {
  if (value instanceof DateTime && value.isValid) return value;
  if (value instanceof Date) {
    const fromDate = DateTime.fromJSDate(value, { zone });
    if (fromDate.isValid) return fromDate;
  }
  const text = String(value).trim();
  const opts = { zone, setZone: true };
  for (const parse of [DateTime.fromISO, DateTime.fromHTTP, DateTime.fromRFC2822, DateTime.fromSQL]) {
    const parsed = parse(text, opts);
    if (parsed.isValid) return parsed;
  }
  const fromMillis = DateTime.fromMillis(Date.parse(text), { zone });
  if (fromMillis.isValid) return fromMillis;
  throw extensionError('Value is not a valid date');
}

/** Structural equality used by `unique`/`union`/... (n8n uses lodash `isEqual`). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (a instanceof DateTime && b instanceof DateTime) return a.equals(b);
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  for (const k of ka) {
    if (!Object.hasOwn(b, k) || !deepEqual(ra[k], rb[k])) return false;
  }
  return true;
}

/** Keeps the first of each group of deep-equal values. */
export function uniqueBy(values: readonly unknown[], key: (v: unknown) => unknown): unknown[] {
  const out: unknown[] = [];
  const keys: unknown[] = [];
  for (const v of values) {
    const k = key(v);
    if (!keys.some((seen) => deepEqual(seen, k))) {
      keys.push(k);
      out.push(v);
    }
  }
  return out;
}

/** Drops null, undefined, 'nil', '' and empty objects, recursively. */
export function compactObject(value: object): Record<string, unknown> {
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(source)) {
    const v = source[key];
    if (v === null || v === undefined || v === 'nil' || v === '') continue;
    if (typeof v === 'object') {
      if (Object.keys(v).length === 0) continue;
      setOwn(out, key, compactObject(v));
    } else {
      setOwn(out, key, v);
    }
  }
  return out;
}

/** Keys of `other` are added to a copy of `base` unless already present. */
export function mergeObjects(base: Record<string, unknown>, other: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(base)) setOwn(out, k, base[k]);
  if (!(typeof other === 'object' && other !== null)) return out;
  for (const k of Object.keys(other))
    if (!Object.hasOwn(out, k)) setOwn(out, k, (other as Record<string, unknown>)[k]);
  return out;
}
