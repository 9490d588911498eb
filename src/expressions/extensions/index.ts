/**
 * The n8n extension methods, looked up like n8n's `extend()` (`expression-extension.ts`): the table
 * is chosen by the receiver's runtime type (array, then ISO date string, string, number, date,
 * object, boolean); the caller falls back to the native method of the same name, then to the
 * generic `isEmpty`/`isNotEmpty`.
 */
import { DateTime } from 'luxon';
import { ExpressionError } from '../../engine/errors.js';
import { arrayExtensions } from './array.js';
import { dateExtensions } from './date.js';
import { numberExtensions } from './number.js';
import { objectExtensions } from './object.js';
import type { Extension } from './shared.js';
import { stringExtensions } from './string.js';

const booleanExtensions: ReadonlyMap<string, Extension<boolean>> = new Map<string, Extension<boolean>>([
  ['toBoolean', (v) => v],
  ['toInt', (v) => (v ? 1 : 0)],
  ['toFloat', (v) => (v ? 1 : 0)],
  ['toNumber', (v) => (v ? 1 : 0)],
  ['toDateTime', () => undefined],
]);

const genericExtensions: ReadonlyMap<string, Extension<unknown>> = new Map<string, Extension<unknown>>([
  ['isEmpty', (v) => v === null || v === undefined || !v],
  ['isNotEmpty', (v) => !(v === null || v === undefined || !v)],
]);

/** In n8n's order, used for "only callable on type" messages. */
const TABLES: ReadonlyArray<[string, ReadonlyMap<string, unknown>]> = [
  ['Array', arrayExtensions],
  ['Date', dateExtensions],
  ['Number', numberExtensions],
  ['Object', objectExtensions],
  ['String', stringExtensions],
  ['Boolean', booleanExtensions],
];

/** Every method name that is an extension for some type: calls of these go through `findExtension`. */
export const EXTENSION_NAMES: ReadonlySet<string> = new Set([
  ...TABLES.flatMap(([, table]) => [...table.keys()]),
  ...genericExtensions.keys(),
]);

const ISO_DATE = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}.\d{3}Z/;

/** n8n treats a string that is exactly `Date#toISOString()` output as a date. */
function isIsoDateString(value: string): boolean {
  if (!ISO_DATE.test(value)) return false;
  const d = new Date(value);
  return !Number.isNaN(d.getTime()) && d.toISOString() === value;
}

export interface FoundExtension {
  fn: Extension<unknown>;
  /** The receiver as the extension sees it (an ISO string becomes a Date). */
  input: unknown;
}

/** The type-specific extension for `value.name()`, if any. */
export function findTypedExtension(value: unknown, name: string): FoundExtension | undefined {
  let table: ReadonlyMap<string, unknown> | undefined;
  let input = value;
  if (Array.isArray(value)) table = arrayExtensions;
  else if (typeof value === 'string') {
    if (name !== 'toDate' && name !== 'toDateTime' && isIsoDateString(value)) {
      input = new Date(value);
      table = dateExtensions;
    } else table = stringExtensions;
  } else if (typeof value === 'number') table = numberExtensions;
  else if (value instanceof DateTime || value instanceof Date) table = dateExtensions;
  else if (typeof value === 'object' && value !== null) table = objectExtensions;
  else if (typeof value === 'boolean') table = booleanExtensions;
  const fn = table?.get(name) as Extension<unknown> | undefined;
  return fn === undefined ? undefined : { fn, input };
}

export function findGenericExtension(name: string): Extension<unknown> | undefined {
  return genericExtensions.get(name);
}

/** The error n8n gives when no type has the method for this receiver. */
export function extensionNotFound(value: unknown, name: string): ExpressionError {
  if (value === null || value === undefined) {
    return new ExpressionError(`${name} can't be used on ${String(value)} value`, {
      description: `To ignore this error, add a ? to the variable before this function, e.g. my_var?.${name}`,
    });
  }
  const types = TABLES.filter(([, table]) => table.has(name)).map(([type]) => `"${type}"`);
  if (types.length === 0) return new ExpressionError(`Unknown expression function: ${name}`);
  if (types.length === 1) return new ExpressionError(`${name}() is only callable on type ${types[0]}`);
  const last = types.pop();
  return new ExpressionError(`${name}() is only callable on types ${types.join(', ')}, and ${last}`);
}
