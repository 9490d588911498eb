/**
 * Retries of a node that continues on fail (n8n's `didContinueOnFail` loop in WorkflowExecute):
 * the items the node turned into errors make it try again while tries are left; after the last
 * try they go on (main output for `continue`, `error` output for `errorOutput`).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { z } from 'zod';
import { createRegistry } from '../nodes/registry.js';
import { defineNode, mapItems } from '../nodes/sdk.js';
import { MemoryRunStore } from '../testing/memory-run-store.js';
import { ManualClock } from './clock.js';
import { Engine } from './engine.js';
import { NodeError } from './errors.js';
import type { TimerPort, TimerRequest } from './ports.js';
import { type WorkflowInput, workflowSchema } from './workflow.js';

/** Per item: fails (503, or 400 when `status` says so) its first `failures` calls, as an HTTP node would. */
let calls = 0;
const flakyNode = defineNode({
  type: 'flakyItems',
  version: 1,
  displayName: 'Flaky items',
  description: 'Fails a number of times per item through mapItems, then succeeds',
  group: 'action',
  params: z.object({ failures: z.number(), status: z.number().default(503) }),
  inputs: 1,
  outputs: ['main'],
  async execute(ctx) {
    calls++;
    return [
      await mapItems(ctx, (item, i) => {
        const { failures, status } = ctx.getParams(i);
        if (calls <= failures) throw new NodeError(`call ${calls} failed`, { httpStatus: status });
        return { json: { ...item.json, calls } };
      }),
    ];
  },
});

const passNode = defineNode({
  type: 'pass',
  version: 1,
  displayName: 'Pass',
  description: 'Passes its items on as they are',
  group: 'transform',
  params: z.object({}),
  inputs: 1,
  outputs: ['main'],
  execute: (ctx) => [[...ctx.items]],
});

const registry = createRegistry([flakyNode, passNode]);

function harness(doc: WorkflowInput) {
  calls = 0;
  const store = new MemoryRunStore();
  const clock = new ManualClock('2026-05-01T08:00:00Z');
  const timers: TimerRequest[] = [];
  const port: TimerPort = {
    async schedule(t) {
      timers.push(t);
    },
    async cancelForRun() {
      return 0;
    },
  };
  const engine = new Engine({ runs: store, registry, clock, timers: port, random: () => 0.5 });
  return { store, clock, timers, engine, workflow: workflowSchema.parse(doc) };
}

function flow(onError: 'continue' | 'errorOutput', failures: number, extra: object = {}): WorkflowInput {
  return {
    name: 'retry-continue',
    nodes: [
      { id: '1', name: 'Start', type: 'manualTrigger' },
      {
        id: '2',
        name: 'Call',
        type: 'flakyItems',
        position: [200, 0],
        parameters: { failures, ...extra },
        retry: { maxTries: 3, delayMs: 1000, on: [503] },
        onError,
      },
      { id: '3', name: 'Ok', type: 'pass', position: [400, 0] },
      { id: '4', name: 'Failed', type: 'pass', position: [400, 200] },
      { id: '5', name: 'Again', type: 'pass', position: [600, 0], retry: { maxTries: 3, delayMs: 1000 } },
    ],
    connections: [
      { from: 'Start', to: 'Call' },
      { from: 'Call', to: 'Ok' },
      { from: 'Call', output: 'error', to: 'Failed' },
      { from: 'Ok', to: 'Again' },
    ],
  };
}

async function drive(h: ReturnType<typeof harness>, triggerItems: object[]) {
  let outcome = await h.engine.start({
    workflow: h.workflow,
    workflowId: 'wf',
    mode: 'manual',
    triggerItems,
  });
  for (let i = 0; i < 10 && outcome.run.status === 'waiting'; i++) {
    h.clock.advance(1000);
    outcome = await h.engine.continue((await h.store.getRun(outcome.run.id))!, h.workflow);
  }
  return outcome;
}

describe('retries of a node that continues on fail', () => {
  test('error items are retried in a timer, and the later success goes on', async () => {
    const h = harness(flow('errorOutput', 2));
    const done = await drive(h, [{ id: 1 }, { id: 2 }]);
    assert.equal(done.run.status, 'succeeded');
    assert.equal(calls, 3);
    assert.equal(h.timers.length, 2, 'one timer per retry');
    assert.deepEqual(
      done.runData.output('Ok').map((i) => i.json),
      [
        { id: 1, calls: 3 },
        { id: 2, calls: 3 },
      ],
    );
    const steps = await h.store.listSteps(done.run.id);
    assert.deepEqual(
      steps.map((s) => `${s.nodeName}:${s.status}`),
      [
        'Start:succeeded',
        'Call:retried',
        'Call:retried',
        'Call:succeeded',
        'Ok:succeeded',
        'Again:succeeded',
      ],
    );
    assert.equal(steps[1].error?.httpStatus, 503);
    assert.match(steps[1].error?.description ?? '', /attempt 1 of 3/);
  });

  test('after the last try the error items go on (error output), and nothing after them retries', async () => {
    const h = harness(flow('errorOutput', 99));
    const done = await drive(h, [{ id: 1 }]);
    assert.equal(done.run.status, 'succeeded');
    assert.equal(calls, 3);
    assert.deepEqual(
      done.runData.output('Failed').map((i) => i.json),
      [{ error: 'call 3 failed' }],
    );
    assert.equal(done.runData.runs('Ok').length, 0);
  });

  test('continue: the error items reach the main output; a node passing them on does not retry', async () => {
    const h = harness(flow('continue', 99));
    const done = await drive(h, [{ id: 1 }]);
    assert.equal(done.run.status, 'succeeded');
    assert.equal(calls, 3);
    assert.deepEqual(
      done.runData.output('Again').map((i) => i.json),
      [{ error: 'call 3 failed' }],
    );
    const steps = await h.store.listSteps(done.run.id);
    assert.equal(steps.filter((s) => s.nodeName === 'Again').length, 1, '"Again" ran once');
  });

  test('an error the retry rules do not match continues at once', async () => {
    const h = harness(flow('errorOutput', 99, { status: 400 }));
    const done = await drive(h, [{ id: 1 }]);
    assert.equal(done.run.status, 'succeeded');
    assert.equal(calls, 1);
    assert.equal(h.timers.length, 0);
    assert.deepEqual(
      done.runData.output('Failed').map((i) => i.json),
      [{ error: 'call 1 failed' }],
    );
  });
});
