/**
 * The security guard (ARCHITECTURE decision 5). Everything the evaluator refuses is named here, so a
 * reviewer can read the whole policy in one place:
 * - property names that lead to prototypes, constructors (and so `Function`) or Node internals;
 * - global names that reach the host (`process`, `require`, `eval`, `Reflect`, ...);
 * - copies into objects never go through `__proto__`.
 * Refusals are `ExpressionError`s: the n8n rule "ExpressionErrors propagate, other errors are
 * swallowed" then guarantees a refused payload fails loudly instead of quietly yielding ''.
 */
import { ExpressionError } from '../engine/errors.js';

/** Never readable on any value (also checked on the runtime key of `a[expr]`). */
export const DENIED_PROPERTIES: ReadonlySet<string> = new Set([
  'constructor',
  '__proto__',
  'prototype',
  '__defineGetter__',
  '__defineSetter__',
  '__lookupGetter__',
  '__lookupSetter__',
  'getPrototypeOf',
  'setPrototypeOf',
  'defineProperty',
  'defineProperties',
  'getOwnPropertyDescriptor',
  'getOwnPropertyDescriptors',
  'mainModule',
  'binding',
  '_load',
  'prepareStackTrace',
  'captureStackTrace',
]);

/** Never readable on a function value: the classic ways out of a sandboxed function. */
export const DENIED_FUNCTION_PROPERTIES: ReadonlySet<string> = new Set([
  'call',
  'apply',
  'bind',
  'caller',
  'callee',
  'arguments',
]);

/** Identifiers refused at compile time: they name the host, code generation or reflection. */
export const DENIED_GLOBALS: ReadonlySet<string> = new Set([
  'process',
  'require',
  'module',
  'exports',
  'globalThis',
  'global',
  'window',
  'self',
  'document',
  'eval',
  'uneval',
  'Function',
  'AsyncFunction',
  'GeneratorFunction',
  'AsyncGeneratorFunction',
  'Reflect',
  'Proxy',
  'Symbol',
  'WebAssembly',
  'Buffer',
  'setTimeout',
  'setInterval',
  'setImmediate',
  'clearTimeout',
  'clearInterval',
  'clearImmediate',
  'queueMicrotask',
  'fetch',
  'XMLHttpRequest',
  'Promise',
  'Atomics',
  'SharedArrayBuffer',
  'Worker',
  'Error',
  'constructor',
  'arguments',
  '__dirname',
  '__filename',
]);

export function securityError(name: string): ExpressionError {
  return new ExpressionError(`Cannot access "${name}" due to security concerns`);
}

/** Throws when `key` is a denied property name. */
export function checkProperty(key: string): void {
  if (DENIED_PROPERTIES.has(key)) throw securityError(key);
}

/**
 * Writes an own data property on an object created by the evaluator. `__proto__` is dropped:
 * assigning it would swap the prototype, and even as an own key it would do so later in any host
 * code that copies the object with `Object.assign`.
 */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') return;
  target[key] = value;
}

/** Writes a key chosen by the expression itself (`Object.fromEntries`, computed keys): `__proto__` is refused. */
export function setUserKey(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') throw securityError(key);
  target[key] = value;
}

/**
 * A value read in bulk from an object (spread, `Object.values`...): host functions found there
 * (none in JSON data; possible inside host objects) are dropped rather than handed to the expression.
 */
export function dataValue(v: unknown): unknown {
  return typeof v === 'function' ? undefined : v;
}

/** Shallow copy of the own enumerable string keys of `source` into `target`, `__proto__` excluded. */
export function copyOwn(target: Record<string, unknown>, source: object): void {
  const from = source as Record<string, unknown>;
  for (const key of Object.keys(source)) {
    if (key !== '__proto__') target[key] = dataValue(from[key]);
  }
}

/** Strings longer than this are refused instead of letting `repeat`/`padStart` exhaust memory. */
export const MAX_STRING_LENGTH = 10_000_000;
/** Arrays built from a length (`Array.from({ length })`) are capped the same way. */
export const MAX_ARRAY_LENGTH = 10_000_000;
/** Calls of expression functions per evaluation (callbacks included): bounds CPU use. */
export const MAX_STEPS = 5_000_000;
/** Nested calls of expression functions: recursion is refused past this depth. */
export const MAX_DEPTH = 200;

/**
 * `JSON.parse` that refuses a `__proto__` key anywhere in the document: a parsed own `__proto__`
 * is harmless here but turns into a prototype swap in any later `Object.assign` by host code.
 */
export function safeJsonParse(text: string, reviver?: (key: string, value: unknown) => unknown): unknown {
  // Cheap pre-check: a key can only be `__proto__` if the text spells it or uses a \u escape.
  if (reviver === undefined && !text.includes('__proto__') && !text.includes('\\u')) return JSON.parse(text);
  return JSON.parse(text, function (this: unknown, key: string, value: unknown) {
    if (key === '__proto__') throw securityError('__proto__');
    return reviver === undefined ? value : reviver.call(this, key, value);
  });
}
