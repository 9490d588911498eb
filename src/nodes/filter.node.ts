import { defineNode } from './sdk.js';
import { conditionNodeParams, splitByConditions } from './shared/filter/index.js';

/** Filter 2.2 writes filter version 2 into its conditions. */
const FILTER_VERSION = 2;

/**
 * n8n's Filter node, version 2.2 (`Filter/V2/FilterV2.node.ts`): keeps the items whose conditions
 * pass. n8n declares one connectable output but records the discarded items as a second one
 * ("Kept" / "Discarded" in its run data); Relais exposes both, so `discarded` can be connected too.
 */
export const filterNode = defineNode({
  type: 'filter',
  version: 2.2,
  displayName: 'Filter',
  description: 'Keeps the items that match the conditions and discards the others.',
  group: 'transform',
  replaySafe: true,
  params: conditionNodeParams,
  inputs: 1,
  outputs: ['kept', 'discarded'],
  execute: (ctx) => splitByConditions(ctx, FILTER_VERSION),
});
