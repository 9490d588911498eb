/**
 * The URLs a real server gives out (webhook trigger items, the test listener, Wait nodes' resume
 * URLs, error workflows' run links) are built on its public URL: RELAIS_PUBLIC_URL when set, else
 * the address it actually listens on, so the real port with RELAIS_PORT=0 and an IPv6 host in
 * brackets. The test server listens on 127.0.0.1:0.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config.js';
import type { TestServer } from '../../src/testing/server.js';
import {
  approvalFlow,
  call,
  deploy,
  finished,
  runsOf,
  setNode,
  webhookFlow,
  withServer,
} from './webhooks-kit.js';

/** Runs the approval automation by hand until its wait; returns the run id and its resume URL. */
async function waitingRun(server: TestServer): Promise<{ runId: string; resumeUrl: string }> {
  const id = await deploy(server, approvalFlow({ httpMethod: 'POST' }), false);
  const started = await server.request('POST', `/api/automations/${id}/run`, { as: 'editor', json: {} });
  assert.equal(started.status, 200, started.text);
  assert.equal(started.body.status, 'waiting');
  const runId = started.body.id as string;
  const steps = await server.runtime.store.runs.listSteps(runId);
  const resumeUrl = String(steps.find((s) => s.nodeName === 'Link')?.output?.[0][0].json.url);
  return { runId, resumeUrl };
}

/** A webhook automation's trigger item `webhookUrl`, from a call on the server's own address. */
async function webhookUrlOf(server: TestServer, path: string): Promise<string> {
  await deploy(server, webhookFlow({ path, responseMode: 'lastNode' }, [setNode('Set', 'ok', 'yes')]));
  const res = await call(server, 'GET', `/webhook/${path}`);
  assert.equal(res.status, 200, res.text);
  return res.body.webhookUrl as string;
}

/** The test listener's URLs of a new automation listening on `path`. */
async function listenerUrls(server: TestServer, path: string): Promise<string[]> {
  const id = await deploy(server, webhookFlow({ path, httpMethod: 'POST' }), false);
  const listen = await server.request('POST', `/api/automations/${id}/test-webhook`, { as: 'editor' });
  assert.equal(listen.status, 200, listen.text);
  return listen.body.webhooks.map((w: { url: string }) => w.url);
}

async function hasIpv6Loopback(): Promise<boolean> {
  const probe = createServer();
  return new Promise((resolve) => {
    probe.once('error', () => resolve(false));
    probe.listen(0, '::1', () => probe.close(() => resolve(true)));
  });
}

describe('public URL', () => {
  it('with RELAIS_PORT=0 webhook, test listener, resume and error-workflow URLs carry the real port', () =>
    withServer(async (server) => {
      const port = Number(new URL(server.url).port);
      assert.ok(port > 0, `listening on a real port (${server.url})`);
      assert.equal(server.config.port, 0);
      assert.equal(server.config.publicUrl, undefined, 'no RELAIS_PUBLIC_URL');
      assert.equal(server.publicUrl, `http://127.0.0.1:${port}`);
      assert.equal(server.runtime.publicUrl, server.publicUrl);

      assert.equal(await webhookUrlOf(server, 'port-zero'), `http://127.0.0.1:${port}/webhook/port-zero`);
      assert.deepEqual(await listenerUrls(server, 'port-zero-test'), [
        `http://127.0.0.1:${port}/webhook-test/port-zero-test`,
      ]);

      // The resume URL is called exactly as the run got it: over HTTP, on the loopback.
      const { runId, resumeUrl } = await waitingRun(server);
      assert.match(
        resumeUrl,
        new RegExp(`^http://127\\.0\\.0\\.1:${port}/webhook-waiting/${runId}/[\\w-]{43}$`),
      );
      const resumed = await fetch(resumeUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ approved: true }),
      });
      assert.equal(resumed.status, 200, await resumed.clone().text());
      assert.deepEqual(await resumed.json(), { resumed: true, runId });
      const run = await finished(server, runId);
      assert.equal(run.status, 'succeeded');
      const after = (await server.runtime.store.runs.listSteps(runId)).find((s) => s.nodeName === 'After');
      assert.equal(after?.output?.[0][0].json.approved, 'true');

      // Error workflows get a link to the failed run.
      const errorsId = await deploy(
        server,
        {
          name: 'on error',
          nodes: [
            { id: 'e', name: 'Error Trigger', type: 'errorTrigger', parameters: {} },
            { id: 'n', name: 'Noted', type: 'noOp', position: [200, 0], parameters: {} },
          ],
          connections: [{ from: 'Error Trigger', to: 'Noted' }],
        },
        false,
      );
      const failingId = await deploy(
        server,
        {
          name: 'failing',
          nodes: [
            { id: 'm', name: 'Start', type: 'manualTrigger', parameters: {} },
            {
              id: 's',
              name: 'Stop',
              type: 'stopAndError',
              position: [200, 0],
              parameters: { errorMessage: 'no' },
            },
          ],
          connections: [{ from: 'Start', to: 'Stop' }],
          settings: { errorWorkflow: errorsId },
        },
        false,
      );
      const failed = await server.request('POST', `/api/automations/${failingId}/run`, {
        as: 'editor',
        json: {},
      });
      assert.equal(failed.status, 200, failed.text);
      assert.equal((await finished(server, failed.body.id)).status, 'failed');
      let errorRuns = await runsOf(server, errorsId);
      for (let i = 0; i < 600 && errorRuns.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 5));
        errorRuns = await runsOf(server, errorsId);
      }
      assert.equal(errorRuns.length, 1, 'the error workflow ran');
      const errorRun = await finished(server, errorRuns[0].id);
      const link = (errorRun.triggerItems[0].json.run as { url?: string } | undefined)?.url;
      assert.equal(link, `http://127.0.0.1:${port}/runs/${failed.body.id}`);
    }));

  it('RELAIS_PUBLIC_URL wins over the listening address', () =>
    withServer(
      async (server) => {
        assert.equal(server.publicUrl, 'https://relais.example.com/base');
        assert.equal(server.runtime.publicUrl, 'https://relais.example.com/base');
        assert.equal(
          await webhookUrlOf(server, 'explicit'),
          'https://relais.example.com/base/webhook/explicit',
        );
        assert.deepEqual(await listenerUrls(server, 'explicit-test'), [
          'https://relais.example.com/base/webhook-test/explicit-test',
        ]);
        const { runId, resumeUrl } = await waitingRun(server);
        assert.match(
          resumeUrl,
          new RegExp(`^https://relais\\.example\\.com/base/webhook-waiting/${runId}/[\\w-]{43}$`),
        );
        // Behind the proxy the URL names, the same path reaches this server.
        const path = new URL(resumeUrl).pathname.replace(/^\/base/, '');
        const resumed = await call(server, 'POST', path, { json: { approved: true } });
        assert.equal(resumed.status, 200, resumed.text);
        assert.equal((await finished(server, runId)).status, 'succeeded');
      },
      {
        config: {
          publicUrl: loadConfig({ RELAIS_PUBLIC_URL: 'https://relais.example.com/base/' }).publicUrl,
        },
      },
    ));

  it('an IPv6 loopback host gives a bracketed URL that answers', async (t) => {
    if (!(await hasIpv6Loopback())) {
      t.skip('this machine has no IPv6 loopback (::1): cannot listen there');
      return;
    }
    await withServer(
      async (server) => {
        const port = Number(new URL(server.url).port);
        assert.ok(port > 0);
        assert.equal(server.publicUrl, `http://[::1]:${port}`);
        const webhookUrl = await webhookUrlOf(server, 'six');
        assert.equal(webhookUrl, `http://[::1]:${port}/webhook/six`);
        const res = await fetch(webhookUrl);
        assert.equal(res.status, 200, 'the URL given out is reachable');
        const { resumeUrl } = await waitingRun(server);
        assert.ok(resumeUrl.startsWith(`http://[::1]:${port}/webhook-waiting/`), resumeUrl);
        assert.equal((await fetch(resumeUrl, { method: 'POST' })).status, 200);
      },
      { config: { host: '::1' } },
    );
  });
});
