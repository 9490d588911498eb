/**
 * Invoking one node: its context, its `execute`, and what becomes of its outcome — outputs shaped
 * per output name, errors stopped, continued or routed (`onError`), retries asked for (`retry`),
 * paired items filled. The engine records the result; this module touches no store.
 */
import type { AnyNodeDefinition, NodeCommand, NodeOutcome } from '../nodes/sdk.js';
import type { DriveState } from './drive-state.js';
import { type ErrorDetails, errorDetails } from './errors.js';
import { type Item, toItems } from './items.js';
import { createNodeContext } from './node-context.js';
import {
  applyAlwaysOutputData,
  fillPairedItems,
  firstErrorCause,
  normaliseOutputs,
  outputsAfterFailure,
  routeErrorItems,
} from './outputs.js';
import type { FrontierEntry } from './ports.js';
import { retryDelay } from './retry.js';
import type { WorkflowNode } from './workflow.js';

/** What a node's execution came to: a result to record, or a failed attempt to try again later. */
export type Invocation =
  | { kind: 'done'; outputs?: Item[][]; command?: NodeCommand; failure?: ErrorDetails }
  | { kind: 'retry'; error: ErrorDetails; delay: number; failed: number };

export async function invokeNode(args: {
  state: DriveState;
  node: WorkflowNode;
  def: AnyNodeDefinition;
  entry: FrontierEntry;
  inputs: Item[][];
  runIndex: number;
  logs: string[];
  random?: () => number;
}): Promise<Invocation> {
  const { state, node, def, entry, inputs, runIndex, logs, random } = args;
  const outputNames = state.graph.outputs.get(node.name) ?? ['main'];
  let outputs: Item[][] | undefined;
  let command: NodeCommand | undefined;
  let failure: ErrorDetails | undefined;
  const ctx = createNodeContext(state.scope, {
    node,
    def,
    inputs: node.executeOnce ? inputs.map((list) => list.slice(0, 1)) : inputs,
    expressionInputs: inputs,
    sources: entry.sources,
    runIndex,
    state: {
      get: () => state.nodeState[node.name],
      set: (value) => {
        if (value === undefined) delete state.nodeState[node.name];
        else state.nodeState[node.name] = value;
      },
    },
    logs,
  });
  try {
    const outcome: NodeOutcome = await def.execute(ctx);
    if (Array.isArray(outcome))
      outputs = normaliseOutputs(
        outcome.map((o) => toItems(o)),
        outputNames.length,
      );
    else if (outcome.kind === 'respond') {
      command = outcome;
      outputs = normaliseOutputs(outcome.outputs, outputNames.length);
    } else command = outcome;
  } catch (error) {
    const details = errorDetails(error, node.name);
    const failed = (state.attempts[node.name] ?? 0) + 1;
    const delay = retryDelay(node.retry, error, failed, random);
    if (delay !== undefined) return { kind: 'retry', error: details, delay, failed };
    delete state.attempts[node.name];
    if (node.onError === 'stop') failure = details;
    else outputs = outputsAfterFailure(node, inputs[0] ?? [], details.message, outputNames.length);
    if (node.onError !== 'stop') logs.push(`error (continued): ${details.message}`);
  }
  // n8n retries a node that continued on fail too (WorkflowExecute's `didContinueOnFail`): items
  // the node turned into errors make the whole node try again while tries are left; after the
  // last try they go on as the node made them.
  const cause =
    outputs && node.retry && node.onError !== 'stop' ? firstErrorCause(outputs, inputs) : undefined;
  if (cause !== undefined) {
    const failed = (state.attempts[node.name] ?? 0) + 1;
    const delay = retryDelay(node.retry, cause, failed, random);
    if (delay !== undefined) return { kind: 'retry', error: errorDetails(cause, node.name), delay, failed };
  }
  if (outputs) {
    if (node.onError === 'errorOutput') routeErrorItems(outputs);
    fillPairedItems(outputs, inputs[0] ?? []);
    applyAlwaysOutputData(node, outputs);
  }
  return { kind: 'done', outputs, command, failure };
}
