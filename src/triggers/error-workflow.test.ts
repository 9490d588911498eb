import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { z } from 'zod';
import { ManualClock } from '../engine/clock.js';
import { Engine } from '../engine/engine.js';
import { NodeError } from '../engine/errors.js';
import type { RunRecord } from '../engine/ports.js';
import { workflowSchema } from '../engine/workflow.js';
import { createRegistry } from '../nodes/registry.js';
import { defineNode } from '../nodes/sdk.js';
import { EmbeddedQueue } from '../queue/embedded.js';
import { openStore } from '../store/index.js';
import { errorWorkflowHook } from './error-workflow.js';

const boomNode = defineNode({
  type: 'boom',
  version: 1,
  displayName: 'Boom',
  description: 'Always fails',
  group: 'action',
  params: z.object({}),
  inputs: 1,
  outputs: ['main'],
  execute: () => {
    throw new NodeError('SMTP refused', { description: 'connection refused' });
  },
});

const store = await openStore({ memory: true });
after(() => store.close());

test('a failed run starts its error workflow with the run, workflow, node and error; error runs never loop', async () => {
  const registry = createRegistry([boomNode]);
  const finished: RunRecord[] = [];
  let hook: (run: RunRecord) => void = () => {};
  const engine = new Engine({
    runs: store.runs,
    registry,
    clock: new ManualClock('2026-07-01T12:00:00Z'),
    hooks: {
      onRunFinish: (run) => {
        finished.push(run);
        hook(run);
      },
    },
  });
  const queue = new EmbeddedQueue({ engine, runs: store.runs, workflows: store.workflows });
  const errors: unknown[] = [];
  hook = errorWorkflowHook({
    engine,
    queue,
    workflows: store.workflows,
    listSteps: (id) => store.runs.listSteps(id),
    publicUrl: () => 'http://relais.test',
    onError: (_id, e) => errors.push(e),
  });

  const failing = workflowSchema.parse({
    name: 'Send invoice',
    nodes: [
      { id: '1', name: 'Start', type: 'manualTrigger' },
      { id: '2', name: 'Send', type: 'boom', position: [200, 0] },
    ],
    connections: [{ from: 'Start', to: 'Send' }],
    settings: { errorWorkflow: 'wf-errors' },
  });
  const handler = workflowSchema.parse({
    name: 'On error',
    nodes: [
      { id: '1', name: 'Error Trigger', type: 'errorTrigger' },
      { id: '2', name: 'Also fails', type: 'boom', position: [200, 0] },
    ],
    connections: [{ from: 'Error Trigger', to: 'Also fails' }],
    settings: { errorWorkflow: 'wf-errors' },
  });
  await store.workflows.saveWorkflow('wf-invoice', failing);
  await store.workflows.saveWorkflow('wf-errors', handler);

  const { run } = await engine.start({
    workflow: failing,
    workflowId: 'wf-invoice',
    workflowVersion: 1,
    mode: 'webhook',
  });
  assert.equal(run.status, 'failed');
  for (let i = 0; i < 500 && finished.length < 2; i++) await new Promise((r) => setImmediate(r));
  assert.equal(finished.length, 2, 'the error workflow ran');
  const errorRun = finished[1];
  assert.equal(errorRun.mode, 'error');
  assert.equal(errorRun.workflowId, 'wf-errors');
  const [trigger] = (await store.runs.listSteps(errorRun.id)).filter((s) => s.nodeName === 'Error Trigger');
  const item = trigger.output?.[0][0].json as {
    run: { id: string; url: string };
    workflow: unknown;
    node: unknown;
    error: { message: string };
    execution: { lastNodeExecuted: string };
  };
  assert.equal(item.run.id, run.id);
  assert.equal(item.run.url, `http://relais.test/runs/${run.id}`);
  assert.deepEqual(item.workflow, { id: 'wf-invoice', name: 'Send invoice' });
  assert.deepEqual(item.node, { name: 'Send', type: 'boom' });
  assert.equal(item.error.message, 'SMTP refused');
  assert.equal(item.execution.lastNodeExecuted, 'Send');
  // The error workflow failed too, and names itself as error workflow: nothing more starts.
  for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
  assert.equal(finished.length, 2);
  assert.deepEqual(errors, []);
});
