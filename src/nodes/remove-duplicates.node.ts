/**
 * Remove Duplicates (n8n `removeDuplicates` v2, `Transform/RemoveDuplicates/v2` + `utils.ts`).
 *
 * `removeDuplicateInputItems` (the default) keeps the first item of each group of items whose
 * compared fields are deeply equal, in input order. n8n behaviours kept on purpose:
 * - `allFields` compares the union of every item's flattened leaf paths (`tags.0`, `address.city`);
 *   so an item missing a path another item has fails with "'x' field is missing from some input
 *   items", and empty arrays/objects contribute no path.
 * - `allFieldsExcept` starts from the first item's flattened paths only, then drops the excluded ones.
 * - `null` values are allowed; a compared field must have the same JS type in every item.
 * Differences: `pairedItem` points at the original input index (n8n's `removeOtherFields` points at
 * the index among the kept items, a bug); an empty input gives an empty output (n8n crashes).
 *
 * `removeItemsSeenInPreviousExecutions` and `clearDeduplicationHistory` keep a history across runs:
 * remove-duplicates/history.ts.
 */
import { z } from 'zod';
import { NonRetryableError } from '../engine/errors.js';
import type { Item, JsonObject } from '../engine/items.js';
import { clearHistory, keepUnseen, type SeenLogic } from './remove-duplicates/history.js';
import { defineNode } from './sdk.js';
import { getPath, parseFieldList, pickPaths } from './shared/fields.js';

const fieldList = z.union([z.string(), z.array(z.string())]).default('');

const params = z
  .object({
    operation: z
      .enum(['removeDuplicateInputItems', 'removeItemsSeenInPreviousExecutions', 'clearDeduplicationHistory'])
      .default('removeDuplicateInputItems'),
    compare: z.enum(['allFields', 'allFieldsExcept', 'selectedFields']).default('allFields'),
    /** Comma list (or array) of fields left out of the comparison (`allFieldsExcept`). */
    fieldsToExclude: fieldList,
    /** Comma list (or array) of the fields compared (`selectedFields`). */
    fieldsToCompare: fieldList,
    /** Across runs: which items to keep ("value is new", "higher", "a later date"). */
    logic: z
      .enum([
        'removeItemsWithAlreadySeenKeyValues',
        'removeItemsUpToStoredIncrementalKey',
        'removeItemsUpToStoredDate',
      ] satisfies SeenLogic[])
      .default('removeItemsWithAlreadySeenKeyValues'),
    /** The value each item is known by, per logic (usually an expression: `{{ $json.id }}`). */
    dedupeValue: z.unknown().optional(),
    incrementalDedupeValue: z.unknown().optional(),
    dateDedupeValue: z.unknown().optional(),
    /** `clearDeduplicationHistory`: only `cleanDatabase` does something (n8n offers no other). */
    mode: z
      .enum(['cleanDatabase', 'updateKeyValuesInDatabase', 'deleteKeyValuesFromDatabase'])
      .default('cleanDatabase'),
    options: z
      .object({
        /** Take field names literally instead of as `parent.child` paths. */
        disableDotNotation: z.boolean().default(false),
        /** Output only the compared fields. */
        removeOtherFields: z.boolean().default(false),
        /** Whose history: this node's own, or the workflow's (shared by its nodes). */
        scope: z.enum(['node', 'workflow']).default('node'),
        /** "Value is new": how many values the history keeps. */
        historySize: z.coerce.number().int().min(0).default(10_000),
      })
      .loose()
      .default({ disableDotNotation: false, removeOtherFields: false, scope: 'node', historySize: 10_000 }),
  })
  .loose();

/** The parameter holding each item's value, per logic. */
const VALUE_PARAMETER = {
  removeItemsWithAlreadySeenKeyValues: 'dedupeValue',
  removeItemsUpToStoredIncrementalKey: 'incrementalDedupeValue',
  removeItemsUpToStoredDate: 'dateDedupeValue',
} as const satisfies Record<SeenLogic, string>;

function isObjectLike(value: unknown): value is object {
  return value !== null && typeof value === 'object';
}

/** n8n's `flattenKeys`: leaf paths of an object, arrays included (`tags.0`); empty containers vanish. */
export function flattenKeys(value: unknown, path: string[] = [], out: string[] = []): string[] {
  if (!isObjectLike(value)) {
    out.push(path.join('.'));
    return out;
  }
  for (const key of Object.keys(value))
    flattenKeys((value as Record<string, unknown>)[key], [...path, key], out);
  return out;
}

function itemKeys(json: JsonObject, literal: boolean): string[] {
  return literal ? Object.keys(json) : flattenKeys(json);
}

function union(lists: string[][]): string[] {
  const seen = new Set<string>();
  for (const list of lists) for (const key of list) seen.add(key);
  return [...seen];
}

function valueAt(json: JsonObject, key: string, literal: boolean): unknown {
  return literal ? (Object.hasOwn(json, key) ? json[key] : undefined) : getPath(json, key);
}

/** n8n's `validateInputData`: every compared field present (or null) and of one type across items. */
function validate(items: readonly Item[], keys: string[], literal: boolean): void {
  for (const key of keys) {
    if (key === '') throw new NonRetryableError('Name of field to compare is blank');
    let type: string | undefined;
    items.forEach((item, i) => {
      const value = valueAt(item.json, key, literal);
      if (value === null) return;
      if (value === undefined) {
        throw new NonRetryableError(`'${key}' field is missing from some input items`, {
          description:
            literal && key.includes('.')
              ? "If you're trying to use a nested field, make sure you turn off 'disable dot notation' in the node options"
              : undefined,
        });
      }
      if (type !== undefined && type !== typeof value) {
        throw new NonRetryableError(`'${key}' isn't always the same type`, {
          description: `The type of this field varies between items, in item [${i - 1}] it's a ${type} and in item [${i}] it's a ${typeof value}`,
        });
      }
      type = typeof value;
    });
  }
}

/** A text equal for two values exactly when lodash's `isEqual` says they are (for JSON data). */
export function canonical(value: unknown): string {
  if (value === undefined) return 'u';
  if (value === null) return 'null';
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : `n${value === 0 ? 0 : value}`;
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object') {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return `${typeof value}:${String(value)}`;
}

function compareKeys(items: readonly Item[], p: z.output<typeof params>): string[] {
  const literal = p.options.disableDotNotation;
  if (p.compare === 'allFields') return union(items.map((item) => itemKeys(item.json, literal)));
  if (p.compare === 'allFieldsExcept') {
    const excluded = parseFieldList(p.fieldsToExclude);
    if (excluded.length === 0) {
      throw new NonRetryableError(
        `Invalid parameter 'fieldsToExclude': No fields specified. Please add a field to exclude from comparison`,
      );
    }
    // n8n takes the first item's fields here (the union is only used for `allFields`).
    return itemKeys(items[0].json, literal).filter((key) => !excluded.includes(key));
  }
  const selected = parseFieldList(p.fieldsToCompare);
  if (selected.length === 0) {
    throw new NonRetryableError(
      `Invalid parameter 'fieldsToCompare': No fields specified. Please add a field to compare on`,
    );
  }
  return selected;
}

/** Drops items whose compared fields equal those of an earlier item. */
export const removeDuplicatesNode = defineNode({
  type: 'removeDuplicates',
  version: 2,
  displayName: 'Remove Duplicates',
  description: 'Delete items with matching field values.',
  group: 'transform',
  // Replay-safe with every operation: executed again after a crash, the store-backed ones find
  // their own record and keep what they kept (remove-duplicates/history.ts).
  replaySafe: true,
  params,
  inputs: 1,
  outputs: ['main'],
  async execute(ctx) {
    const items = ctx.items;
    if (items.length === 0) return [[]];
    const p = ctx.getParams(0);
    if (p.operation === 'clearDeduplicationHistory') {
      if (p.mode === 'cleanDatabase') await clearHistory(ctx, p.options.scope);
      return [[...items]];
    }
    if (p.operation === 'removeItemsSeenInPreviousExecutions') {
      const field = VALUE_PARAMETER[p.logic];
      const seen = { logic: p.logic, scope: p.options.scope, historySize: p.options.historySize };
      return [await keepUnseen(ctx, seen, (i) => (i === 0 ? p : ctx.getParams(i))[field])];
    }
    const literal = p.options.disableDotNotation;
    const keys = compareKeys(items, p);
    validate(items, keys, literal);

    const seen = new Set<string>();
    const out: Item[] = [];
    items.forEach((item, i) => {
      const signature = canonical(keys.map((key) => valueAt(item.json, key, literal)));
      if (seen.has(signature)) return;
      seen.add(signature);
      const json = p.options.removeOtherFields ? pickPaths(item.json, keys) : item.json;
      out.push({ ...item, json, pairedItem: { item: i } });
    });
    return [out];
  },
});
