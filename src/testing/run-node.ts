/**
 * The testing kit (STYLE practice 10): run one node definition on items, through the same context
 * the engine builds, without a store. `runNode(def, { parameters, items })`.
 */
import { Cancellation } from '../engine/cancellation.js';
import { ManualClock } from '../engine/clock.js';
import { type Item, type ItemSource, type JsonObject, toItems } from '../engine/items.js';
import { createNodeContext, type RunScope } from '../engine/node-context.js';
import { RunData } from '../engine/run-data.js';
import type { Workflow, WorkflowNode } from '../engine/workflow.js';
import type { AnyNodeDefinition, NodeCommand, NodeLogger, NodeOutcome, NodeServices } from '../nodes/sdk.js';

export interface RunNodeOptions {
  parameters?: Record<string, unknown>;
  /** Items (or plain objects) on input 0. */
  items?: readonly unknown[];
  /** Items per input, for multi-input nodes (overrides `items`). */
  inputs?: readonly (readonly unknown[])[];
  name?: string;
  onError?: WorkflowNode['onError'];
  /** Outputs of other nodes, for `$('X')` in expressions: name → items of output 0. */
  nodeOutputs?: Record<string, readonly unknown[]>;
  now?: Date | string;
  timezone?: string;
  runIndex?: number;
  state?: JsonObject;
  credentials?: Record<string, JsonObject>;
  vars?: Record<string, string>;
  /** Node-facing services by key name (`ctx.service(KEY)`). */
  services?: NodeServices;
  /** The run and the workflow the node runs in (default `run-test`, `wf-test`). */
  runId?: string;
  workflowId?: string;
}

export interface RunNodeResult {
  outcome: NodeOutcome;
  /** Items per output (empty when the node returned a command without outputs). */
  outputs: Item[][];
  /** `json` of each item per output: what `relais run --json` prints. */
  json: JsonObject[][];
  logs: string[];
  state: JsonObject | undefined;
}

const silent: NodeLogger = { debug() {}, info() {}, warn() {}, error() {} };

export async function runNode(def: AnyNodeDefinition, opts: RunNodeOptions = {}): Promise<RunNodeResult> {
  const name = opts.name ?? def.displayName;
  const node: WorkflowNode = {
    id: 'node-under-test',
    name,
    type: def.type,
    typeVersion: def.version,
    position: [0, 0],
    parameters: opts.parameters ?? {},
    disabled: false,
    onError: opts.onError ?? 'stop',
    alwaysOutputData: false,
    executeOnce: false,
  };
  const runData = new RunData();
  const others: WorkflowNode[] = [];
  for (const [other, items] of Object.entries(opts.nodeOutputs ?? {})) {
    runData.add(other, { outputs: [toItems(items)], sources: [] });
    others.push({ ...node, id: `node-${other}`, name: other, type: 'noOp', parameters: {} });
  }
  const inputs = (opts.inputs ?? [opts.items ?? []]).map((list) => toItems(list));
  const upstream = Object.keys(opts.nodeOutputs ?? {})[0];
  const sources: (ItemSource | null)[] = inputs.map(() =>
    upstream ? { node: upstream, output: 0, run: 0 } : null,
  );
  const workflow: Workflow = {
    name: 'test',
    nodes: [node, ...others],
    connections: [],
    settings: { saveData: 'all', executionOrder: 'v1', timezone: opts.timezone ?? 'UTC' },
  };
  const scope: RunScope = {
    runId: opts.runId ?? 'run-test',
    mode: 'manual',
    workflowId: opts.workflowId ?? 'wf-test',
    workflow,
    active: false,
    runData,
    clock: new ManualClock(opts.now ?? '2026-01-01T00:00:00.000Z'),
    vars: opts.vars ?? {},
    services: opts.services ?? {},
    logger: silent,
    cancellation: new Cancellation(),
    async getCredentials(_node, credName) {
      const found = opts.credentials?.[credName];
      if (!found) throw new Error(`No credential '${credName}' given to runNode`);
      return found;
    },
  };
  let state = opts.state;
  const logs: string[] = [];
  const ctx = createNodeContext(scope, {
    node,
    def,
    inputs,
    sources,
    runIndex: opts.runIndex ?? 0,
    state: {
      get: () => state,
      set: (v) => {
        state = v;
      },
    },
    logs,
  });
  const outcome = await def.execute(ctx);
  const outputs = Array.isArray(outcome) ? outcome : outputsOf(outcome);
  return { outcome, outputs, json: outputs.map((items) => items.map((i) => i.json)), logs, state };
}

function outputsOf(command: NodeCommand): Item[][] {
  return command.kind === 'respond' ? command.outputs : [];
}
