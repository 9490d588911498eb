import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { JsonObject } from '../engine/items.js';
import { runNode } from '../testing/run-node.js';
import { splitInBatchesNode } from './split-in-batches.node.js';

const cases = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'n8n-conformance');

function loadCase(name: string) {
  const workflow = JSON.parse(readFileSync(join(cases, name, 'workflow.json'), 'utf8'));
  const expected = JSON.parse(readFileSync(join(cases, name, 'expected.json'), 'utf8'));
  return { workflow, expected };
}

/** Plays the engine's part: runs the node, sends `loop` through `body`, feeds it back, until `done`. */
async function loop(
  parameters: Record<string, unknown>,
  items: JsonObject[],
  body: (batch: JsonObject[]) => JsonObject[] = (batch) => batch,
  startState?: JsonObject,
) {
  const outputs: JsonObject[][] = [[], []];
  const runs: { done: JsonObject[]; loop: JsonObject[] }[] = [];
  let state = startState;
  let input = items;
  for (let run = 0; run < 100; run++) {
    const result = await runNode(splitInBatchesNode, { parameters, items: input, state, runIndex: run });
    outputs[0].push(...result.json[0]);
    outputs[1].push(...result.json[1]);
    runs.push({ done: result.json[0], loop: result.json[1] });
    state = result.state;
    if (result.json[1].length === 0) return { outputs, runs, state, last: result };
    input = body(result.json[1]);
  }
  throw new Error('the loop did not end');
}

test('conformance loop-batches: Loop outputs across runs equal n8n', async () => {
  const { workflow, expected } = loadCase('loop-batches');
  const node = workflow.nodes.find((n: { name: string }) => n.name === 'Loop');
  const fixture = expected.nodes.Fixture[0];
  // The Body node of the case: Set `batchNote = "batch of <number of items in the batch>"`.
  const body = (batch: JsonObject[]) =>
    batch.map((json) => ({ ...json, batchNote: `batch of ${batch.length}` }));
  const { outputs, runs } = await loop(node.parameters, fixture, body);
  assert.deepEqual(outputs, expected.nodes.Loop);
  assert.equal(runs.length, 4);
  assert.deepEqual(
    runs.map((r) => r.loop.length),
    [2, 2, 1, 0],
  );
});

test('first execution sends the first batch on loop and nothing on done', async () => {
  const result = await runNode(splitInBatchesNode, {
    parameters: { batchSize: 2 },
    items: [{ a: 1 }, { a: 2 }, { a: 3 }],
  });
  assert.deepEqual(result.json, [[], [{ a: 1 }, { a: 2 }]]);
  assert.deepEqual(
    result.outputs[1].map((i) => i.pairedItem),
    [{ item: 0 }, { item: 1 }],
  );
  const state = result.state as {
    items: unknown[];
    processedItems: unknown[];
    currentRunIndex: number;
    maxRunIndex: number;
  };
  assert.equal(state.items.length, 1);
  assert.equal(state.processedItems.length, 0);
  assert.equal(state.currentRunIndex, 0);
  assert.equal(state.maxRunIndex, 2);
});

test('batchSize defaults to 1 (n8n v3 default)', async () => {
  const { runs } = await loop({}, [{ a: 1 }, { a: 2 }, { a: 3 }]);
  assert.deepEqual(
    runs.map((r) => r.loop),
    [[{ a: 1 }], [{ a: 2 }], [{ a: 3 }], []],
  );
  assert.deepEqual(runs[3].done, [{ a: 1 }, { a: 2 }, { a: 3 }]);
});

test('done carries the items that came back through the loop, paired with their run input', async () => {
  const { last } = await loop({ batchSize: 2 }, [{ a: 1 }, { a: 2 }, { a: 3 }], (batch) =>
    batch.map((json) => ({ ...json, seen: true })),
  );
  assert.deepEqual(last.json[0], [
    { a: 1, seen: true },
    { a: 2, seen: true },
    { a: 3, seen: true },
  ]);
  assert.deepEqual(
    last.outputs[0].map((i) => i.pairedItem),
    [{ item: 0 }, { item: 1 }, { item: 0 }],
  );
});

test('the body may change the number of items; done holds what came back', async () => {
  const { last } = await loop({ batchSize: 2 }, [{ a: 1 }, { a: 2 }, { a: 3 }], (batch) => [
    { n: batch.length },
  ]);
  assert.deepEqual(last.json[0], [{ n: 2 }, { n: 1 }]);
});

test('the state is cleared once done fires, so entering the loop again starts over', async () => {
  const first = await loop({ batchSize: 1 }, [
    { p: 'P1', c: 1 },
    { p: 'P1', c: 2 },
  ]);
  assert.equal(first.state, undefined);
  const second = await loop(
    { batchSize: 1 },
    [
      { p: 'P2', c: 1 },
      { p: 'P2', c: 2 },
    ],
    undefined,
    first.state,
  );
  assert.deepEqual(second.runs[0].loop, [{ p: 'P2', c: 1 }]);
  assert.deepEqual(second.last.json[0], [
    { p: 'P2', c: 1 },
    { p: 'P2', c: 2 },
  ]);
});

test('options.reset starts over with the incoming items as a new set', async () => {
  const first = await runNode(splitInBatchesNode, {
    parameters: { batchSize: 1 },
    items: [{ a: 1 }, { a: 2 }],
  });
  const reset = await runNode(splitInBatchesNode, {
    parameters: { batchSize: 1, options: { reset: true } },
    items: [{ b: 1 }, { b: 2 }, { b: 3 }],
    state: first.state,
  });
  assert.deepEqual(reset.json, [[], [{ b: 1 }]]);
  assert.equal((reset.state as { items: unknown[] }).items.length, 2);
  assert.deepEqual((reset.state as { processedItems: unknown[] }).processedItems, []);
});

test('without reset, a later execution continues with the stored items', async () => {
  const first = await runNode(splitInBatchesNode, {
    parameters: { batchSize: 1 },
    items: [{ a: 1 }, { a: 2 }],
  });
  const next = await runNode(splitInBatchesNode, {
    parameters: { batchSize: 1 },
    items: [{ a: 1, done: true }],
    state: first.state,
  });
  assert.deepEqual(next.json, [[], [{ a: 2 }]]);
  assert.equal((next.state as { currentRunIndex: number }).currentRunIndex, 1);
  assert.equal((next.state as { noItemsLeft: boolean }).noItemsLeft, true);
});

test('an empty input fires done at once with no items', async () => {
  const result = await runNode(splitInBatchesNode, { parameters: { batchSize: 3 }, items: [] });
  assert.deepEqual(result.json, [[], []]);
  assert.equal(result.state, undefined);
});

test('a batch size larger than the input sends everything in one batch', async () => {
  const { runs } = await loop({ batchSize: 10 }, [{ a: 1 }, { a: 2 }]);
  assert.deepEqual(
    runs.map((r) => r.loop.length),
    [2, 0],
  );
});

test('input items are not mutated and binary data travels with the batch', async () => {
  const items = [
    { json: { a: 1 }, binary: { f: { data: 'aGk=', mimeType: 'text/plain' } } },
    { json: { a: 2 } },
  ];
  const snapshot = structuredClone(items);
  const result = await runNode(splitInBatchesNode, { parameters: { batchSize: 1 }, items });
  assert.deepEqual(items, snapshot);
  assert.deepEqual(result.outputs[1][0].binary, items[0].binary);
});

test('bad parameters are refused with the parameter named', async () => {
  await assert.rejects(
    runNode(splitInBatchesNode, { parameters: { batchSize: 0 }, items: [{ a: 1 }] }),
    /Invalid parameter 'batchSize'/,
  );
  await assert.rejects(
    runNode(splitInBatchesNode, { parameters: { batchSize: 'many' }, items: [{ a: 1 }] }),
    /Invalid parameter 'batchSize'/,
  );
});

test('outputs are named done and loop, in that order', () => {
  assert.deepEqual(splitInBatchesNode.outputs, ['done', 'loop']);
  assert.equal(splitInBatchesNode.type, 'splitInBatches');
  assert.equal(splitInBatchesNode.version, 3);
});
