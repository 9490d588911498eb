/**
 * Schedule and poll triggers through the real API: activation by the toggle route (twice: still one
 * timer), runs by the runtime's timer loop, and `GET /api/automations/:id/trigger-status` showing the
 * next tick, the last poll, failures and their back-off.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import type { ManualClock } from '../../src/engine/clock.js';
import { type TestServer, testDatabases } from '../../src/testing/server.js';
import { credential, deploy, withServer } from './webhooks-kit.js';

async function tickUntil(server: TestServer, done: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (await done()) return;
    await server.runtime.timerLoop.tick();
    await new Promise((r) => setImmediate(r));
  }
  throw new Error('condition not reached');
}

async function status(server: TestServer, id: string) {
  const res = await server.request('GET', `/api/automations/${id}/trigger-status`, { as: 'viewer' });
  assert.equal(res.status, 200, res.text);
  return res.body.triggers as Record<string, unknown>[];
}

for (const database of testDatabases()) {
  describe(`schedule and poll triggers through the API (${database})`, () => {
    it('a schedule toggled on twice keeps one tick; the timer loop starts one run per tick', () =>
      withServer(
        async (server) => {
          const clock = server.clock as ManualClock;
          clock.set('2026-03-28T10:00:30Z');
          const id = await deploy(server, {
            name: 'every minute',
            nodes: [
              {
                id: 's',
                name: 'Schedule',
                type: 'scheduleTrigger',
                typeVersion: 1.2,
                parameters: { rule: { interval: [{ field: 'cronExpression', expression: '0 * * * * *' }] } },
              },
              { id: 'n', name: 'Next', type: 'noOp', position: [200, 0], parameters: {} },
            ],
            connections: [{ from: 'Schedule', to: 'Next' }],
          });
          const again = await server.request('PATCH', `/api/automations/${id}/toggle`, {
            as: 'editor',
            json: { isActive: true },
          });
          assert.equal(again.status, 200);
          assert.equal(await server.runtime.store.timers.countPending(), 1);
          assert.deepEqual(await status(server, id), [
            {
              nodeId: 's',
              node: 'Schedule',
              kind: 'schedule',
              active: true,
              nextAt: '2026-03-28T10:01:00.000Z',
              lastTickAt: null,
            },
          ]);
          const runs = () => server.runtime.store.runs.listRuns({ workflowId: id, limit: 10 });
          for (const minute of ['01', '02']) {
            clock.set(`2026-03-28T10:${minute}:00.2Z`);
            await tickUntil(server, async () => (await runs()).items.length === Number(minute));
          }
          assert.equal((await status(server, id))[0].lastTickAt, '2026-03-28T10:02:00.000Z');

          await server.request('PATCH', `/api/automations/${id}/toggle`, {
            as: 'editor',
            json: { isActive: false },
          });
          assert.equal(await server.runtime.store.timers.countPending(), 0);
          assert.equal((await status(server, id))[0].active, false);
        },
        { database },
      ));

    it('a poll shows its last poll, its failures and back-off, then recovers', () =>
      withServer(
        async (server) => {
          let fail = false;
          const cms = createServer((req, res) => {
            if (req.headers.authorization !== 'Bearer cms-token') return void res.writeHead(401).end();
            if (fail) return void res.writeHead(503).end('maintenance');
            res
              .writeHead(200, { 'content-type': 'application/json' })
              .end(JSON.stringify({ data: [{ _id: 'o1', status: 'paid' }] }));
          });
          await new Promise<void>((resolve) => cms.listen(0, '127.0.0.1', resolve));
          try {
            const url = `http://127.0.0.1:${(cms.address() as AddressInfo).port}/api/orders`;
            if (!(await credential(server, 'httpBearerAuth', 'CMS', { token: 'cms-token' }))) return;
            const clock = server.clock as ManualClock;
            clock.set('2026-03-28T10:00:00Z');
            const id = await deploy(server, {
              name: 'orders',
              nodes: [
                {
                  id: 'p',
                  name: 'Orders',
                  type: 'pollTrigger',
                  parameters: {
                    url,
                    authentication: 'httpBearerAuth',
                    intervalSeconds: 60,
                    dedupKey: '={{ $json._id }}:{{ $json.status }}',
                  },
                  credentials: { httpBearerAuth: { name: 'CMS' } },
                },
                { id: 'n', name: 'Next', type: 'noOp', position: [200, 0], parameters: {} },
              ],
              connections: [{ from: 'Orders', to: 'Next' }],
            });
            const polled = async (n: number) =>
              (await status(server, id))[0].lastPollAt !== null &&
              (await status(server, id))[0].keysSeen === n;
            await tickUntil(server, () => polled(1));
            let [poll] = await status(server, id);
            assert.deepEqual(
              { ...poll, cursor: undefined },
              {
                nodeId: 'p',
                node: 'Orders',
                kind: 'poll',
                active: true,
                nextAt: '2026-03-28T10:01:00.000Z',
                lastPollAt: '2026-03-28T10:00:00.000Z',
                lastSuccessAt: '2026-03-28T10:00:00.000Z',
                lastError: null,
                consecutiveFailures: 0,
                cursor: undefined,
                lastItems: 1,
                lastNew: 1,
                keysSeen: 1,
              },
            );
            assert.equal(
              (await server.runtime.store.runs.listRuns({ workflowId: id, limit: 10 })).items.length,
              0,
              'first poll: recorded only',
            );

            fail = true;
            clock.set('2026-03-28T10:01:00Z');
            await tickUntil(server, async () => (await status(server, id))[0].consecutiveFailures === 1);
            [poll] = await status(server, id);
            assert.match(String(poll.lastError), /HTTP 503/);
            assert.equal(poll.nextAt, '2026-03-28T10:02:00.000Z');
            clock.set('2026-03-28T10:02:00Z');
            await tickUntil(server, async () => (await status(server, id))[0].consecutiveFailures === 2);
            assert.equal((await status(server, id))[0].nextAt, '2026-03-28T10:04:00.000Z');

            fail = false;
            clock.set('2026-03-28T10:04:00Z');
            await tickUntil(server, async () => (await status(server, id))[0].consecutiveFailures === 0);
            assert.equal((await status(server, id))[0].lastError, null);

            const anonymous = await server.request('GET', `/api/automations/${id}/trigger-status`);
            assert.equal(anonymous.status, 401);
            const missing = await server.request('GET', '/api/automations/nope/trigger-status', {
              as: 'viewer',
            });
            assert.equal(missing.status, 404);
          } finally {
            await new Promise<void>((resolve) => cms.close(() => resolve()));
          }
        },
        { database },
      ));
  });
}
