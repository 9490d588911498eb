/**
 * JavaScript built-ins available to expressions: `Math`, `JSON`, `Object`, `Array`, `Number`,
 * `String`, `Boolean`, `Date`, the URI and number-parsing functions, and the constructors allowed
 * after `new`. Each is a whitelist; arguments are converted with the evaluator's own coercions so a
 * `toString` written in an expression is never called by the host.
 */
import { DateTime, Duration, Interval } from 'luxon';
import type { Ctx } from './context.js';
import { safeString, toNumber, toPrimitive, toPropertyKey } from './ops.js';
import { copyOwn, dataValue, MAX_ARRAY_LENGTH, safeJsonParse, setOwn, setUserKey } from './security.js';
import {
  Callable,
  HostFunction,
  type HostImpl,
  hostMembers,
  Namespace,
  nativeCallback,
  Special,
} from './values.js';

const str = (v: unknown): string => safeString(v);
const optionalNumber = (v: unknown): number | undefined => (v === undefined ? undefined : toNumber(v));

function mathNamespace(): Namespace {
  const functions: Record<string, HostImpl> = {};
  const constants: Record<string, unknown> = {};
  const math = Math as unknown as Record<string, unknown>;
  for (const name of Object.getOwnPropertyNames(Math)) {
    const member = math[name];
    if (typeof member === 'function') {
      const fn = member as (...args: number[]) => number;
      // Numbers in, number out: converting first keeps `valueOf` lookups out of native code.
      functions[name] = (_c, args) => fn(...args.map(toNumber));
    } else if (typeof member === 'number') {
      constants[name] = member;
    }
  }
  return new Namespace('Math', hostMembers('Math', functions, constants), Math);
}

function jsonParse(c: Ctx, [text, reviver]: unknown[]): unknown {
  const revive =
    reviver instanceof Callable
      ? (key: string, value: unknown) => reviver.invoke(c, [key, value])
      : undefined;
  return safeJsonParse(str(text), revive);
}

function jsonStringify(c: Ctx, [value, replacer, space]: unknown[]): unknown {
  const replace = Array.isArray(replacer) ? replacer.map(str) : nativeCallback(c, replacer);
  const indent = typeof space === 'number' || typeof space === 'string' ? space : undefined;
  return JSON.stringify(value, replace as (key: string, value: unknown) => unknown, indent);
}

function ownKeysOf(o: unknown): string[] {
  if (o === null || o === undefined) throw new TypeError('Cannot convert undefined or null to object');
  if (o instanceof Special) return [];
  return Object.keys(o);
}

function readOwn(o: unknown, key: string): unknown {
  return dataValue((Object(o) as Record<string, unknown>)[key]);
}

/** `Object.assign` without writing to `target`: the merged copy is returned instead, so expressions never modify items. */
function objectAssign(_c: Ctx, [target, ...sources]: unknown[]): unknown {
  if (target === null || target === undefined)
    throw new TypeError('Cannot convert undefined or null to object');
  const out = (Array.isArray(target) ? [...target] : {}) as Record<string, unknown>;
  if (!Array.isArray(target) && typeof target === 'object' && !(target instanceof Special))
    copyOwn(out, target);
  for (const source of sources) {
    if (source === null || source === undefined || source instanceof Special) continue;
    for (const key of Object.keys(Object(source))) setOwn(out, key, readOwn(source, key));
  }
  return out;
}

function objectFromEntries(_c: Ctx, [entries]: unknown[]): unknown {
  if (!Array.isArray(entries))
    throw new TypeError('Object.fromEntries expects an array of [key, value] pairs');
  const out: Record<string, unknown> = {};
  for (const entry of entries) {
    if (!Array.isArray(entry)) throw new TypeError(`Iterator value ${str(entry)} is not an entry object`);
    setUserKey(out, String(toPropertyKey(entry[0])), entry[1]);
  }
  return out;
}

function arrayFrom(c: Ctx, [source, mapFn]: unknown[]): unknown {
  const map = nativeCallback(c, mapFn) as ((v: unknown, i: number) => unknown) | undefined;
  if (Array.isArray(source) || typeof source === 'string')
    return map ? Array.from(source, map) : Array.from(source);
  if (typeof source !== 'object' || source === null || source instanceof Special) return [];
  const length = toNumber((source as { length?: unknown }).length);
  if (!(length >= 0)) return [];
  if (length > MAX_ARRAY_LENGTH) throw new TypeError('Array.from: length is too large');
  const arrayLike = source as ArrayLike<unknown>;
  return map ? Array.from(arrayLike, map) : Array.from(arrayLike);
}

const OBJECT = new Namespace(
  'Object',
  hostMembers('Object', {
    keys: (_c, [o]) => ownKeysOf(o),
    values: (_c, [o]) => ownKeysOf(o).map((k) => readOwn(o, k)),
    entries: (_c, [o]) => ownKeysOf(o).map((k) => [k, readOwn(o, k)]),
    getOwnPropertyNames: (_c, [o]) => (o instanceof Special ? [] : Object.getOwnPropertyNames(Object(o))),
    assign: objectAssign,
    fromEntries: objectFromEntries,
    is: (_c, [a, b]) => Object.is(a, b),
    hasOwn: (_c, [o, k]) => !(o instanceof Special) && Object.hasOwn(Object(o), toPropertyKey(k)),
  }),
  Object,
);

const ARRAY = new HostFunction(
  'Array',
  (_c, args) => newArray(args),
  hostMembers('Array', {
    isArray: (_c, [v]) => Array.isArray(v),
    from: arrayFrom,
    of: (_c, args) => [...args],
  }),
);

function newArray(args: unknown[]): unknown[] {
  if (args.length === 1 && typeof args[0] === 'number') {
    if (args[0] > MAX_ARRAY_LENGTH) throw new RangeError('Invalid array length');
    return new Array<unknown>(args[0]);
  }
  return [...args];
}

const NUMBER = new HostFunction(
  'Number',
  (_c, args) => (args.length === 0 ? 0 : toNumber(args[0])),
  hostMembers(
    'Number',
    {
      isInteger: (_c, [v]) => Number.isInteger(v),
      isFinite: (_c, [v]) => Number.isFinite(v),
      isNaN: (_c, [v]) => Number.isNaN(v),
      isSafeInteger: (_c, [v]) => Number.isSafeInteger(v),
      parseFloat: (_c, [v]) => Number.parseFloat(str(v)),
      parseInt: (_c, [v, radix]) => Number.parseInt(str(v), optionalNumber(radix)),
    },
    {
      MAX_SAFE_INTEGER: Number.MAX_SAFE_INTEGER,
      MIN_SAFE_INTEGER: Number.MIN_SAFE_INTEGER,
      MAX_VALUE: Number.MAX_VALUE,
      MIN_VALUE: Number.MIN_VALUE,
      EPSILON: Number.EPSILON,
      POSITIVE_INFINITY: Number.POSITIVE_INFINITY,
      NEGATIVE_INFINITY: Number.NEGATIVE_INFINITY,
      NaN: Number.NaN,
    },
  ),
);

const STRING = new HostFunction(
  'String',
  (_c, args) => (args.length === 0 ? '' : str(args[0])),
  hostMembers('String', {
    fromCharCode: (_c, args) => String.fromCharCode(...args.map(toNumber)),
    fromCodePoint: (_c, args) => String.fromCodePoint(...args.map(toNumber)),
  }),
);

const BOOLEAN = new HostFunction('Boolean', (_c, [v]) => Boolean(v));

/** `new Date(...)`: with no argument, the run clock (so tests and replays see a fixed time). */
export function newDate(c: Ctx, args: unknown[]): Date {
  if (args.length === 0) return new Date(c.now().toMillis());
  if (args.length === 1) {
    const p = toPrimitive(args[0], 'default');
    return new Date(typeof p === 'string' || typeof p === 'number' ? p : Number(p));
  }
  const [year, month, ...rest] = args.map(toNumber);
  return new Date(year, month, ...rest);
}

const DATE = new HostFunction(
  'Date',
  (c) => newDate(c, []).toString(),
  hostMembers('Date', {
    now: (c) => c.now().toMillis(),
    parse: (_c, [v]) => Date.parse(str(v)),
    UTC: (_c, args) => {
      const [year, ...rest] = args.map(toNumber);
      return Date.UTC(year, ...rest);
    },
  }),
);

function newRegExp(_c: Ctx, [pattern, flags]: unknown[]): RegExp {
  const f = flags === undefined ? undefined : str(flags);
  if (pattern instanceof RegExp) return new RegExp(pattern, f);
  return new RegExp(pattern === undefined ? '(?:)' : str(pattern), f);
}

/** Constructors allowed after `new`. Boxed primitives come back as primitives. */
export const CONSTRUCTORS: ReadonlyMap<string, HostImpl> = new Map<string, HostImpl>([
  ['Date', newDate],
  ['RegExp', newRegExp],
  ['String', (_c, args) => (args.length === 0 ? '' : str(args[0]))],
  ['Number', (_c, args) => (args.length === 0 ? 0 : toNumber(args[0]))],
  ['Boolean', (_c, [v]) => Boolean(v)],
  ['Object', (_c, [v]) => (typeof v === 'object' && v !== null ? v : {})],
  ['Array', (_c, args) => newArray(args)],
]);

const uri = (fn: (s: string) => string): HostImpl => {
  return (_c, [v]) => fn(str(v));
};

export const BUILTINS: ReadonlyMap<string, unknown> = new Map<string, unknown>([
  ['Math', mathNamespace()],
  ['JSON', new Namespace('JSON', hostMembers('JSON', { parse: jsonParse, stringify: jsonStringify }), JSON)],
  ['Object', OBJECT],
  ['Array', ARRAY],
  ['Number', NUMBER],
  ['String', STRING],
  ['Boolean', BOOLEAN],
  ['Date', DATE],
  ['RegExp', new HostFunction('RegExp', newRegExp)],
  [
    'parseInt',
    new HostFunction('parseInt', (_c, [v, radix]) => Number.parseInt(str(v), optionalNumber(radix))),
  ],
  ['parseFloat', new HostFunction('parseFloat', (_c, [v]) => Number.parseFloat(str(v)))],
  ['isNaN', new HostFunction('isNaN', (_c, [v]) => Number.isNaN(toNumber(v)))],
  ['isFinite', new HostFunction('isFinite', (_c, [v]) => Number.isFinite(toNumber(v)))],
  ['encodeURIComponent', new HostFunction('encodeURIComponent', uri(encodeURIComponent))],
  ['decodeURIComponent', new HostFunction('decodeURIComponent', uri(decodeURIComponent))],
  ['encodeURI', new HostFunction('encodeURI', uri(encodeURI))],
  ['decodeURI', new HostFunction('decodeURI', uri(decodeURI))],
  ['undefined', undefined],
  ['NaN', Number.NaN],
  ['Infinity', Number.POSITIVE_INFINITY],
]);

/** Right-hand sides accepted by `instanceof` (the evaluator exposes no real constructor). */
export const INSTANCEOF: ReadonlyMap<string, (v: unknown) => boolean> = new Map<
  string,
  (v: unknown) => boolean
>([
  ['Date', (v) => v instanceof Date],
  ['Array', (v) => Array.isArray(v)],
  ['Object', (v) => typeof v === 'object' && v !== null],
  ['RegExp', (v) => v instanceof RegExp],
  ['DateTime', (v) => v instanceof DateTime],
  ['Duration', (v) => v instanceof Duration],
  ['Interval', (v) => v instanceof Interval],
]);
