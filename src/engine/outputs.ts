/**
 * What the engine does to a node's outputs before routing them: n8n's automatic pairedItem,
 * per-item errors moved to the `error` output, `alwaysOutputData`, and the outcomes of a node
 * that failed but continues.
 */
import { errorItemCause, isErrorItem } from '../nodes/sdk.js';
import type { Item } from './items.js';
import type { WorkflowNode } from './workflow.js';

/** Pads/normalises the outputs a node returned to exactly `count` arrays. */
export function normaliseOutputs(
  outputs: readonly (readonly Item[] | null | undefined)[],
  count: number,
): Item[][] {
  // Sized up front, not pushed into (see RunData.add): a run holds its outputs while it is in flight.
  const result = new Array<Item[]>(Math.max(count, outputs.length));
  for (let k = 0; k < result.length; k++) result[k] = [...(outputs[k] ?? [])];
  return result;
}

/**
 * n8n's assignPairedItems: when a node leaves pairedItem out, one input item → `{item:0}`; one
 * output with as many items as the input → `{item:i}`. Otherwise the lineage stays unknown.
 */
export function fillPairedItems(outputs: Item[][], input: readonly Item[]): void {
  const single = input.length === 1;
  const sameCount = outputs.length === 1 && outputs[0].length === input.length;
  if (!single && !sameCount) return;
  for (const items of outputs) {
    for (let i = 0; i < items.length; i++) {
      if (items[i].pairedItem === undefined) items[i] = { ...items[i], pairedItem: { item: single ? 0 : i } };
    }
  }
}

/** With `onError: errorOutput`, items that carry a per-item failure go to the last (`error`) output. */
export function routeErrorItems(outputs: Item[][]): void {
  const errorOutput = outputs[outputs.length - 1];
  for (let k = 0; k < outputs.length - 1; k++) {
    const kept: Item[] = [];
    for (const item of outputs[k]) (isErrorItem(item) ? errorOutput : kept).push(item);
    outputs[k] = kept;
  }
}

/**
 * The error behind the first item a node turned into an error (continue on fail), if any. Error
 * items it merely passed on from its inputs are not its own failures.
 */
export function firstErrorCause(outputs: readonly Item[][], inputs: readonly (readonly Item[])[]): unknown {
  const passedOn = new Set(inputs.flat());
  for (const items of outputs) {
    for (const item of items) {
      if (isErrorItem(item) && !passedOn.has(item))
        return errorItemCause(item) ?? new Error(String(item.json.error));
    }
  }
  return undefined;
}

/** `alwaysOutputData`: a node that produced nothing hands on one empty item. */
export function applyAlwaysOutputData(node: WorkflowNode, outputs: Item[][]): void {
  if (node.alwaysOutputData && outputs.every((o) => o.length === 0)) {
    if (outputs.length === 0) outputs.push([]);
    outputs[0].push({ json: {}, pairedItem: { item: 0 } });
  }
}

/**
 * A node that threw but continues: `continue` passes its input on (n8n), `errorOutput` sends the
 * input items, each with the error message, to the `error` output.
 */
export function outputsAfterFailure(
  node: WorkflowNode,
  input: readonly Item[],
  message: string,
  count: number,
): Item[][] {
  const outputs = normaliseOutputs([], count);
  if (node.onError === 'continue') {
    outputs[0] = input.map((item, i) => ({ ...item, pairedItem: { item: i } }));
  } else {
    outputs[count - 1] = input.map((item, i) => ({
      json: { ...item.json, error: message },
      ...(item.binary ? { binary: item.binary } : {}),
      pairedItem: { item: i },
    }));
  }
  return outputs;
}
