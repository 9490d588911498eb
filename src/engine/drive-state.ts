/**
 * What one drive of a run holds in memory between checkpoints, and the pure helpers around it:
 * resolving frontier references to items, routing a node's outputs, the checkpoint to save.
 */

import type { RespondCallback } from './engine.js';
import type { Frontier, Routed } from './frontier.js';
import { TRIGGER_REF } from './frontier.js';
import type { Graph } from './graph.js';
import type { Item, ItemSource, JsonObject } from './items.js';
import type { RunScope } from './node-context.js';
import type { Checkpoint, RunRecord, StepOutputRef, StepRecord, WaitState } from './ports.js';
import type { RunData } from './run-data.js';
import type { Workflow } from './workflow.js';

export interface DriveState {
  run: RunRecord;
  workflow: Workflow;
  graph: Graph;
  runData: RunData;
  frontier: Frontier;
  nodeState: Record<string, JsonObject>;
  /** Outputs of this run's steps by seq, for resolving frontier references. */
  stepOutputs: Map<number, Item[][]>;
  nextSeq: number;
  scope: RunScope;
  respond?: RespondCallback;
  /** Failed attempts of the node on top of the stack (retries pending). */
  attempts: Record<string, number>;
  /** Steps of replay-safe nodes made since the last commit (written with the next one). */
  pending: StepRecord[];
}

/** The items a frontier reference points at: the trigger's, or an output of a step of this run. */
export function resolveRef(state: DriveState, ref: StepOutputRef | null): Item[] {
  if (!ref) return [];
  if (ref.step === TRIGGER_REF.step) return state.run.triggerItems;
  return state.stepOutputs.get(ref.step)?.[ref.output] ?? [];
}

/** The targets of every output that has items, in v1 order across outputs (top-left first). */
export function routesOf(graph: Graph, name: string, outputs: Item[][], seq: number, run: number): Routed[] {
  const routes: Routed[] = [];
  const edges = graph.edges.get(name) ?? [];
  for (let k = 0; k < edges.length; k++) {
    if ((outputs[k]?.length ?? 0) === 0) continue;
    const source: ItemSource = { node: name, output: k, run };
    for (const edge of edges[k])
      routes.push({ to: edge.to, input: edge.input, ref: { step: seq, output: k }, source });
  }
  const position = (n: string) => graph.nodes.get(n)?.position ?? [0, 0];
  return routes.sort(
    (a, b) => position(a.to)[1] - position(b.to)[1] || position(a.to)[0] - position(b.to)[0],
  );
}

export function checkpointOf(state: DriveState, wait?: WaitState): Checkpoint {
  return {
    stack: state.frontier.stack,
    waiting: state.frontier.waiting,
    nodeState: state.nodeState,
    ...(wait ? { wait } : {}),
    ...(Object.keys(state.attempts).length > 0 ? { attempts: state.attempts } : {}),
  };
}
