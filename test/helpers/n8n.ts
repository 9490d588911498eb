/**
 * Test helpers for the n8n importer: build small n8n exports (Manual Trigger → a Code node named
 * `Fixture` emitting fixed items → the nodes under test) and run them, converted, through the
 * real engine, as `relais run --json` does.
 */
import { nodesJson } from '../../src/cli/run-command.js';
import { Engine } from '../../src/engine/engine.js';
import type { JsonObject } from '../../src/engine/items.js';
import { formatProblem, validateWorkflow } from '../../src/engine/validate.js';
import { type ConversionReport, convertN8nWorkflow } from '../../src/n8n/convert.js';
import type { N8nNode, N8nWorkflow } from '../../src/n8n/types.js';
import { createRegistry } from '../../src/nodes/registry.js';
import { MemoryRunStore } from '../../src/testing/memory-run-store.js';

export type Links = [from: string, output: number, to: string, input?: number][];

/** An n8n export: a manual trigger, a Fixture code node returning `items`, then `nodes` wired by `links`. */
export function n8nWorkflow(items: JsonObject[], nodes: Partial<N8nNode>[], links: Links): N8nWorkflow {
  const all: N8nNode[] = [
    {
      id: 'start',
      name: 'Start',
      type: 'n8n-nodes-base.manualTrigger',
      typeVersion: 1,
      position: [0, 0],
      parameters: {},
    },
    {
      id: 'fixture',
      name: 'Fixture',
      type: 'n8n-nodes-base.code',
      typeVersion: 2,
      position: [200, 0],
      parameters: { jsCode: `return ${JSON.stringify(items.map((json) => ({ json })))};` },
    },
    ...nodes.map((n, i) => ({
      id: n.id ?? `n${i}`,
      name: n.name ?? `Node ${i}`,
      type: n.type ?? 'n8n-nodes-base.noOp',
      typeVersion: n.typeVersion ?? 1,
      position: n.position ?? ([400 + 200 * i, 100 * i] as [number, number]),
      parameters: n.parameters ?? {},
      ...n,
    })),
  ];
  const connections: N8nWorkflow['connections'] = {};
  const link = (from: string, output: number, to: string, input = 0) => {
    connections[from] ??= { main: [] };
    const main = connections[from].main;
    while (main.length <= output) main.push([]);
    const targets = main[output] ?? [];
    targets.push({ node: to, type: 'main', index: input });
    main[output] = targets;
  };
  link('Start', 0, 'Fixture');
  for (const [from, output, to, input] of links) link(from, output, to, input);
  return { name: 'test', nodes: all, connections, settings: { executionOrder: 'v1' } };
}

export interface N8nRun {
  status: string;
  error?: string;
  nodes: Record<string, JsonObject[][]>;
  report: ConversionReport;
}

/** Converts and runs an n8n export; throws when the converted workflow does not validate. */
export async function runN8n(source: N8nWorkflow): Promise<N8nRun> {
  const registry = createRegistry();
  const { workflow, report } = convertN8nWorkflow(source, { hasType: (t) => registry.get(t) !== undefined });
  const checked = validateWorkflow(workflow, registry);
  if (!checked.ok) throw new Error(`invalid: ${checked.problems.map(formatProblem).join('; ')}`);
  const engine = new Engine({ runs: new MemoryRunStore(), registry });
  const { run, runData } = await engine.start({
    workflow: checked.workflow,
    workflowId: 'test',
    mode: 'manual',
  });
  return { status: run.status, error: run.error?.message, nodes: nodesJson(runData), report };
}

/** Outputs of one node, trailing empty outputs dropped. */
export function outputsOf(run: N8nRun, node: string): JsonObject[][] {
  const outputs = [...(run.nodes[node] ?? [])];
  while (outputs.length > 0 && outputs[outputs.length - 1].length === 0) outputs.pop();
  return outputs;
}
