/**
 * The workflow as a graph, derived once per workflow by a pure function: who feeds whom through
 * which output and input, in n8n's "v1" order (targets of a node sorted by canvas position, top to
 * bottom, then left to right), and which nodes join several inputs (they wait for each other).
 */

import { type AnyNodeDefinition, outputNames } from '../nodes/sdk.js';
import type { Workflow, WorkflowNode } from './workflow.js';

export interface Edge {
  to: string;
  input: number;
}

export interface Graph {
  nodes: Map<string, WorkflowNode>;
  /** `edges.get(node)?.[outputIndex]` = the targets of that output, in execution order. */
  edges: Map<string, Edge[][]>;
  /** Input indexes that have at least one incoming connection, per node. */
  connectedInputs: Map<string, number[]>;
  /** Output names per node (from its definition and parameters, plus `error` when errors are routed). */
  outputs: Map<string, string[]>;
}

export type DefinitionLookup = (node: WorkflowNode) => AnyNodeDefinition | undefined;

export function buildGraph(workflow: Workflow, lookup: DefinitionLookup): Graph {
  const nodes = new Map(workflow.nodes.map((n) => [n.name, n]));
  const outputs = new Map<string, string[]>();
  for (const node of workflow.nodes) outputs.set(node.name, nodeOutputs(node, lookup(node)));

  const edges = new Map<string, Edge[][]>();
  const connectedInputs = new Map<string, number[]>();
  for (const c of workflow.connections) {
    const names = outputs.get(c.from) ?? ['main'];
    const index = typeof c.output === 'number' ? c.output : names.indexOf(c.output);
    if (index < 0) continue; // validation reports unknown output names; the engine just skips them
    const list = edges.get(c.from) ?? [];
    edges.set(c.from, list);
    while (list.length <= index) list.push([]);
    list[index].push({ to: c.to, input: c.input });
    const inputs = connectedInputs.get(c.to) ?? [];
    if (!inputs.includes(c.input))
      connectedInputs.set(
        c.to,
        [...inputs, c.input].sort((a, b) => a - b),
      );
  }
  for (const list of edges.values()) {
    for (const targets of list) targets.sort((a, b) => comparePosition(nodes.get(a.to), nodes.get(b.to)));
  }
  return { nodes, edges, connectedInputs, outputs };
}

/** Output names of a node: its definition's (for its static parameters), plus `error` when errors are routed. */
export function nodeOutputs(node: WorkflowNode, def: AnyNodeDefinition | undefined): string[] {
  let names = ['main'];
  if (def) {
    const parsed = def.params.safeParse(node.parameters);
    names = outputNames(def, parsed.success ? parsed.data : node.parameters);
  }
  return node.onError === 'errorOutput' ? [...names, 'error'] : names;
}

/** Top to bottom, then left to right (n8n's v1 branch order). */
function comparePosition(a: WorkflowNode | undefined, b: WorkflowNode | undefined): number {
  const [ax, ay] = a?.position ?? [0, 0];
  const [bx, by] = b?.position ?? [0, 0];
  return ay - by || ax - bx;
}

/** A node waits for its other inputs only when more than one of its input indexes is connected. */
export function isJoin(graph: Graph, node: string): boolean {
  return (graph.connectedInputs.get(node)?.length ?? 0) > 1;
}
