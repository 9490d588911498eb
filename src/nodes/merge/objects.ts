/**
 * How the Merge node combines the json of several items, as n8n does it with lodash
 * (`Merge/v3/helpers/utils.ts#selectMergeMethod`): a deep merge (lodash `merge`: objects merged key
 * by key, arrays index by index) or a shallow one (lodash `assign`), optionally never letting an
 * empty value (undefined, null, '') override a filled one. Inputs are never mutated.
 */
import type { Item, PairedItem } from '../../engine/items.js';
import { cloneJson, isDeepEqual, isPlainObject, type JsonRecord } from '../shared/fields.js';

type Customizer = (target: unknown, source: unknown) => unknown;

export interface ClashOptions {
  resolveClash?: string;
  mergeMode?: string;
  overrideEmpty?: boolean;
}

function isObjectLike(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null;
}

function ownValue(object: JsonRecord, key: string): unknown {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

/** lodash `assignMergeValue`: skips undefined over an existing key and values already equal. */
function assignMergeValue(object: JsonRecord, key: string, value: unknown): void {
  if ((value !== undefined && !isSame(object[key], value)) || (value === undefined && !(key in object))) {
    object[key] = value;
  }
}

/** lodash `eq` (SameValueZero): NaN equals NaN. */
function isSame(a: unknown, b: unknown): boolean {
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}

function mergeInto(
  object: JsonRecord,
  source: JsonRecord,
  customizer: Customizer | undefined,
  stack: Map<unknown, unknown>,
) {
  if (object === source) return;
  for (const key of Object.keys(source)) {
    if (key === '__proto__') continue;
    const srcValue = source[key];
    if (!isObjectLike(srcValue)) {
      const custom = customizer ? customizer(ownValue(object, key), srcValue) : undefined;
      assignMergeValue(object, key, custom === undefined ? srcValue : custom);
      continue;
    }
    const stacked = stack.get(srcValue);
    if (stacked !== undefined) {
      assignMergeValue(object, key, stacked);
      continue;
    }
    const objValue = ownValue(object, key);
    let next = customizer ? customizer(objValue, srcValue) : undefined;
    let recurse = next === undefined;
    if (recurse) {
      if (Array.isArray(srcValue)) next = Array.isArray(objValue) ? objValue : [];
      else if (isPlainObject(srcValue)) next = isObjectLike(objValue) ? objValue : {};
      else {
        // dates and other class instances are taken as they are
        recurse = false;
        next = srcValue;
      }
    }
    if (recurse) {
      stack.set(srcValue, next);
      mergeInto(next as JsonRecord, srcValue, customizer, stack);
      stack.delete(srcValue);
    }
    assignMergeValue(object, key, next);
  }
}

/** lodash `merge(target, ...sources)` / `mergeWith(..., customizer)`: mutates and returns `target`. */
export function deepMerge(
  target: JsonRecord,
  sources: readonly unknown[],
  customizer?: Customizer,
): JsonRecord {
  for (const source of sources) {
    if (isObjectLike(source)) mergeInto(target, source, customizer, new Map());
  }
  return target;
}

/** lodash `assign` / `assignWith`: mutates and returns `target`. */
export function shallowMerge(
  target: JsonRecord,
  sources: readonly unknown[],
  customizer?: Customizer,
): JsonRecord {
  for (const source of sources) {
    if (!isObjectLike(source)) continue;
    for (const key of Object.keys(source)) {
      if (key === '__proto__') continue;
      const custom = customizer ? customizer(target[key], source[key]) : undefined;
      const value = custom === undefined ? source[key] : custom;
      if (
        !(Object.hasOwn(target, key) && isSame(target[key], value)) ||
        (value === undefined && !(key in target))
      ) {
        target[key] = value;
      }
    }
  }
  return target;
}

/** An empty source value keeps the target's (n8n's "Minimize Empty Fields"). */
const keepFilled: Customizer = (target, source) =>
  source === undefined || source === null || source === '' ? target : undefined;

export type MergeFn = (target: unknown, ...sources: unknown[]) => JsonRecord;

/** n8n's `selectMergeMethod`. Without any option it is a deep merge. */
export function selectMergeMethod(clash: ClashOptions): MergeFn {
  const { mergeMode, overrideEmpty } = clash;
  if (overrideEmpty && mergeMode === 'deepMerge') {
    // n8n merges into a shallow copy of the target, which would alter nested input objects: copy deeply.
    return (target, ...sources) => deepMerge(cloneJson({ ...(target as JsonRecord) }), sources, keepFilled);
  }
  if (overrideEmpty && mergeMode === 'shallowMerge') {
    return (target, ...sources) => shallowMerge({ ...(target as JsonRecord) }, sources, keepFilled);
  }
  if (mergeMode === 'shallowMerge' && !overrideEmpty) {
    return (target, ...sources) => shallowMerge({}, [target, ...sources]);
  }
  return (target, ...sources) => deepMerge({}, [target, ...sources]);
}

/** Renames every json key to `key_suffix` (n8n's `addSuffixToEntriesKeys`, for `resolveClash: addSuffix`). */
export function addSuffix(items: readonly Item[], suffix: string): Item[] {
  return items.map((item) => {
    const json: JsonRecord = {};
    for (const key of Object.keys(item.json)) json[`${key}_${suffix}`] = item.json[key];
    return { ...item, json };
  });
}

export function pairedList(item: Item | undefined): PairedItem[] {
  const paired = item?.pairedItem;
  if (paired === undefined) return [];
  return Array.isArray(paired) ? paired : [paired];
}

/** Lineage of a combined item: every source pair once, in order. */
export function uniquePairs(pairs: readonly PairedItem[]): PairedItem[] {
  const seen = new Set<string>();
  const out: PairedItem[] = [];
  for (const pair of pairs) {
    const key = `${pair.item}:${pair.input ?? 0}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(pair);
  }
  return out;
}

/** An output item, leaving `binary` out when no input had files. */
export function combinedItem(json: JsonRecord, binary: JsonRecord, pairs: readonly PairedItem[]): Item {
  const item: Item = { json, pairedItem: uniquePairs(pairs) };
  if (Object.keys(binary).length > 0) item.binary = binary as Item['binary'];
  return item;
}

/**
 * n8n's `fuzzyCompare(useFuzzy)` (compare version 1): strict deep equality, or, when fuzzy, equality
 * that tolerates 3 vs '3', true vs 'true'/1, null vs '' vs [] and an object vs its JSON text.
 */
export function entriesEqual(fuzzy: boolean): (a: unknown, b: unknown) => boolean {
  if (!fuzzy) return isDeepEqual;
  const isFalsy = (v: unknown) => v === null || v === '' || (Array.isArray(v) && v.length === 0);
  const parsedEquals = (text: string, value: unknown) => {
    try {
      return isDeepEqual(JSON.parse(text), value);
    } catch {
      return false;
    }
  };
  return (a, b) => {
    if (a !== null && b !== null && typeof a === typeof b) return isDeepEqual(a, b);
    if (isFalsy(a) && isFalsy(b)) return true;
    if ((isFalsy(a) && b === undefined) || (a === undefined && isFalsy(b))) return true;
    if (typeof a === 'number' && typeof b === 'string') return a.toString() === b;
    if (typeof a === 'string' && typeof b === 'number') return a === b.toString();
    if (a !== null && typeof a === 'object' && typeof b === 'string') return parsedEquals(b, a);
    if (b !== null && typeof a === 'string' && typeof b === 'object') return parsedEquals(a, b);
    const bool = typeof a === 'boolean' ? a : typeof b === 'boolean' ? b : undefined;
    const other = typeof a === 'boolean' ? b : a;
    if (bool !== undefined && typeof other === 'string') {
      const lower = other.toLowerCase();
      if (lower === String(bool) || other === (bool ? '1' : '0')) return true;
    }
    if (bool !== undefined && typeof other === 'number' && other === (bool ? 1 : 0)) return true;
    return isDeepEqual(a, b);
  };
}
