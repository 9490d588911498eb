/**
 * App events through the real API (`POST /api/events`): Event Triggers by exact type and wildcard,
 * filters, idempotency keys (body or header), inactive automations, runs waiting on a Wait node for
 * an event (matched by key, with a timeout branch), permissions and validation.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ManualClock } from '../../src/engine/clock.js';
import type { RunRecord } from '../../src/engine/ports.js';
import { type TestServer, testDatabases } from '../../src/testing/server.js';
import { deploy, withServer } from './webhooks-kit.js';

type Params = Record<string, unknown>;

function eventFlow(name: string, trigger: Params): Params {
  return {
    name,
    nodes: [
      { id: 't', name: 'On event', type: 'eventTrigger', parameters: trigger },
      { id: 'n', name: 'Handle', type: 'noOp', position: [200, 0], parameters: {} },
    ],
    connections: [{ from: 'On event', to: 'Handle' }],
  };
}

/** Manual trigger → order 42 → Wait for `order.paid` with that key (7 days) → Thank you | Timed out. */
const waitFlow: Params = {
  name: 'thank you after payment',
  nodes: [
    { id: 'm', name: 'Start', type: 'manualTrigger', parameters: {} },
    {
      id: 's',
      name: 'Order',
      type: 'set',
      position: [200, 0],
      parameters: { assignments: { assignments: [{ id: 'o', name: 'orderId', type: 'number', value: 42 }] } },
    },
    {
      id: 'w',
      name: 'Wait for payment',
      type: 'wait',
      position: [400, 0],
      parameters: {
        resume: 'event',
        eventType: 'order.paid',
        eventKey: '={{ $json.orderId }}',
        limitWaitTime: true,
        resumeAmount: 7,
        resumeUnit: 'days',
      },
    },
    { id: 'a', name: 'Thank you', type: 'noOp', position: [600, 0], parameters: {} },
    { id: 'b', name: 'Timed out', type: 'noOp', position: [600, 200], parameters: {} },
  ],
  connections: [
    { from: 'Start', to: 'Order' },
    { from: 'Order', to: 'Wait for payment' },
    { from: 'Wait for payment', output: 'main', to: 'Thank you' },
    { from: 'Wait for payment', output: 'timeout', to: 'Timed out' },
  ],
};

async function send(server: TestServer, json: Params, headers: Record<string, string> = {}) {
  return server.request('POST', '/api/events', { as: { apiKey: 'editor' }, json, headers });
}

/**
 * Waits (without the wall clock) until the run reached a state where `done` holds, firing due
 * timers meanwhile (the runtime's own timer loop may have claimed them first: both are fine).
 */
async function runUntil(server: TestServer, id: string, done: (r: RunRecord) => boolean): Promise<RunRecord> {
  for (let i = 0; i < 5000; i++) {
    const run = await server.runtime.store.runs.getRun(id);
    if (run && done(run)) return run;
    await server.runtime.timerLoop.tick();
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(`run ${id} did not get there`);
}

const settled = (r: RunRecord) => r.status !== 'queued' && r.status !== 'running';
const finished = (r: RunRecord) => settled(r) && r.status !== 'waiting';

async function runsOf(server: TestServer, automationId: string): Promise<RunRecord[]> {
  return (await server.runtime.store.runs.listRuns({ workflowId: automationId, limit: 100 })).items;
}

async function executed(server: TestServer, runId: string): Promise<string[]> {
  return (await server.runtime.store.runs.listSteps(runId))
    .filter((s) => s.status === 'succeeded')
    .map((s) => s.nodeName);
}

for (const database of testDatabases()) {
  describe(`app events (${database})`, () => {
    it('starts every matching active automation: exact type, wildcard with a filter', () =>
      withServer(
        async (server) => {
          const paid = await deploy(server, eventFlow('paid', { eventType: 'order.paid' }));
          const big = await deploy(
            server,
            eventFlow('big orders', { eventType: 'order.*', filter: '={{ $json.data.total > 100 }}' }),
          );
          const invoices = await deploy(server, eventFlow('invoices', { eventType: 'invoice.created' }));
          const inactive = await deploy(server, eventFlow('inactive', { eventType: 'order.paid' }), false);

          const small = await send(server, { type: 'order.paid', data: { orderId: 1, total: 50 } });
          assert.equal(small.status, 202, small.text);
          assert.equal(small.body.runs.length, 1);
          assert.deepEqual(small.body.resumed, []);
          const run = await runUntil(server, small.body.runs[0], finished);
          assert.equal(run.workflowId, paid);
          assert.equal(run.status, 'succeeded');
          assert.equal(run.mode, 'event');
          const item = run.triggerItems[0].json;
          assert.deepEqual(
            { ...item, receivedAt: undefined },
            {
              type: 'order.paid',
              data: { orderId: 1, total: 50 },
              key: null,
              receivedAt: undefined,
              idempotencyKey: null,
            },
          );
          assert.equal(item.receivedAt, server.clock.now().toISOString());

          const large = await send(server, { type: 'order.paid', data: { orderId: 2, total: 150 } });
          assert.equal(large.body.runs.length, 2);
          const shipped = await send(server, { type: 'order.shipped', data: { total: 500 } });
          assert.equal(shipped.body.runs.length, 1, 'order.* matches order.shipped');
          for (const id of [...large.body.runs, ...shipped.body.runs]) await runUntil(server, id, finished);
          assert.equal((await runsOf(server, big)).length, 2);
          assert.equal((await runsOf(server, invoices)).length, 0);
          assert.equal((await runsOf(server, inactive)).length, 0);

          const none = await send(server, { type: 'project.status_changed', data: {} });
          assert.deepEqual(none.body, { runs: [], resumed: [] });

          // Deactivated: no more runs.
          await server.request('PATCH', `/api/automations/${paid}/toggle`, {
            as: 'editor',
            json: { isActive: false },
          });
          const after = await send(server, { type: 'order.paid', data: { total: 1 } });
          assert.deepEqual(after.body.runs, []);
        },
        { database },
      ));

    it('a repeated idempotency key starts nothing and gets the first answer', () =>
      withServer(
        async (server) => {
          const id = await deploy(server, eventFlow('paid', { eventType: 'order.paid' }));
          const first = await send(server, {
            type: 'order.paid',
            data: { orderId: 9 },
            idempotencyKey: 'pay-9',
          });
          assert.equal(first.status, 202);
          const again = await send(server, {
            type: 'order.paid',
            data: { orderId: 9 },
            idempotencyKey: 'pay-9',
          });
          assert.equal(again.status, 200);
          assert.deepEqual(again.body, first.body);
          const header = await send(
            server,
            { type: 'order.paid', data: { orderId: 9 } },
            { 'idempotency-key': 'pay-9' },
          );
          assert.equal(header.status, 200, 'the Idempotency-Key header counts too');
          const concurrent = await Promise.all(
            [1, 2, 3].map(() => send(server, { type: 'order.paid', data: {}, idempotencyKey: 'pay-10' })),
          );
          assert.deepEqual(concurrent.map((r) => r.status).sort(), [200, 200, 202]);
          const otherType = await send(server, { type: 'order.refunded', data: {}, idempotencyKey: 'pay-9' });
          assert.equal(otherType.status, 202, 'keys are per type');
          for (const r of [first, ...concurrent]) await runUntil(server, r.body.runs[0], finished);
          assert.equal((await runsOf(server, id)).length, 2, 'one run per key');
        },
        { database },
      ));

    it('resumes the run waiting for its key; the timeout branch when none comes', () =>
      withServer(
        async (server) => {
          const id = await deploy(server, waitFlow, false);
          const started = await server.request('POST', `/api/automations/${id}/run`, {
            as: 'editor',
            json: {},
          });
          assert.equal(started.status, 200, started.text);
          assert.equal(started.body.status, 'waiting');
          const runId = started.body.id as string;

          const other = await send(server, { type: 'order.paid', key: 7, data: { orderId: 7 } });
          assert.deepEqual(other.body.resumed, [], 'another order');
          const paid = await send(server, { type: 'order.paid', key: 42, data: { orderId: 42, total: 99 } });
          assert.deepEqual(paid.body.resumed, [runId]);
          const run = await runUntil(server, runId, finished);
          assert.equal(run.status, 'succeeded');
          assert.deepEqual(await executed(server, runId), [
            'Start',
            'Order',
            'Wait for payment',
            'Thank you',
          ]);
          const steps = await server.runtime.store.runs.listSteps(runId);
          const thanks = steps.find((s) => s.nodeName === 'Thank you');
          assert.deepEqual((thanks?.output?.[0][0].json as Params | undefined)?.data, {
            orderId: 42,
            total: 99,
          });
          const twice = await send(server, { type: 'order.paid', key: 42, data: {} });
          assert.deepEqual(twice.body.resumed, [], 'a wait is resumed once');

          const late = await server.request('POST', `/api/automations/${id}/run`, { as: 'editor', json: {} });
          (server.clock as ManualClock).advance(7 * 86_400_000 + 1000);
          const timedOut = await runUntil(server, late.body.id, finished);
          assert.equal(timedOut.status, 'succeeded');
          assert.deepEqual(await executed(server, timedOut.id), [
            'Start',
            'Order',
            'Wait for payment',
            'Timed out',
          ]);
          const none = await send(server, { type: 'order.paid', key: 42, data: {} });
          assert.deepEqual(none.body.resumed, [], 'a timed-out wait no longer listens');
        },
        { database },
      ));

    it('needs events:write; validates the body', () =>
      withServer(
        async (server) => {
          const anonymous = await server.request('POST', '/api/events', { json: { type: 'a' } });
          assert.equal(anonymous.status, 401);
          const viewer = await server.request('POST', '/api/events', {
            as: { apiKey: 'viewer' },
            json: { type: 'a' },
          });
          assert.equal(viewer.status, 403);
          const user = await server.request('POST', '/api/events', {
            as: 'editor',
            json: { type: 'a', data: [] },
          });
          assert.equal(user.status, 202, 'a signed-in editor may send events too');
          const noType = await send(server, { data: {} });
          assert.equal(noType.status, 400);
          assert.equal(noType.body.error.code, 'invalid_request');
          const extra = await send(server, { type: 'a', unknown: 1 });
          assert.equal(extra.status, 400);
        },
        { database },
      ));
  });
}
