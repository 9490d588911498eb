import { defineNode } from './sdk.js';
import { conditionNodeParams, splitByConditions } from './shared/filter/index.js';

/** IF 2.2 writes filter version 2 into its conditions. */
const FILTER_VERSION = 2;

/**
 * n8n's IF node, version 2.2 (`If/V2/IfV2.node.ts`): evaluates its conditions for each item and
 * routes the item, unchanged, to `true` or `false`.
 */
export const ifNode = defineNode({
  type: 'if',
  version: 2.2,
  displayName: 'If',
  description: 'Routes each item to the true or false output depending on conditions.',
  group: 'flow',
  replaySafe: true,
  params: conditionNodeParams,
  inputs: 1,
  outputs: ['true', 'false'],
  execute: (ctx) => splitByConditions(ctx, FILTER_VERSION),
});
