/**
 * Test helpers for the n8n mappers: convert one n8n node (of any type and typeVersion) and look at
 * the Relais node and report entries it gives, and build Code nodes that emit fixed items.
 */
import type { JsonObject } from '../../src/engine/items.js';
import type { Workflow } from '../../src/engine/workflow.js';
import { type ConversionReport, convertN8nWorkflow } from '../../src/n8n/convert.js';
import type { N8nNode } from '../../src/n8n/types.js';

export interface MappedOne {
  node: Workflow['nodes'][number];
  report: ConversionReport;
}

/**
 * Converts a workflow holding one n8n node `n8n-nodes-base.<type>` of `typeVersion`, as though every
 * Relais type existed (so mappers of node types still being written can be tested).
 */
export function mapOne(
  type: string,
  typeVersion: number,
  parameters: Record<string, unknown>,
  extra: Partial<N8nNode> = {},
): MappedOne {
  const { workflow, report } = convertN8nWorkflow(
    {
      name: 'one',
      nodes: [
        {
          id: 'n1',
          name: 'Node',
          type: `n8n-nodes-base.${type}`,
          typeVersion,
          position: [0, 0],
          parameters,
          ...extra,
        },
      ],
      connections: {},
    },
    { hasType: () => true },
  );
  const node = (workflow as Workflow).nodes[0];
  return { node, report };
}

/** An n8n Code node (v2) returning `items`, to feed a second input. */
export function itemsNode(name: string, items: JsonObject[]): Partial<N8nNode> {
  return {
    name,
    type: 'n8n-nodes-base.code',
    typeVersion: 2,
    parameters: { jsCode: `return ${JSON.stringify(items.map((json) => ({ json })))};` },
  };
}
