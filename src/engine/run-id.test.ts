import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRegistry } from '../nodes/registry.js';
import { MemoryRunStore } from '../testing/memory-run-store.js';
import { ManualClock } from './clock.js';
import { Engine } from './engine.js';
import { newRunId } from './run-id.js';
import { workflowSchema } from './workflow.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('run ids are UUIDv7: the millisecond first (they sort by it), then random', () => {
  const at = Date.UTC(2026, 10, 24, 12, 0, 0);
  const ids = Array.from({ length: 2000 }, (_, i) => newRunId(at + Math.floor(i / 10)));
  for (const id of ids) assert.match(id, UUID_V7);
  assert.equal(new Set(ids).size, ids.length, 'unique, also within a millisecond');
  assert.equal(ids[0].slice(0, 13).replace('-', ''), at.toString(16).padStart(12, '0'));
  const sorted = [...ids].sort();
  assert.deepEqual(
    sorted.map((id) => id.slice(0, 13)),
    ids.map((id) => id.slice(0, 13)),
    'in the order of their milliseconds',
  );
});

test('the engine gives the runs it creates a time-ordered id, unless the caller chose one', async () => {
  const engine = new Engine({
    runs: new MemoryRunStore(),
    registry: createRegistry(),
    clock: new ManualClock(),
  });
  const workflow = workflowSchema.parse({
    name: 'ids',
    nodes: [{ id: '1', name: 'Start', type: 'manualTrigger', position: [0, 0] }],
    connections: [],
  });
  const made = await engine.create({ workflow, workflowId: 'w', mode: 'manual', triggerItems: [{}] });
  assert.match(made.id, UUID_V7);
  const chosen = await engine.create({
    workflow,
    workflowId: 'w',
    mode: 'manual',
    triggerItems: [{}],
    runId: 'given',
  });
  assert.equal(chosen.id, 'given');
});
