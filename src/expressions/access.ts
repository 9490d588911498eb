/**
 * Member access and method calls on values: the only way an expression touches an object. Reads
 * never return a host function (a method read without a call becomes a `BoundMethod`); calls reach
 * either an n8n extension, an evaluator callable, or a whitelisted native method that is checked by
 * identity (`Array.prototype.map` itself, not whatever sits under the name `map`).
 */
import { DateTime, Duration, Interval } from 'luxon';
import { ExpressionError } from '../engine/errors.js';
import type { Ctx } from './context.js';
import {
  EXTENSION_NAMES,
  extensionNotFound,
  findGenericExtension,
  findTypedExtension,
} from './extensions/index.js';
import { type NativeEntry, type NativeFn, nativeTableFor } from './natives.js';
import { safeString, toPropertyKey } from './ops.js';
import { checkProperty, MAX_STRING_LENGTH } from './security.js';
import { Callable, nativeCallback, type PropertyKeyLike, Special } from './values.js';

/** `recv.name` read as a value: calling it later goes through the same checks as `recv.name()`. */
export class BoundMethod extends Callable {
  readonly #receiver: unknown;
  readonly #name: string;

  constructor(receiver: unknown, name: string) {
    super();
    this.#receiver = receiver;
    this.#name = name;
  }

  invoke(c: Ctx, args: unknown[]): unknown {
    return callMember(c, this.#receiver, this.#name, args);
  }

  override display(): string {
    return `function ${this.#name}() { [native code] }`;
  }
}

function nullishRead(o: unknown, key: PropertyKeyLike): TypeError {
  return new TypeError(`Cannot read properties of ${String(o)} (reading '${String(key)}')`);
}

/** `o.key` with a key already known to be allowed (checked at compile time or by `getComputed`). */
export function getMember(c: Ctx, o: unknown, key: PropertyKeyLike): unknown {
  if (typeof o === 'object' && o !== null) {
    if (o instanceof Special) return o.getMember(c, key);
    const v = (o as Record<PropertyKeyLike, unknown>)[key];
    return typeof v === 'function' ? new BoundMethod(o, String(key)) : v;
  }
  if (o === null || o === undefined) throw nullishRead(o, key);
  if (typeof o === 'string' && key === 'length') return o.length;
  const v = (o as Record<PropertyKeyLike, unknown>)[key];
  return typeof v === 'function' ? new BoundMethod(o, String(key)) : v;
}

/** Turns the runtime value of `a[expr]` into an allowed key: the check is on the key actually used. */
export function memberKey(k: unknown): PropertyKeyLike {
  const key = toPropertyKey(k);
  if (typeof key === 'string') checkProperty(key);
  return key;
}

/** `o[expr]`. */
export function getComputed(c: Ctx, o: unknown, k: unknown): unknown {
  if (typeof k === 'number' && Array.isArray(o)) {
    const v: unknown = o[k];
    if (typeof v !== 'function') return v;
  }
  return getMember(c, o, memberKey(k));
}

/** `key in o`. */
export function hasProperty(c: Ctx, key: unknown, o: unknown): boolean {
  if (typeof o !== 'object' || o === null) {
    throw new TypeError(`Cannot use 'in' operator to search for '${safeString(key)}' in ${safeString(o)}`);
  }
  const k = toPropertyKey(key);
  if (o instanceof Special) return o.has(c, String(k));
  return k in o;
}

/** Calls a value: only evaluator callables can be called. */
export function callValue(c: Ctx, fn: unknown, args: unknown[], what = 'expression'): unknown {
  if (fn instanceof Callable) return fn.invoke(c, args);
  throw new TypeError(`${what} is not a function`);
}

/**
 * A compiled `o.name(...)` call site. It remembers the native method it resolved for the last
 * receiver type, so a call on 100,000 items does the table lookups once.
 */
export interface CallSite {
  readonly name: string;
  /** `name` is an n8n extension method for some type. */
  readonly extension: boolean;
  table: ReadonlyMap<string, NativeEntry> | undefined;
  entry: NativeEntry | undefined;
}

export function callSite(name: string): CallSite {
  return { name, extension: EXTENSION_NAMES.has(name), table: undefined, entry: undefined };
}

/** `o.name(...args)`; `site` is given by compiled code with a static method name. */
export function callMember(
  c: Ctx,
  o: unknown,
  name: PropertyKeyLike,
  args: unknown[],
  site?: CallSite,
): unknown {
  if (typeof o === 'object' && o !== null && o instanceof Special) return o.callMember(c, name, args);
  const key = site === undefined ? String(name) : site.name;
  if (site === undefined ? EXTENSION_NAMES.has(key) : site.extension) return callExtension(c, o, key, args);
  if (o === null || o === undefined) throw nullishRead(o, key);
  return callNative(c, o, key, args, site);
}

/** Whether `o.name` can be called (for `o.name?.()`). */
export function hasMethod(c: Ctx, o: unknown, name: PropertyKeyLike): boolean {
  if (o === null || o === undefined) return false;
  if (o instanceof Special) return o.getMember(c, name) instanceof Callable;
  const key = String(name);
  if (EXTENSION_NAMES.has(key) && (findTypedExtension(o, key) || findGenericExtension(key))) return true;
  const v = (o as Record<string, unknown>)[key];
  return v instanceof Callable || typeof v === 'function';
}

/** n8n's `extend(value, name, args)`. */
function callExtension(c: Ctx, o: unknown, name: string, args: unknown[]): unknown {
  const found = findTypedExtension(o, name);
  if (found) return found.fn(found.input, args, c);
  if (o !== null && o !== undefined) {
    const v = (o as Record<string, unknown>)[name];
    if (v instanceof Callable || typeof v === 'function') return callNative(c, o, name, args, undefined);
  }
  const generic = findGenericExtension(name);
  if (generic) return generic(o, args, c);
  throw extensionNotFound(o, name);
}

function callNative(c: Ctx, o: unknown, name: string, args: unknown[], site: CallSite | undefined): unknown {
  const own = (o as Record<string, unknown>)[name];
  if (typeof own !== 'function') {
    // A function an expression stored in an object (`{ f: x => x }.f(1)`).
    if (own instanceof Callable) return own.invoke(c, args);
    throw new TypeError(`${describe(o)}.${name} is not a function`);
  }
  const table = nativeTableFor(o);
  let entry: NativeEntry | undefined;
  if (site !== undefined && site.table === table && table !== undefined) {
    entry = site.entry;
  } else {
    entry = table?.get(name);
    if (site !== undefined) {
      site.table = table;
      site.entry = entry;
    }
  }
  // Identity check: only the genuine prototype method, never a function found on the instance.
  if (entry === undefined || own !== entry.genuine) {
    throw new ExpressionError(`${name}() is not allowed in expressions`);
  }
  return runNative(c, o, entry, args);
}

function runNative(c: Ctx, receiver: unknown, entry: NativeEntry, args: unknown[]): unknown {
  let actual = args;
  if (entry.callbacks !== undefined) {
    actual = args.slice();
    for (const i of entry.callbacks) if (i < actual.length) actual[i] = nativeCallback(c, actual[i]);
  }
  if (entry.sized) guardSize(receiver, entry.fn, actual);
  const result = entry.fn.apply(receiver, actual);
  if (typeof result === 'function') throw new ExpressionError('A native method returned a function');
  if (entry.iterates) return Array.from(result as Iterable<unknown>);
  return result;
}

/** Refuses string building that would exhaust memory (`'x'.repeat(1e9)`). */
function guardSize(receiver: unknown, fn: NativeFn, args: unknown[]): void {
  if (typeof receiver !== 'string') return;
  const n = Number(args[0]);
  const size = fn === String.prototype.repeat ? receiver.length * n : n;
  if (size > MAX_STRING_LENGTH) throw new ExpressionError('The result of this expression would be too large');
}

function describe(o: unknown): string {
  if (typeof o === 'string') return 'string';
  if (Array.isArray(o)) return 'array';
  if (o instanceof DateTime) return 'DateTime';
  if (o instanceof Duration) return 'Duration';
  if (o instanceof Interval) return 'Interval';
  return typeof o;
}
