/**
 * Execute Workflow v1–1.3 and Execute Workflow Trigger v1/1.1
 * (`ExecuteWorkflow/ExecuteWorkflow/ExecuteWorkflow.node.ts`, `ExecuteWorkflowTrigger/...`).
 *
 * v1 names the sub-workflow with a plain `workflowId`; from v1.1 it is a resource locator
 * `{ __rl: true, mode, value }`. Imported workflows keep their n8n id in Relais, so the reference
 * still points at the right workflow once that one is imported too. The trigger v1 took its input
 * items as they came; v1.1 defines inputs (`inputSource`), and `passthrough` is v1's behaviour.
 */
import { clone, isExpression, isRecord } from '../params.js';
import type { MapContext, MappedNode, Params } from '../types.js';

export function mapExecuteWorkflow(p: Params, ctx: MapContext): MappedNode {
  const parameters = clone(p);
  const source = typeof p.source === 'string' ? p.source : 'database';
  if (ctx.version < 1.1 && source === 'database' && !isRecord(p.workflowId)) {
    parameters.workflowId = { __rl: true, mode: 'id', value: p.workflowId ?? '' };
  }
  const id = isRecord(parameters.workflowId) ? parameters.workflowId.value : undefined;
  if (source === 'database' && typeof id === 'string' && id !== '' && !isExpression(id)) {
    ctx.warn(`calls workflow '${id}': import it too (imported workflows keep their n8n id)`);
  }
  return { type: 'executeWorkflow', parameters, outputs: [[0]] };
}

export function mapExecuteWorkflowTrigger(p: Params, ctx: MapContext): MappedNode {
  const parameters = ctx.version < 1.1 ? { inputSource: 'passthrough' } : clone(p);
  return { type: 'executeWorkflowTrigger', parameters, outputs: [[0]] };
}
