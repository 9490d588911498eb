/**
 * Execute Workflow (n8n `executeWorkflow` v1.2 parameters): runs another workflow — stored (by id,
 * n8n's resource locator, or Relais' `workflowName`) or given as JSON (`source: 'parameter'`) —
 * with the input items, all in one child run (`mode: 'once'`) or one run per item (`'each'`).
 * Waiting (the default), it outputs the child's last executed node's items (n8n semantics);
 * otherwise it starts the child and passes its input through. A failed child fails this step
 * with the child's workflow, node and run id. The child runs through the SUBWORKFLOWS port.
 */
import { z } from 'zod';
import { NodeError, NonRetryableError } from '../engine/errors.js';
import type { Item } from '../engine/items.js';
import { defineNode, type NodeContext } from './sdk.js';
import { SUBWORKFLOWS, type SubworkflowResult } from './subworkflow-port.js';

/** n8n's resource locator (`{ __rl: true, value, mode }`) or a plain id. */
const workflowRef = z.union([
  z.string(),
  z.number().transform(String),
  z
    .object({
      __rl: z.literal(true).optional(),
      value: z.union([z.string(), z.number().transform(String)]),
      mode: z.string().optional(),
    })
    .loose()
    .transform((rl) => String(rl.value)),
]);

const params = z.object({
  source: z.enum(['database', 'parameter', 'localFile', 'url']).default('database'),
  workflowId: workflowRef.optional(),
  /** Relais: a stored workflow by its exact name (when no id is given). */
  workflowName: z.string().optional(),
  workflowJson: z.unknown().optional(),
  mode: z.enum(['once', 'each']).default('once'),
  /**
   * n8n v1.2's fields for a child declaring its inputs: `value` (per item) is merged over each
   * item's json, and fields marked `removed` in `schema` are dropped (getCurrentWorkflowInputData).
   */
  workflowInputs: z
    .object({
      value: z.record(z.string(), z.unknown()).nullish(),
      schema: z
        .array(
          z
            .object({
              id: z.string().optional(),
              displayName: z.string().optional(),
              removed: z.boolean().optional(),
            })
            .loose(),
        )
        .nullish(),
    })
    .loose()
    .optional(),
  options: z
    .object({ waitForSubWorkflow: z.boolean().default(true) })
    .loose()
    .default({ waitForSubWorkflow: true }),
});

type Params = z.output<typeof params>;

export const executeWorkflowNode = defineNode({
  type: 'executeWorkflow',
  version: 1,
  displayName: 'Execute Workflow',
  description: 'Run another workflow with these items and use its result',
  group: 'flow',
  params,
  inputs: 1,
  outputs: ['main'],
  async execute(ctx) {
    if (ctx.items.length === 0) return [[]];
    const runner = ctx.service(SUBWORKFLOWS);
    const call = async (p: Params, indexes: readonly number[]): Promise<SubworkflowResult> => {
      const target = targetOf(p);
      const result = await runner.run({
        ...target,
        items: indexes.map((i) => childItem(ctx.items[i], ctx.getParams(i))),
        parentRunId: ctx.execution.id,
        parentWorkflowId: ctx.workflow.id,
        wait: p.options.waitForSubWorkflow,
      });
      if (result.error) throw childError(result);
      return result;
    };
    const first = ctx.getParams(0);
    if (first.mode === 'once') {
      // n8n (ExecuteWorkflow.node.ts): a result as long as the input pairs item by item, else
      // every output item comes from all input items; continue-on-fail gives one error item.
      const all = ctx.items.map((_, i) => ({ item: i }));
      let result: SubworkflowResult;
      try {
        result = await call(
          first,
          ctx.items.map((_, i) => i),
        );
      } catch (error) {
        if (!ctx.continueOnFail) throw error;
        return [[{ json: { error: (error as Error).message }, pairedItem: all }]];
      }
      if (!first.options.waitForSubWorkflow) return [passThrough(ctx)];
      const sameLength = result.items.length === ctx.items.length;
      return [result.items.map((item, i) => ({ ...item, pairedItem: sameLength ? { item: i } : all }))];
    }
    const out: Item[] = [];
    for (let i = 0; i < ctx.items.length; i++) {
      try {
        const p = ctx.getParams(i);
        const result = await call(p, [i]);
        if (!p.options.waitForSubWorkflow) out.push({ ...ctx.items[i], pairedItem: { item: i } });
        else for (const item of result.items) out.push({ ...item, pairedItem: { item: i } });
      } catch (error) {
        if (!ctx.continueOnFail) throw error;
        out.push({ json: { error: (error as Error).message }, pairedItem: { item: i } });
      }
    }
    return [out];
  },
});

function targetOf(p: Params): { workflowId?: string; workflowName?: string; workflowJson?: unknown } {
  if (p.source === 'parameter') {
    if (
      p.workflowJson === undefined ||
      (typeof p.workflowJson === 'string' && p.workflowJson.trim() === '')
    ) {
      throw new NonRetryableError("The parameter 'workflowJson' is required when source is 'parameter'");
    }
    return { workflowJson: p.workflowJson };
  }
  if (p.source !== 'database') {
    throw new NonRetryableError(
      `The parameter 'source' value '${p.source}' is not supported: use 'database' or 'parameter'`,
    );
  }
  if (p.workflowId !== undefined && p.workflowId !== '') return { workflowId: p.workflowId };
  if (p.workflowName) return { workflowName: p.workflowName };
  throw new NonRetryableError("The parameter 'workflowId' (or 'workflowName') is required");
}

/** What the child receives for one input item (n8n: getCurrentWorkflowInputData). */
function childItem(item: Item, p: Params): Item {
  const json = { ...item.json, ...(p.workflowInputs?.value ?? {}) } as Item['json'];
  for (const field of p.workflowInputs?.schema ?? []) {
    const name = field.displayName ?? field.id;
    if (field.removed && name !== undefined) delete json[name];
  }
  return item.binary ? { json, binary: item.binary } : { json };
}

function passThrough(ctx: NodeContext<Params>): Item[] {
  return ctx.items.map((item, i) => ({ ...item, pairedItem: { item: i } }));
}

/** The child's failure, in the parent's step: which workflow, which node, which run. */
function childError(result: SubworkflowResult): NodeError {
  const error = result.error ?? { message: 'unknown error' };
  const at = error.node ? ` at node '${error.node}'` : '';
  const message = `Sub-workflow '${result.workflowName}' failed${at}: ${error.message}`;
  const description = [`Child run ${result.runId}`, error.description].filter(Boolean).join(' — ');
  // A NodeError, not a NonRetryableError: the node's retry settings may run the child again.
  return new NodeError(message, { code: 'SUBWORKFLOW_FAILED', description });
}
