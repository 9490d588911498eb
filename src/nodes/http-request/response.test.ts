import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { BinaryAccess } from '../../binary/access.js';
import { NodeError, NonRetryableError } from '../../engine/errors.js';
import { binaryServices } from '../../testing/binary-services.js';
import { runNode } from '../../testing/run-node.js';
import { httpRequestNode } from '../http-request.node.js';
import { contentDispositionFileName } from './response.js';
import { type Reply, startServer, type TestServer } from './test-server.js';

let server: TestServer;
before(async () => {
  server = await startServer((req): Reply => {
    switch (req.path) {
      case '/text':
        return { headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'hello world' };
      case '/latin1':
        return {
          headers: { 'content-type': 'text/plain; charset=iso-8859-1' },
          body: Buffer.from([0x63, 0x61, 0x66, 0xe9]),
        };
      case '/empty':
        return { status: 204 };
      case '/bad-json':
        return { headers: { 'content-type': 'application/json' }, body: '{nope' };
      case '/fail':
        return {
          status: 500,
          headers: { 'content-type': 'application/json' },
          body: '{"error":"database down"}',
        };
      case '/missing':
        return { status: 404, body: { message: 'no such order' } };
      case '/busy':
        return { status: 429, headers: { 'content-type': 'text/plain' }, body: 'slow down' };
      case '/report':
        return {
          headers: {
            'content-type': 'application/pdf',
            'content-disposition': 'attachment; filename="facture 42.pdf"',
          },
          body: Buffer.from('%PDF-1.4 fake'),
        };
      case '/files/photo.png':
        return { headers: { 'content-type': 'image/png' }, body: Buffer.from([0x89, 0x50, 0x4e, 0x47]) };
      case '/download':
        return { headers: { 'content-type': 'application/zip' }, body: Buffer.alloc(100_000, 1) };
      default:
        return { headers: { 'x-seen': 'yes' }, body: { ok: true, method: req.method } };
    }
  });
});
after(() => server.close());

async function run(parameters: Record<string, unknown>, items: unknown[] = [{}], extra = {}) {
  return runNode(httpRequestNode, { parameters, items, ...extra });
}

test('responses: text, charset, empty, invalid JSON', async () => {
  assert.deepEqual((await run({ url: `${server.url}/text` })).json, [[{ data: 'hello world' }]]);
  assert.deepEqual(
    (
      await run({
        url: `${server.url}/text`,
        options: { response: { response: { responseFormat: 'text', outputPropertyName: 'page' } } },
      })
    ).json,
    [[{ page: 'hello world' }]],
  );
  assert.deepEqual((await run({ url: `${server.url}/latin1` })).json, [[{ data: 'café' }]]);
  assert.deepEqual((await run({ url: `${server.url}/empty` })).json, [[{}]]);
  await assert.rejects(
    run({ url: `${server.url}/bad-json` }),
    /^NodeError: Invalid JSON in response body$|Invalid JSON in response body/,
  );
  await assert.rejects(
    run({ url: `${server.url}/text`, options: { response: { response: { responseFormat: 'json' } } } }),
    /Response body is not valid JSON. Change "Response Format" to "Text"/,
  );
});

test('full response: body, headers, statusCode, statusMessage', async () => {
  const { json } = await run({
    url: `${server.url}/x`,
    options: { response: { response: { fullResponse: true } } },
  });
  const out = json[0][0] as {
    body: unknown;
    headers: Record<string, string>;
    statusCode: number;
    statusMessage: string;
  };
  assert.deepEqual(Object.keys(out), ['body', 'headers', 'statusCode', 'statusMessage']);
  assert.deepEqual(out.body, { ok: true, method: 'GET' });
  assert.equal(out.headers['x-seen'], 'yes');
  assert.equal(out.statusCode, 200);
  assert.equal(out.statusMessage, 'OK');
});

test('file responses become binary data: name from Content-Disposition, the URL, or data.<ext>', async () => {
  const input = { json: { order: 42 }, binary: { other: { data: 'eA==', mimeType: 'text/plain' } } };
  const pdf = (await run({ url: `${server.url}/report` }, [input])).outputs[0][0];
  assert.deepEqual(pdf.json, { order: 42 });
  assert.deepEqual(pdf.binary?.other, input.binary.other);
  assert.deepEqual(pdf.binary?.data, {
    data: Buffer.from('%PDF-1.4 fake').toString('base64'),
    mimeType: 'application/pdf',
    fileName: 'facture 42.pdf',
    fileExtension: 'pdf',
    fileSize: 13,
  });
  const png = (await run({ url: `${server.url}/files/photo.png` })).outputs[0][0];
  assert.equal(png.binary?.data.fileName, 'photo.png');
  const forced = await run({
    url: `${server.url}/x`,
    options: {
      response: { response: { responseFormat: 'file', outputPropertyName: 'payload', fullResponse: true } },
    },
  });
  const item = forced.outputs[0][0];
  assert.equal(item.binary?.payload.fileName, 'payload.json');
  assert.equal(
    Buffer.from(item.binary?.payload.data ?? '', 'base64').toString(),
    '{"ok":true,"method":"GET"}',
  );
  assert.deepEqual(Object.keys(item.json), ['headers', 'statusCode', 'statusMessage']);
});

test('large downloads go through the binary store as a stream', async () => {
  const stored: { size: number; meta: unknown }[] = [];
  const access: BinaryAccess = {
    async put(content, meta) {
      let size = 0;
      if (content instanceof Uint8Array) size = content.byteLength;
      else for await (const chunk of content) size += chunk.byteLength;
      stored.push({ size, meta });
      return {
        id: 'fs:run-test/00000000-0000-0000-0000-000000000001',
        mimeType: 'application/zip',
        fileSize: size,
      };
    },
    get: async () => Buffer.alloc(0),
    stream: () => {
      throw new Error('unused');
    },
  };
  const { outputs } = await runNode(httpRequestNode, {
    parameters: { url: `${server.url}/download` },
    items: [{}],
    services: binaryServices(access),
  });
  assert.deepEqual(stored, [{ size: 100_000, meta: { mimeType: 'application/zip', fileName: 'data.zip' } }]);
  assert.equal(outputs[0][0].binary?.data.id, 'fs:run-test/00000000-0000-0000-0000-000000000001');
});

test('HTTP errors: NodeError with httpStatus, n8n message, body in the description', async () => {
  await assert.rejects(run({ url: `${server.url}/fail` }), (e: NodeError) => {
    assert.ok(e instanceof NodeError && !(e instanceof NonRetryableError));
    assert.equal(e.message, 'The service was not able to process your request');
    assert.equal(e.httpStatus, 500);
    assert.equal(e.description, '500 - {"error":"database down"}');
    assert.equal(e.itemIndex, 0);
    return true;
  });
  await assert.rejects(run({ url: `${server.url}/missing` }, [{}, {}]), (e: NodeError) => {
    assert.equal(e.message, 'The resource you are requesting could not be found');
    assert.equal(e.httpStatus, 404);
    return true;
  });
  await assert.rejects(run({ url: `${server.url}/busy` }), (e: NodeError) => {
    assert.equal(e.message, 'The service is receiving too many requests from you');
    assert.equal(e.httpStatus, 429);
    assert.match(e.description ?? '', /^Try spacing your requests out.*429 - slow down$/);
    return true;
  });
});

test('never error returns the response; continue on fail makes error items', async () => {
  const never = { response: { response: { neverError: true, fullResponse: true } } };
  const { json } = await run({ url: `${server.url}/missing`, options: never });
  assert.equal((json[0][0] as { statusCode: number }).statusCode, 404);
  assert.deepEqual((json[0][0] as { body: unknown }).body, { message: 'no such order' });
  const mixed = await run(
    { url: `={{ "${server.url}/" + $json.p }}` },
    [{ p: 'ok' }, { p: 'fail' }, { p: 'ok' }],
    { onError: 'continue' },
  );
  assert.deepEqual(mixed.json, [
    [
      { ok: true, method: 'GET' },
      { error: 'The service was not able to process your request' },
      { ok: true, method: 'GET' },
    ],
  ]);
  assert.deepEqual(mixed.outputs[0][1].pairedItem, { item: 1 });
});

test('connection refused: retryable NodeError with code ECONNREFUSED', async () => {
  const dead = await startServer();
  await dead.close();
  await assert.rejects(run({ url: `${dead.url}/x` }), (e: NodeError) => {
    assert.ok(!(e instanceof NonRetryableError));
    assert.equal(e.code, 'ECONNREFUSED');
    assert.equal(e.message, 'The service refused the connection - perhaps it is offline');
    assert.match(e.description ?? '', /127\.0\.0\.1/);
    return true;
  });
});

test('timeout: ETIMEDOUT after the configured milliseconds', async () => {
  const slow = await startServer(() => ({ delayMs: 2000, body: 'late' }));
  const started = Date.now();
  try {
    await assert.rejects(run({ url: `${slow.url}/x`, options: { timeout: 150 } }), (e: NodeError) => {
      assert.equal(e.code, 'ETIMEDOUT');
      assert.match(e.description ?? '', /within 150 ms/);
      return true;
    });
    assert.ok(Date.now() - started < 1500);
  } finally {
    await slow.close();
  }
});

test('Content-Disposition file names: quoted, RFC 5987, never a path', () => {
  assert.equal(contentDispositionFileName('attachment; filename="a \\"b\\".pdf"'), 'a "b".pdf');
  assert.equal(
    contentDispositionFileName('attachment; filename*=UTF-8\'\'r%C3%A9sum%C3%A9.pdf; filename="x.pdf"'),
    'résumé.pdf',
  );
  assert.equal(contentDispositionFileName('attachment; filename=../../etc/passwd'), 'passwd');
  assert.equal(contentDispositionFileName('inline'), undefined);
  assert.equal(contentDispositionFileName(null), undefined);
});
