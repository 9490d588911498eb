/**
 * Loop Over Items (n8n `splitInBatches` v3, `SplitInBatches/v3/SplitInBatchesV3.node.ts`).
 * Outputs `done` (0) and `loop` (1). The node keeps its progress in `ctx.state` across its
 * executions within a run:
 *
 *   first execution (no state, or `options.reset`): keep the input items, send the first
 *     `batchSize` on `loop` → `[[], batch]`
 *   each later execution (the items of the loop body coming back): add them to the processed
 *     items, send the next batch on `loop`; when none is left, send every processed item on `done`
 *     → `[processed, []]` and forget the state.
 *
 * `options.reset` (usually an expression such as `={{ $prevNode.name === 'Outer' }}`) makes the
 * execution start over with its input as a new set, as in n8n. Unlike n8n, the state is also
 * cleared once `done` fires, so a loop entered again later (a nested loop's next outer iteration)
 * starts over instead of firing `done` at once; this is what n8n's own nested-loop test expects.
 * n8n's execution-count guard against infinite loops is left to the engine's run limits.
 */
import { z } from 'zod';
import type { Item, ItemSource, JsonObject } from '../engine/items.js';
import { defineNode } from './sdk.js';

const params = z
  .object({
    /** How many items each loop iteration receives. */
    batchSize: z.coerce.number().int().min(1).default(1),
    options: z
      .object({
        /** Start over with the incoming items as a new set (instead of continuing). */
        reset: z.boolean().default(false),
      })
      .loose()
      .default({ reset: false }),
  })
  .loose();

/** What the node remembers between its executions (n8n's node context keys). */
export interface LoopState {
  /** Items still to hand out. */
  items: Item[];
  /** Items that came back through the loop, in arrival order: the `done` output. */
  processedItems: Item[];
  currentRunIndex: number;
  maxRunIndex: number;
  noItemsLeft: boolean;
  done: boolean;
  /** Where the first execution's items came from (n8n's `sourceData`), for lineage tooling. */
  sourceData: ItemSource | null;
}

function readState(raw: JsonObject | undefined): LoopState | undefined {
  if (!raw || !Array.isArray(raw.items) || !Array.isArray(raw.processedItems)) return undefined;
  return raw as unknown as LoopState;
}

/** Hands its input out in batches on `loop` and, once all came back, passes them all on `done`. */
export const splitInBatchesNode = defineNode({
  type: 'splitInBatches',
  version: 3,
  displayName: 'Loop Over Items',
  description: 'Split data into batches and iterate over each batch.',
  group: 'flow',
  replaySafe: true,
  params,
  inputs: 1,
  outputs: ['done', 'loop'],
  execute(ctx) {
    const p = ctx.getParams(0);
    const previous = readState(ctx.state.get());
    const input = ctx.items;
    let state: LoopState;
    let batch: Item[];

    if (!previous || p.options.reset) {
      // Batch items keep their position in this execution's input as lineage.
      const all = input.map((item, index) => ({ ...item, pairedItem: { item: index } }));
      batch = all.slice(0, p.batchSize);
      state = {
        items: all.slice(p.batchSize),
        processedItems: [],
        currentRunIndex: 0,
        maxRunIndex: Math.ceil(input.length / p.batchSize),
        noItemsLeft: false,
        done: false,
        sourceData: ctx.sources[0] ?? null,
      };
    } else {
      // The loop body's items come back: they are processed, paired with this execution's input.
      const returned = input.map((item, index) => ({ ...item, pairedItem: { item: index } }));
      batch = previous.items.slice(0, p.batchSize);
      state = {
        ...previous,
        items: previous.items.slice(p.batchSize),
        processedItems: [...previous.processedItems, ...returned],
        currentRunIndex: previous.currentRunIndex + 1,
      };
    }
    state.noItemsLeft = state.items.length === 0;

    if (batch.length === 0) {
      ctx.state.set(undefined);
      return [state.processedItems, []];
    }
    ctx.state.set(state as unknown as JsonObject);
    return [[], batch];
  },
});
