import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { z } from 'zod';
import { ManualClock } from '../engine/clock.js';
import { Engine } from '../engine/engine.js';
import { NodeError } from '../engine/errors.js';
import type { RunRecord } from '../engine/ports.js';
import { type Workflow, workflowSchema } from '../engine/workflow.js';
import { createRegistry } from '../nodes/registry.js';
import { defineNode } from '../nodes/sdk.js';
import { SUBWORKFLOWS } from '../nodes/subworkflow-port.js';
import { EmbeddedQueue } from '../queue/embedded.js';
import { openStore } from '../store/index.js';
import { createSubworkflowRunner } from './subworkflow-runner.js';

/** Counts the items it received in one execution, and tags each. */
const countNode = defineNode({
  type: 'testCount',
  version: 1,
  displayName: 'Count',
  description: 'test',
  group: 'transform',
  params: z.object({}),
  inputs: 1,
  outputs: ['main'],
  execute: (ctx) => [
    ctx.items.map((item) => ({ json: { ...item.json, seen: ctx.items.length, child: true } })),
  ],
});

const boomNode = defineNode({
  type: 'testBoom',
  version: 1,
  displayName: 'Boom',
  description: 'test',
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
const registry = createRegistry([countNode, boomNode]);
const finished: RunRecord[] = [];
const finishWaiters: ((run: RunRecord) => void)[] = [];
let queue: EmbeddedQueue | undefined;
const errors: unknown[] = [];
const engine = new Engine({
  runs: store.runs,
  registry,
  clock: new ManualClock('2026-07-01T12:00:00Z'),
  hooks: {
    onRunFinish: (run) => {
      finished.push(run);
      for (const waiter of finishWaiters.splice(0)) waiter(run);
    },
  },
  services: {
    [SUBWORKFLOWS.name]: createSubworkflowRunner({
      engine: (): Engine => engine,
      queue: () => queue as EmbeddedQueue,
      workflows: store.workflows,
      listSteps: (id) => store.runs.listSteps(id),
      registry,
      onError: (_id, error) => errors.push(error),
    }),
  },
});
queue = new EmbeddedQueue({ engine, runs: store.runs, workflows: store.workflows, concurrency: 1 });

const child = workflowSchema.parse({
  name: 'Enrich lead',
  nodes: [
    {
      id: '1',
      name: 'When called',
      type: 'executeWorkflowTrigger',
      parameters: { inputSource: 'passthrough' },
    },
    { id: '2', name: 'Count', type: 'testCount', position: [200, 0] },
  ],
  connections: [{ from: 'When called', to: 'Count' }],
});
const failing = workflowSchema.parse({
  name: 'Send mail',
  nodes: [
    { id: '1', name: 'When called', type: 'executeWorkflowTrigger' },
    { id: '2', name: 'Send', type: 'testBoom', position: [200, 0] },
  ],
  connections: [{ from: 'When called', to: 'Send' }],
});
const looping = workflowSchema.parse({
  name: 'Loop',
  nodes: [
    { id: '1', name: 'When called', type: 'executeWorkflowTrigger' },
    {
      id: '2',
      name: 'Call',
      type: 'executeWorkflow',
      parameters: { workflowId: 'wf-loop' },
      position: [200, 0],
    },
  ],
  connections: [{ from: 'When called', to: 'Call' }],
});
await store.workflows.saveWorkflow('wf-child', child);
await store.workflows.saveWorkflow('wf-failing', failing);
await store.workflows.saveWorkflow('wf-loop', looping);

function parent(parameters: Record<string, unknown>): Workflow {
  return workflowSchema.parse({
    name: 'Parent',
    nodes: [
      { id: '1', name: 'Start', type: 'manualTrigger' },
      { id: '2', name: 'Execute Workflow', type: 'executeWorkflow', parameters, position: [200, 0] },
    ],
    connections: [{ from: 'Start', to: 'Execute Workflow' }],
  });
}

async function runParent(
  parameters: Record<string, unknown>,
  items: unknown[] = [{ n: 1 }, { n: 2 }, { n: 3 }],
) {
  const workflow = parent(parameters);
  await store.workflows.saveWorkflow('wf-parent', workflow);
  const outcome = await engine.start({
    workflow,
    workflowId: 'wf-parent',
    mode: 'manual',
    triggerItems: items,
  });
  return { run: outcome.run, out: outcome.runData.output('Execute Workflow', 0) };
}

test('once (default): all items go to one child run; the output is its last node’s items', async () => {
  const { run, out } = await runParent({ workflowId: 'wf-child' });
  assert.equal(run.status, 'succeeded');
  assert.deepEqual(
    out.map((i) => i.json),
    [1, 2, 3].map((n) => ({ n, seen: 3, child: true })),
  );
  assert.deepEqual(
    out.map((i) => i.pairedItem),
    [{ item: 0 }, { item: 1 }, { item: 2 }],
  );
  const childRun = finished.find((r) => r.workflowId === 'wf-child' && r.mode === 'subworkflow');
  assert.equal(childRun?.status, 'succeeded');
  assert.deepEqual(
    childRun?.triggerItems.map((i) => i.json),
    [{ n: 1 }, { n: 2 }, { n: 3 }],
  );
});

test('n8n resource locator for workflowId, and each mode: one child run per item, paired to it', async () => {
  const before = finished.filter((r) => r.workflowId === 'wf-child').length;
  const { run, out } = await runParent({
    workflowId: { __rl: true, value: 'wf-child', mode: 'id' },
    mode: 'each',
  });
  assert.equal(run.status, 'succeeded');
  assert.deepEqual(
    out.map((i) => [i.json, i.pairedItem]),
    [1, 2, 3].map((n) => [{ n, seen: 1, child: true }, { item: n - 1 }]),
  );
  assert.equal(finished.filter((r) => r.workflowId === 'wf-child').length - before, 3);
});

test('by name (Relais workflowName)', async () => {
  const { run, out } = await runParent({ workflowName: 'Enrich lead' }, [{ n: 7 }]);
  assert.equal(run.status, 'succeeded');
  assert.deepEqual(
    out.map((i) => i.json),
    [{ n: 7, seen: 1, child: true }],
  );
});

test('by JSON parameter (source: parameter), as text', async () => {
  const { run, out } = await runParent({ source: 'parameter', workflowJson: JSON.stringify(child) }, [
    { n: 5 },
  ]);
  assert.equal(run.status, 'succeeded');
  assert.deepEqual(
    out.map((i) => i.json),
    [{ n: 5, seen: 1, child: true }],
  );
});

test('by JSON parameter: an n8n export runs as it is', async () => {
  const n8nChild = {
    name: 'n8n child',
    nodes: [
      {
        id: 'a',
        name: 'When Executed by Another Workflow',
        type: 'n8n-nodes-base.executeWorkflowTrigger',
        typeVersion: 1.1,
        position: [0, 0],
        parameters: { inputSource: 'passthrough' },
      },
      {
        id: 'b',
        name: 'No Operation',
        type: 'n8n-nodes-base.noOp',
        typeVersion: 1,
        position: [200, 0],
        parameters: {},
      },
    ],
    connections: {
      'When Executed by Another Workflow': { main: [[{ node: 'No Operation', type: 'main', index: 0 }]] },
    },
  };
  const { run, out } = await runParent({ source: 'parameter', workflowJson: n8nChild }, [{ n: 4 }]);
  assert.equal(run.status, 'succeeded', run.error?.message);
  assert.deepEqual(
    out.map((i) => i.json),
    [{ n: 4 }],
  );
});

test('waitForSubWorkflow false: the input passes through, the child runs through the queue', async () => {
  const childDone = new Promise<RunRecord>((resolve) => {
    const watch = (r: RunRecord): void => {
      if (r.workflowId === 'wf-child') resolve(r);
      else finishWaiters.push(watch);
    };
    finishWaiters.push(watch);
  });
  const { run, out } = await runParent({ workflowId: 'wf-child', options: { waitForSubWorkflow: false } }, [
    { n: 9 },
  ]);
  assert.equal(run.status, 'succeeded');
  assert.deepEqual(
    out.map((i) => i.json),
    [{ n: 9 }],
  );
  const childRun = await childDone;
  assert.equal(childRun.status, 'succeeded');
  assert.deepEqual(
    childRun.triggerItems.map((i) => i.json),
    [{ n: 9 }],
  );
  assert.deepEqual(errors, []);
});

test('a failing child fails the parent’s step, naming the child workflow, its node and its run', async () => {
  const { run } = await runParent({ workflowId: 'wf-failing' });
  assert.equal(run.status, 'failed');
  assert.equal(run.error?.node, 'Execute Workflow');
  assert.match(run.error?.message ?? '', /Sub-workflow 'Send mail' failed at node 'Send': SMTP refused/);
  const childRun = finished.findLast((r) => r.workflowId === 'wf-failing');
  assert.equal(childRun?.status, 'failed');
  assert.ok(run.error?.description?.includes(`Child run ${childRun?.id}`), run.error?.description);
});

test('an unknown workflow (id or name) is a clear error', async () => {
  const byId = await runParent({ workflowId: 'nope' });
  assert.equal(byId.run.status, 'failed');
  assert.match(byId.run.error?.message ?? '', /The workflow 'nope' does not exist/);
  const byName = await runParent({ workflowName: 'Nope' });
  assert.match(byName.run.error?.message ?? '', /No workflow is named 'Nope'/);
  const noTarget = await runParent({});
  assert.match(noTarget.run.error?.message ?? '', /'workflowId'/);
  const noTrigger = await runParent({ workflowId: 'wf-parent' });
  assert.match(noTrigger.run.error?.message ?? '', /has no Execute Workflow Trigger/);
  const badJson = await runParent({ source: 'parameter', workflowJson: '{ nope' });
  assert.match(badJson.run.error?.message ?? '', /'workflowJson' is not valid JSON/);
});

test('recursion is cut at depth 10 with a clear error', async () => {
  const { run } = await runParent({ workflowId: 'wf-loop' }, [{ n: 1 }]);
  assert.equal(run.status, 'failed');
  assert.match(run.error?.message ?? '', /nest deeper than 10 levels/);
  const loopRuns = finished.filter((r) => r.workflowId === 'wf-loop');
  assert.equal(loopRuns.length, 10);
  assert.ok(loopRuns.every((r) => r.status === 'failed'));
});
