/**
 * Placeholder for an imported n8n node Relais has no node type for (Google Sheets, an AI agent, a
 * community node...). It keeps the n8n type, typeVersion and parameters as they were exported, and
 * as many inputs and outputs as the n8n node had connected, so the imported workflow is a valid
 * document: it can be saved, viewed, edited, and exported back. It is never meant to run: executing
 * it fails with an error naming the n8n type, and activation is refused while one remains enabled
 * (`unsupportedNodeProblem`, for the activation check).
 */
import { z } from 'zod';
import { NonRetryableError } from '../engine/errors.js';
import type { WorkflowNode } from '../engine/workflow.js';
import { defineNode } from './sdk.js';

export const UNSUPPORTED_TYPE = 'unsupported';

const params = z
  .object({
    /** The n8n node type, e.g. `n8n-nodes-base.googleSheets`. */
    n8nType: z.string().min(1),
    n8nTypeVersion: z.number().optional(),
    /** The node's n8n parameters, untouched. */
    parameters: z.record(z.string(), z.unknown()).default({}),
    /** Main inputs (0 for a trigger) and outputs the n8n node had. */
    inputs: z.number().int().min(0).max(64).default(1),
    outputs: z.number().int().min(0).max(64).default(1),
  })
  .loose();

/** Output names: `main` for one output, `0`, `1`, ... for several (like Switch). */
function outputNamesFor(count: number): string[] {
  if (count === 1) return ['main'];
  return Array.from({ length: count }, (_, i) => String(i));
}

function countOf(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : fallback;
}

export const unsupportedNode = defineNode({
  type: UNSUPPORTED_TYPE,
  version: 1,
  displayName: 'Unsupported n8n node',
  description: 'An imported n8n node Relais cannot run yet. Replace it before activating the workflow.',
  group: 'utility',
  params,
  // Also called with unparsed parameters when they do not validate.
  inputs: (p) => countOf(p?.inputs, 1),
  outputs: (p) => outputNamesFor(countOf(p?.outputs, 1)),
  execute(ctx) {
    throw new NonRetryableError(unsupportedMessage(ctx.node), {
      code: 'UNSUPPORTED_NODE',
      description:
        'This node was imported from n8n as a placeholder. Replace it with Relais nodes (an HTTP Request ' +
        'node can often call the same service), or disable it, then run the workflow again.',
    });
  },
});

function unsupportedMessage(node: WorkflowNode): string {
  const type = node.parameters.n8nType;
  const version = node.parameters.n8nTypeVersion;
  const what =
    typeof type === 'string'
      ? `'${type}'${typeof version === 'number' ? ` (v${version})` : ''}`
      : 'an n8n type';
  return `Node '${node.name}' is ${what}, which Relais does not support yet`;
}

/**
 * Why a node blocks activation (and unattended runs), or undefined: an enabled placeholder.
 * Meant for the activation check (`TriggerRegistry.runProblems`).
 */
export function unsupportedNodeProblem(node: WorkflowNode): string | undefined {
  if (node.disabled || node.type !== UNSUPPORTED_TYPE) return undefined;
  return `${unsupportedMessage(node)}: replace it before activating the workflow`;
}
