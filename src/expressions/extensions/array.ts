/** n8n's array extensions (`packages/workflow/src/extensions/array-extensions.ts`). */
import { safeString } from '../ops.js';
import { setOwn, setUserKey } from '../security.js';
import {
  compactObject,
  deepEqual,
  type Extension,
  extensionError,
  mergeObjects,
  uniqueBy,
} from './shared.js';

type Arr = readonly unknown[];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

function ensureNumbers(values: Arr, fnName: string): void {
  if (values.some((v) => typeof v !== 'number')) {
    throw extensionError(`${fnName}(): all array elements must be numbers`);
  }
}

function sum(values: Arr): number {
  ensureNumbers(values, 'sum');
  let total = 0;
  for (const v of values) total += v as number;
  return total;
}

export function average(values: Arr): number {
  ensureNumbers(values, 'average');
  // n8n: an empty array averages to 0 rather than NaN.
  return values.length === 0 ? 0 : sum(values) / values.length;
}

function unique(values: Arr, fields: unknown[]): unknown[] {
  const keys = fields.map((f) => safeString(f));
  return uniqueBy(values, (item) => {
    if (keys.length === 0 || !isObject(item)) return item;
    const picked: Record<string, unknown> = {};
    for (const k of keys) setOwn(picked, k, item[k]);
    return picked;
  });
}

function pluck(values: Arr, fields: unknown[]): unknown[] {
  if (fields.length === 0) return [...values];
  const out: unknown[] = [];
  for (const item of values) {
    if (!isObject(item)) continue;
    const picked = Object.keys(item)
      .filter((k) => fields.includes(k))
      .map((k) => item[k]);
    if (picked.length > 0) out.push(picked.length === 1 ? picked[0] : picked);
  }
  return out;
}

function compact(values: Arr): unknown[] {
  return values
    .filter((v) => {
      if (isObject(v) && Object.keys(v).length === 0) return false;
      return v !== null && v !== undefined && v !== 'nil' && v !== '';
    })
    .map((v) => (isObject(v) && !Array.isArray(v) ? compactObject(v) : v));
}

function smartJoin(values: Arr, args: unknown[]): Record<string, unknown> {
  const [keyField, valueField] = args;
  if (typeof keyField !== 'string' || typeof valueField !== 'string' || !keyField || !valueField) {
    throw extensionError('smartJoin(): expected two string args, e.g. .smartJoin("name", "value")');
  }
  const out: Record<string, unknown> = {};
  for (const v of values) {
    if (isObject(v) && keyField in v && valueField in v)
      setUserKey(out, safeString(v[keyField]), v[valueField]);
  }
  return out;
}

function chunk(values: Arr, args: unknown[]): unknown[][] {
  const size = args[0];
  if (typeof size !== 'number' || size <= 0) {
    throw extensionError('chunk(): expected non-zero numeric arg, e.g. .chunk(5)');
  }
  const out: unknown[][] = [];
  for (let i = 0; i < values.length; i += size) out.push(values.slice(i, i + size));
  return out;
}

function renameKeys(values: Arr, args: unknown[]): unknown[] {
  if (args.length === 0 || args.length % 2 !== 0) {
    throw extensionError(
      'renameKeys(): expected an even amount of args: from1, to1 [, from2, to2, ...]. e.g. .renameKeys("name", "title")',
    );
  }
  return values.map((v) => {
    if (!isObject(v) || Array.isArray(v)) return v;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) setOwn(out, k, v[k]);
    for (let i = 0; i < args.length; i += 2) {
      const from = safeString(args[i]);
      const to = safeString(args[i + 1]);
      if (Object.hasOwn(out, from)) {
        setOwn(out, to, out[from]);
        delete out[from];
      }
    }
    return out;
  });
}

function merge(values: Arr, args: unknown[]): unknown {
  const others = args[0];
  if (others === undefined) {
    let merged: Record<string, unknown> = {};
    for (const v of values) if (isObject(v) && !Array.isArray(v)) merged = mergeObjects(merged, v);
    return merged;
  }
  if (!Array.isArray(others)) {
    throw extensionError('merge(): expected array arg, e.g. .merge([{ id: 1, otherValue: 3 }])');
  }
  let merged: Record<string, unknown> = {};
  const length = Math.max(values.length, others.length);
  for (let i = 0; i < length; i++) {
    const v = values[i];
    if (isObject(v) && typeof others[i] === 'object') {
      const pair = mergeObjects(v, others[i]);
      merged = { ...merged };
      for (const k of Object.keys(pair)) setOwn(merged, k, pair[k]);
    }
  }
  return merged;
}

function arrayArg(args: unknown[], fnName: string): Arr {
  const others = args[0];
  if (!Array.isArray(others)) {
    throw extensionError(`${fnName}(): expected array arg, e.g. .${fnName}([1, 2, 3, 4])`);
  }
  return others;
}

const includesEqual = (values: Arr, v: unknown): boolean => values.some((w) => deepEqual(w, v));
const identity = (v: unknown): unknown => v;

export const arrayExtensions: ReadonlyMap<string, Extension<Arr>> = new Map<string, Extension<Arr>>([
  ['removeDuplicates', unique],
  ['unique', unique],
  ['first', (v) => v[0]],
  ['last', (v) => v[v.length - 1]],
  ['pluck', pluck],
  ['randomItem', (v) => (v.length ? v[Math.floor(Math.random() * v.length)] : undefined)],
  ['sum', sum],
  [
    'min',
    (v) => {
      ensureNumbers(v, 'min');
      return Math.min(...(v as number[]));
    },
  ],
  [
    'max',
    (v) => {
      ensureNumbers(v, 'max');
      return Math.max(...(v as number[]));
    },
  ],
  ['average', average],
  ['isNotEmpty', (v) => v.length > 0],
  ['isEmpty', (v) => v.length === 0],
  ['compact', compact],
  ['smartJoin', smartJoin],
  ['chunk', chunk],
  ['renameKeys', renameKeys],
  ['merge', merge],
  [
    'union',
    (v, args) => {
      const out = [...v];
      for (const w of arrayArg(args, 'union')) if (!includesEqual(out, w)) out.push(w);
      return uniqueBy(out, identity);
    },
  ],
  [
    'difference',
    (v, args) => {
      const others = arrayArg(args, 'difference');
      return uniqueBy(
        v.filter((w) => !includesEqual(others, w)),
        identity,
      );
    },
  ],
  [
    'intersection',
    (v, args) => {
      const others = arrayArg(args, 'intersection');
      const both = [
        ...v.filter((w) => includesEqual(others, w)),
        ...others.filter((w) => includesEqual(v, w)),
      ];
      return uniqueBy(both, identity);
    },
  ],
  ['append', (v, args) => [...v, ...args]],
  ['toJsonString', (v) => JSON.stringify(v)],
  ['toInt', () => undefined],
  ['toFloat', () => undefined],
  ['toBoolean', () => undefined],
  ['toDateTime', () => undefined],
]);
