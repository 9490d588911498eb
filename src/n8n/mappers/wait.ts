/**
 * Wait v1/v1.1 (`Wait/Wait.node.ts`): same parameters, different defaults for the time to wait:
 * v1 waits 1 hour, v1.1 waits 5 seconds (`amount`, `unit`). Exports omit defaults and Relais nodes
 * are written with typeVersion 1, so the amount and unit of the node's own version are written out.
 */
import { clone } from '../params.js';
import type { MapContext, MappedNode, Params } from '../types.js';

export function mapWait(p: Params, ctx: MapContext): MappedNode {
  const parameters = clone(p);
  const v1 = ctx.version < 1.1;
  parameters.amount ??= v1 ? 1 : 5;
  parameters.unit ??= v1 ? 'hours' : 'seconds';
  if (parameters.resume === 'form') {
    ctx.changed('resume', 'waiting for a form submission is not supported: the run fails at this node');
  }
  return { type: 'wait', parameters, outputs: [[0]] };
}
