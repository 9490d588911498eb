/**
 * Summarize (n8n `summarize` v1.1, `Transform/Summarize/Summarize.node.ts` + `utils.ts`): sum, count,
 * min, max, average, append, concatenate or count-unique fields across items, optionally split by
 * the values of other fields (a GROUP BY). Output field names follow n8n: `sum_revenus`,
 * `count_email`, `unique_count_x`, `appended_x`, `concatenated_x`, `average_x`, `min_x`, `max_x`,
 * with `.`, spaces and brackets/quotes of the field name normalised (`a.b` → `sum_a_b`).
 *
 * v1.1 semantics: split values keep their type (v1 turned them into strings), and a field found in
 * no item does not fail the node (n8n adds a hint; Relais logs it on the step).
 */
import { z } from 'zod';
import { NonRetryableError } from '../engine/errors.js';
import type { Item, JsonObject, PairedItem } from '../engine/items.js';
import { defineNode } from './sdk.js';
import { getPath, parseFieldList } from './shared/fields.js';

const AGGREGATIONS = [
  'append',
  'average',
  'concatenate',
  'count',
  'countUnique',
  'max',
  'min',
  'sum',
] as const;
type AggregationType = (typeof AGGREGATIONS)[number];

const PREFIX: Record<AggregationType, string> = {
  append: 'appended_',
  average: 'average_',
  concatenate: 'concatenated_',
  count: 'count_',
  countUnique: 'unique_count_',
  max: 'max_',
  min: 'min_',
  sum: 'sum_',
};

const aggregationSchema = z
  .object({
    aggregation: z.enum(AGGREGATIONS).default('count'),
    /** The input field to summarize (a `parent.child` path unless dot notation is disabled). */
    field: z.string().default(''),
    /** append/concatenate/count/countUnique: also take null, undefined and '' values. */
    includeEmpty: z.boolean().default(false),
    /** concatenate: `,` `, ` `\n` `` ` ` or `other` (then `customSeparator`). */
    separateBy: z.string().default(','),
    customSeparator: z.string().default(''),
  })
  .loose();

type Aggregation = z.output<typeof aggregationSchema>;

const params = z
  .object({
    fieldsToSummarize: z
      .object({ values: z.array(aggregationSchema).default([]) })
      .loose()
      .default({
        values: [
          { aggregation: 'count', field: '', includeEmpty: false, separateBy: ',', customSeparator: '' },
        ],
      }),
    /** Comma list of fields to split (group) the summary by. */
    fieldsToSplitBy: z.union([z.string(), z.array(z.string())]).default(''),
    options: z
      .object({
        /** n8n v1 only (ignored from v1.1: a missing field never fails the node). */
        continueIfFieldNotFound: z.boolean().default(false),
        disableDotNotation: z.boolean().default(false),
        outputFormat: z.enum(['separateItems', 'singleItem']).default('separateItems'),
        /** Ignore items whose split field is empty (anything falsy but a number). */
        skipEmptySplitFields: z.boolean().default(false),
      })
      .loose()
      .default({
        continueIfFieldNotFound: false,
        disableDotNotation: false,
        outputFormat: 'separateItems',
        skipEmptySplitFields: false,
      }),
  })
  .loose();

type Options = z.output<typeof params>['options'];
type Getter = (json: JsonObject, field: string) => unknown;

interface Row {
  json: JsonObject;
  index: number;
}

interface Leaf {
  returnData: JsonObject;
  pairedItems: number[];
}
type Node = Leaf | { fieldName: string; splits: Map<unknown, Node> };

function isEmpty(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

/** n8n's `normalizeFieldName`: drop `[`, `]`, `"`; turn `.` and spaces into `_`. */
export function normalizeFieldName(name: string): string {
  return name.replace(/[[\]"]/g, '').replace(/[ .]/g, '_');
}

function getter(disableDotNotation: boolean): Getter {
  return disableDotNotation
    ? (json, field) => (Object.hasOwn(json, field) ? json[field] : undefined)
    : getPath;
}

/** JS `<`/`>` as n8n uses them for min/max (numbers, strings, or mixed as JS compares them). */
function less(a: unknown, b: unknown): boolean {
  return (a as number) < (b as number);
}

function aggregate(rows: Row[], entry: Aggregation, get: Getter): unknown {
  const { aggregation, field } = entry;
  const values = (list: Row[]) => list.map((row) => get(row.json, field));
  switch (aggregation) {
    case 'append':
      return values(rows).filter((v) => entry.includeEmpty || !isEmpty(v));
    case 'concatenate': {
      const separator = entry.separateBy === 'other' ? entry.customSeparator : entry.separateBy;
      return values(rows)
        .filter((v) => entry.includeEmpty || !isEmpty(v))
        .map((v) => (v === undefined ? 'undefined' : typeof v === 'object' ? JSON.stringify(v) : String(v)))
        .join(separator);
    }
    case 'sum':
    case 'average': {
      // Only real numbers count: numeric strings, null and '' are ignored, as in n8n.
      const numbers = values(rows).filter((v): v is number => typeof v === 'number');
      const sum = numbers.reduce((acc, v) => acc + v, 0);
      if (aggregation === 'sum') return sum;
      // n8n returns NaN for an average of nothing; JSON stores it as null.
      return numbers.length === 0 ? null : sum / numbers.length;
    }
    case 'min':
    case 'max': {
      let best: unknown;
      for (const v of values(rows)) {
        if (isEmpty(v)) continue;
        if (best === undefined || (aggregation === 'min' ? less(v, best) : less(best, v))) best = v;
      }
      return best ?? null;
    }
    case 'countUnique': {
      const list = values(rows).filter((v) => entry.includeEmpty || !isEmpty(v));
      // n8n counts a Set of the values: objects count once per reference, i.e. once per item.
      return new Set(list).size;
    }
    default:
      return entry.includeEmpty ? rows.length : values(rows).filter((v) => !isEmpty(v)).length;
  }
}

function aggregateRows(rows: Row[], aggregations: Aggregation[], get: Getter): Leaf {
  const returnData: JsonObject = {};
  for (const entry of aggregations) {
    returnData[normalizeFieldName(`${PREFIX[entry.aggregation]}${entry.field}`)] = aggregate(
      rows,
      entry,
      get,
    );
  }
  return { returnData, pairedItems: rows.map((row) => row.index) };
}

function split(
  rows: Row[],
  keys: string[],
  aggregations: Aggregation[],
  options: Options,
  get: Getter,
): Node {
  if (keys.length === 0) return aggregateRows(rows, aggregations, get);
  const [first, ...rest] = keys;
  // A Map keeps split values' types (1 and '1' are different groups) and first-seen order.
  const groups = new Map<unknown, Row[]>();
  for (const row of rows) {
    let value = get(row.json, first);
    if (value && typeof value === 'object') value = JSON.stringify(value);
    if (options.skipEmptySplitFields && typeof value !== 'number' && !value) continue;
    const group = groups.get(value);
    if (group) group.push(row);
    else groups.set(value, [row]);
  }
  const splits = new Map<unknown, Node>();
  for (const [value, group] of groups) splits.set(value, split(group, rest, aggregations, options, get));
  return { fieldName: first, splits };
}

function toObject(node: Node): JsonObject {
  if (!('splits' in node)) return node.returnData;
  const out: JsonObject = {};
  for (const [key, child] of node.splits) out[String(key)] = toObject(child);
  return out;
}

function toRows(node: Node): Leaf[] {
  if (!('splits' in node)) return [node];
  const out: Leaf[] = [];
  for (const [value, child] of node.splits) {
    for (const leaf of toRows(child)) {
      leaf.returnData[normalizeFieldName(node.fieldName)] = value;
      out.push(leaf);
    }
  }
  return out;
}

function paired(indexes: number[]): PairedItem[] {
  return indexes.map((item) => ({ item }));
}

/** Aggregates field values across items, optionally split by other fields. */
export const summarizeNode = defineNode({
  type: 'summarize',
  version: 1.1,
  displayName: 'Summarize',
  description: 'Sum, count, max, etc. across items.',
  group: 'transform',
  replaySafe: true,
  params,
  inputs: 1,
  outputs: ['main'],
  execute(ctx) {
    const p = ctx.getParams(0);
    const aggregations = p.fieldsToSummarize.values;
    if (aggregations.filter((a) => a.field !== '').length === 0) {
      throw new NonRetryableError(
        "Invalid parameter 'fieldsToSummarize': You need to add at least one aggregation to 'Fields to Summarize' with non empty 'Field'",
      );
    }
    const get = getter(p.options.disableDotNotation);
    const rows: Row[] = ctx.items.map((item, index) => ({ json: item.json, index }));
    for (const a of aggregations) {
      if (a.field !== '' && !rows.some((row) => get(row.json, a.field) !== undefined)) {
        ctx.stepLog(`The field '${a.field}' does not exist in any items`);
      }
    }
    const keys = parseFieldList(p.fieldsToSplitBy);
    const result = split(rows, keys, aggregations, p.options, get);

    if (p.options.outputFormat === 'singleItem') {
      return [[{ json: toObject(result), pairedItem: paired(rows.map((row) => row.index)) }]];
    }
    const out: Item[] = toRows(result).map((leaf) => ({
      json: leaf.returnData,
      pairedItem: paired(leaf.pairedItems),
    }));
    return [out];
  },
});
