/**
 * Field paths as n8n's nodes read and write them, in one place for every node. n8n uses lodash
 * `get`/`has`/`set`/`unset`/`pick` ("dot notation": `a.b[0].c`), so the path grammar below is
 * lodash's (`stringToPath`, `isKey`),
 * with one deliberate difference: only OWN properties are followed, so a field name such as
 * `toString.call` or `__proto__.x` can never reach or pollute a prototype.
 */

export type JsonRecord = Record<string, unknown>;

// lodash 4.17.21's path grammar (n8n's), verbatim: dotted names, [expressions], ["quoted keys"], and
// empty segments.
const rePropName =
  /[^.[\]]+|\[(?:([^"'][^[]*)|(["'])((?:(?!\2)[^\\]|\\.)*?)\2)\]|(?=(?:\.|\[\])(?:\.|\[\]|$))/g;
const reEscapeChar = /\\(\\)?/g;
const reIsDeepProp = /\.|\[(?:[^[\]]*|(["'])(?:(?!\1)[^\\]|\\.)*?\1)\]/;
const reIsPlainProp = /^\w*$/;
const reIsIndex = /^(?:0|[1-9]\d*)$/;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** A key that item data must never be written under: it would reach or replace a prototype. */
export function isForbiddenKey(key: string): boolean {
  return FORBIDDEN_KEYS.has(key);
}

const pathCache = new Map<string, string[]>();

/** Splits `a.b[0]["c.d"]` into `['a', 'b', '0', 'c.d']` (lodash `stringToPath`). */
export function parsePath(path: string): string[] {
  const cached = pathCache.get(path);
  if (cached) return cached;
  const result: string[] = [];
  if (path.charCodeAt(0) === 46) result.push('');
  path.replace(rePropName, (match: string, expression?: string, quote?: string, sub?: string) => {
    result.push(quote ? (sub ?? '').replace(reEscapeChar, '$1') : (expression ?? match));
    return match;
  });
  // lodash memoizes at most 500 paths; workflows reuse a handful, so a small cap is enough.
  if (pathCache.size >= 500) pathCache.clear();
  pathCache.set(path, result);
  return result;
}

function isObjectLike(value: unknown): value is JsonRecord {
  return (typeof value === 'object' && value !== null) || typeof value === 'function';
}

function hasOwn(value: unknown, key: string): boolean {
  return value !== null && value !== undefined && Object.hasOwn(Object(value), key);
}

/** A path that names an existing key, or has no path syntax, is one key (lodash `isKey`). */
function castPath(path: string, object: unknown): string[] {
  if (reIsPlainProp.test(path) || !reIsDeepProp.test(path) || hasOwn(object, path)) return [path];
  return parsePath(path);
}

function getByKeys(object: unknown, keys: readonly string[]): unknown {
  let current: unknown = object;
  let index = 0;
  while (current !== null && current !== undefined && index < keys.length) {
    const key = keys[index++];
    current = hasOwn(current, key) ? (current as JsonRecord)[key] : undefined;
  }
  return index > 0 && index === keys.length ? current : undefined;
}

/** `lodash.get(object, path)`, own properties only. */
export function getPath(object: unknown, path: string): unknown {
  return getByKeys(object, castPath(path, object));
}

/** `lodash.has(object, path)`, own properties only: whether every step of `path` exists. */
export function hasPath(object: unknown, path: string): boolean {
  return hasKeys(object, castPath(path, object));
}

function hasKeys(object: unknown, keys: readonly string[]): boolean {
  let current: unknown = object;
  for (const key of keys) {
    if (!hasOwn(current, key)) return false;
    current = (current as JsonRecord)[key];
  }
  return true;
}

/** `lodash.set(object, path, value)`: creates objects (or arrays before an index) on the way. */
export function setPath(object: JsonRecord, path: string, value: unknown): void {
  setByKeys(object, castPath(path, object), value);
}

/**
 * `lodash.pick(object, paths)`: a new object holding copies of the values at the paths that exist;
 * a nested path nests (`a.b` → `{ a: { b } }`), a key that exists as named stays one key.
 */
export function pickPaths(object: JsonRecord, paths: readonly string[]): JsonRecord {
  const out: JsonRecord = {};
  for (const path of paths) {
    const keys = castPath(path, object);
    if (hasKeys(object, keys)) setByKeys(out, keys, cloneJson(getByKeys(object, keys)));
  }
  return out;
}

/** Writes at `keys`; a prototype key anywhere writes nothing, as lodash's `baseSet` refuses it. */
function setByKeys(object: JsonRecord, keys: readonly string[], value: unknown): void {
  let nested: JsonRecord = object;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (isForbiddenKey(key)) return;
    let next = value;
    if (i !== keys.length - 1) {
      const existing = hasOwn(nested, key) ? nested[key] : undefined;
      next = isObjectLike(existing) ? existing : reIsIndex.test(keys[i + 1]) ? [] : {};
    }
    nested[key] = next;
    if (!isObjectLike(next)) return;
    nested = next as JsonRecord;
  }
}

/** `lodash.unset(object, path)`. */
export function unsetPath(object: JsonRecord, path: string): void {
  const keys = castPath(path, object);
  const parent = keys.length === 1 ? object : getByKeys(object, keys.slice(0, -1));
  const last = keys[keys.length - 1];
  if (isObjectLike(parent) && hasOwn(parent, last)) delete parent[last];
}

/** How a node reads its field names: with dot notation (default) or as literal keys. */
export interface FieldAccess {
  get(object: unknown, field: string): unknown;
  set(object: JsonRecord, field: string, value: unknown): void;
  unset(object: JsonRecord, field: string): void;
}

const dotted: FieldAccess = { get: getPath, set: setPath, unset: unsetPath };

const literal: FieldAccess = {
  get: (object, field) => (hasOwn(object, field) ? (object as JsonRecord)[field] : undefined),
  set: (object, field, value) => {
    if (field === '__proto__') return;
    object[field] = value;
  },
  unset: (object, field) => {
    if (hasOwn(object, field)) delete object[field];
  },
};

export function fieldAccess(dotNotation: boolean): FieldAccess {
  return dotNotation ? dotted : literal;
}

/** A comma-separated list of field names (`"a, b.c"`), trimmed, empties dropped (n8n's `prepareFieldsArray`). */
export function parseFieldList(list: unknown): string[] {
  if (Array.isArray(list)) return list.map((entry) => String(entry).trim()).filter((entry) => entry !== '');
  if (list === undefined || list === null) return [];
  return String(list)
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}

/**
 * A deep copy as n8n's `deepCopy` makes it: plain objects and arrays are copied, objects with a
 * `toJSON` method (dates, Luxon DateTimes) become what `toJSON` returns, other values stay as they are.
 */
export function cloneJson<T>(value: T, seen: WeakMap<object, unknown> = new WeakMap()): T {
  if (typeof value !== 'object' || value === null) return value;
  const known = seen.get(value);
  if (known !== undefined) return known as T;
  const withToJson = value as { toJSON?: () => unknown };
  if (typeof withToJson.toJSON === 'function') return withToJson.toJSON() as T;
  if (Array.isArray(value)) {
    const copy: unknown[] = [];
    seen.set(value, copy);
    for (const entry of value) copy.push(cloneJson(entry, seen));
    return copy as T;
  }
  const copy: JsonRecord = {};
  seen.set(value, copy);
  for (const key of Object.keys(value)) {
    if (key === '__proto__') continue;
    copy[key] = cloneJson((value as JsonRecord)[key], seen);
  }
  return copy as T;
}

/** Whether a value is a plain JSON object (not an array, date or class instance). */
export function isPlainObject(value: unknown): value is JsonRecord {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Deep equality as lodash `isEqual` decides it for JSON data (NaN equals NaN, dates by time). */
export function isDeepEqual(a: unknown, b: unknown): boolean {
  if (a === b || (Number.isNaN(a) && Number.isNaN(b))) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((entry, i) => isDeepEqual(entry, b[i]));
  }
  if (a instanceof Date || b instanceof Date) {
    return a instanceof Date && b instanceof Date && isDeepEqual(a.getTime(), b.getTime());
  }
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  const keysA = Object.keys(a);
  if (keysA.length !== Object.keys(b).length) return false;
  return keysA.every((key) => hasOwn(b, key) && isDeepEqual((a as JsonRecord)[key], (b as JsonRecord)[key]));
}
