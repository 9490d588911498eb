/**
 * What one drive of a run holds in memory between checkpoints: how it is rebuilt from the run's
 * record and steps, and the pure helpers around it (resolving frontier references to items,
 * routing a node's outputs, the checkpoint to save).
 */

import type { NodeLogger } from '../nodes/sdk.js';
import type { Cancellation } from './cancellation.js';
import type { Clock } from './clock.js';
import type { EngineOptions, RespondCallback } from './engine.js';
import { NonRetryableError } from './errors.js';
import { Frontier, type Routed, TRIGGER_REF } from './frontier.js';
import type { Graph } from './graph.js';
import type { Item, ItemSource, JsonObject } from './items.js';
import type { RunScope } from './node-context.js';
import type { Checkpoint, RunRecord, StepOutputRef, StepRecord, WaitState } from './ports.js';
import { RunData } from './run-data.js';
import type { Workflow, WorkflowNode } from './workflow.js';

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

/** What a drive's state is built from: the engine's options, its clock and its logger. */
export type StateSources = Pick<EngineOptions, 'runs' | 'vars' | 'services' | 'resumeUrl' | 'credentials'> & {
  clock: Clock;
  logger: NodeLogger;
};

/**
 * The drive's state from the run's checkpoint and steps. The run stays queued/waiting in the store
 * until the first commit: a drive that reaches its end or next pause through replay-safe nodes
 * only writes once (see `Checkpoints.commit`).
 */
export async function loadDriveState(
  sources: StateSources,
  run: RunRecord,
  drive: { workflow: Workflow; graph: Graph; cancellation: Cancellation; active: boolean },
): Promise<{ state: DriveState; steps: StepRecord[] }> {
  const { workflow } = drive;
  const runData = new RunData();
  const stepOutputs = new Map<number, Item[][]>();
  let nextSeq = 0;
  // Replaying the recorded steps rebuilds what expressions may reference (`$('X')`) and the
  // outputs the frontier points at; nothing is executed again.
  // Steps are written only by commits, and every commit bumps the version: a run still at its
  // first version has none to read back.
  const steps = run.version === 1 ? [] : await sources.runs.listSteps(run.id);
  for (const step of steps) {
    nextSeq = Math.max(nextSeq, step.seq + 1);
    if (step.status === 'waiting' || step.status === 'retried') continue;
    const outputs = step.output ?? [];
    stepOutputs.set(step.seq, outputs);
    runData.add(step.nodeName, { outputs, sources: step.sources });
  }
  const checkpoint = run.checkpoint ?? { stack: [], waiting: [], nodeState: {} };
  const scope = new DriveScope(sources, run, workflow, drive, runData);
  const state: DriveState = {
    run,
    workflow,
    graph: drive.graph,
    runData,
    frontier: Frontier.from(checkpoint),
    // A copy: driving must not change the record it was loaded from. Most runs keep no node
    // state, and structuredClone costs microseconds even for `{}`.
    nodeState: Object.keys(checkpoint.nodeState).length === 0 ? {} : structuredClone(checkpoint.nodeState),
    attempts: { ...(checkpoint.attempts ?? {}) },
    stepOutputs,
    nextSeq,
    scope,
    pending: [],
  };
  return { state, steps };
}

/**
 * The run's scope for one drive. A class: its getter and method are shared, where an object literal
 * made a getter, a closure and their context for every drive, held while the run is in flight.
 */
class DriveScope implements RunScope {
  readonly runId: string;
  readonly mode: RunRecord['mode'];
  readonly workflowId: string;
  readonly active: boolean;
  readonly clock: Clock;
  readonly vars: Readonly<Record<string, string>>;
  readonly logger: NodeLogger;
  readonly cancellation: Cancellation;
  readonly services: NonNullable<StateSources['services']>;
  /** Computed when first read (it is signed): most runs never ask for it. */
  private signedResumeUrl: string | undefined;

  constructor(
    private readonly sources: StateSources,
    run: RunRecord,
    readonly workflow: Workflow,
    drive: { cancellation: Cancellation; active: boolean },
    readonly runData: RunData,
  ) {
    this.runId = run.id;
    this.mode = run.mode;
    this.workflowId = run.workflowId;
    this.active = drive.active;
    this.clock = sources.clock;
    this.vars = sources.vars ?? {};
    this.logger = sources.logger;
    this.cancellation = drive.cancellation;
    this.services = sources.services ?? {};
  }

  get resumeUrl(): string | undefined {
    this.signedResumeUrl ??= this.sources.resumeUrl?.(this.runId);
    return this.signedResumeUrl;
  }

  async getCredentials(node: WorkflowNode, name: string): Promise<JsonObject> {
    if (!this.sources.credentials)
      throw new NonRetryableError(`No credentials are available to node '${node.name}'`);
    return this.sources.credentials(node, name);
  }
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
