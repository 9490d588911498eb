/**
 * Webhook idempotency over HTTP: the same key within the window returns the first run's answer
 * (same status, same `runId`) and starts nothing, sequentially and under concurrent duplicates;
 * on SQLite, and on PostgreSQL when RELAIS_TEST_DATABASE_URL is set.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ManualClock } from '../../src/engine/clock.js';
import { testDatabases } from '../../src/testing/server.js';
import { call, deploy, respondNode, runsOf, setNode, webhookFlow, withServer } from './webhooks-kit.js';

for (const database of testDatabases()) {
  describe(`webhook idempotency (${database})`, () => {
    it('the same Idempotency-Key returns the first answer and starts no second run', () =>
      withServer(
        async (server) => {
          const id = await deploy(
            server,
            webhookFlow({ path: 'orders', httpMethod: 'POST', immediateResponse: 'runId' }),
          );
          const headers = { 'idempotency-key': 'order-1001' };
          const first = await call(server, 'POST', '/webhook/orders', { json: { n: 1 }, headers });
          assert.equal(first.status, 202);
          const again = await call(server, 'POST', '/webhook/orders', { json: { n: 1 }, headers });
          assert.equal(again.status, 202);
          assert.deepEqual(again.body, first.body);
          assert.equal(again.headers.get('idempotent-replayed'), 'true');
          const other = await call(server, 'POST', '/webhook/orders', {
            json: { n: 2 },
            headers: { 'idempotency-key': 'order-1002' },
          });
          assert.notEqual(other.body.runId, first.body.runId);
          const without = await call(server, 'POST', '/webhook/orders', { json: { n: 3 } });
          assert.equal(without.status, 202);
          assert.equal((await runsOf(server, id)).length, 3);
        },
        { database },
      ));

    it('concurrent duplicates start exactly one run and all get its runId', () =>
      withServer(
        async (server) => {
          const id = await deploy(
            server,
            webhookFlow({ path: 'burst', httpMethod: 'POST', immediateResponse: 'runId' }),
          );
          const replies = await Promise.all(
            Array.from({ length: 20 }, () =>
              call(server, 'POST', '/webhook/burst', { json: {}, headers: { 'idempotency-key': 'same' } }),
            ),
          );
          const runs = await runsOf(server, id);
          assert.equal(runs.length, 1);
          for (const r of replies) {
            assert.equal(r.status, 202, r.text);
            assert.deepEqual(r.body, { runId: runs[0].id });
          }
        },
        { database },
      ));

    it('a key from a body field; the window ends; disabled means no deduplication', () =>
      withServer(
        async (server) => {
          const id = await deploy(
            server,
            webhookFlow({
              path: 'crm',
              httpMethod: 'POST',
              immediateResponse: 'runId',
              idempotency: { bodyField: 'notification.id', windowSeconds: 60 },
            }),
          );
          const body = { notification: { id: 42 }, actionType: 'GENERER_DEVIS' };
          const a = await call(server, 'POST', '/webhook/crm', { json: body });
          const b = await call(server, 'POST', '/webhook/crm', { json: body });
          assert.equal(a.body.runId, b.body.runId);
          (server.clock as ManualClock).advance(60_001);
          const c = await call(server, 'POST', '/webhook/crm', { json: body });
          assert.notEqual(c.body.runId, a.body.runId);
          assert.equal((await runsOf(server, id)).length, 2);

          const off = await deploy(
            server,
            webhookFlow({ path: 'off', httpMethod: 'POST', idempotency: { enabled: false } }),
          );
          await call(server, 'POST', '/webhook/off', { json: {}, headers: { 'idempotency-key': 'k' } });
          await call(server, 'POST', '/webhook/off', { json: {}, headers: { 'idempotency-key': 'k' } });
          assert.equal((await runsOf(server, off)).length, 2);
        },
        { database },
      ));

    it('responseNode: a duplicate gets the first answer (status, body) once it exists', () =>
      withServer(
        async (server) => {
          const id = await deploy(
            server,
            webhookFlow({ path: 'quote', httpMethod: 'POST', responseMode: 'responseNode' }, [
              setNode('Price', 'price', '={{ $json.body.qty * 10 }}'),
              respondNode({
                respondWith: 'json',
                responseBody: '={{ { price: $json.price, run: $execution.id } }}',
                options: { responseCode: 201 },
              }),
            ]),
          );
          const headers = { 'idempotency-key': 'q-1' };
          const first = await call(server, 'POST', '/webhook/quote', { json: { qty: 3 }, headers });
          assert.equal(first.status, 201);
          const again = await call(server, 'POST', '/webhook/quote', { json: { qty: 99 }, headers });
          assert.equal(again.status, 201);
          assert.deepEqual(again.body, first.body);
          assert.equal(first.body.price, '30');
          assert.equal((await runsOf(server, id)).length, 1);
        },
        { database },
      ));
  });
}
