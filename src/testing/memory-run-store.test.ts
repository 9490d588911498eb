import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../engine/clock.js';
import { Engine } from '../engine/engine.js';
import { workflowSchema } from '../engine/workflow.js';
import { createRegistry } from '../nodes/registry.js';
import { newRun, T0 } from '../store/conformance/builders.js';
import { MemoryRunStore } from './memory-run-store.js';

const workflow = (second: object) =>
  workflowSchema.parse({
    name: 'saving-off',
    nodes: [
      { id: '1', name: 'Start', type: 'manualTrigger', position: [0, 0] },
      { id: '2', name: 'Second', position: [200, 0], ...second },
    ],
    connections: [{ from: 'Start', to: 'Second' }],
  });

test('saving off: a succeeded run is forgotten, a failed one kept with its record', async () => {
  const store = new MemoryRunStore(false);
  const engine = new Engine({ runs: store, registry: createRegistry(), clock: new ManualClock() });
  const start = (second: object) =>
    engine.start({
      workflow: workflow(second),
      workflowId: 'w',
      workflowVersion: 1,
      mode: 'manual',
      triggerItems: [{}],
    });

  const ok = await start({ type: 'noOp' });
  assert.equal(ok.run.status, 'succeeded');
  assert.equal(await store.getRun(ok.run.id), null);
  assert.equal(store.runs.size, 0);

  const failed = await start({ type: 'stopAndError', parameters: { errorMessage: 'stop here' } });
  assert.equal(failed.run.status, 'failed');
  assert.equal((await store.getRun(failed.run.id))?.status, 'failed');
  assert.deepEqual(await store.listSteps(failed.run.id), [], 'no steps kept');
});

test('saving on (the default) keeps succeeded runs and their steps', async () => {
  const store = new MemoryRunStore();
  const engine = new Engine({ runs: store, registry: createRegistry(), clock: new ManualClock() });
  const { run } = await engine.start({
    workflow: workflow({ type: 'noOp' }),
    workflowId: 'w',
    workflowVersion: 1,
    mode: 'manual',
    triggerItems: [{}],
  });
  assert.equal((await store.getRun(run.id))?.status, 'succeeded');
  assert.equal((await store.listSteps(run.id)).length, 2);
});

test('a run created running started when it was created, as in the database stores', async () => {
  const store = new MemoryRunStore();
  const running = await store.createRun(newRun('r', { status: 'running' }));
  assert.deepEqual(running.startedAt, T0);
  assert.equal((await store.createRun(newRun('q'))).startedAt, null);
});
