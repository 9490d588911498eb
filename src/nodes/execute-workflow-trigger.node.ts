/**
 * Execute Workflow Trigger (n8n `executeWorkflowTrigger` v1.1): starts a workflow when another
 * workflow's Execute Workflow node calls it, with the items the parent sent.
 *
 * n8n (ExecuteWorkflowTrigger.node.ts, ExecuteWorkflow/GenericFunctions.ts): `inputSource`
 * defaults to `workflowInputs`; `passthrough` emits the items as sent; `workflowInputs` (fields in
 * `workflowInputs.values`) and `jsonExample` (the keys of the example object) keep only the
 * declared fields, null when the parent did not send one. n8n's optional type conversion
 * (`inputOptions.attemptToConvertTypes`) is not done: values pass as sent.
 */
import { z } from 'zod';
import { NonRetryableError } from '../engine/errors.js';
import type { Item, JsonObject } from '../engine/items.js';
import { defineNode } from './sdk.js';

const params = z
  .object({
    inputSource: z.enum(['passthrough', 'workflowInputs', 'jsonExample']).default('workflowInputs'),
    workflowInputs: z
      .object({
        values: z.array(z.object({ name: z.string(), type: z.string().optional() }).loose()).default([]),
      })
      .loose()
      .default({ values: [] }),
    jsonExample: z.string().optional(),
  })
  .loose();

export const executeWorkflowTriggerNode = defineNode({
  type: 'executeWorkflowTrigger',
  version: 1,
  displayName: 'Execute Workflow Trigger',
  description: 'Starts the workflow when another workflow calls it (Execute Workflow node).',
  group: 'trigger',
  replaySafe: true,
  params,
  inputs: 0,
  outputs: ['main'],
  execute(ctx) {
    // Run by hand (an editor test run), it emits one empty item, as a manual trigger does.
    const items: readonly Item[] = ctx.items.length > 0 ? ctx.items : [{ json: {} }];
    const p = ctx.getParams(0);
    if (p.inputSource === 'passthrough')
      return [items.map((item, i) => ({ ...item, pairedItem: { item: i } }))];
    const fields =
      p.inputSource === 'workflowInputs'
        ? p.workflowInputs.values.map((v) => v.name)
        : exampleKeys(p.jsonExample);
    return [
      items.map((item, i) => {
        const json: JsonObject = {};
        for (const name of fields) json[name] = Object.hasOwn(item.json, name) ? item.json[name] : null;
        return { json, pairedItem: { item: i } };
      }),
    ];
  },
});

function exampleKeys(example: string | undefined): string[] {
  if (example === undefined || example.trim() === '') return [];
  try {
    const parsed: unknown = JSON.parse(example);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return Object.keys(parsed);
  } catch {
    // reported below
  }
  throw new NonRetryableError("The parameter 'jsonExample' must be a JSON object");
}
