/** Small readers for raw n8n parameters (plain JSON of unknown shape) used by the mappers. */
import { containsExpression, isExpression } from '../expressions/index.js';
import type { Params } from './types.js';

export { containsExpression, isExpression };

/** Thrown by a mapper when the node's settings have no Relais form: the node stays unsupported. */
export class Unmappable extends Error {}

export function isRecord(value: unknown): value is Params {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The object at `value`, or an empty one. */
export function record(value: unknown): Params {
  return isRecord(value) ? value : {};
}

/** The array at `value`, or an empty one. */
export function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** Records of a fixedCollection entry (`{ values: [...] }` style), skipping non-objects. */
export function records(value: unknown): Params[] {
  return list(value).filter(isRecord);
}

/** `value` when it is given (not undefined), else `fallback`: how n8n reads omitted parameters. */
export function given<T>(value: unknown, fallback: T): T | unknown {
  return value === undefined ? fallback : value;
}

export function clone<T>(value: T): T {
  return value === undefined ? value : structuredClone(value);
}

/** Copies `source` without the listed keys. */
export function omit(source: Params, keys: readonly string[]): Params {
  const out: Params = {};
  for (const [key, value] of Object.entries(source)) if (!keys.includes(key)) out[key] = value;
  return out;
}

/** Sets `key` only when `value` is defined (keeps mapped parameters free of `undefined`). */
export function put(target: Params, key: string, value: unknown): void {
  if (value !== undefined) target[key] = value;
}

/** Outputs that keep their index: `[[0], [1], ...]`. */
export function sameOutputs(count: number): number[][] {
  return Array.from({ length: count }, (_, i) => [i]);
}

/**
 * Wraps an expression value in `transform` (`!!(…)`): `={{ x }}` becomes `={{ !!(x) }}`. Only the
 * single-`{{ }}` form can be rewritten exactly; `undefined` is returned for anything else.
 */
export function wrapExpression(value: string, before: string, after: string): string | undefined {
  const match = /^=\s*\{\{([\s\S]*)\}\}\s*$/.exec(value);
  if (!match || match[1].includes('}}') || match[1].includes('{{')) return undefined;
  return `={{ ${before}${match[1].trim()}${after} }}`;
}
