/**
 * Webhook bodies over HTTP: parsing by strict content type, malformed JSON (400, no run), wrong
 * content types (415), size limits (413), multipart files as binary items, and the
 * content-type confusion payloads of the CVE-2026-21858 class.
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { describe, it } from 'node:test';
import type { RunRecord } from '../../src/engine/ports.js';
import type { TestServer } from '../../src/testing/server.js';
import { until } from '../../src/testing/until.js';
import { call, deploy, runCount, webhookFlow, withServer } from './webhooks-kit.js';

/** POST /webhook/<path> answering `{ json, binary }`: the trigger item the run got (read back from the store). */
async function echoHook(server: TestServer, path: string, params: Record<string, unknown> = {}) {
  return deploy(server, webhookFlow({ path, httpMethod: 'POST', immediateResponse: 'runId', ...params }));
}

/** Calls an echo hook; when accepted (202), the body is `{ json, binary }` of the run's trigger item. */
async function send(server: TestServer, path: string, init: Parameters<typeof call>[3]) {
  const res = await call(server, 'POST', path, init);
  if (res.status !== 202) return res;
  const run = await server.runtime.store.runs.getRun(res.body.runId);
  const item = run!.triggerItems[0];
  return { ...res, body: JSON.parse(JSON.stringify({ json: item.json, binary: item.binary ?? null })) };
}

function multipart(boundary: string, parts: string[]): Buffer {
  return Buffer.from(`${parts.map((p) => `--${boundary}\r\n${p}\r\n`).join('')}--${boundary}--\r\n`);
}

describe('webhook bodies', () => {
  it('JSON, form-urlencoded (repeated keys), text, XML as text', () =>
    withServer(async (server) => {
      await echoHook(server, 'in');
      assert.deepEqual((await send(server, '/webhook/in', { json: { a: [1, 2], b: null } })).body.json.body, {
        a: [1, 2],
        b: null,
      });
      const vnd = await send(server, '/webhook/in', {
        body: '{"x":1}',
        headers: { 'content-type': 'application/vnd.api+json' },
      });
      assert.deepEqual(vnd.body.json.body, { x: 1 });
      const form = await send(server, '/webhook/in', {
        body: 'nom=Dumitru&doc=CNI&doc=CV&e=%C3%A9',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      assert.deepEqual(form.body.json.body, { nom: 'Dumitru', doc: ['CNI', 'CV'], e: 'é' });
      const text = await send(server, '/webhook/in', {
        body: 'plain words',
        headers: { 'content-type': 'text/plain; charset=utf-8' },
      });
      assert.equal(text.body.json.body, 'plain words');
      const xml = await send(server, '/webhook/in', {
        body: '<a>1</a>',
        headers: { 'content-type': 'application/xml' },
      });
      assert.equal(xml.body.json.body, '<a>1</a>');
      const empty = await send(server, '/webhook/in', {});
      assert.deepEqual(empty.body.json.body, {});
    }));

  it("any other content type becomes a binary item (n8n v2); rawBody also keeps a parsed body's bytes", () =>
    withServer(async (server) => {
      await echoHook(server, 'raw');
      const res = await send(server, '/webhook/raw', {
        body: new Uint8Array([0, 1, 2, 255]),
        headers: {
          'content-type': 'application/octet-stream',
          'content-disposition': 'attachment; filename="../../scan.bin"',
        },
      });
      assert.deepEqual(res.body.json.body, {});
      assert.deepEqual(res.body.binary, {
        data: {
          data: Buffer.from([0, 1, 2, 255]).toString('base64'),
          mimeType: 'application/octet-stream',
          fileSize: 4,
          fileName: 'scan.bin',
          fileExtension: 'bin',
        },
      });
      await echoHook(server, 'keep', { options: { rawBody: true, binaryPropertyName: 'file' } });
      const kept = await send(server, '/webhook/keep', { json: { a: 1 } });
      assert.deepEqual(kept.body.json.body, { a: 1 });
      assert.equal(Buffer.from(kept.body.binary.data.data, 'base64').toString(), '{"a":1}');
      const pdf = await send(server, '/webhook/keep', {
        body: 'PDF!',
        headers: { 'content-type': 'application/pdf' },
      });
      assert.equal(pdf.body.binary.file.mimeType, 'application/pdf');
    }));

  it('malformed JSON: 400 and no run; no or malformed content type, other multipart: 415', () =>
    withServer(async (server) => {
      await echoHook(server, 'strict');
      const before = await runCount(server);
      const bad = await send(server, '/webhook/strict', {
        body: '{"a":',
        headers: { 'content-type': 'application/json' },
      });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.code, 'invalid_json');
      const latin = await send(server, '/webhook/strict', {
        body: Buffer.from([0x7b, 0xff, 0x7d]),
        headers: { 'content-type': 'application/json' },
      });
      assert.equal(latin.status, 400);
      const none = await send(server, '/webhook/strict', { body: new Uint8Array([1, 2, 3]) });
      assert.equal(none.status, 415);
      const malformed = await send(server, '/webhook/strict', {
        body: 'x',
        headers: { 'content-type': 'json' },
      });
      assert.equal(malformed.status, 415);
      const mixed = await send(server, '/webhook/strict', {
        body: 'x',
        headers: { 'content-type': 'multipart/mixed; boundary=x' },
      });
      assert.equal(mixed.status, 415);
      const charset = await send(server, '/webhook/strict', {
        body: '{}',
        headers: { 'content-type': 'application/json; charset=klingon' },
      });
      assert.equal(charset.status, 415);
      assert.equal(await runCount(server), before, 'no run for any refused body');
    }));

  it("size limit: RELAIS_MAX_BODY by default, the webhook's maxBody, declared or streamed: 413", () =>
    withServer(
      async (server) => {
        await echoHook(server, 'big');
        await echoHook(server, 'small', { maxBody: '1kb' });
        await echoHook(server, 'roomy', { maxBody: '40kb' });
        const before = await runCount(server);
        assert.equal(
          (
            await send(server, '/webhook/big', {
              body: 'x'.repeat(5000),
              headers: { 'content-type': 'text/plain' },
            })
          ).status,
          202,
        );
        const tooBig = await send(server, '/webhook/big', {
          body: 'x'.repeat(20_001),
          headers: { 'content-type': 'text/plain' },
        });
        assert.equal(tooBig.status, 413);
        assert.equal(tooBig.body.error.code, 'payload_too_large');
        assert.equal(
          (
            await send(server, '/webhook/small', {
              body: 'x'.repeat(1025),
              headers: { 'content-type': 'text/plain' },
            })
          ).status,
          413,
        );
        const roomy = await send(server, '/webhook/roomy', {
          body: 'x'.repeat(30_000),
          headers: { 'content-type': 'text/plain' },
        });
        assert.equal(roomy.status, 202, 'a webhook may allow more than the default');
        // Chunked, no Content-Length: refused while streaming.
        const streamed = await chunked(server, '/webhook/small', 'text/plain', [
          'x'.repeat(800),
          'y'.repeat(800),
        ]);
        assert.equal(streamed, 413);
        const form = multipart('bb', [
          `Content-Disposition: form-data; name="f"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\n${'z'.repeat(2000)}`,
        ]);
        assert.equal(
          (
            await send(server, '/webhook/small', {
              body: form,
              headers: { 'content-type': 'multipart/form-data; boundary=bb' },
            })
          ).status,
          413,
        );
        assert.equal(await runCount(server), before + 2);
      },
      { config: { maxBodyBytes: 20_000 } },
    ));

  it('multipart: fields in body, files as binary items named after their field', () =>
    withServer(async (server) => {
      await echoHook(server, 'upload');
      const form = new FormData();
      form.append('nom', 'Dumitru');
      form.append('doc', 'CNI');
      form.append('doc', 'CV');
      form.append('cv', new Blob(['%PDF-1.7'], { type: 'application/pdf' }), 'cv.pdf');
      form.append('photos[]', new Blob(['img1'], { type: 'image/png' }), 'a.png');
      form.append('photos[]', new Blob(['img2'], { type: 'image/png' }), 'b.png');
      const res = await send(server, '/webhook/upload', { body: form });
      assert.equal(res.status, 202, res.text);
      assert.deepEqual(res.body.json.body, { nom: 'Dumitru', doc: ['CNI', 'CV'] });
      const { cv, photos0, photos1 } = res.body.binary;
      assert.deepEqual(cv, {
        data: Buffer.from('%PDF-1.7').toString('base64'),
        mimeType: 'application/pdf',
        fileSize: 8,
        fileName: 'cv.pdf',
        fileExtension: 'pdf',
      });
      assert.equal(Buffer.from(photos0.data, 'base64').toString(), 'img1');
      assert.equal(photos1.fileName, 'b.png');

      // A large file is written under the data directory, not kept in the run's trigger items.
      const big = new FormData();
      big.append('scan', new Blob([Buffer.alloc(200_000, 7)], { type: 'image/png' }), 'scan.png');
      const stored = await send(server, '/webhook/upload', { body: big });
      assert.equal(stored.status, 202, stored.text);
      const scan = stored.body.binary.scan;
      assert.equal(scan.data, undefined);
      assert.match(scan.id, /^fs:/);
      assert.deepEqual(
        { mimeType: scan.mimeType, fileName: scan.fileName, fileSize: scan.fileSize },
        { mimeType: 'image/png', fileName: 'scan.png', fileSize: 200_000 },
      );
      // The run writes its end just after its Respond node answered.
      let run: RunRecord | undefined;
      await until('the run keeps a reference', async () => {
        [run] = (await server.runtime.store.runs.listRunsByStatus(['succeeded'], 1000)).filter(
          (r) => (r.triggerItems[0]?.binary?.scan as { id?: string } | undefined)?.id === scan.id,
        );
        return run !== undefined;
      });
      assert.ok(run);
      assert.ok(JSON.stringify(run.triggerItems).length < 2_000, 'not the bytes');

      await echoHook(server, 'named', { options: { binaryPropertyName: 'upload' } });
      const named = await send(server, '/webhook/named', { body: form });
      assert.deepEqual(Object.keys(named.body.binary).sort(), ['upload0', 'upload1', 'upload2']);
    }));
});

describe('content-type confusion (CVE-2026-21858 class)', () => {
  it('a JSON body cannot fill server-owned fields: headers, params, query, binary, files, __proto__ stay in body', () =>
    withServer(async (server) => {
      await echoHook(server, 'confuse/:id');
      const payload =
        '{"headers":{"x-api-key":"forged"},"params":{"id":"forged"},"query":{"admin":"1"},"binary":{"data":{"data":"ZXZpbA==","mimeType":"text/plain"}},' +
        '"files":{"f":{"filepath":"/etc/passwd","originalFilename":"passwd","mimetype":"text/plain"}},"__proto__":{"polluted":true},"webhookUrl":"x","executionMode":"test"}';
      const res = await send(server, '/webhook/confuse/real?q=1', {
        body: payload,
        headers: { 'content-type': 'application/json' },
      });
      assert.equal(res.status, 202, res.text);
      const json = res.body.json;
      assert.equal(json.headers['x-api-key'], undefined);
      assert.equal(json.headers.host, new URL(server.url).host);
      assert.deepEqual(json.params, { id: 'real' });
      assert.deepEqual(json.query, { q: '1' });
      assert.equal(json.executionMode, 'production');
      assert.equal(res.body.binary, null, 'no binary from a JSON body');
      assert.deepEqual(json.body.files.f.filepath, '/etc/passwd', 'just data');
      assert.deepEqual(
        Object.getOwnPropertyDescriptor(json.body, '__proto__')?.value,
        { polluted: true },
        'kept as data',
      );
      assert.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype untouched');
    }));

  it('JSON sent as multipart/form-data or text/plain is not parsed as JSON', () =>
    withServer(async (server) => {
      await echoHook(server, 'as');
      const before = await runCount(server);
      const json = '{"files":{"f":{"filepath":"/etc/passwd"}}}';
      const asMultipart = await send(server, '/webhook/as', {
        body: json,
        headers: { 'content-type': 'multipart/form-data; boundary=zzz' },
      });
      assert.equal(asMultipart.status, 400);
      const noBoundary = await send(server, '/webhook/as', {
        body: json,
        headers: { 'content-type': 'multipart/form-data' },
      });
      assert.equal(noBoundary.status, 415);
      assert.equal(await runCount(server), before);
      const asText = await send(server, '/webhook/as', {
        body: json,
        headers: { 'content-type': 'text/plain' },
      });
      assert.equal(asText.body.json.body, json, 'a string, as sent');
      assert.equal(asText.body.binary, null);
    }));

  it('a multipart part claiming a filepath gets its own bytes, never a server file; field names cannot overwrite anything', () =>
    withServer(async (server) => {
      await echoHook(server, 'parts');
      const body = multipart('XyZ', [
        'Content-Disposition: form-data; name="headers"\r\n\r\nforged',
        'Content-Disposition: form-data; name="doc"; filename="/etc/passwd"; filepath="/etc/passwd"\r\nContent-Type: text/plain\r\n\r\nmine',
      ]);
      const res = await send(server, '/webhook/parts', {
        body,
        headers: { 'content-type': 'multipart/form-data; boundary=XyZ' },
      });
      assert.equal(res.status, 202, res.text);
      assert.deepEqual(res.body.json.body, { headers: 'forged' });
      assert.equal(typeof res.body.json.headers, 'object');
      assert.equal(Buffer.from(res.body.binary.doc.data, 'base64').toString(), 'mine');
      assert.equal(res.body.binary.doc.fileName, 'passwd', 'no directory in a file name');
      const proto = multipart('XyZ', [
        'Content-Disposition: form-data; name="__proto__"\r\n\r\n{"polluted":true}',
      ]);
      const refused = await send(server, '/webhook/parts', {
        body: proto,
        headers: { 'content-type': 'multipart/form-data; boundary=XyZ' },
      });
      assert.equal(refused.status, 400);
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
    }));
});

/** A chunked POST (no Content-Length); resolves with the status. */
function chunked(server: TestServer, path: string, contentType: string, chunks: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${server.url}${path}`,
      { method: 'POST', headers: { 'content-type': contentType, 'transfer-encoding': 'chunked' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    for (const c of chunks) req.write(c);
    req.end();
  });
}
