import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jwtVerify } from 'jose';
import { runNode } from '../testing/run-node.js';
import { respondToWebhookNode } from './respond-to-webhook.node.js';
import type { NodeCommand } from './sdk.js';

type Respond = Extract<NodeCommand, { kind: 'respond' }>;
const items = [{ json: { a: 1 } }, { json: { a: 2 } }];

async function respond(parameters: Record<string, unknown>, input: unknown[] = items, extra = {}) {
  const result = await runNode(respondToWebhookNode, { parameters, items: input, ...extra });
  assert.equal(Array.isArray(result.outcome), false, 'returns a respond command');
  return { command: result.outcome as Respond, result };
}

test('default: first incoming item, 200, and the input items go on', async () => {
  const { command, result } = await respond({});
  assert.deepEqual(command.response, { status: 200, headers: {}, body: { a: 1 } });
  assert.deepEqual(result.json, [[{ a: 1 }, { a: 2 }]]);
});

test('all incoming items, under a response key', async () => {
  assert.deepEqual((await respond({ respondWith: 'allIncomingItems' })).command.response.body, [
    { a: 1 },
    { a: 2 },
  ]);
  const nested = await respond({ respondWith: 'allIncomingItems', options: { responseKey: 'data.items' } });
  assert.deepEqual(nested.command.response.body, { data: { items: [{ a: 1 }, { a: 2 }] } });
  await assert.rejects(
    respond({ respondWith: 'firstIncomingItem', options: { responseKey: '__proto__.x' } }),
    /responseKey/,
  );
});

test('json body from JSON text, from an expression, status and headers (names lower-cased)', async () => {
  const { command } = await respond({
    respondWith: 'json',
    responseBody: '{ "ok": true }',
    options: { responseCode: 201, responseHeaders: { entries: [{ name: 'X-Trace', value: 'abc' }] } },
  });
  assert.deepEqual(command.response, { status: 201, headers: { 'x-trace': 'abc' }, body: { ok: true } });
  const expr = await respond({ respondWith: 'json', responseBody: '={{ { id: $json.a } }}' });
  assert.deepEqual(expr.command.response.body, { id: 1 });
  await assert.rejects(
    respond({ respondWith: 'json', responseBody: '{ nope' }),
    /Invalid JSON in 'Response Body' field/,
  );
});

test('text, noData and redirect (307 unless a code is given)', async () => {
  assert.equal(
    (await respond({ respondWith: 'text', responseBody: 'hello {{ $json.a }}' })).command.response.body,
    'hello {{ $json.a }}',
  );
  assert.equal(
    (await respond({ respondWith: 'text', responseBody: '=hello {{ $json.a }}' })).command.response.body,
    'hello 1',
  );
  assert.equal((await respond({ respondWith: 'noData' })).command.response.body, undefined);
  const redirect = await respond({ respondWith: 'redirect', redirectURL: 'https://example.com/x' });
  assert.deepEqual(redirect.command.response, {
    status: 307,
    headers: { location: 'https://example.com/x' },
    body: undefined,
  });
  assert.equal(
    (await respond({ respondWith: 'redirect', redirectURL: 'https://e.x', options: { responseCode: 302 } }))
      .command.response.status,
    302,
  );
  await assert.rejects(respond({ respondWith: 'redirect' }), /redirectURL/);
});

test('binary: first binary field, or a named one; its mime type unless a content-type header is set', async () => {
  const input = [
    {
      json: {},
      binary: { file: { data: Buffer.from('PDF!').toString('base64'), mimeType: 'application/pdf' } },
    },
  ];
  const auto = await respond({ respondWith: 'binary' }, input);
  assert.ok(Buffer.isBuffer(auto.command.response.body));
  assert.equal((auto.command.response.body as Buffer).toString(), 'PDF!');
  assert.equal(auto.command.response.headers['content-type'], 'application/pdf');
  const named = await respond(
    {
      respondWith: 'binary',
      responseDataSource: 'set',
      inputFieldName: 'file',
      options: { responseHeaders: { entries: [{ name: 'Content-Type', value: 'x/y' }] } },
    },
    input,
  );
  assert.equal(named.command.response.headers['content-type'], 'x/y');
  await assert.rejects(respond({ respondWith: 'binary' }), /No binary data exists on the first item/);
  await assert.rejects(
    respond({ respondWith: 'binary', responseDataSource: 'set', inputFieldName: 'nope' }, input),
    /'nope'/,
  );
});

test('jwt: signs the payload with the jwtAuth credential', async () => {
  const { command } = await respond({ respondWith: 'jwt', payload: '{ "sub": "42" }' }, items, {
    credentials: {
      jwtAuth: { keyType: 'passphrase', secret: 'a-long-enough-secret-for-hs256!!', algorithm: 'HS256' },
    },
  });
  const token = (command.response.body as { token: string }).token;
  const { payload } = await jwtVerify(token, new TextEncoder().encode('a-long-enough-secret-for-hs256!!'));
  assert.equal(payload.sub, '42');
  assert.equal(typeof payload.iat, 'number');
});

test('enableResponseOutput adds a second output with the response (n8n ≥ 1.4)', async () => {
  const { result } = await respond({
    enableResponseOutput: true,
    respondWith: 'json',
    responseBody: '{"x":1}',
  });
  assert.deepEqual(result.json, [
    [{ a: 1 }, { a: 2 }],
    [{ response: { body: { x: 1 }, headers: {}, statusCode: 200 } }],
  ]);
});

test('continue on fail turns the failure into an error item; no input is an error', async () => {
  const failed = await runNode(respondToWebhookNode, {
    parameters: { respondWith: 'json', responseBody: '{' },
    items,
    onError: 'continue',
  });
  assert.deepEqual(failed.json, [[{ error: "Invalid JSON in 'Response Body' field" }]]);
  await assert.rejects(runNode(respondToWebhookNode, { items: [] }), /No item to respond with/);
});
