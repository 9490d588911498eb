import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { z } from 'zod';
import { createRegistry } from '../nodes/registry.js';
import { defineNode } from '../nodes/sdk.js';
import { MemoryRunStore } from '../testing/memory-run-store.js';
import { ManualClock } from './clock.js';
import { Engine, StaleRunError } from './engine.js';
import { NodeError, NonRetryableError } from './errors.js';
import type { TimerPort, TimerRequest } from './ports.js';
import { retryDelay } from './retry.js';
import { type WorkflowInput, workflowSchema } from './workflow.js';

/** Fails its first `failures` executions (per run of the test), with an error of the given kind. */
let calls = 0;
const flakyNode = defineNode({
  type: 'flaky',
  version: 1,
  displayName: 'Flaky',
  description: 'Fails a number of times, then succeeds',
  group: 'action',
  params: z.object({
    failures: z.number(),
    kind: z.enum(['retryable', 'final', 'http503']).default('retryable'),
  }),
  inputs: 1,
  outputs: ['main'],
  execute(ctx) {
    const { failures, kind } = ctx.getParams();
    calls++;
    if (calls <= failures) {
      if (kind === 'final') throw new NonRetryableError('bad request');
      throw new NodeError(`attempt ${calls} failed`, kind === 'http503' ? { httpStatus: 503 } : {});
    }
    return [ctx.items.map((i) => ({ json: { ...i.json, attempts: calls } }))];
  },
});

const waitNode = defineNode({
  type: 'testWait',
  version: 1,
  displayName: 'Wait',
  description: 'Waits for a time, or for a webhook with a time limit unless `unlimited`',
  group: 'flow',
  params: z.object({ webhook: z.boolean().default(false), unlimited: z.boolean().default(false) }),
  inputs: 1,
  outputs: (p) => (p.webhook ? ['main', 'timeout'] : ['main']),
  execute: (ctx) => ({
    kind: 'wait',
    until: ctx.getParams().unlimited ? undefined : new Date(ctx.now().toMillis() + 86_400_000),
    webhook: ctx.getParams().webhook,
    timeoutOutput: ctx.getParams().webhook ? 1 : undefined,
    items: [...ctx.items],
  }),
});

const markNode = defineNode({
  type: 'mark',
  version: 1,
  displayName: 'Mark',
  description: 'Marks items with its name',
  group: 'transform',
  params: z.object({}),
  inputs: 1,
  outputs: ['main'],
  execute: (ctx) => [ctx.items.map((i) => ({ json: { ...i.json, [ctx.node.name]: true } }))],
});

const registry = createRegistry([flakyNode, waitNode, markNode]);

function harness(doc: WorkflowInput) {
  calls = 0;
  const store = new MemoryRunStore();
  const clock = new ManualClock('2026-05-01T08:00:00Z');
  const timers: TimerRequest[] = [];
  const cancelled: string[] = [];
  const port: TimerPort = {
    async schedule(t) {
      timers.push(t);
    },
    async cancelForRun(runId) {
      cancelled.push(runId);
      return 1;
    },
  };
  const engine = new Engine({ runs: store, registry, clock, timers: port, random: () => 0.5 });
  const workflow = workflowSchema.parse(doc);
  return { store, clock, timers, cancelled, engine, workflow };
}

const flakyWorkflow = (retry: object, failures: number, kind = 'retryable'): WorkflowInput => ({
  name: 'retry',
  nodes: [
    { id: '1', name: 'Start', type: 'manualTrigger' },
    { id: '2', name: 'Call', type: 'flaky', position: [200, 0], parameters: { failures, kind }, retry },
    { id: '3', name: 'After', type: 'mark', position: [400, 0] },
  ],
  connections: [
    { from: 'Start', to: 'Call' },
    { from: 'Call', to: 'After' },
  ],
});

describe('retries', () => {
  test('a retryable failure waits in a timer with exponential back-off, then succeeds', async () => {
    const h = harness(flakyWorkflow({ maxTries: 3, backoff: 'exponential', delayMs: 1000 }, 2));
    let { run } = await h.engine.start({
      workflow: h.workflow,
      workflowId: 'wf',
      mode: 'manual',
      triggerItems: [{ id: 1 }],
    });
    assert.equal(run.status, 'waiting');
    assert.deepEqual(
      h.timers.map((t) => [t.kind, t.dueAt.toISOString()]),
      [['resume', '2026-05-01T08:00:01.000Z']],
    );

    h.clock.advance(1000);
    ({ run } = await h.engine.continue((await h.store.getRun(run.id))!, h.workflow));
    assert.equal(run.status, 'waiting');
    assert.equal(h.timers[1].dueAt.toISOString(), '2026-05-01T08:00:03.000Z', 'second delay doubles');

    h.clock.advance(2000);
    const done = await h.engine.continue((await h.store.getRun(run.id))!, h.workflow);
    assert.equal(done.run.status, 'succeeded');
    assert.deepEqual(done.runData.output('After')[0].json, { id: 1, attempts: 3, After: true });
    const steps = await h.store.listSteps(run.id);
    assert.deepEqual(
      steps.map((s) => `${s.nodeName}:${s.status}:${s.runIndex}`),
      ['Start:succeeded:0', 'Call:retried:0', 'Call:retried:0', 'Call:succeeded:0', 'After:succeeded:0'],
    );
    assert.match(steps[1].error?.description ?? '', /attempt 1 of 3; next in 1000 ms/);
    assert.deepEqual(steps[1].input, [[{ json: { id: 1 }, pairedItem: { item: 0 } }]]);
  });

  test('when the tries run out the run fails with the last error', async () => {
    const h = harness(flakyWorkflow({ maxTries: 2, delayMs: 10 }, 5));
    let { run } = await h.engine.start({ workflow: h.workflow, workflowId: 'wf', mode: 'manual' });
    h.clock.advance(10);
    ({ run } = await h.engine.continue((await h.store.getRun(run.id))!, h.workflow));
    assert.equal(run.status, 'failed');
    assert.equal(run.error?.message, 'attempt 2 failed');
    assert.equal(calls, 2);
  });

  test('a non-retryable error, or one not listed in `on`, fails at once', async () => {
    const final = harness(flakyWorkflow({ maxTries: 5, delayMs: 10 }, 1, 'final'));
    const a = await final.engine.start({ workflow: final.workflow, workflowId: 'wf', mode: 'manual' });
    assert.equal(a.run.status, 'failed');
    assert.equal(final.timers.length, 0);

    const listed = harness(flakyWorkflow({ maxTries: 5, delayMs: 10, on: [429] }, 1, 'http503'));
    const b = await listed.engine.start({ workflow: listed.workflow, workflowId: 'wf', mode: 'manual' });
    assert.equal(b.run.status, 'failed', '503 is not in on: [429]');

    const matching = harness(flakyWorkflow({ maxTries: 5, delayMs: 10, on: [503] }, 1, 'http503'));
    const c = await matching.engine.start({ workflow: matching.workflow, workflowId: 'wf', mode: 'manual' });
    assert.equal(c.run.status, 'waiting');
  });

  test('retryDelay: fixed, exponential with cap, jitter', () => {
    const base = { maxTries: 5, backoff: 'fixed' as const, delayMs: 1000, jitter: 0 };
    const err = new Error('x');
    assert.equal(retryDelay(base, err, 1), 1000);
    assert.equal(retryDelay(base, err, 4), 1000);
    assert.equal(retryDelay(base, err, 5), undefined);
    const exp = { ...base, backoff: 'exponential' as const, maxDelayMs: 5000 };
    assert.deepEqual(
      [1, 2, 3, 4].map((n) => retryDelay(exp, err, n)),
      [1000, 2000, 4000, 5000],
    );
    assert.equal(
      retryDelay({ ...base, jitter: 0.2 }, err, 1, () => 1),
      1200,
    );
    assert.equal(
      retryDelay({ ...base, jitter: 0.2 }, err, 1, () => 0),
      800,
    );
    assert.equal(retryDelay(undefined, err, 1), undefined);
  });
});

const waitWorkflow = (webhook: boolean): WorkflowInput => ({
  name: 'wait',
  nodes: [
    { id: '1', name: 'Start', type: 'manualTrigger' },
    { id: '2', name: 'Wait', type: 'testWait', position: [200, 0], parameters: { webhook } },
    { id: '3', name: 'Resumed', type: 'mark', position: [400, 0] },
    { id: '4', name: 'TimedOut', type: 'mark', position: [400, 200] },
  ],
  connections: [
    { from: 'Start', to: 'Wait' },
    { from: 'Wait', to: 'Resumed' },
    ...(webhook ? [{ from: 'Wait', output: 'timeout', to: 'TimedOut' }] : []),
  ],
});

describe('waits', () => {
  test('a timed wait resumes at the node after the wait, never from the trigger', async () => {
    const h = harness(waitWorkflow(false));
    const first = await h.engine.start({
      workflow: h.workflow,
      workflowId: 'wf',
      mode: 'manual',
      triggerItems: [{ n: 1 }],
    });
    assert.equal(first.run.status, 'waiting');
    assert.equal(first.run.waitTill?.toISOString(), '2026-05-02T08:00:00.000Z');
    assert.equal(h.timers[0].id, `resume:${first.run.id}:${first.run.version}`);

    h.clock.set('2026-05-02T08:00:00Z');
    const { run, runData } = await h.engine.continue((await h.store.getRun(first.run.id))!, h.workflow);
    assert.equal(run.status, 'succeeded');
    assert.deepEqual(runData.output('Resumed')[0].json, { n: 1, Resumed: true });
    assert.equal(runData.runCount('Start'), 1, 'replayed from the store, not executed again');
    const steps = await h.store.listSteps(run.id);
    assert.deepEqual(
      steps.map((s) => `${s.nodeName}:${s.status}`),
      ['Start:succeeded', 'Wait:waiting', 'Wait:succeeded', 'Resumed:succeeded'],
    );
    assert.equal(
      steps[2].startedAt.toISOString(),
      '2026-05-01T08:00:00.000Z',
      'the wait step spans the wait',
    );
  });

  test("a timer's wake-up ends only a wait due by its time: an earlier wait's, left over, is refused", async () => {
    const h = harness(waitWorkflow(false));
    const first = await h.engine.start({ workflow: h.workflow, workflowId: 'wf', mode: 'manual' });
    const waiting = (await h.store.getRun(first.run.id))!;
    const dueAt = waiting.waitTill!.getTime();
    h.clock.set('2026-05-02T08:00:00Z');
    await assert.rejects(
      h.engine.continue(waiting, h.workflow, { resume: { by: 'time', timerDueAt: dueAt - 1 } }),
      (error: Error) =>
        error instanceof StaleRunError &&
        /waits until 2026-05-02T08:00:00.000Z: a wake-up due at 2026-05-02T07:59:59.999Z is an earlier wait's/.test(
          error.message,
        ),
    );
    assert.equal((await h.store.getRun(first.run.id))?.version, waiting.version, 'nothing written');
    const { run } = await h.engine.continue(waiting, h.workflow, {
      resume: { by: 'time', timerDueAt: dueAt },
    });
    assert.equal(run.status, 'succeeded', "its own timer's wake-up ends it");
  });

  test('a wake-up of a timer never ends a wait for a webhook that has no time limit', async () => {
    const doc = waitWorkflow(true);
    doc.nodes[1].parameters = { webhook: true, unlimited: true };
    const h = harness(doc);
    const first = await h.engine.start({ workflow: h.workflow, workflowId: 'wf', mode: 'manual' });
    const waiting = (await h.store.getRun(first.run.id))!;
    assert.equal(waiting.waitTill, null);
    assert.deepEqual(h.timers, [], 'no timer of its own');
    await assert.rejects(
      h.engine.continue(waiting, h.workflow, { resume: { by: 'time', timerDueAt: h.clock.now().getTime() } }),
      /waits for a webhook or an event: a wake-up due at .* is an earlier wait's/,
    );
  });

  test('a webhook wait needs its webhook; its body reaches the next node; its timer is removed', async () => {
    const h = harness(waitWorkflow(true));
    const first = await h.engine.start({ workflow: h.workflow, workflowId: 'wf', mode: 'manual' });
    const waiting = (await h.store.getRun(first.run.id))!;
    await assert.rejects(h.engine.continue(waiting, h.workflow), /waits for a webhook/);
    const { run, runData } = await h.engine.continue(waiting, h.workflow, {
      resume: { by: 'webhook', items: [{ body: { approved: true } }] },
    });
    assert.equal(run.status, 'succeeded');
    assert.deepEqual(runData.output('Resumed')[0].json, { body: { approved: true }, Resumed: true });
    assert.equal(runData.runCount('TimedOut'), 0);
    assert.deepEqual(h.cancelled, [run.id]);
  });

  test('a webhook wait that reaches its time limit takes the timeout branch', async () => {
    const h = harness(waitWorkflow(true));
    const first = await h.engine.start({
      workflow: h.workflow,
      workflowId: 'wf',
      mode: 'manual',
      triggerItems: [{ n: 2 }],
    });
    h.clock.set('2026-05-02T08:00:00Z');
    const { run, runData } = await h.engine.continue((await h.store.getRun(first.run.id))!, h.workflow, {
      resume: { by: 'time' },
    });
    assert.equal(run.status, 'succeeded');
    assert.equal(runData.runCount('Resumed'), 0);
    assert.deepEqual(runData.output('TimedOut')[0].json, { n: 2, TimedOut: true });
  });
});

describe('retrying a failed run', () => {
  const doc: WorkflowInput = {
    name: 'retry-run',
    nodes: [
      { id: '1', name: 'Start', type: 'manualTrigger' },
      { id: '2', name: 'Prepare', type: 'mark', position: [200, 0] },
      { id: '3', name: 'Call', type: 'flaky', position: [400, 0], parameters: { failures: 1 } },
      { id: '4', name: 'After', type: 'mark', position: [600, 0] },
    ],
    connections: [
      { from: 'Start', to: 'Prepare' },
      { from: 'Prepare', to: 'Call' },
      { from: 'Call', to: 'After' },
    ],
  };

  test('from the failure: the failed node runs again with its stored inputs; what ran before is not re-executed', async () => {
    const h = harness(doc);
    const first = await h.engine.start({
      workflow: h.workflow,
      workflowId: 'wf',
      mode: 'webhook',
      triggerItems: [{ id: 7 }],
    });
    assert.equal(first.run.status, 'failed');
    const retry = await h.engine.retry((await h.store.getRun(first.run.id))!, h.workflow, {
      from: 'failure',
      workflowVersion: 1,
    });
    assert.equal(retry.status, 'queued');
    assert.equal(retry.retryOf, first.run.id);
    const { run, runData } = await h.engine.continue((await h.store.getRun(retry.id))!, h.workflow);
    assert.equal(run.status, 'succeeded');
    assert.deepEqual(runData.output('After')[0].json, { id: 7, Prepare: true, attempts: 2, After: true });
    assert.equal(calls, 2, 'Call ran once in each run');
    const steps = await h.store.listSteps(run.id);
    assert.deepEqual(
      steps.map((s) => s.nodeName),
      ['Start', 'Prepare', 'Call', 'After'],
    );
    assert.equal(steps[1].startedAt.toISOString(), '2026-05-01T08:00:00.000Z', 'copied from the failed run');
  });

  test('from the trigger: a new run with the same trigger items; only failed runs can be retried', async () => {
    const h = harness(doc);
    const first = await h.engine.start({
      workflow: h.workflow,
      workflowId: 'wf',
      mode: 'webhook',
      triggerItems: [{ id: 8 }],
    });
    const failed = (await h.store.getRun(first.run.id))!;
    const retry = await h.engine.retry(failed, h.workflow, { from: 'trigger', workflowVersion: 2 });
    assert.equal(retry.workflowVersion, 2);
    const { run, runData } = await h.engine.continue(retry, h.workflow);
    assert.equal(run.status, 'succeeded');
    assert.equal(runData.output('Start')[0].json.id, 8);
    await assert.rejects(
      h.engine.retry(run, h.workflow, { from: 'trigger', workflowVersion: 2 }),
      /only failed runs/,
    );
  });
});

test('a resume delivered twice drives the run once: the second is refused as stale', async () => {
  const h = harness(waitWorkflow(false));
  const first = await h.engine.start({ workflow: h.workflow, workflowId: 'wf', mode: 'manual' });
  const waiting = (await h.store.getRun(first.run.id))!;
  h.clock.set('2026-05-02T08:00:00Z');
  await h.engine.continue(waiting, h.workflow, { resume: { by: 'time' } });
  const again = (await h.store.getRun(first.run.id))!;
  await assert.rejects(
    h.engine.continue(again, h.workflow, { resume: { by: 'time' } }),
    /not waiting: nothing to resume/,
  );
  assert.equal((await h.store.listSteps(first.run.id)).filter((s) => s.nodeName === 'Resumed').length, 1);
});
