import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { z } from 'zod';
import { createRegistry } from '../nodes/registry.js';
import { defineNode, mapItems } from '../nodes/sdk.js';
import { MemoryRunStore } from '../testing/memory-run-store.js';
import { ManualClock } from './clock.js';
import { Engine, StaleRunError } from './engine.js';
import { NodeError } from './errors.js';
import type { RunStore } from './ports.js';
import type { WorkflowInput } from './workflow.js';
import { workflowSchema } from './workflow.js';

/** Counts executions per node name, across engines, to prove nothing runs twice. */
const executions = new Map<string, number>();

const tagNode = defineNode({
  type: 'tag',
  version: 1,
  displayName: 'Tag',
  description: 'Appends its name to json.path',
  group: 'transform',
  params: z.object({ crashOnce: z.boolean().default(false) }),
  inputs: 1,
  outputs: ['main'],
  execute(ctx) {
    executions.set(ctx.node.name, (executions.get(ctx.node.name) ?? 0) + 1);
    return [
      ctx.items.map((item) => ({ json: { ...item.json, path: `${item.json.path ?? ''}/${ctx.node.name}` } })),
    ];
  },
});

const branchNode = defineNode({
  type: 'branch',
  version: 1,
  displayName: 'Branch',
  description: 'Routes items by json.route',
  group: 'flow',
  params: z.object({}),
  inputs: 1,
  outputs: ['a', 'b'],
  execute: (ctx) => [
    ctx.items.filter((i) => i.json.route === 'a'),
    ctx.items.filter((i) => i.json.route !== 'a'),
  ],
});

const dropNode = defineNode({
  type: 'drop',
  version: 1,
  displayName: 'Drop',
  description: 'Outputs nothing',
  group: 'transform',
  params: z.object({}),
  inputs: 1,
  outputs: ['main'],
  execute: () => [[]],
});

const joinNode = defineNode({
  type: 'join',
  version: 1,
  displayName: 'Join',
  description: 'Concatenates two inputs',
  group: 'flow',
  params: z.object({}),
  inputs: 2,
  outputs: ['main'],
  execute: (ctx) => [[...(ctx.inputs[0] ?? []), ...(ctx.inputs[1] ?? [])]],
});

const failNode = defineNode({
  type: 'fail',
  version: 1,
  displayName: 'Fail',
  description: 'Throws, or fails items with json.bad',
  group: 'utility',
  params: z.object({ perItem: z.boolean().default(false) }),
  inputs: 1,
  outputs: ['main'],
  async execute(ctx) {
    if (!ctx.getParams().perItem) throw new NodeError('boom', { description: 'it failed' });
    return [
      await mapItems(ctx, (item) => {
        if (item.json.bad) throw new Error(`bad item ${item.json.id}`);
        return { json: { ...item.json, ok: true } };
      }),
    ];
  },
});

const waitNode = defineNode({
  type: 'testWait',
  version: 1,
  displayName: 'Wait',
  description: 'Waits one hour',
  group: 'flow',
  params: z.object({}),
  inputs: 1,
  outputs: ['main'],
  execute: (ctx) => ({
    kind: 'wait',
    until: new Date(ctx.now().toMillis() + 3_600_000),
    items: [...ctx.items],
  }),
});

const registry = createRegistry([tagNode, dropNode, branchNode, joinNode, failNode, waitNode]);

function node(name: string, type: string, position: [number, number], extra: Record<string, unknown> = {}) {
  return { id: name, name, type, position, ...extra };
}

function setup(store: RunStore = new MemoryRunStore()) {
  const order: string[] = [];
  const engine = new Engine({
    runs: store,
    registry,
    clock: new ManualClock('2026-03-01T10:00:00Z'),
    hooks: { onStepFinish: (_run, step) => order.push(step.nodeName) },
  });
  return { engine, order, store };
}

async function run(doc: WorkflowInput, triggerItems?: unknown[], store?: RunStore) {
  const ctx = setup(store);
  const workflow = workflowSchema.parse(doc);
  const outcome = await ctx.engine.start({ workflow, workflowId: 'wf', mode: 'manual', triggerItems });
  return { ...ctx, ...outcome };
}

describe('engine', () => {
  test('runs a linear workflow and records one step per node', async () => {
    const {
      run: r,
      runData,
      store,
    } = await run(
      {
        name: 'linear',
        nodes: [
          node('Start', 'manualTrigger', [0, 0]),
          node('A', 'tag', [200, 0]),
          node('B', 'tag', [400, 0]),
        ],
        connections: [
          { from: 'Start', to: 'A' },
          { from: 'A', to: 'B' },
        ],
      },
      [{ id: 1 }, { id: 2 }],
    );
    assert.equal(r.status, 'succeeded');
    assert.deepEqual(
      runData.output('B').map((i) => i.json.path),
      ['/A/B', '/A/B'],
    );
    const steps = await store.listSteps(r.id);
    assert.deepEqual(
      steps.map((s) => [s.seq, s.nodeName, s.status, s.inputCount, s.outputCounts]),
      [
        [0, 'Start', 'succeeded', 2, [2]],
        [1, 'A', 'succeeded', 2, [2]],
        [2, 'B', 'succeeded', 2, [2]],
      ],
    );
    assert.deepEqual(steps[2].sources, [{ node: 'A', output: 0, run: 0 }]);
  });

  test('each branch runs to its end before the next, top branch first (v1 order)', async () => {
    const { order } = await run({
      name: 'branches',
      nodes: [
        node('Start', 'manualTrigger', [0, 0]),
        node('Low', 'tag', [200, 300]),
        node('Low2', 'tag', [400, 300]),
        node('High', 'tag', [200, -100]),
        node('High2', 'tag', [400, -100]),
        node('Mid', 'tag', [200, 100]),
      ],
      connections: [
        { from: 'Start', to: 'Low' },
        { from: 'Start', to: 'High' },
        { from: 'Start', to: 'Mid' },
        { from: 'Low', to: 'Low2' },
        { from: 'High', to: 'High2' },
      ],
    });
    assert.deepEqual(order, ['Start', 'High', 'High2', 'Mid', 'Low', 'Low2']);
  });

  test('same height: the leftmost branch runs first', async () => {
    const { order } = await run({
      name: 'same-height',
      nodes: [
        node('Start', 'manualTrigger', [0, 0]),
        node('Right', 'tag', [500, 0]),
        node('Left', 'tag', [200, 0]),
      ],
      connections: [
        { from: 'Start', to: 'Right' },
        { from: 'Start', to: 'Left' },
      ],
    });
    assert.deepEqual(order, ['Start', 'Left', 'Right']);
  });

  test('a join waits for both inputs, and outputs route by name', async () => {
    const { runData, order } = await run(
      {
        name: 'join',
        nodes: [
          node('Start', 'manualTrigger', [0, 0]),
          node('Branch', 'branch', [200, 0]),
          node('A', 'tag', [400, -100]),
          node('B', 'tag', [400, 100]),
          node('Join', 'join', [600, 0]),
        ],
        connections: [
          { from: 'Start', to: 'Branch' },
          { from: 'Branch', output: 'a', to: 'A' },
          { from: 'Branch', output: 'b', to: 'B' },
          { from: 'A', to: 'Join', input: 0 },
          { from: 'B', to: 'Join', input: 1 },
        ],
      },
      [{ route: 'a' }, { route: 'b' }],
    );
    assert.deepEqual(order, ['Start', 'Branch', 'A', 'B', 'Join']);
    assert.deepEqual(
      runData.output('Join').map((i) => i.json.path),
      ['/A', '/B'],
    );
  });

  test('a join whose other input never receives data runs with what it has, once the rest is done', async () => {
    const { runData, order } = await run(
      {
        name: 'partial-join',
        nodes: [
          node('Start', 'manualTrigger', [0, 0]),
          node('Branch', 'branch', [200, 0]),
          node('A', 'tag', [400, -100]),
          node('B', 'tag', [400, 100]),
          node('Join', 'join', [600, 0]),
          node('After', 'tag', [800, 0]),
        ],
        connections: [
          { from: 'Start', to: 'Branch' },
          { from: 'Branch', output: 0, to: 'A' },
          { from: 'Branch', output: 1, to: 'B' },
          { from: 'A', to: 'Join', input: 0 },
          { from: 'B', to: 'Join', input: 1 },
          { from: 'Join', to: 'After' },
        ],
      },
      [{ route: 'a' }],
    );
    assert.deepEqual(order, ['Start', 'Branch', 'A', 'Join', 'After']);
    assert.equal(runData.runCount('B'), 0, 'a node with no input items does not run');
    assert.deepEqual(
      runData.output('After').map((i) => i.json.path),
      ['/A/After'],
    );
  });

  test('alwaysOutputData hands on one empty item when a node produced nothing', async () => {
    const { runData } = await run(
      {
        name: 'always',
        nodes: [
          node('Start', 'manualTrigger', [0, 0]),
          node('Drop', 'drop', [200, 0]),
          node('Kept', 'drop', [200, 200], { alwaysOutputData: true }),
          node('A', 'tag', [400, 0]),
          node('B', 'tag', [400, 200]),
        ],
        connections: [
          { from: 'Start', to: 'Drop' },
          { from: 'Start', to: 'Kept' },
          { from: 'Drop', to: 'A' },
          { from: 'Kept', to: 'B' },
        ],
      },
      [{ id: 1 }],
    );
    assert.equal(runData.runCount('A'), 0, 'a node with no input items does not run');
    assert.deepEqual(
      runData.output('B').map((i) => i.json),
      [{ path: '/B' }],
    );
  });

  test('executeOnce runs a node on the first item only; a disabled node passes items through', async () => {
    const { runData } = await run(
      {
        name: 'once',
        nodes: [
          node('Start', 'manualTrigger', [0, 0]),
          node('Off', 'fail', [200, 0], { disabled: true }),
          node('Once', 'tag', [400, 0], { executeOnce: true }),
        ],
        connections: [
          { from: 'Start', to: 'Off' },
          { from: 'Off', to: 'Once' },
        ],
      },
      [{ id: 1 }, { id: 2 }, { id: 3 }],
    );
    assert.equal(runData.output('Off').length, 3);
    assert.deepEqual(
      runData.output('Once').map((i) => i.json),
      [{ id: 1, path: '/Once' }],
    );
  });

  describe('on error', () => {
    const doc = (onError: string, perItem = false): WorkflowInput => ({
      name: 'errors',
      nodes: [
        node('Start', 'manualTrigger', [0, 0]),
        node('Risky', 'fail', [200, 0], { onError, parameters: { perItem } }),
        node('Next', 'tag', [400, 0]),
        node('Errors', 'tag', [400, 200]),
      ],
      connections: [
        { from: 'Start', to: 'Risky' },
        { from: 'Risky', to: 'Next' },
        ...(onError === 'errorOutput' ? [{ from: 'Risky', output: 'error', to: 'Errors' }] : []),
      ],
    });

    test('stop: the run fails and the error names the node', async () => {
      const { run: r, store, order } = await run(doc('stop'), [{ id: 1 }]);
      assert.equal(r.status, 'failed');
      assert.equal(r.error?.message, 'boom');
      assert.equal(r.error?.node, 'Risky');
      assert.deepEqual(order, ['Start', 'Risky']);
      const failed = (await store.listSteps(r.id))[1];
      assert.equal(failed.status, 'failed');
      assert.equal(failed.error?.description, 'it failed');
      assert.ok(failed.error?.stack?.includes('boom'));
      assert.deepEqual(
        failed.input,
        [[{ json: { id: 1 }, pairedItem: { item: 0 } }]],
        'a failed step keeps its input',
      );
    });

    test('continue: the input is passed on', async () => {
      const { run: r, runData } = await run(doc('continue'), [{ id: 1 }]);
      assert.equal(r.status, 'succeeded');
      assert.deepEqual(
        runData.output('Next').map((i) => i.json),
        [{ id: 1, path: '/Next' }],
      );
    });

    test('errorOutput: a failed node sends its items with the error to the error output', async () => {
      const { run: r, runData } = await run(doc('errorOutput'), [{ id: 1 }]);
      assert.equal(r.status, 'succeeded');
      assert.equal(runData.runCount('Next'), 0);
      assert.deepEqual(
        runData.output('Errors').map((i) => i.json),
        [{ id: 1, error: 'boom', path: '/Errors' }],
      );
    });

    test('errorOutput: per-item failures go to the error output, the rest carries on', async () => {
      const { runData } = await run(doc('errorOutput', true), [{ id: 1 }, { id: 2, bad: true }, { id: 3 }]);
      assert.deepEqual(
        runData.output('Next').map((i) => i.json.id),
        [1, 3],
      );
      assert.deepEqual(
        runData.output('Errors').map((i) => i.json),
        [{ error: 'bad item 2', path: '/Errors' }],
      );
      assert.deepEqual(runData.output('Risky', 1)[0].pairedItem, { item: 1 });
    });
  });

  test('pairedItem is filled in and leads back through several nodes', async () => {
    const { runData } = await run(
      {
        name: 'lineage',
        nodes: [
          node('Start', 'manualTrigger', [0, 0]),
          node('A', 'tag', [200, 0]),
          node('B', 'branch', [400, 0]),
        ],
        connections: [
          { from: 'Start', to: 'A' },
          { from: 'A', to: 'B' },
        ],
      },
      [{ id: 1 }, { id: 2, route: 'a' }, { id: 3 }],
    );
    assert.deepEqual(runData.output('A')[1].pairedItem, { item: 1 });
    // B filtered items: its output items are input items themselves (pairedItem set by A's fill).
    const source = { node: 'B', output: 1, run: 0 };
    assert.equal(runData.pairedItem('Start', source, 1).json.id, 3);
    assert.throws(() => runData.pairedItem('Nope', source, 0), /unexecuted/);
  });

  test('a run that crashed mid-way continues from its checkpoint; completed nodes do not run again', async () => {
    executions.clear();
    const store = new MemoryRunStore();
    let failAt = 2; // the process "dies" while writing the third commit (node B's step)
    const crashing: RunStore = Object.create(store);
    crashing.commit = async (...args) => {
      if (failAt-- === 0) throw new Error('process killed');
      return store.commit(...args);
    };
    const workflow = workflowSchema.parse({
      name: 'crash',
      nodes: [
        node('Start', 'manualTrigger', [0, 0]),
        node('A', 'tag', [200, 0]),
        node('B', 'tag', [400, 0]),
        node('C', 'tag', [600, 0]),
      ],
      connections: [
        { from: 'Start', to: 'A' },
        { from: 'A', to: 'B' },
        { from: 'B', to: 'C' },
      ],
    });
    const first = setup(crashing);
    await assert.rejects(
      first.engine.start({ workflow, workflowId: 'wf', mode: 'manual', triggerItems: [{ id: 1 }] }),
      /process killed/,
    );
    const [stuck] = await store.listRunsByStatus(['running'], 10);
    assert.equal(stuck.currentNode, 'A');

    const second = setup(store);
    const { run: r, runData } = await second.engine.continue(stuck, workflow);
    assert.equal(r.status, 'succeeded');
    assert.deepEqual(second.order, ['B', 'C'], 'B (executing when the process died) runs again, then C');
    assert.deepEqual(Object.fromEntries(executions), { A: 1, B: 2, C: 1 });
    assert.equal(runData.output('C')[0].json.path, '/A/B/C');
    assert.deepEqual(
      (await store.listSteps(r.id)).map((s) => s.nodeName),
      ['Start', 'A', 'B', 'C'],
    );
  });

  test('a second driver of the same run is refused (stale version)', async () => {
    const store = new MemoryRunStore();
    const workflow = workflowSchema.parse({
      name: 'stale',
      nodes: [node('Start', 'manualTrigger', [0, 0]), node('A', 'tag', [200, 0])],
      connections: [{ from: 'Start', to: 'A' }],
    });
    const { engine } = setup(store);
    const created = await engine.create({ workflow, workflowId: 'wf', mode: 'manual' });
    await engine.continue(created, workflow);
    await assert.rejects(setup(store).engine.continue(created, workflow), StaleRunError);
  });

  test('cancel stops the run at the next node boundary', async () => {
    const store = new MemoryRunStore();
    const workflow = workflowSchema.parse({
      name: 'cancel',
      nodes: [node('Start', 'manualTrigger', [0, 0]), node('A', 'tag', [200, 0]), node('B', 'tag', [400, 0])],
      connections: [
        { from: 'Start', to: 'A' },
        { from: 'A', to: 'B' },
      ],
    });
    const order: string[] = [];
    const engine: Engine = new Engine({
      runs: store,
      registry,
      hooks: {
        onStepFinish: (r, step) => {
          order.push(step.nodeName);
          if (step.nodeName === 'A') engine.cancel(r.id);
        },
      },
    });
    const { run: r } = await engine.start({ workflow, workflowId: 'wf', mode: 'manual' });
    assert.equal(r.status, 'canceled');
    assert.deepEqual(order, ['Start', 'A']);
  });

  test('a wait command pauses the run with its due time', async () => {
    const { run: r, store } = await run({
      name: 'wait',
      nodes: [
        node('Start', 'manualTrigger', [0, 0]),
        node('Wait', 'testWait', [200, 0]),
        node('A', 'tag', [400, 0]),
      ],
      connections: [
        { from: 'Start', to: 'Wait' },
        { from: 'Wait', to: 'A' },
      ],
    });
    assert.equal(r.status, 'waiting');
    assert.equal(r.waitTill?.toISOString(), '2026-03-01T11:00:00.000Z');
    const stored = await store.getRun(r.id);
    assert.deepEqual(stored?.checkpoint?.wait, { node: 'Wait', step: 1, resumeOn: 'time' });
    assert.equal((await store.listSteps(r.id))[1].status, 'waiting');
  });

  test('a workflow without a trigger cannot start', async () => {
    await assert.rejects(
      run({ name: 'none', nodes: [node('A', 'tag', [0, 0])], connections: [] }),
      /no trigger/,
    );
  });
});

test('nodes reach services by typed key; a missing service is a clear error', async () => {
  const { serviceKey } = await import('../nodes/sdk.js');
  const GREETER = serviceKey<{ greet(name: string): string }>('greeter');
  const greetNode = defineNode({
    type: 'greet',
    version: 1,
    displayName: 'Greet',
    description: 'Uses the greeter service',
    group: 'action',
    params: z.object({}),
    inputs: 1,
    outputs: ['main'],
    execute: (ctx) => [
      ctx.items.map((i) => ({ json: { text: ctx.service(GREETER).greet(String(i.json.name)) } })),
    ],
  });
  const workflow = workflowSchema.parse({
    name: 'services',
    nodes: [node('Start', 'manualTrigger', [0, 0]), node('Greet', 'greet', [200, 0])],
    connections: [{ from: 'Start', to: 'Greet' }],
  });
  const registry = createRegistry([greetNode]);
  const withService = new Engine({
    runs: new MemoryRunStore(),
    registry,
    services: { greeter: { greet: (n: string) => `Bonjour ${n}` } },
  });
  const ok = await withService.start({
    workflow,
    workflowId: 'wf',
    mode: 'manual',
    triggerItems: [{ name: 'Ada' }],
  });
  assert.deepEqual(ok.runData.output('Greet')[0].json, { text: 'Bonjour Ada' });
  const without = new Engine({ runs: new MemoryRunStore(), registry });
  const failed = await without.start({
    workflow,
    workflowId: 'wf',
    mode: 'manual',
    triggerItems: [{ name: 'Ada' }],
  });
  assert.equal(failed.run.error?.message, "The 'greeter' service is not available in this process");
});
