/**
 * Sub-workflows through the real runtime (SQLite, and PostgreSQL when RELAIS_TEST_DATABASE_URL is
 * set): the runtime wires the SUBWORKFLOWS service, a parent's Execute Workflow node runs a stored
 * child and outputs its result; a failing child fails the parent's step.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer, testDatabases } from '../../src/testing/server.js';
import { createAutomation, expectStatus, greetWorkflow } from './api-kit.js';

function child(name: string, last: Record<string, unknown>): Record<string, unknown> {
  return {
    name,
    nodes: [
      {
        id: 't',
        name: 'When called',
        type: 'executeWorkflowTrigger',
        parameters: { inputSource: 'passthrough' },
      },
      { id: 'x', name: 'Work', position: [220, 0], ...last },
    ],
    connections: [{ from: 'When called', to: 'Work' }],
  };
}

function parent(workflowId: string): Record<string, unknown> {
  return {
    name: `Calls ${workflowId}`,
    nodes: [
      { id: 's', name: 'Start', type: 'manualTrigger' },
      { id: 'e', name: 'Call', type: 'executeWorkflow', position: [220, 0], parameters: { workflowId } },
    ],
    connections: [{ from: 'Start', to: 'Call' }],
  };
}

for (const database of testDatabases()) {
  describe(`sub-workflows in the runtime (${database})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer({ database });
    });
    after(() => server.stop());

    it('a parent runs a stored child with its items and outputs the child’s last node', async () => {
      const greet = greetWorkflow('Child greet') as { nodes: Record<string, unknown>[] };
      const childId = await createAutomation(
        server,
        child('Child greet', { type: 'set', parameters: greet.nodes[1].parameters }),
      );
      const parentId = await createAutomation(server, parent(childId));
      const run = await server.request('POST', `/api/automations/${parentId}/run`, {
        as: 'editor',
        json: { items: [{ name: 'Ada' }, { name: 'Grace' }] },
      });
      expectStatus(run, 200);
      assert.equal(run.body.status, 'succeeded', JSON.stringify(run.body.error));
      const call = run.body.executionLog.find((s: { nodeName: string }) => s.nodeName === 'Call');
      assert.deepEqual(
        call.output[0].map((i: { json: unknown }) => i.json),
        [
          { name: 'Ada', greeting: 'Hello Ada' },
          { name: 'Grace', greeting: 'Hello Grace' },
        ],
      );
    });

    it('a failing child fails the parent’s step with the child workflow, node and run', async () => {
      const childId = await createAutomation(
        server,
        child('Child fails', { type: 'stopAndError', parameters: { errorMessage: 'no stock' } }),
      );
      const parentId = await createAutomation(server, parent(childId));
      const run = await server.request('POST', `/api/automations/${parentId}/run`, { as: 'editor' });
      expectStatus(run, 200);
      assert.equal(run.body.status, 'failed');
      assert.match(run.body.error.message, /Sub-workflow 'Child fails' failed at node 'Work': no stock/);
      assert.match(run.body.error.description, /Child run [0-9a-f-]{36}/);
    });
  });
}
