/**
 * Webhook ingress over HTTP on a real server: routing (paths, params, webhookId URLs, methods,
 * inactive workflows, conflicts), every response mode and the test listener.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ManualClock } from '../../src/engine/clock.js';
import {
  call,
  deploy,
  finished,
  respondNode,
  runsOf,
  setNode,
  webhookFlow,
  withServer,
} from './webhooks-kit.js';

describe('webhook routing', () => {
  it("onReceived answers n8n's message by default and the run gets the n8n trigger item", () =>
    withServer(async (server) => {
      const id = await deploy(
        server,
        webhookFlow({ path: 'hello', httpMethod: 'POST' }, [setNode('Set', 'x', 1)]),
      );
      const res = await call(server, 'POST', '/webhook/hello?lang=fr&tag=a&tag=b', {
        json: { name: 'Marie' },
      });
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, { message: 'Workflow was started' });
      const [row] = await runsOf(server, id);
      const run = await finished(server, row.id);
      assert.equal(run.status, 'succeeded');
      assert.equal(run.mode, 'webhook');
      // biome-ignore lint/suspicious/noExplicitAny: the trigger item's shape is what this test checks.
      const json = run.triggerItems[0].json as Record<string, any>;
      assert.deepEqual(Object.keys(json).sort(), [
        'body',
        'executionMode',
        'headers',
        'params',
        'query',
        'webhookUrl',
      ]);
      assert.deepEqual(json.body, { name: 'Marie' });
      assert.deepEqual(json.query, { lang: 'fr', tag: ['a', 'b'] });
      assert.deepEqual(json.params, {});
      assert.equal(json.headers['content-type'], 'application/json');
      assert.equal(json.webhookUrl, `${server.url}/webhook/hello`);
      assert.equal(json.executionMode, 'production');
    }));

  it('onReceived with immediateResponse runId answers 202 { runId } of the stored run', () =>
    withServer(async (server) => {
      const id = await deploy(
        server,
        webhookFlow({ path: 'ingest', httpMethod: 'POST', immediateResponse: 'runId' }),
      );
      const res = await call(server, 'POST', '/webhook/ingest', { json: {} });
      assert.equal(res.status, 202);
      const runs = await runsOf(server, id);
      assert.deepEqual(res.body, { runId: runs[0].id });
    }));

  it('onReceived options: custom data, code, headers, no body', () =>
    withServer(async (server) => {
      await deploy(
        server,
        webhookFlow({
          path: 'custom',
          options: {
            responseData: 'merci',
            responseCode: { values: { responseCode: 'customCode', customCode: 299 } },
            responseHeaders: { entries: [{ name: 'X-From', value: 'relais' }] },
          },
        }),
      );
      const res = await call(server, 'GET', '/webhook/custom');
      assert.equal(res.status, 299);
      assert.equal(res.text, 'merci');
      assert.equal(res.headers.get('x-from'), 'relais');
      await deploy(server, webhookFlow({ path: 'quiet', options: { noResponseBody: true } }));
      const quiet = await call(server, 'GET', '/webhook/quiet');
      assert.equal(quiet.status, 200);
      assert.equal(quiet.text, '');
    }));

  it('path parameters, webhookId URLs and an empty path served at the webhookId', () =>
    withServer(async (server) => {
      const id = await deploy(
        server,
        webhookFlow({ path: 'users/:userId/orders/:orderId', responseMode: 'lastNode' }, [
          setNode('Set', 'ok', 'yes'),
        ]),
      );
      const res = await call(server, 'GET', '/webhook/users/7/orders/a%20b');
      assert.equal(res.status, 200);
      assert.deepEqual(res.body.params, { userId: '7', orderId: 'a b' });
      assert.equal(res.body.webhookUrl, `${server.url}/webhook/users/:userId/orders/:orderId`);
      assert.ok(id);

      await deploy(
        server,
        webhookFlow({ path: 'items/:sku', responseMode: 'lastNode' }, [setNode('Set', 'ok', 'yes')], {
          webhookId: '6f1c1f9a-0000-4000-8000-000000000001',
        }),
      );
      const n8nStyle = await call(server, 'GET', '/webhook/6f1c1f9a-0000-4000-8000-000000000001/items/42');
      assert.equal(n8nStyle.status, 200);
      assert.deepEqual(n8nStyle.body.params, { sku: '42' });
      assert.equal((await call(server, 'GET', '/webhook/items/42')).status, 404);

      await deploy(server, webhookFlow({ path: '' }, [], { webhookId: 'hook-by-id' }));
      assert.equal((await call(server, 'GET', '/webhook/hook-by-id')).status, 200);
    }));

  it('inactive or deactivated workflows answer 404 as n8n does', () =>
    withServer(async (server) => {
      const id = await deploy(server, webhookFlow({ path: 'later', httpMethod: 'POST' }), false);
      const before = await call(server, 'POST', '/webhook/later', { json: {} });
      assert.equal(before.status, 404);
      assert.equal(before.body.error.code, 'webhook_not_registered');
      assert.equal(before.body.error.message, 'The requested webhook "POST later" is not registered.');
      await server.request('PATCH', `/api/automations/${id}/toggle`, {
        as: 'editor',
        json: { isActive: true },
      });
      assert.equal((await call(server, 'POST', '/webhook/later', { json: {} })).status, 200);
      await server.request('PATCH', `/api/automations/${id}/toggle`, {
        as: 'editor',
        json: { isActive: false },
      });
      assert.equal((await call(server, 'POST', '/webhook/later', { json: {} })).status, 404);
      assert.equal((await runsOf(server, id)).length, 1);
    }));

  it('a method the webhook does not take: 404 with n8n\'s "did you mean" message and an Allow header', () =>
    withServer(async (server) => {
      await deploy(server, webhookFlow({ path: 'only-post', httpMethod: 'POST' }));
      const res = await call(server, 'PUT', '/webhook/only-post', { json: {} });
      assert.equal(res.status, 404);
      assert.equal(
        res.body.error.message,
        'This webhook is not registered for PUT requests. Did you mean to make a POST request?',
      );
      assert.equal(res.headers.get('allow'), 'OPTIONS, POST');
    }));

  it('several methods: each method goes out of its own output', () =>
    withServer(async (server) => {
      const doc = webhookFlow({
        path: 'multi',
        multipleMethods: true,
        httpMethod: ['GET', 'POST'],
        responseMode: 'lastNode',
      });
      doc.nodes = [
        ...(doc.nodes as object[]),
        {
          id: 'g',
          name: 'FromGet',
          type: 'set',
          position: [200, 0],
          parameters: {
            assignments: { assignments: [{ id: 'v', name: 'via', type: 'string', value: 'get' }] },
          },
        },
        {
          id: 'p',
          name: 'FromPost',
          type: 'set',
          position: [200, 200],
          parameters: {
            assignments: { assignments: [{ id: 'v', name: 'via', type: 'string', value: 'post' }] },
          },
        },
      ];
      doc.connections = [
        { from: 'Webhook', output: 'GET', to: 'FromGet' },
        { from: 'Webhook', output: 'POST', to: 'FromPost' },
      ];
      await deploy(server, doc);
      assert.deepEqual((await call(server, 'GET', '/webhook/multi')).body, { via: 'get' });
      assert.deepEqual((await call(server, 'POST', '/webhook/multi', { json: {} })).body, { via: 'post' });
    }));

  it('a path taken by another active workflow refuses activation with the reason', () =>
    withServer(async (server) => {
      await deploy(server, webhookFlow({ path: 'crm-action', httpMethod: 'POST' }, [], { name: 'first' }));
      const second = await deploy(
        server,
        webhookFlow({ path: '/crm-action/', httpMethod: 'POST' }, [], { name: 'second' }),
        false,
      );
      const res = await server.request('PATCH', `/api/automations/${second}/toggle`, {
        as: 'editor',
        json: { isActive: true },
      });
      assert.equal(res.status, 422);
      assert.match(
        JSON.stringify(res.body.error.details),
        /POST \/crm-action is already used by workflow 'first'/,
      );
      // Another method on the same path is fine.
      await deploy(server, webhookFlow({ path: 'crm-action', httpMethod: 'GET' }, [], { name: 'third' }));
    }));
});

describe('webhook response modes', () => {
  it('lastNode: firstEntryJson (with property name and content type), allEntries, noData, binary', () =>
    withServer(async (server) => {
      const two = {
        name: 'Two',
        type: 'code',
        parameters: { jsCode: 'return [{ json: { n: 1, deep: { v: "x" } } }, { json: { n: 2 } }];' },
      };
      await deploy(server, webhookFlow({ path: 'first', responseMode: 'lastNode' }, [two]));
      assert.deepEqual((await call(server, 'GET', '/webhook/first')).body, { n: 1, deep: { v: 'x' } });
      await deploy(
        server,
        webhookFlow(
          {
            path: 'prop',
            responseMode: 'lastNode',
            options: { responsePropertyName: 'deep', responseContentType: 'application/vnd.x+json' },
          },
          [two],
        ),
      );
      const prop = await call(server, 'GET', '/webhook/prop');
      assert.equal(prop.headers.get('content-type'), 'application/vnd.x+json');
      assert.deepEqual(prop.body, { v: 'x' });
      await deploy(
        server,
        webhookFlow({ path: 'all', responseMode: 'lastNode', responseData: 'allEntries' }, [two]),
      );
      assert.deepEqual((await call(server, 'GET', '/webhook/all')).body, [
        { n: 1, deep: { v: 'x' } },
        { n: 2 },
      ]);
      await deploy(
        server,
        webhookFlow({ path: 'none', responseMode: 'lastNode', responseData: 'noData', responseCode: 201 }, [
          two,
        ]),
      );
      const none = await call(server, 'GET', '/webhook/none');
      assert.equal(none.status, 201);
      assert.equal(none.text, '');
      const file = {
        name: 'File',
        type: 'code',
        parameters: {
          jsCode:
            'return [{ json: {}, binary: { data: { data: "UERGIQ==", mimeType: "application/pdf", fileName: "a.pdf" } } }];',
        },
      };
      await deploy(
        server,
        webhookFlow({ path: 'file', responseMode: 'lastNode', responseData: 'firstEntryBinary' }, [file]),
      );
      const pdf = await fetch(`${server.url}/webhook/file`);
      assert.equal(pdf.headers.get('content-type'), 'application/pdf');
      assert.equal(Buffer.from(await pdf.arrayBuffer()).toString(), 'PDF!');
    }));

  it('lastNode: a failing run answers 500 "Error in workflow"', () =>
    withServer(async (server) => {
      const stop = { name: 'Stop', type: 'stopAndError', parameters: { errorMessage: 'nope' } };
      await deploy(server, webhookFlow({ path: 'fails', responseMode: 'lastNode' }, [stop]));
      const res = await call(server, 'GET', '/webhook/fails');
      assert.equal(res.status, 500);
      assert.equal(res.body.error.message, 'Error in workflow');
      assert.equal(typeof res.body.error.details.runId, 'string');
    }));

  it('responseNode: Webhook → Set → Respond answers with its status, headers and body; the run goes on', () =>
    withServer(async (server) => {
      const id = await deploy(
        server,
        webhookFlow({ path: 'api/:id', httpMethod: 'POST', responseMode: 'responseNode' }, [
          setNode('Set', 'greeting', '=Bonjour {{ $json.body.name }} ({{ $json.params.id }})'),
          respondNode({
            respondWith: 'json',
            responseBody: '={{ { greeting: $json.greeting } }}',
            options: { responseCode: 201, responseHeaders: { entries: [{ name: 'X-Run', value: 'yes' }] } },
          }),
          setNode('After', 'after', 'done'),
        ]),
      );
      const res = await call(server, 'POST', '/webhook/api/9', { json: { name: 'Marie' } });
      assert.equal(res.status, 201);
      assert.equal(res.headers.get('x-run'), 'yes');
      assert.deepEqual(res.body, { greeting: 'Bonjour Marie (9)' });
      const [row] = await runsOf(server, id);
      await finished(server, row.id);
      const steps = await server.runtime.store.runs.listSteps(row.id);
      assert.deepEqual(
        steps.map((s) => s.nodeName),
        ['Webhook', 'Set', 'Respond', 'After'],
      );
    }));

  it('responseNode: text, redirect, binary; no Respond reached → empty 200; failure before it → 500', () =>
    withServer(async (server) => {
      await deploy(
        server,
        webhookFlow({ path: 'text', responseMode: 'responseNode' }, [
          respondNode({ respondWith: 'text', responseBody: 'ok' }),
        ]),
      );
      const text = await call(server, 'GET', '/webhook/text');
      assert.equal(text.text, 'ok');
      assert.match(text.headers.get('content-type') ?? '', /^text\/plain/);
      await deploy(
        server,
        webhookFlow({ path: 'go', responseMode: 'responseNode' }, [
          respondNode({ respondWith: 'redirect', redirectURL: 'https://example.com/' }),
        ]),
      );
      const go = await fetch(`${server.url}/webhook/go`, { redirect: 'manual' });
      assert.equal(go.status, 307);
      assert.equal(go.headers.get('location'), 'https://example.com/');
      const filter = {
        name: 'Never',
        type: 'filter',
        parameters: {
          conditions: {
            conditions: [
              { leftValue: '={{ 1 }}', rightValue: 2, operator: { type: 'number', operation: 'equals' } },
            ],
          },
        },
      };
      await deploy(
        server,
        webhookFlow({ path: 'skip', responseMode: 'responseNode' }, [filter, respondNode()]),
      );
      const skip = await call(server, 'GET', '/webhook/skip');
      assert.equal(skip.status, 200);
      assert.equal(skip.text, '');
      const fails = { name: 'Fails', type: 'code', parameters: { jsCode: "throw new Error('bad');" } };
      await deploy(
        server,
        webhookFlow({ path: 'boom', responseMode: 'responseNode' }, [fails, respondNode()]),
      );
      const boom = await call(server, 'GET', '/webhook/boom');
      assert.equal(boom.status, 500);
      assert.equal(boom.body.error.message, 'Error in workflow');
    }));

  it('a run that never answers gets 504 after the response timeout, and keeps waiting', () =>
    withServer(async (server) => {
      const wait = {
        name: 'Wait',
        type: 'wait',
        parameters: { resume: 'timeInterval', amount: 1, unit: 'hours' },
      };
      const id = await deploy(
        server,
        webhookFlow({ path: 'slow', responseMode: 'responseNode', responseTimeout: 1 }, [
          wait,
          respondNode(),
        ]),
      );
      const res = await call(server, 'GET', '/webhook/slow');
      assert.equal(res.status, 504);
      assert.equal(res.body.error.code, 'timeout');
      const [row] = await runsOf(server, id);
      assert.equal(row.status, 'waiting');
    }));

  it('shutting down answers callers still waiting with 503 instead of holding the server', () =>
    withServer(async (server) => {
      const wait = {
        name: 'Wait',
        type: 'wait',
        parameters: { resume: 'timeInterval', amount: 1, unit: 'hours' },
      };
      const id = await deploy(server, webhookFlow({ path: 'long', responseMode: 'lastNode' }, [wait]));
      const pending = call(server, 'GET', '/webhook/long');
      for (let i = 0; i < 400 && (await runsOf(server, id))[0]?.status !== 'waiting'; i++)
        await new Promise((r) => setTimeout(r, 5));
      const started = Date.now();
      await Promise.all([server.runtime.stop(), pending.then((res) => assert.equal(res.status, 503))]);
      assert.ok(Date.now() - started < 5000, 'no wait for the 5-minute timeout');
    }));

  it('activation refuses a responseNode webhook without a Respond node, and a Respond node with another mode', () =>
    withServer(async (server) => {
      const a = await deploy(server, webhookFlow({ path: 'a', responseMode: 'responseNode' }), false);
      const ra = await server.request('PATCH', `/api/automations/${a}/toggle`, {
        as: 'editor',
        json: { isActive: true },
      });
      assert.equal(ra.status, 422);
      assert.match(JSON.stringify(ra.body), /no Respond to Webhook node/);
      const b = await deploy(server, webhookFlow({ path: 'b' }, [respondNode()]), false);
      const rb = await server.request('PATCH', `/api/automations/${b}/toggle`, {
        as: 'editor',
        json: { isActive: true },
      });
      assert.equal(rb.status, 422);
      assert.match(JSON.stringify(rb.body), /not correctly configured/);
    }));
});

describe('webhook test listener', () => {
  it('listens 120 s for one call to the current saved version, marked as a test', () =>
    withServer(async (server) => {
      const id = await deploy(
        server,
        webhookFlow({ path: 'try', httpMethod: 'POST', responseMode: 'lastNode' }, [setNode('Set', 'v', 1)]),
        false,
      );
      assert.equal((await call(server, 'POST', '/webhook-test/try', { json: {} })).status, 404);
      assert.equal(
        (await server.request('POST', `/api/automations/${id}/test-webhook`, { as: 'viewer' })).status,
        403,
      );
      const listen = await server.request('POST', `/api/automations/${id}/test-webhook`, { as: 'editor' });
      assert.equal(listen.status, 200);
      assert.deepEqual(listen.body.webhooks, [
        { node: 'Webhook', methods: ['POST'], url: `${server.url}/webhook-test/try` },
      ]);
      assert.equal(
        (await call(server, 'POST', '/webhook/try', { json: {} })).status,
        404,
        'the production URL stays off',
      );
      const res = await call(server, 'POST', '/webhook-test/try', { json: { a: 1 } });
      assert.equal(res.status, 200);
      assert.equal(res.body.executionMode, 'test');
      assert.equal(res.body.webhookUrl, `${server.url}/webhook-test/try`);
      const [row] = await runsOf(server, id);
      assert.equal(row.mode, 'test');
      assert.ok(row.is_test === 1 || row.is_test === true);
      assert.equal(
        (await call(server, 'POST', '/webhook-test/try', { json: {} })).status,
        404,
        'one call only',
      );

      await server.request('POST', `/api/automations/${id}/test-webhook`, { as: 'editor' });
      (server.clock as ManualClock).advance(120_001);
      assert.equal((await call(server, 'POST', '/webhook-test/try', { json: {} })).status, 404, 'expired');
    }));
});
