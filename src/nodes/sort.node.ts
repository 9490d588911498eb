/**
 * Sort, n8n `n8n-nodes-base.sort` v1 (`packages/nodes-base/nodes/Transform/Sort/Sort.node.ts`):
 * orders items by one or more fields (strings compared case-insensitively, mixed types compared as
 * lodash `lt` does), or shuffles them. The `code` type runs user JavaScript in n8n's sandbox and is
 * refused here: a Code node can sort with `items.sort(...)`.
 */
import { z } from 'zod';
import { NonRetryableError } from '../engine/errors.js';
import type { Item } from '../engine/items.js';
import { defineNode } from './sdk.js';
import { fieldAccess, isDeepEqual } from './shared/fields.js';

const sortParams = z
  .object({
    type: z.enum(['simple', 'random', 'code']).default('simple'),
    sortFieldsUi: z
      .object({
        sortField: z
          .array(
            z
              .object({
                fieldName: z.string().default(''),
                order: z.enum(['ascending', 'descending']).default('ascending'),
              })
              .loose(),
          )
          .default([]),
      })
      .loose()
      .default({ sortField: [] }),
    code: z.string().optional(),
    options: z.object({ disableDotNotation: z.boolean().optional() }).loose().default({}),
  })
  .loose();

export const sortNode = defineNode({
  type: 'sort',
  version: 1,
  displayName: 'Sort',
  description: 'Change items order.',
  group: 'transform',
  replaySafe: true,
  params: sortParams,
  inputs: 1,
  outputs: ['main'],
  execute(ctx) {
    // Items keep their own index as lineage, since their order changes.
    const items: Item[] = ctx.items.map((item, i) => ({ ...item, pairedItem: { item: i } }));
    if (items.length === 0) return [[]];
    const params = ctx.getParams(0);
    if (params.type === 'random') return [shuffle(items)];
    if (params.type === 'code') {
      throw new NonRetryableError(
        "Sort type 'code' is not supported: it needs the JavaScript sandbox. Use type 'simple', or sort in a Code node (items.sort(...))",
        { code: 'UNSUPPORTED_MODE' },
      );
    }

    const fields = params.sortFieldsUi.sortField;
    if (fields.length === 0) {
      throw new NonRetryableError('No sorting specified. Please add a field to sort by', {
        code: 'INVALID_PARAMETER',
      });
    }
    const dotNotation = params.options.disableDotNotation !== true;
    const access = fieldAccess(dotNotation);
    for (const { fieldName } of fields) {
      if (items.some((item) => access.get(item.json, fieldName) !== undefined)) continue;
      throw new NonRetryableError(`Couldn't find the field '${fieldName}' in the input data`, {
        code: 'FIELD_NOT_FOUND',
        description:
          !dotNotation && fieldName.includes('.')
            ? "If you're trying to use a nested field, make sure you turn off 'disable dot notation' in the node options"
            : undefined,
      });
    }

    const keyOf = (item: Item, field: string) => {
      const value = access.get(item.json, field);
      return typeof value === 'string' ? value.toLowerCase() : value;
    };
    // The same comparator as n8n on the same engine's Array.sort, so ties and mixed types land alike.
    items.sort((a, b) => {
      for (const { fieldName, order } of fields) {
        const left = keyOf(a, fieldName);
        const right = keyOf(b, fieldName);
        if (isDeepEqual(left, right)) continue;
        const dir = order === 'ascending' ? 1 : -1;
        return lessThan(left, right) ? -dir : dir;
      }
      return 0;
    });
    return [items];
  },
});

/** lodash `lt`: strings compare as strings, anything else as lodash `toNumber` makes it. */
function lessThan(a: unknown, b: unknown): boolean {
  if (typeof a === 'string' && typeof b === 'string') return a < b;
  return toNumber(a) < toNumber(b);
}

function toNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'symbol') return Number.NaN;
  let primitive: unknown = value;
  if (typeof value === 'object' && value !== null) {
    const inner = typeof value.valueOf === 'function' ? value.valueOf() : value;
    primitive = typeof inner === 'object' && inner !== null ? String(inner) : inner;
  }
  if (typeof primitive !== 'string') return primitive === 0 ? primitive : Number(primitive);
  const text = primitive.trim();
  if (/^0b[01]+$/i.test(text)) return Number.parseInt(text.slice(2), 2);
  if (/^0o[0-7]+$/i.test(text)) return Number.parseInt(text.slice(2), 8);
  if (/^[-+]0x[0-9a-f]+$/i.test(text)) return Number.NaN;
  return Number(text);
}

/** Fisher–Yates, as n8n's `shuffleArray`. */
function shuffle(items: Item[]): Item[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}
