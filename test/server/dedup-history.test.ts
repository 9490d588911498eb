/**
 * Remove Duplicates across runs, end to end on a real server (SQLite, and PostgreSQL when
 * RELAIS_TEST_DATABASE_URL is set): an n8n workflow of the CMS poller of seeds/002 (an order is
 * handled once per status), imported as it is and run by hand twice.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer, testDatabases } from '../../src/testing/server.js';
import { expectStatus } from './api-kit.js';

const n8nWorkflow = {
  name: 'Orders once per status',
  nodes: [
    {
      id: 'a1',
      name: 'When clicking',
      type: 'n8n-nodes-base.manualTrigger',
      typeVersion: 1,
      position: [0, 0],
      parameters: {},
    },
    {
      id: 'a2',
      name: 'New order events',
      type: 'n8n-nodes-base.removeDuplicates',
      typeVersion: 2,
      position: [220, 0],
      parameters: {
        operation: 'removeItemsSeenInPreviousExecutions',
        dedupeValue: '={{ $json._id }}:{{ $json.status }}',
        options: {},
      },
    },
  ],
  connections: { 'When clicking': { main: [[{ node: 'New order events', type: 'main', index: 0 }]] } },
};

for (const database of testDatabases()) {
  describe(`Remove Duplicates across runs (${database})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer({ database });
    });
    after(() => server.stop());

    it('an imported n8n workflow passes each order status on once, run after run', async () => {
      const created = await server.request('POST', '/api/automations', { as: 'editor', json: n8nWorkflow });
      expectStatus(created, 201);
      const run = async (items: object[]) => {
        const res = await server.request('POST', `/api/automations/${created.body.id}/run`, {
          as: 'editor',
          json: { items },
        });
        expectStatus(res, 200);
        assert.equal(res.body.status, 'succeeded');
        const step = res.body.executionLog.find(
          (s: { nodeName: string }) => s.nodeName === 'New order events',
        );
        return step.output[0].map(
          (i: { json: { _id: string; status: string } }) => `${i.json._id}:${i.json.status}`,
        );
      };
      assert.deepEqual(
        await run([
          { _id: 'o1', status: 'pending' },
          { _id: 'o2', status: 'pending' },
        ]),
        ['o1:pending', 'o2:pending'],
      );
      assert.deepEqual(
        await run([
          { _id: 'o1', status: 'paid' },
          { _id: 'o2', status: 'pending' },
          { _id: 'o3', status: 'pending' },
        ]),
        ['o1:paid', 'o3:pending'],
      );
      assert.deepEqual(await run([{ _id: 'o1', status: 'paid' }]), []);
    });
  });
}
