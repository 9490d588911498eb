/**
 * Split Out, n8n `n8n-nodes-base.splitOut` v1 (`packages/nodes-base/nodes/Transform/SplitOut/SplitOut.node.ts`):
 * turns a list inside each item into one item per entry. Object entries become the item itself;
 * other entries land under the field's name. Several fields split side by side (entry i of each
 * goes to item i). A missing field yields no item and a step-log hint, as n8n's execution hint.
 */
import { z } from 'zod';
import { NonRetryableError } from '../engine/errors.js';
import type { BinaryData, Item, JsonObject } from '../engine/items.js';
import { defineNode, mapItems, type NodeContext } from './sdk.js';
import { cloneJson, fieldAccess, isForbiddenKey, parseFieldList } from './shared/fields.js';

const splitOutParams = z
  .object({
    /** A comma list or an array of names; empty entries are dropped, as n8n's prepareFieldsArray does. */
    fieldToSplitOut: z.unknown().default(''),
    include: z.enum(['noOtherFields', 'allOtherFields', 'selectedOtherFields']).default('noOtherFields'),
    fieldsToInclude: z.unknown().default(''),
    options: z
      .object({
        disableDotNotation: z.boolean().optional(),
        destinationFieldName: z.string().optional(),
        includeBinary: z.boolean().optional(),
      })
      .loose()
      .default({}),
  })
  .loose();

type SplitOutParams = z.output<typeof splitOutParams>;

export const splitOutNode = defineNode({
  type: 'splitOut',
  version: 1,
  displayName: 'Split Out',
  description: 'Turn a list inside item(s) into separate items.',
  group: 'transform',
  replaySafe: true,
  params: splitOutParams,
  inputs: 1,
  outputs: ['main'],
  async execute(ctx) {
    const found = new Map<string, boolean>();
    const items = await mapItems(ctx, (item, i) => splitItem(ctx, item, i, found));
    for (const [field, seen] of found) {
      if (!seen) ctx.stepLog(`The field '${field}' wasn't found in any input item`);
    }
    return [items];
  },
});

/** The entries of one field: a list as it is, an object's values, any other value as a list of one. */
function entriesOf(value: unknown): unknown[] {
  if (value === undefined) return [];
  if (typeof value !== 'object' || value === null) return [value];
  return Array.isArray(value) ? value : Object.values(value);
}

function splitItem(
  ctx: NodeContext<SplitOutParams>,
  item: Item,
  i: number,
  found: Map<string, boolean>,
): Item[] {
  const params = ctx.getParams(i);
  const fields = parseFieldList(params.fieldToSplitOut).map((field) => field.replace(/^\$json\./, ''));
  if (fields.length === 0) {
    throw new NonRetryableError("Parameter 'fieldToSplitOut' is required: name the list field to split out", {
      code: 'INVALID_PARAMETER',
    });
  }
  const destinations = parseFieldList(params.options.destinationFieldName ?? '');
  // `__proto__` would replace the new item's prototype, the split value hidden on it (n8n refuses too).
  if (destinations.some((destination) => destination.split('.').some(isForbiddenKey))) {
    throw new NonRetryableError('Invalid destination field name', {
      code: 'INVALID_PARAMETER',
      description: "A destination field may not be named '__proto__', 'constructor' or 'prototype'",
    });
  }
  if (destinations.length > 0 && destinations.length !== fields.length) {
    throw new NonRetryableError(
      'If multiple fields to split out are given, the same number of destination fields must be given',
      { code: 'INVALID_PARAMETER' },
    );
  }
  const dotNotation = params.options.disableDotNotation !== true;
  const access = fieldAccess(dotNotation);
  const multiSplit = fields.length > 1;
  const split: { json: JsonObject; binary?: Record<string, BinaryData> }[] = [];

  fields.forEach((field, fieldIndex) => {
    const destination = destinations[fieldIndex] ?? '';
    let entries: unknown[];
    if (field === '$binary') {
      entries = Object.entries(item.binary ?? {}).map(([key, value]) => ({ [key]: value }));
    } else {
      const value = access.get(item.json, field);
      found.set(field, (found.get(field) ?? false) || value !== undefined);
      entries = entriesOf(value);
    }
    entries.forEach((entry, index) => {
      split[index] ??= { json: {} };
      const target = split[index];
      if (field === '$binary') {
        const [key, binary] = Object.entries(entry as Record<string, BinaryData>)[0];
        target.binary = { ...target.binary, [key]: binary };
        return;
      }
      const copy = cloneJson(entry);
      if (
        typeof copy === 'object' &&
        copy !== null &&
        params.include === 'noOtherFields' &&
        !destination &&
        !multiSplit
      ) {
        // a lone object entry becomes the item (an array entry spreads as "0", "1", ... as in n8n)
        target.json = { ...target.json, ...(copy as JsonObject) };
      } else {
        target.json[destination || field] = copy;
      }
    });
  });

  const selected = params.include === 'selectedOtherFields' ? parseFieldList(params.fieldsToInclude) : [];
  // n8n asks for the fields only once there is an item to put them in.
  if (params.include === 'selectedOtherFields' && selected.length === 0 && split.length > 0) {
    throw new NonRetryableError('No fields specified', {
      code: 'INVALID_PARAMETER',
      description: "Please add a field to include in 'fieldsToInclude'",
    });
  }

  return split.map((entry) => {
    let json = entry.json;
    if (params.include === 'allOtherFields') {
      const rest = cloneJson(item.json);
      for (const field of fields) access.unset(rest, field);
      json = { ...rest, ...entry.json };
    }
    if (params.include === 'selectedOtherFields') {
      for (const field of selected) {
        const value = access.get(item.json, field);
        if (value !== undefined) json[field] = cloneJson(value);
      }
    }
    const out: Item = { json, pairedItem: { item: i } };
    if (entry.binary) out.binary = entry.binary;
    else if (params.options.includeBinary && item.binary) out.binary = { ...item.binary };
    return out;
  });
}
