/**
 * Item Lists v1–v3 (`ItemLists/V1`, `V2/ItemListsV2.node.ts`, `V3/actions/itemList/*.operation.ts`)
 * → the nodes n8n later split it into, by `operation` (default `splitOutItems`):
 * `aggregateItems` (v1/v2) / `concatenateItems` (v3) → Aggregate, `limit` → Limit,
 * `removeDuplicates` → Remove Duplicates, `sort` → Sort, `splitOutItems` → Split Out,
 * `summarize` → Summarize. Their parameters have the same names; v1/v2 list field names in
 * fixedCollections (`{ fields: [{ fieldName }] }`) where the new nodes take comma-separated text.
 * v3's `manageBinaries` has no Relais node.
 */
import { clone, isRecord, omit, record, records, Unmappable } from '../params.js';
import type { MapContext, MappedNode, Params } from '../types.js';

/** `{ fields: [{ fieldName }] }` → `a, b`; text stays as it is. */
function fieldList(value: unknown): unknown {
  if (!isRecord(value)) return value;
  return records(value.fields)
    .map((f) => f.fieldName)
    .filter((name) => typeof name === 'string' && name !== '')
    .join(',');
}

function withFieldLists(p: Params, keys: readonly string[]): Params {
  const out = clone(p);
  for (const key of keys) if (out[key] !== undefined) out[key] = fieldList(out[key]);
  return out;
}

export function mapItemLists(p: Params, ctx: MapContext): MappedNode {
  const operation = typeof p.operation === 'string' ? p.operation : 'splitOutItems';
  const rest = omit(p, ['operation', 'resource']);
  switch (operation) {
    case 'aggregateItems':
    case 'concatenateItems':
      return {
        type: 'aggregate',
        parameters: withFieldLists(rest, ['fieldsToInclude', 'fieldsToExclude']),
        outputs: [[0]],
      };
    case 'limit':
      return { type: 'limit', parameters: clone(rest), outputs: [[0]] };
    case 'removeDuplicates':
      return {
        type: 'removeDuplicates',
        parameters: {
          ...withFieldLists(rest, ['fieldsToCompare', 'fieldsToExclude']),
          operation: 'removeDuplicateInputItems',
        },
        outputs: [[0]],
      };
    case 'sort':
      return { type: 'sort', parameters: clone(rest), outputs: [[0]] };
    case 'splitOutItems':
      return { type: 'splitOut', parameters: withFieldLists(rest, ['fieldsToInclude']), outputs: [[0]] };
    case 'summarize':
      if (record(rest.options).continueIfFieldNotFound !== true) {
        ctx.changed(
          'options.continueIfFieldNotFound',
          'a field missing from every item no longer fails the node',
        );
      }
      return { type: 'summarize', parameters: clone(rest), outputs: [[0]] };
    default:
      throw new Unmappable(`operation '${operation}' has no Relais node`);
  }
}
