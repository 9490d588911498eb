/**
 * The Wait node's resume URL through the real server: unguessable (HMAC token), one-time, its
 * request body handed to the next node, its methods and suffix as the Wait node says, valid across
 * a restart (the key lives in the data directory), and the time limit taking the timeout branch.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { ManualClock } from '../../src/engine/clock.js';
import type { RunRecord } from '../../src/engine/ports.js';
import { startTestServer, type TestServer, testDatabases } from '../../src/testing/server.js';
import { approvalFlow, credential, deploy, withServer } from './webhooks-kit.js';

type Params = Record<string, unknown>;

async function runUntil(server: TestServer, id: string, done: (r: RunRecord) => boolean): Promise<RunRecord> {
  for (let i = 0; i < 5000; i++) {
    const run = await server.runtime.store.runs.getRun(id);
    if (run && done(run)) return run;
    await server.runtime.timerLoop.tick();
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(`run ${id} did not get there`);
}
const finished = (r: RunRecord) => ['succeeded', 'failed', 'canceled'].includes(r.status);

/** Runs the automation by hand until its wait; returns the run id and the resume URL's path. */
async function startWaiting(
  server: TestServer,
  automationId: string,
): Promise<{ runId: string; path: string }> {
  const started = await server.request('POST', `/api/automations/${automationId}/run`, {
    as: 'editor',
    json: {},
  });
  assert.equal(started.status, 200, started.text);
  assert.equal(started.body.status, 'waiting');
  const runId = started.body.id as string;
  const steps = await server.runtime.store.runs.listSteps(runId);
  const url = String(steps.find((s) => s.nodeName === 'Link')?.output?.[0][0].json.url);
  const path = new URL(url).pathname;
  assert.match(path, new RegExp(`^/webhook-waiting/${runId}/[A-Za-z0-9_-]{43}$`), 'run id + a 256-bit token');
  return { runId, path };
}

async function call(
  server: TestServer,
  method: string,
  path: string,
  json?: unknown,
  headers: Record<string, string> = {},
) {
  return server.request(method, path, json === undefined ? { headers } : { json, headers });
}

for (const database of testDatabases()) {
  describe(`resume URL (${database})`, () => {
    it('resumes once with the request as the item; a wrong token or run is 404, a second call 409', () =>
      withServer(
        async (server) => {
          const id = await deploy(server, approvalFlow({ httpMethod: 'POST' }), false);
          const { runId, path } = await startWaiting(server, id);
          const token = path.split('/').pop() as string;

          assert.equal(
            (await call(server, 'POST', `/webhook-waiting/${runId}/${token.slice(0, -2)}xx`, {})).status,
            404,
          );
          assert.equal(
            (await call(server, 'POST', `/webhook-waiting/someone-else/${token}`, {})).status,
            404,
          );
          const get = await call(server, 'GET', path);
          assert.equal(get.status, 405, 'the Wait node accepts POST only');
          assert.equal(get.headers.get('allow'), 'POST');
          assert.equal((await call(server, 'POST', `${path}/extra`, {})).status, 404, 'no suffix configured');

          const resumed = await call(
            server,
            'POST',
            `${path}?source=mail`,
            { approved: true },
            { 'x-approver': 'ana' },
          );
          assert.equal(resumed.status, 200, resumed.text);
          assert.deepEqual(resumed.body, { resumed: true, runId });
          const run = await runUntil(server, runId, finished);
          assert.equal(run.status, 'succeeded');
          const steps = await server.runtime.store.runs.listSteps(runId);
          const after = steps.find((s) => s.nodeName === 'After')?.output?.[0][0].json as Params;
          assert.deepEqual(after.body, { approved: true }, 'the body reaches the next node');
          assert.equal(
            after.approved,
            'true',
            'and its expressions ($json.body.approved, as a string field)',
          );
          assert.deepEqual(after.query, { source: 'mail' });
          assert.equal((after.headers as Params)['x-approver'], 'ana');
          assert.equal(
            steps.filter((s) => s.nodeName === 'Link').length,
            1,
            'resumed after the wait, not from the trigger',
          );

          const again = await call(server, 'POST', path, { approved: false });
          assert.equal(again.status, 409, 'one-time');
        },
        { database },
      ));

    it('two calls at once: exactly one resumes', () =>
      withServer(
        async (server) => {
          const id = await deploy(server, approvalFlow({}), false);
          const { runId, path } = await startWaiting(server, id);
          const answers = await Promise.all([1, 2, 3].map((n) => call(server, 'POST', path, { n })));
          assert.deepEqual(answers.map((a) => a.status).sort(), [200, 409, 409]);
          const run = await runUntil(server, runId, finished);
          assert.equal(run.status, 'succeeded');
          const steps = await server.runtime.store.runs.listSteps(runId);
          assert.equal(steps.filter((s) => s.nodeName === 'After').length, 1);
        },
        { database },
      ));

    it('a suffix and the default methods (GET, as n8n, and POST)', () =>
      withServer(
        async (server) => {
          const id = await deploy(server, approvalFlow({ options: { webhookSuffix: 'approve' } }), false);
          const { runId, path } = await startWaiting(server, id);
          assert.equal((await call(server, 'GET', path)).status, 404, 'the suffix is required');
          const ok = await call(server, 'GET', `${path}/approve?approved=yes`);
          assert.equal(ok.status, 200, ok.text);
          await runUntil(server, runId, finished);
          const steps = await server.runtime.store.runs.listSteps(runId);
          const after = steps.find((s) => s.nodeName === 'After')?.output?.[0][0].json as Params;
          assert.deepEqual(after.query, { approved: 'yes' });
          assert.deepEqual(after.body, {});
        },
        { database },
      ));

    it("the Wait node's incomingAuthentication guards the URL too; the secret header is redacted", () =>
      withServer(
        async (server) => {
          if (!(await credential(server, 'httpHeaderAuth', 'approver', { name: 'X-Token', value: 's3cret' })))
            return;
          const id = await deploy(
            server,
            approvalFlow({ incomingAuthentication: 'headerAuth' }, { httpHeaderAuth: { name: 'approver' } }),
            false,
          );
          const { runId, path } = await startWaiting(server, id);
          assert.equal((await call(server, 'POST', path, {})).status, 401);
          assert.equal((await call(server, 'POST', path, {}, { 'x-token': 'wrong' })).status, 403);
          const ok = await call(server, 'POST', path, { approved: true }, { 'x-token': 's3cret' });
          assert.equal(ok.status, 200, ok.text);
          await runUntil(server, runId, finished);
          const steps = await server.runtime.store.runs.listSteps(runId);
          const after = steps.find((s) => s.nodeName === 'After')?.output?.[0][0].json as Params;
          assert.equal((after.headers as Params)['x-token'], '[redacted]');
        },
        { database },
      ));

    it('the time limit takes the timeout branch, and the URL is then closed', () =>
      withServer(
        async (server) => {
          const id = await deploy(
            server,
            approvalFlow({ limitWaitTime: true, resumeAmount: 2, resumeUnit: 'days', timeoutBranch: true }),
            false,
          );
          const { runId, path } = await startWaiting(server, id);
          (server.clock as ManualClock).advance(2 * 86_400_000);
          const run = await runUntil(server, runId, finished);
          assert.equal(run.status, 'succeeded');
          const names = (await server.runtime.store.runs.listSteps(runId)).map((s) => s.nodeName);
          assert.ok(names.includes('Timed out') && !names.includes('After'), names.join(','));
          assert.equal((await call(server, 'POST', path, {})).status, 409);
        },
        { database },
      ));
  });
}

describe('resume URL across a restart (sqlite file)', () => {
  it('a wait survives the restart; its URL still works, once', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'relais-resume-'));
    try {
      const first = await startTestServer({ config: { dataDir } });
      const id = await deploy(first, approvalFlow({ httpMethod: 'POST' }), false);
      const { runId, path } = await startWaiting(first, id);
      const key = first.apiKeys.editor as string;
      await first.stop();

      const second = await startTestServer({ config: { dataDir }, seed: false });
      try {
        const resumed = await call(second, 'POST', path, { approved: true });
        assert.equal(resumed.status, 200, resumed.text);
        const run = await runUntil(second, runId, finished);
        assert.equal(run.status, 'succeeded');
        const detail = await second.request('GET', `/api/automation-runs/${runId}`, { as: { key } });
        assert.equal(detail.status, 200);
        assert.equal((await call(second, 'POST', path, {})).status, 409);
      } finally {
        await second.stop();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
