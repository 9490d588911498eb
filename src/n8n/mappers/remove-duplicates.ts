/**
 * Remove Duplicates v1/1.1 → v2 (`Transform/RemoveDuplicates/v1/RemoveDuplicatesV1.node.ts`,
 * `v2/RemoveDuplicatesV2.description.ts`): v1 only removed duplicate input items, with v2's
 * `compare`, `fieldsToExclude`, `fieldsToCompare` and options; v2 adds the `operation` for
 * deduplication across executions.
 */
import { clone } from '../params.js';
import type { MapContext, MappedNode, Params } from '../types.js';

export function mapRemoveDuplicates(p: Params, ctx: MapContext): MappedNode {
  const parameters = clone(p);
  if (ctx.version < 2) parameters.operation = 'removeDuplicateInputItems';
  return { type: 'removeDuplicates', parameters, outputs: [[0]] };
}
