import assert from 'node:assert/strict';
import { describe, it, test } from 'node:test';
import { Engine } from '../engine/engine.js';
import type { WorkflowInput } from '../engine/workflow.js';
import { eventTriggerNode, eventTypeMatches } from '../nodes/event-trigger.node.js';
import { createRegistry } from '../nodes/registry.js';
import { EmbeddedQueue } from '../queue/embedded.js';
import { runNode } from '../testing/run-node.js';
import { EventTrigger } from './event.js';
import { deterministicId, type TriggerServices } from './shared.js';
import { type Harness, harness, quiet, triggerFixtures } from './test-harness.js';

const flow = (eventType: string, filter?: string): WorkflowInput => ({
  name: `on ${eventType}`,
  nodes: [
    {
      id: 't',
      name: 'On event',
      type: 'eventTrigger',
      parameters: { eventType, ...(filter ? { filter } : {}) },
    },
    { id: 'n', name: 'Next', type: 'noOp', position: [200, 0] },
  ],
  connections: [{ from: 'On event', to: 'Next' }],
});

const waitFlow: WorkflowInput = {
  name: 'wait for payment',
  nodes: [
    { id: 'm', name: 'Start', type: 'manualTrigger' },
    {
      id: 'w',
      name: 'Wait',
      type: 'wait',
      position: [200, 0],
      parameters: { resume: 'event', eventType: 'order.paid', eventKey: '={{ $json.orderId }}' },
    },
    { id: 'a', name: 'Paid', type: 'noOp', position: [400, 0] },
  ],
  connections: [
    { from: 'Start', to: 'Wait' },
    { from: 'Wait', to: 'Paid' },
  ],
};

/** An engine whose step hook feeds the event kind's index, as the runtime wires it. */
function wired(h: Harness): { events: EventTrigger; engine: Engine; services: TriggerServices } {
  let events: EventTrigger | undefined;
  const engine = new Engine({
    runs: h.store.runs,
    registry: createRegistry(),
    clock: h.clock,
    timers: h.store.timers,
    hooks: { onStepFinish: (run, step) => events?.engineHooks().onStepFinish?.(run, step) },
  });
  const queue = new EmbeddedQueue({ engine, runs: h.store.runs, workflows: h.store.workflows });
  const services: TriggerServices = { ...h.proc.services, engine, queue, logger: quiet };
  events = new EventTrigger(services);
  return { events, engine, services };
}

/** Waits (without the wall clock) until the run left `waiting` and settled. */
async function resumed(h: Harness, runId: string): Promise<string | undefined> {
  for (let i = 0; i < 2000; i++) {
    const run = await h.store.runs.getRun(runId);
    if (run && !['waiting', 'queued', 'running'].includes(run.status)) return run.status;
    await new Promise((r) => setImmediate(r));
  }
  return (await h.store.runs.getRun(runId))?.status;
}

async function waitingRun(h: Harness, engine: Engine, orderId: number): Promise<string> {
  const saved = await h.save('wf-wait', waitFlow, false);
  const { run } = await engine.start({
    workflow: saved.workflow,
    workflowId: 'wf-wait',
    mode: 'manual',
    triggerItems: [{ orderId }],
  });
  assert.equal(run.status, 'waiting');
  for (
    let i = 0;
    i < 100 && (await h.store.triggers.findEventWaits('order.paid', String(orderId), 10)).length === 0;
    i++
  ) {
    await new Promise((r) => setImmediate(r));
  }
  return run.id;
}

describe('event types', () => {
  test('exact, prefix wildcard, everything', () => {
    assert.ok(eventTypeMatches('order.paid', 'order.paid'));
    assert.ok(!eventTypeMatches('order.paid', 'order.paid.late'));
    assert.ok(eventTypeMatches('order.*', 'order.shipped'));
    assert.ok(!eventTypeMatches('order.*', 'invoice.created'));
    assert.ok(eventTypeMatches('*', 'project.status_changed'));
  });

  test('run by hand, the node emits a sample event; in a run, its item', async () => {
    const manual = await runNode(eventTriggerNode, {
      parameters: { eventType: 'order.paid' },
      now: '2026-03-28T10:00:00Z',
    });
    assert.deepEqual(manual.json, [
      [
        {
          type: 'order.paid',
          data: {},
          key: null,
          receivedAt: '2026-03-28T10:00:00.000Z',
          idempotencyKey: null,
        },
      ],
    ]);
    assert.deepEqual(
      (await runNode(eventTriggerNode, { parameters: { eventType: 'x' }, items: [{ type: 'x' }] })).json,
      [[{ type: 'x' }]],
    );
  });
});

for (const fixture of triggerFixtures()) {
  if (fixture.skip) {
    test(`event trigger: ${fixture.name}`, (t) => t.skip(fixture.skip));
    continue;
  }
  describe(`event trigger: ${fixture.name}`, () => {
    it('checks the type; activating a new version replaces the old registration', async () => {
      const h = await harness(fixture);
      try {
        const kind = new EventTrigger(h.proc.services);
        const bad = await h.save('wf-b', flow('order.*.x'));
        assert.match((await kind.check(bad, bad.workflow.nodes[0]))[0], /'\*' may only end the type/);
        const empty = await h.save('wf-e', flow(' '));
        assert.match((await kind.check(empty, empty.workflow.nodes[0]))[0], /required/);

        const v1 = await h.save('wf-a', flow('order.paid'));
        await kind.activate(v1, v1.workflow.nodes[0]);
        const v2 = await h.save('wf-a', flow('invoice.*'));
        await kind.activate(v2, v2.workflow.nodes[0]);
        assert.deepEqual(kind.registrations('order.paid'), []);
        assert.equal(kind.registrations('invoice.created')[0].version, v2.version);
        await kind.deactivate('wf-a');
        assert.deepEqual(kind.registrations('invoice.created'), []);
      } finally {
        await h.dispose();
      }
    });

    it('resumes the run waiting for its key, once; the pause index follows the run', async () => {
      const h = await harness(fixture);
      try {
        const { events, engine } = wired(h);
        const runId = await waitingRun(h, engine, 42);
        assert.deepEqual((await events.publish({ type: 'order.paid', key: '41', data: {} })).resumed, []);
        const paid = await events.publish({ type: 'order.paid', key: '42', data: { total: 10 } });
        assert.deepEqual(paid, { status: 202, runs: [], resumed: [runId] });
        assert.equal(await resumed(h, runId), 'succeeded');
        const steps = await h.store.runs.listSteps(runId);
        assert.deepEqual(steps.at(-1)?.output?.[0][0].json.data, { total: 10 });
        assert.equal(await h.store.timers.countPending(), 0, 'the delivery timer went with the wait');
        assert.deepEqual((await events.publish({ type: 'order.paid', key: '42', data: {} })).resumed, []);
      } finally {
        await h.dispose();
      }
    });

    it('a delivery claimed by a process that died is made by its timer', async () => {
      const h = await harness(fixture);
      try {
        const { events, engine } = wired(h);
        const runId = await waitingRun(h, engine, 7);
        const [wait] = await h.store.triggers.findEventWaits('order.paid', '7', 10);
        const item = {
          type: 'order.paid',
          data: { late: true },
          key: '7',
          receivedAt: h.clock.now().toISOString(),
          idempotencyKey: null,
        };
        const claimed = await h.store.triggers.claimEventWait(
          runId,
          {
            id: `event:${runId}:${wait.waitVersion}`,
            runId,
            kind: 'event',
            dueAt: new Date(h.clock.now().getTime() + 60_000),
            payload: { item, waitVersion: wait.waitVersion },
          },
          h.clock.now(),
        );
        assert.ok(claimed);
        h.clock.advance(60_000);
        const loop = h.proc.loop({ event: events.handle });
        assert.equal(await loop.tick(), 1);
        assert.equal(await resumed(h, runId), 'succeeded');
      } finally {
        await h.dispose();
      }
    });

    it('a delivery names the pause it is for: an older pause is gone; a row of an earlier build (one version less) still resumes', async () => {
      const h = await harness(fixture);
      try {
        const { events, engine } = wired(h);
        const runId = await waitingRun(h, engine, 9);
        const [wait] = await h.store.triggers.findEventWaits('order.paid', '9', 10);
        const loop = h.proc.loop({ event: events.handle });
        const deliver = async (waitVersion: number) => {
          const item = {
            type: 'order.paid',
            data: { v: waitVersion },
            key: '9',
            receivedAt: '',
            idempotencyKey: null,
          };
          const due = new Date(h.clock.now().getTime() + 1000);
          await h.store.timers.schedule({
            id: `event:${runId}:${waitVersion}`,
            runId,
            kind: 'event',
            dueAt: due,
            payload: { item, waitVersion },
          });
          h.clock.advance(1000);
          assert.equal(await loop.tick(), 1);
        };
        await deliver(wait.waitVersion - 2);
        assert.equal(
          (await h.store.runs.getRun(runId))?.status,
          'waiting',
          'a delivery for an older pause is dropped',
        );
        await deliver(wait.waitVersion - 1);
        assert.equal(await resumed(h, runId), 'succeeded');
        const steps = await h.store.runs.listSteps(runId);
        assert.deepEqual(steps.at(-1)?.output?.[0][0].json.data, { v: wait.waitVersion - 1 });
      } finally {
        await h.dispose();
      }
    });

    it('a repeated idempotency key creates the runs a crash kept the first request from creating', async () => {
      const h = await harness(fixture);
      try {
        const kind = new EventTrigger(h.proc.services);
        const saved = await h.save('wf-i', flow('order.paid'));
        await kind.activate(saved, saved.workflow.nodes[0]);
        // The first request took the key with its plan, then the process died.
        const runId = deterministicId('event', 'order.paid', 'k-1', 'wf-i', 't');
        await h.store.triggers.claimOnce(
          'event:order.paid',
          'k-1',
          {
            runs: [runId],
            resumed: [],
            item: { type: 'order.paid', data: { n: 1 } },
            plan: [{ runId, workflowId: 'wf-i', version: saved.version, nodeId: 't' }],
          },
          h.clock.now(),
        );
        const replay = await kind.publish({ type: 'order.paid', data: { n: 1 }, idempotencyKey: 'k-1' });
        assert.deepEqual(replay, { status: 200, runs: [runId], resumed: [] });
        await h.settle();
        assert.equal((await h.store.runs.getRun(runId))?.status, 'succeeded');
        await kind.publish({ type: 'order.paid', data: {}, idempotencyKey: 'k-1' });
        assert.equal((await h.runs('wf-i')).length, 1);
      } finally {
        await h.dispose();
      }
    });
  });
}
