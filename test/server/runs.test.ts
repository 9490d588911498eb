/**
 * `/api/automation-runs` over HTTP: history with filters and cursors, one run with its execution
 * log, cancel (waiting, queued, finished), delete (refused while in flight), retry.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { ManualClock } from '../../src/engine/clock.js';
import { startTestServer, type TestServer, testDatabases } from '../../src/testing/server.js';
import {
  allPages,
  auditActions,
  createAutomation,
  expectStatus,
  failingWorkflow,
  greetWorkflow,
  settledRun,
  waitingWorkflow,
} from './api-kit.js';

for (const database of testDatabases()) {
  describe(`runs API (${database})`, () => {
    let server: TestServer;
    const clock = () => server.clock as ManualClock;
    /** A run created but never handed to the queue: it stays `queued`. */
    const queuedRun = async (automationId: string): Promise<string> => {
      const record = await server.runtime.store.workflows.getWorkflow(automationId);
      assert.ok(record);
      const run = await server.runtime.engine.create({
        workflow: record.workflow,
        workflowId: record.id,
        workflowVersion: record.version,
        mode: 'manual',
      });
      return run.id;
    };
    before(async () => {
      server = await startTestServer({ database });
    });
    after(() => server.stop());

    it('lists runs newest first, filtered by automation, status, mode, test flag and time, with cursors', async () => {
      const greet = await createAutomation(server, greetWorkflow('Listed'));
      const fails = await createAutomation(server, failingWorkflow('boom', 'Listed failing'));
      const t0 = clock().now().getTime();
      const started: string[] = [];
      for (const [id, kind] of [
        [greet, 'run'],
        [greet, 'run'],
        [greet, 'test'],
        [fails, 'run'],
      ] as const) {
        clock().advance(60_000);
        const res = await server.request('POST', `/api/automations/${id}/${kind}`, { as: 'editor' });
        expectStatus(res, 200);
        started.push(res.body.id);
      }
      const list = async (query: string) => {
        const res = await server.request('GET', `/api/automation-runs?${query}`, { as: 'viewer' });
        expectStatus(res, 200);
        return res.body.items.map((r: { id: string }) => r.id);
      };
      assert.deepEqual(await list(`automationId=${greet}`), [started[2], started[1], started[0]]);
      assert.deepEqual(await list(`automationId=${fails}&status=failed`), [started[3]]);
      assert.deepEqual(await list(`automationId=${greet}&status=failed,canceled`), []);
      assert.deepEqual(await list(`automationId=${greet}&status=failed&status=succeeded`), [
        started[2],
        started[1],
        started[0],
      ]);
      assert.deepEqual(await list(`automationId=${greet}&mode=test`), [started[2]]);
      assert.deepEqual(await list(`automationId=${greet}&isTest=false`), [started[1], started[0]]);
      const from = new Date(t0 + 90_000).toISOString();
      const to = new Date(t0 + 240_000).toISOString();
      assert.deepEqual(await list(`from=${from}&to=${to}`), [started[2], started[1]]);

      const { ids, pages } = await allPages(server, `/api/automation-runs?automationId=${greet}`, 1);
      assert.deepEqual(ids, [started[2], started[1], started[0]]);
      assert.equal(pages, 3);
      const summary = (
        await server.request('GET', `/api/automation-runs?automationId=${fails}`, { as: 'viewer' })
      ).body.items[0];
      assert.equal(summary.automationName, 'Listed failing');
      assert.equal(summary.error.message, 'boom');
      assert.equal(summary.executionLog, undefined, 'lists carry summaries');
      for (const bad of ['status=lost', 'mode=magic', 'from=yesterday', 'cursor=%25%25', 'isTest=perhaps']) {
        expectStatus(await server.request('GET', `/api/automation-runs?${bad}`, { as: 'viewer' }), 400);
      }
      expectStatus(await server.request('GET', '/api/automation-runs', { as: 'anonymous' }), 401);
    });

    it('shows one run with trigger data, current node, error and every step', async () => {
      const id = await createAutomation(server, failingWorkflow('Import refusé'));
      const started = await server.request('POST', `/api/automations/${id}/run`, {
        as: 'editor',
        json: { items: { fichier: 'patients.csv' } },
      });
      const res = await server.request('GET', `/api/automation-runs/${started.body.id}`, { as: 'viewer' });
      expectStatus(res, 200);
      assert.equal(res.body.status, 'failed');
      assert.equal(res.body.currentNode, 'Stop');
      assert.deepEqual(res.body.triggerData, [{ json: { fichier: 'patients.csv' } }]);
      assert.deepEqual(res.body.error, { message: 'Import refusé', node: 'Stop', ...pick(res.body.error) });
      assert.deepEqual(
        res.body.executionLog.map((s: { nodeName: string; status: string }) => [s.nodeName, s.status]),
        [
          ['Start', 'succeeded'],
          ['Stop', 'failed'],
        ],
      );
      assert.equal(res.body.executionLog[1].error.message, 'Import refusé');
      assert.deepEqual(res.body.executionLog[1].input, res.body.executionLog[0].output);
      expectStatus(await server.request('GET', '/api/automation-runs/missing', { as: 'viewer' }), 404);
    });

    it('cancels a waiting run (its timer goes) and a queued one; a finished run cannot be canceled', async () => {
      const id = await createAutomation(server, waitingWorkflow());
      const timersBefore = await server.runtime.store.timers.countPending();
      const waiting = await server.request('POST', `/api/automations/${id}/run`, { as: 'editor' });
      expectStatus(waiting, 200);
      assert.equal(waiting.body.status, 'waiting');
      assert.equal(waiting.body.waitTill, new Date(clock().now().getTime() + 3_600_000).toISOString());
      assert.equal(waiting.body.executionLog.at(-1).status, 'waiting');
      assert.equal(await server.runtime.store.timers.countPending(), timersBefore + 1);

      expectStatus(
        await server.request('POST', `/api/automation-runs/${waiting.body.id}/cancel`, { as: 'viewer' }),
        403,
      );
      const canceled = await server.request('POST', `/api/automation-runs/${waiting.body.id}/cancel`, {
        as: 'editor',
      });
      expectStatus(canceled, 200);
      assert.equal(canceled.body.status, 'canceled');
      assert.equal(canceled.body.finishedAt, clock().now().toISOString());
      assert.equal(canceled.body.waitTill, null);
      assert.equal(await server.runtime.store.timers.countPending(), timersBefore);
      const again = await server.request('POST', `/api/automation-runs/${waiting.body.id}/cancel`, {
        as: 'editor',
      });
      expectStatus(again, 409);
      assert.deepEqual(await auditActions(server, waiting.body.id), ['run.canceled']);

      const queued = await queuedRun(id);
      const stopped = await server.request('POST', `/api/automation-runs/${queued}/cancel`, { as: 'editor' });
      expectStatus(stopped, 200);
      assert.equal(stopped.body.status, 'canceled');
      expectStatus(
        await server.request('POST', '/api/automation-runs/missing/cancel', { as: 'editor' }),
        404,
      );
    });

    it('asks a run executing in this process to stop at the next node (202)', async () => {
      const id = await createAutomation(server, greetWorkflow('Busy'));
      const runId = await queuedRun(id);
      const engine = server.runtime.engine;
      const asked: string[] = [];
      // Stands for a run between two nodes here: the engine holds its abort controller.
      const original = engine.cancel;
      engine.cancel = (rid: string) => {
        asked.push(rid);
        return true;
      };
      try {
        const res = await server.request('POST', `/api/automation-runs/${runId}/cancel`, { as: 'editor' });
        expectStatus(res, 202);
        assert.equal(res.body.status, 'queued', 'the engine ends it itself, at its next checkpoint');
      } finally {
        engine.cancel = original;
      }
      assert.deepEqual(asked, [runId]);
      assert.deepEqual(await auditActions(server, runId), ['run.canceled']);
    });

    it('deletes a finished run with its steps, and refuses (409) while it is queued', async () => {
      const id = await createAutomation(server, greetWorkflow('Deletable'));
      const run = await server.request('POST', `/api/automations/${id}/run`, { as: 'editor' });
      const queued = await queuedRun(id);
      const refused = await server.request('DELETE', `/api/automation-runs/${queued}`, { as: 'editor' });
      expectStatus(refused, 409);
      assert.match(refused.body.error.message, /queued/);
      expectStatus(
        await server.request('DELETE', `/api/automation-runs/${run.body.id}`, { as: 'viewer' }),
        403,
      );
      const deleted = await server.request('DELETE', `/api/automation-runs/${run.body.id}`, { as: 'editor' });
      expectStatus(deleted, 204);
      expectStatus(await server.request('GET', `/api/automation-runs/${run.body.id}`, { as: 'viewer' }), 404);
      assert.deepEqual(await server.runtime.store.runs.listSteps(run.body.id), []);
      expectStatus(
        await server.request('DELETE', `/api/automation-runs/${run.body.id}`, { as: 'editor' }),
        404,
      );
      assert.deepEqual(await auditActions(server, run.body.id), ['run.deleted']);
    });

    it('retries a run from the trigger with the same trigger data on the current version', async () => {
      const id = await createAutomation(server, greetWorkflow('Retried'));
      const first = await server.request('POST', `/api/automations/${id}/test`, {
        as: 'editor',
        json: { items: { name: 'Ada' } },
      });
      expectStatus(first, 200);
      // The automation changes between the run and its retry: the retry runs the new version.
      const doc = greetWorkflow('Retried v2');
      const assignment = (
        doc.nodes as { parameters?: { assignments: { assignments: { value: string }[] } } }[]
      )[1];
      assignment.parameters!.assignments.assignments[0].value = '=Bonjour {{ $json.name }}';
      expectStatus(await server.request('PUT', `/api/automations/${id}`, { as: 'editor', json: doc }), 200);

      expectStatus(
        await server.request('POST', `/api/automation-runs/${first.body.id}/retry`, { as: 'editor' }),
        409,
        // only a failed run continues from its failed node
      );
      const retry = await server.request('POST', `/api/automation-runs/${first.body.id}/retry`, {
        as: 'editor',
        json: { from: 'trigger' },
      });
      expectStatus(retry, 200);
      assert.notEqual(retry.body.id, first.body.id);
      assert.equal(retry.body.retryOf, first.body.id);
      assert.equal(retry.body.mode, 'retry');
      assert.equal(retry.body.isTest, true, 'a retried test stays a test');
      assert.equal(retry.body.automationVersion, 2);
      assert.deepEqual(retry.body.triggerData, first.body.triggerData);
      assert.equal(retry.body.executionLog[1].output[0][0].json.greeting, 'Bonjour Ada');
      assert.deepEqual(await auditActions(server, first.body.id), ['run.retried']);

      const background = await server.request(
        'POST',
        `/api/automation-runs/${first.body.id}/retry?wait=false`,
        {
          as: 'editor',
          json: { from: 'trigger' },
        },
      );
      expectStatus(background, 202);
      assert.equal((await settledRun(server, background.body.id)).body.status, 'succeeded');
      expectStatus(
        await server.request('POST', `/api/automation-runs/${first.body.id}/retry`, {
          as: 'editor',
          json: { from: 'failedNode' },
        }),
        400,
      );
      expectStatus(
        await server.request('POST', `/api/automation-runs/${await queuedRun(id)}/retry`, { as: 'editor' }),
        409,
      );
      expectStatus(await server.request('POST', '/api/automation-runs/missing/retry', { as: 'editor' }), 404);
      expectStatus(
        await server.request('POST', `/api/automation-runs/${first.body.id}/retry`, { as: 'viewer' }),
        403,
      );
      expectStatus(await server.request('DELETE', `/api/automations/${id}`, { as: 'editor' }), 204);
      expectStatus(
        await server.request('POST', `/api/automation-runs/${first.body.id}/retry`, {
          as: 'editor',
          json: { from: 'trigger' },
        }),
        404,
      );
    });

    it('retries a failed run from its failed node with the stored inputs; earlier steps are not re-run', async () => {
      // The application's API fails once, then answers: the failed call is the only thing retried.
      let calls = 0;
      const api = createServer((req, res) => {
        calls++;
        res.writeHead(calls === 1 ? 503 : 200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(calls === 1 ? { error: 'busy' } : { ok: true, path: req.url }));
      });
      await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
      const port = (api.address() as AddressInfo).port;
      try {
        const id = await createAutomation(server, {
          name: 'Notify app',
          nodes: [
            { id: '1', name: 'Start', type: 'manualTrigger', position: [0, 0] },
            {
              id: '2',
              name: 'Prepare',
              type: 'set',
              position: [200, 0],
              parameters: {
                includeOtherFields: true,
                assignments: {
                  assignments: [{ id: 'a', name: 'ref', type: 'string', value: '=R-{{ $json.n }}' }],
                },
              },
            },
            {
              id: '3',
              name: 'Call app',
              type: 'httpRequest',
              position: [400, 0],
              parameters: { url: `=http://127.0.0.1:${port}/notify/{{ $json.ref }}` },
            },
          ],
          connections: [
            { from: 'Start', to: 'Prepare' },
            { from: 'Prepare', to: 'Call app' },
          ],
        });
        const failed = await server.request('POST', `/api/automations/${id}/run`, {
          as: 'editor',
          json: { items: { n: 7 } },
        });
        expectStatus(failed, 200);
        assert.equal(failed.body.status, 'failed');
        const retry = await server.request('POST', `/api/automation-runs/${failed.body.id}/retry`, {
          as: 'editor',
        });
        expectStatus(retry, 200);
        assert.equal(retry.body.status, 'succeeded');
        assert.equal(retry.body.retryOf, failed.body.id);
        assert.deepEqual(
          retry.body.executionLog.map((s: { nodeName: string }) => s.nodeName),
          ['Start', 'Prepare', 'Call app'],
        );
        assert.equal(
          retry.body.executionLog[1].startedAt,
          failed.body.executionLog[1].startedAt,
          'Prepare was not re-run',
        );
        assert.deepEqual(retry.body.executionLog[2].output[0][0].json, { ok: true, path: '/notify/R-7' });
        assert.equal(calls, 2);
      } finally {
        api.close();
      }
    });
  });
}

/** The optional fields of an error reply, to compare the rest exactly. */
function pick(error: Record<string, unknown>): Record<string, unknown> {
  const { message: _m, node: _n, ...rest } = error;
  return rest;
}
