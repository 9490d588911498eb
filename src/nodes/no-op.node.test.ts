import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runNode } from '../testing/run-node.js';
import { manualTriggerNode } from './manual-trigger.node.js';
import { noOpNode } from './no-op.node.js';

test('noOp passes items through unchanged', async () => {
  const { json } = await runNode(noOpNode, { items: [{ a: 1 }, { b: 2 }] });
  assert.deepEqual(json, [[{ a: 1 }, { b: 2 }]]);
});

test('noOp with no items outputs nothing', async () => {
  const { json } = await runNode(noOpNode, { items: [] });
  assert.deepEqual(json, [[]]);
});

test('manual trigger emits one empty item without input, the given items otherwise', async () => {
  assert.deepEqual((await runNode(manualTriggerNode)).json, [[{}]]);
  assert.deepEqual((await runNode(manualTriggerNode, { items: [{ x: 1 }] })).json, [[{ x: 1 }]]);
});
