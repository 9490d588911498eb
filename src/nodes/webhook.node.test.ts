import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runNode } from '../testing/run-node.js';
import {
  configuredResponseCode,
  parseSize,
  webhookMethods,
  webhookNode,
  webhookParams,
} from './webhook.node.js';

const request = {
  headers: { host: 'x' },
  params: {},
  query: {},
  body: { a: 1 },
  webhookUrl: 'u',
  executionMode: 'production',
};

test('webhook hands on the trigger item the ingress built', async () => {
  const { json } = await runNode(webhookNode, {
    parameters: { path: 'p', httpMethod: 'POST' },
    items: [{ json: request }],
  });
  assert.deepEqual(json, [[request]]);
});

test('webhook with several methods routes the item to the output of its method, without the routing key', async () => {
  const parameters = { multipleMethods: true, httpMethod: ['GET', 'POST'], path: 'p' };
  const post = await runNode(webhookNode, { parameters, items: [{ json: request, requestMethod: 'POST' }] });
  assert.deepEqual(post.json, [[], [request]]);
  assert.equal('requestMethod' in post.outputs[1][0], false);
  const get = await runNode(webhookNode, { parameters, items: [{ json: request, requestMethod: 'GET' }] });
  assert.deepEqual(get.json, [[request], []]);
  assert.deepEqual(
    webhookNode.outputs instanceof Function && webhookNode.outputs(webhookParams.parse(parameters)),
    ['GET', 'POST'],
  );
});

test('webhook keeps binary data of the trigger item', async () => {
  const binary = { data: { data: 'aGk=', mimeType: 'text/plain', fileSize: 2 } };
  const { outputs } = await runNode(webhookNode, {
    parameters: { path: 'p' },
    items: [{ json: request, binary }],
  });
  assert.deepEqual(outputs[0][0].binary, binary);
});

test('webhook with no trigger items outputs nothing', async () => {
  assert.deepEqual((await runNode(webhookNode, { parameters: { path: 'p' } })).json, [[]]);
});

test('webhook parameters take n8n v2 defaults', () => {
  const p = webhookParams.parse({});
  assert.equal(p.httpMethod, 'GET');
  assert.equal(p.path, '');
  assert.equal(p.authentication, 'none');
  assert.equal(p.responseMode, 'onReceived');
  assert.equal(p.responseData, 'firstEntryJson');
  assert.equal(p.responseBinaryPropertyName, 'data');
  assert.equal(p.options.binaryPropertyName, 'data');
  assert.equal(p.options.allowedOrigins, '*');
  assert.equal(p.options.rawBody, false);
  assert.equal(p.immediateResponse, 'workflowStarted');
  assert.deepEqual(p.idempotency, { enabled: true, header: 'Idempotency-Key', windowSeconds: 86_400 });
  assert.equal(p.rateLimit, 0);
  assert.deepEqual(p.hmac, {
    header: 'X-Signature',
    timestampHeader: 'X-Timestamp',
    toleranceSeconds: 300,
    algorithm: 'sha256',
    encoding: 'hex',
  });
  assert.deepEqual(webhookMethods(p), ['GET']);
});

test('webhook response code: v1 top level, v2 option, custom code', () => {
  assert.equal(configuredResponseCode(webhookParams.parse({})), undefined);
  assert.equal(configuredResponseCode(webhookParams.parse({ responseCode: 201 })), 201);
  assert.equal(
    configuredResponseCode(
      webhookParams.parse({ options: { responseCode: { values: { responseCode: 204 } } } }),
    ),
    204,
  );
  assert.equal(
    configuredResponseCode(
      webhookParams.parse({
        options: { responseCode: { values: { responseCode: 'customCode', customCode: 418 } } },
      }),
    ),
    418,
  );
});

test('webhook parameters refuse bad values, naming the parameter', () => {
  const bad = webhookParams.safeParse({ httpMethod: 'BREW', authentication: 'magic', maxBody: 'lots' });
  assert.equal(bad.success, false);
  const paths = bad.error!.issues.map((i) => i.path.join('.'));
  assert.ok(paths.includes('httpMethod'));
  assert.ok(paths.includes('authentication'));
  assert.ok(paths.includes('maxBody'));
  assert.equal(webhookParams.parse({ maxBody: '2kb' }).maxBody, 2048);
  assert.equal(parseSize('1.5mb'), 1572864);
});

test('unknown options of newer n8n versions pass through', () => {
  const p = webhookParams.parse({ options: { onlyRunIf: '={{ true }}' } });
  assert.equal((p.options as Record<string, unknown>).onlyRunIf, '={{ true }}');
});
