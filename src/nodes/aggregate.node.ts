/**
 * Aggregate, n8n `n8n-nodes-base.aggregate` v1 (`packages/nodes-base/nodes/Transform/Aggregate/Aggregate.node.ts`,
 * `utils.ts`): gathers the values of chosen fields across all items into lists in one item, or
 * every item's json into one list. The single output item points back at every item it holds.
 */
import { z } from 'zod';
import { NonRetryableError } from '../engine/errors.js';
import type { BinaryData, Item, JsonObject, PairedItem } from '../engine/items.js';
import { defineNode } from './sdk.js';
import { cloneJson, fieldAccess, parseFieldList } from './shared/fields.js';

const fieldSchema = z
  .object({
    fieldToAggregate: z.string().default(''),
    renameField: z.boolean().default(false),
    outputFieldName: z.string().default(''),
  })
  .loose();

const aggregateParams = z
  .object({
    aggregate: z
      .enum(['aggregateIndividualFields', 'aggregateAllItemData'])
      .default('aggregateIndividualFields'),
    fieldsToAggregate: z
      .object({ fieldToAggregate: z.array(fieldSchema).default([]) })
      .loose()
      .default({ fieldToAggregate: [{ fieldToAggregate: '', renameField: false, outputFieldName: '' }] }),
    destinationFieldName: z.string().default('data'),
    include: z.enum(['allFields', 'specifiedFields', 'allFieldsExcept']).default('allFields'),
    fieldsToInclude: z.unknown().default(''),
    fieldsToExclude: z.unknown().default(''),
    options: z
      .object({
        disableDotNotation: z.boolean().optional(),
        mergeLists: z.boolean().optional(),
        keepMissing: z.boolean().optional(),
        includeBinaries: z.boolean().optional(),
        keepOnlyUnique: z.boolean().optional(),
      })
      .loose()
      .default({}),
  })
  .loose();

type AggregateParams = z.output<typeof aggregateParams>;

export const aggregateNode = defineNode({
  type: 'aggregate',
  version: 1,
  displayName: 'Aggregate',
  description: 'Combine a field from many items into a list in a single item.',
  group: 'transform',
  replaySafe: true,
  params: aggregateParams,
  inputs: 1,
  outputs: ['main'],
  execute(ctx) {
    // n8n does not run a node that received no items: nothing to aggregate, nothing to pass on.
    if (ctx.items.length === 0) return [[]];
    const params = ctx.getParams(0);
    const items = ctx.items;
    const result =
      params.aggregate === 'aggregateIndividualFields'
        ? aggregateFields(params, items, (line) => ctx.stepLog(line))
        : aggregateAll(params, items);
    if (params.options.includeBinaries) {
      const sources = (result.pairedItem as PairedItem[]).map((pair) => items[pair.item]);
      addBinaries(result, sources, params.options.keepOnlyUnique === true);
    }
    return [[result]];
  },
});

function aggregateFields(
  params: AggregateParams,
  items: readonly Item[],
  hint: (line: string) => void,
): Item {
  const fields = params.fieldsToAggregate.fieldToAggregate;
  if (fields.length === 0) {
    throw new NonRetryableError('No fields specified', {
      code: 'INVALID_PARAMETER',
      description: "Please add a field to aggregate in 'fieldsToAggregate'",
    });
  }
  const dotNotation = params.options.disableDotNotation !== true;
  const access = fieldAccess(dotNotation);
  const values = new Map<string, unknown[]>();
  const outputFields: string[] = [];
  const found = new Map<string, boolean>();

  for (const { fieldToAggregate, renameField, outputFieldName } of fields) {
    const field = renameField ? outputFieldName : fieldToAggregate;
    if (outputFields.includes(field)) {
      throw new NonRetryableError(`The '${field}' output field is used more than once`, {
        code: 'INVALID_PARAMETER',
        description: 'Please make sure each output field name is unique',
      });
    }
    outputFields.push(field);
    if (fieldToAggregate === '') continue;
    // `a.b` is gathered under `b` unless renamed (n8n keeps the last segment)
    const name =
      outputFieldName ||
      (dotNotation && fieldToAggregate.includes('.') ? fieldToAggregate.split('.').pop()! : fieldToAggregate);
    const list: unknown[] = [];
    values.set(name, list);
    for (const item of items) {
      let value = access.get(item.json, fieldToAggregate);
      found.set(fieldToAggregate, (found.get(fieldToAggregate) ?? false) || value !== undefined);
      if (!params.options.keepMissing) {
        if (Array.isArray(value)) value = value.filter((entry) => entry !== null);
        else if (value === null || value === undefined) continue;
      }
      if (Array.isArray(value) && params.options.mergeLists) list.push(...cloneJson(value));
      else list.push(cloneJson(value) ?? null);
    }
  }
  for (const [field, seen] of found) if (!seen) hint(`The field '${field}' wasn't found in any input item`);

  const json: JsonObject = {};
  for (const [key, list] of values) access.set(json, key, list);
  return { json, pairedItem: items.map((_, item) => ({ item })) };
}

function aggregateAll(params: AggregateParams, items: readonly Item[]): Item {
  const include = params.include === 'specifiedFields' ? parseFieldList(params.fieldsToInclude) : [];
  const exclude = params.include === 'allFieldsExcept' ? parseFieldList(params.fieldsToExclude) : [];
  const rows: JsonObject[] = [];
  const pairedItem: PairedItem[] = [];
  items.forEach((item, index) => {
    let keys = Object.keys(item.json);
    if (exclude.length > 0) keys = keys.filter((key) => !exclude.includes(key));
    if (include.length > 0) keys = keys.filter((key) => include.includes(key));
    const row: JsonObject = {};
    for (const key of keys) row[key] = cloneJson(item.json[key]);
    // with a field selection, items left empty are dropped (n8n's `isEmpty` check)
    if ((include.length > 0 || exclude.length > 0) && keys.length === 0) return;
    rows.push(row);
    pairedItem.push({ item: index });
  });
  return { json: { [params.destinationFieldName]: rows }, pairedItem };
}

/** n8n's `addBinariesToItem`: every file of the aggregated items, `key_1`, `key_2`... on name clashes. */
function addBinaries(target: Item, sources: readonly Item[], uniqueOnly: boolean): void {
  const seen: BinaryData[] = [];
  const isDuplicate = (binary: BinaryData) =>
    seen.some(
      (other) =>
        other.mimeType === binary.mimeType &&
        (other as { fileType?: string }).fileType === (binary as { fileType?: string }).fileType &&
        other.fileSize === binary.fileSize &&
        other.fileExtension === binary.fileExtension,
    );
  for (const source of sources) {
    for (const [key, binary] of Object.entries(source?.binary ?? {})) {
      if (uniqueOnly) {
        if (isDuplicate(binary)) continue;
        seen.push(binary);
      }
      target.binary ??= {};
      let name = key;
      for (let i = 1; target.binary[name] !== undefined; i++) name = `${key}_${i}`;
      target.binary[name] = binary;
    }
  }
}
