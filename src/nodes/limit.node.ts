/**
 * Limit, n8n `n8n-nodes-base.limit` v1 (`packages/nodes-base/nodes/Transform/Limit/Limit.node.ts`):
 * keeps at most `maxItems` items, the first ones or the last ones.
 */
import { z } from 'zod';
import { defineNode } from './sdk.js';

const limitParams = z
  .object({
    maxItems: z.preprocess(
      (value) => (typeof value === 'string' && value.trim() !== '' ? Number(value) : value),
      z.number().int().min(0).default(1),
    ),
    keep: z.enum(['firstItems', 'lastItems']).default('firstItems'),
  })
  .loose();

export const limitNode = defineNode({
  type: 'limit',
  version: 1,
  displayName: 'Limit',
  description: 'Restrict the number of items.',
  group: 'transform',
  replaySafe: true,
  params: limitParams,
  inputs: 1,
  outputs: ['main'],
  execute(ctx) {
    const total = ctx.items.length;
    if (total === 0) return [[]];
    const { maxItems, keep } = ctx.getParams(0);
    const start = maxItems >= total ? 0 : keep === 'firstItems' ? 0 : total - maxItems;
    const end = maxItems >= total ? total : keep === 'firstItems' ? maxItems : total;
    // Kept items point at their own input index, which changes when the first ones are dropped.
    return [ctx.items.slice(start, end).map((item, k) => ({ ...item, pairedItem: { item: start + k } }))];
  },
});
