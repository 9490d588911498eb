/**
 * Dot-path access to item data with lodash's semantics, which n8n nodes use through `get`, `set` and
 * `pick`: `a.b`, `a[0].b`, `a["b.c"]`; a key that literally exists on the object (`"a.b"`) wins over
 * its path reading, as lodash's `isKey` makes it.
 */

import { isForbiddenKey } from './fields.js';

export type PathKey = string | number;

// lodash's rePropName: a bare name | [expression] | ["quoted"] | the empty name between two dots.
const SEGMENT = /[^.[\]]+|\[(?:([^"'][^[]*)|(["'])((?:(?!\2)[^\\]|\\.)*?)\2)\]|(?=(?:\.|\[\])(?:\.|\[\]|$))/g;

/** Splits `a.b[0]["c.d"]` into `['a', 'b', '0', 'c.d']` (lodash's `stringToPath`). */
export function parsePath(path: string): string[] {
  const out: string[] = [];
  if (path.charCodeAt(0) === 46 /* . */) out.push('');
  path.replace(SEGMENT, (match, expression: string | undefined, quote: string | undefined, inner: string) => {
    out.push(quote ? inner.replace(/\\(\\)?/g, '$1') : expression || match);
    return match;
  });
  return out;
}

function keysOf(object: unknown, path: string | readonly PathKey[]): string[] {
  if (Array.isArray(path)) return path.map(String);
  const p = path as string;
  // lodash's isKey: a plain key, or a key the object really has, is not split.
  if (!/[.[\]]/.test(p)) return [p];
  if (object !== null && typeof object === 'object' && Object.hasOwn(object, p)) return [p];
  return parsePath(p);
}

/**
 * Own properties only (unlike lodash): item data must never reach `constructor` or `__proto__`.
 * A string's own properties count, as in lodash: `s.length`, `s[0]`.
 */
function step(current: unknown, key: string): { found: boolean; value: unknown } {
  if (current === null || current === undefined || isForbiddenKey(key))
    return { found: false, value: undefined };
  if (!Object.hasOwn(Object(current), key)) return { found: false, value: undefined };
  return { found: true, value: (current as Record<string, unknown>)[key] };
}

/** `get(object, path)`: the value at `path`, or `undefined` when any step is missing. */
export function getPath(object: unknown, path: string | readonly PathKey[]): unknown {
  let current: unknown = object;
  for (const key of keysOf(object, path)) {
    const next = step(current, key);
    if (!next.found) return undefined;
    current = next.value;
  }
  return current;
}

/** `has(object, path)`: whether every step of `path` exists. */
export function hasPath(object: unknown, path: string | readonly PathKey[]): boolean {
  let current: unknown = object;
  for (const key of keysOf(object, path)) {
    const next = step(current, key);
    if (!next.found) return false;
    current = next.value;
  }
  return true;
}

/**
 * `set(object, path, value)`: writes `value` at `path`, creating objects (or arrays, when the next
 * key is an index) on the way. Mutates `object`; callers pass a copy. Prototype keys are refused.
 */
export function setPath(
  object: Record<string, unknown>,
  path: string | readonly PathKey[],
  value: unknown,
): void {
  const keys = Array.isArray(path) ? path.map(String) : parsePath(path as string);
  let current: Record<string, unknown> = object;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (isForbiddenKey(key)) throw new Error(`Refusing to write the path segment '${key}'`);
    if (i === keys.length - 1) {
      current[key] = value;
      return;
    }
    let next = current[key];
    if (next === null || typeof next !== 'object') {
      next = /^(?:0|[1-9]\d*)$/.test(keys[i + 1]) ? [] : {};
      current[key] = next;
    }
    current = next as Record<string, unknown>;
  }
}

/** `pick(object, ...paths)`: a new object holding only the given paths that exist (nested paths nest). */
export function pickPaths(
  object: Record<string, unknown>,
  paths: readonly string[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const path of paths) {
    if (!hasPath(object, path)) continue;
    setPath(out, keysOf(object, path), structuredClone(getPath(object, path)));
  }
  return out;
}

/** Splits an n8n comma list parameter ("a, b.c") into trimmed, non-empty field names. */
export function splitFieldList(value: string | readonly string[] | undefined | null): string[] {
  if (value === undefined || value === null) return [];
  const list = typeof value === 'string' ? value.split(',') : [...value];
  return list.map((entry) => String(entry).trim()).filter((entry) => entry !== '');
}
