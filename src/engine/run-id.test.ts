import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRegistry } from '../nodes/registry.js';
import { MemoryRunStore } from '../testing/memory-run-store.js';
import { ManualClock } from './clock.js';
import { Engine } from './engine.js';
import { newRunId } from './run-id.js';
import { workflowSchema } from './workflow.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('run ids are UUIDv7, unique, and sort in the order they were made (even within a millisecond)', () => {
  const ids = Array.from({ length: 5000 }, () => newRunId());
  for (const id of ids) assert.match(id, UUID_V7);
  assert.equal(new Set(ids).size, ids.length);
  assert.deepEqual([...ids].sort(), ids);
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
