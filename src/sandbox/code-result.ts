/**
 * Turns what the user's code returned into items, with n8n's checks and wording:
 * `packages/nodes-base/nodes/Code/result-validation.ts` (validateRunCodeAllItems /
 * validateRunCodeEachItem, ValidationError's "[item N]" / "[line N, for item N]" suffixes),
 * `packages/core/.../utils/normalize-items.ts` (normalizeItems) and
 * `packages/nodes-base/nodes/Code/JsCodeValidator.ts`. The values arrive as JSON already (the
 * sandbox serialises them), so dates are ISO strings and `undefined` fields are gone, as in n8n
 * whose runner sends results over JSON too.
 */
import { NonRetryableError } from '../engine/errors.js';
import type { BinaryData, Item, JsonObject, PairedItem } from '../engine/items.js';

/** Top-level keys an n8n item may have (REQUIRED_N8N_ITEM_KEYS). */
const ITEM_KEYS = new Set(['json', 'binary', 'pairedItem', 'error', 'metadata', 'index']);

const RETURN_ARRAY_HINT = 'Please return an array of objects, one for each item you would like to output.';

type Loose = Record<string, unknown>;

function isObject(value: unknown): value is Loose {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** n8n's ValidationError: message with its `[line N, for item N]` / `[item N]` suffix. */
export function validationError(
  message: string,
  description: string,
  itemIndex?: number,
  lineNumber?: number,
): NonRetryableError {
  let suffix = '';
  if (lineNumber !== undefined && itemIndex !== undefined)
    suffix = ` [line ${lineNumber}, for item ${itemIndex}]`;
  else if (lineNumber !== undefined) suffix = ` [line ${lineNumber}]`;
  else if (itemIndex !== undefined) suffix = ` [item ${itemIndex}]`;
  return new NonRetryableError(message + suffix, { code: 'CODE_INVALID_RESULT', description, itemIndex });
}

/** Run Once for Each Item refuses `$input.all()/first()/last()/itemMatching()` before running. */
export function checkEachItemCode(code: string): void {
  const method = code.match(/\$input\.(?<method>first|last|all|itemMatching)/)?.groups?.method;
  if (!method) return;
  const line =
    code
      .split('\n')
      .findIndex((row) => row.includes(method) && !row.startsWith('//') && !row.startsWith('*')) + 1;
  if (line === 0) return;
  throw validationError(
    `Can't use .${method}() here`,
    "This is only available in 'Run Once for All Items' mode",
    0,
    line,
  );
}

function checkTopLevelKeys(item: Loose, index: number): void {
  let reserved: string | undefined;
  const unknown: string[] = [];
  for (const key of Object.keys(item)) {
    if (ITEM_KEYS.has(key)) reserved ??= key;
    else unknown.push(key);
  }
  if (unknown.length === 0) return;
  if (reserved) {
    throw validationError(
      'Invalid output format',
      `An output item contains the reserved key '${reserved}'. To get around this, please wrap each item in an object, under a key called 'json'.`,
      index,
    );
  }
  throw validationError(
    `Unknown top-level item key: ${unknown[0]}`,
    'Access the properties of an item under `.json`, e.g. `item.json`',
    index,
  );
}

function checkItem(item: Loose, index: number): void {
  if (!isObject(item.json)) {
    throw validationError(
      "A 'json' property isn't an object",
      "In the returned data, every key named 'json' must point to an object.",
      index,
    );
  }
  if (item.binary !== undefined && !isObject(item.binary)) {
    throw validationError(
      "A 'binary' property isn't an object",
      "In the returned data, every key named 'binary' must point to an object.",
      index,
    );
  }
}

/** n8n's normalizeItems: wraps plain objects under `json`, refuses a mix of both shapes. */
function normalize(result: Loose | Loose[]): Loose[] {
  if (!Array.isArray(result)) return result.json ? [result] : [{ json: result }];
  if (result.every((item) => 'json' in item)) return result;
  if (result.some((item) => 'json' in item)) throw inconsistent();
  if (result.every((item) => 'binary' in item)) {
    return result.map((item) => ({
      json: Object.fromEntries(Object.entries(item).filter(([key]) => key !== 'binary')),
      binary: item.binary,
    }));
  }
  if (result.some((item) => 'binary' in item)) throw inconsistent();
  return result.map((item) => ({ json: item }));
}

function inconsistent(): NonRetryableError {
  return new NonRetryableError('Inconsistent item format', {
    code: 'CODE_INVALID_RESULT',
    description: "Either every returned item has a 'json' key, or none has.",
  });
}

/** Run Once for All Items: validateRunCodeAllItems then normalizeItems. `undefined` = nothing returned. */
export function itemsFromAllItemsResult(result: unknown): Item[] {
  if (typeof result !== 'object' || result === null) {
    throw validationError("Code doesn't return items properly", RETURN_ARRAY_HINT);
  }
  if (Array.isArray(result)) {
    for (const item of result) {
      if (!isObject(item)) throw validationError("Code doesn't return items properly", RETURN_ARRAY_HINT);
    }
    const items = result as Loose[];
    if (items.some((item) => Object.keys(item).some((key) => ITEM_KEYS.has(key)))) {
      items.forEach(checkTopLevelKeys);
    }
  }
  const normalized = normalize(result as Loose | Loose[]);
  normalized.forEach(checkItem);
  return normalized.map(toItem);
}

/** Run Once for Each Item: one returned value, already unwrapped by the sandbox driver. */
export function itemFromEachItemResult(entry: { json?: unknown; binary?: unknown }, index: number): Item {
  const item: Loose = { json: entry.json };
  if (entry.binary !== undefined) item.binary = entry.binary;
  checkItem(item, index);
  const out = toItem(item);
  out.pairedItem = { item: index };
  return out;
}

function toItem(item: Loose): Item {
  const out: Item = { json: item.json as JsonObject };
  if (isObject(item.binary)) out.binary = item.binary as Record<string, BinaryData>;
  const paired = pairedItemOf(item.pairedItem);
  if (paired !== undefined) out.pairedItem = paired;
  return out;
}

/** Keeps a usable `pairedItem` the code set (number, `{ item, input? }` or a list of them). */
function pairedItemOf(value: unknown): PairedItem | PairedItem[] | undefined {
  const one = (v: unknown): PairedItem | undefined => {
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return { item: v };
    if (!isObject(v) || typeof v.item !== 'number' || !Number.isInteger(v.item) || v.item < 0)
      return undefined;
    return typeof v.input === 'number' && v.input > 0 ? { item: v.item, input: v.input } : { item: v.item };
  };
  if (Array.isArray(value)) {
    const list = value.map(one).filter((p): p is PairedItem => p !== undefined);
    return list.length > 0 ? list : undefined;
  }
  return one(value);
}

/**
 * n8n's engine pairs output items that carry no `pairedItem` when the mapping is unambiguous
 * (workflow-execute.ts assignPairedItems): one input item, as many outputs as inputs, or many inputs
 * folded into one output. Otherwise they stay unpaired and `$('Code').item` later says so.
 */
export function pairUnpaired(items: Item[], inputCount: number): Item[] {
  const single = inputCount === 1;
  const same = items.length === inputCount;
  const folded = items.length === 1 && inputCount > 1;
  for (const [index, item] of items.entries()) {
    if (item.pairedItem !== undefined) continue;
    if (single || folded) item.pairedItem = { item: 0 };
    else if (same) item.pairedItem = { item: index };
    else break;
  }
  return items;
}
