import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, test } from 'node:test';
import { NonRetryableError } from '../engine/errors.js';
import { BINARY, getBinaryAccess, inlineBinaryAccess, requireBinary } from './access.js';
import { extensionFromMimeType, fileTypeOf, mimeTypeFromFileName } from './mime.js';
import { BinaryNotFoundError, BinaryStore, INLINE_LIMIT, scopeDir } from './store.js';

const dataDir = mkdtempSync(join(tmpdir(), 'relais-binary-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

async function* chunked(bytes: Buffer, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

test('small files stay inline with derived metadata', async () => {
  const store = new BinaryStore({ dataDir });
  const b = await store.put(Buffer.from('hello'), { fileName: 'greeting.txt' }, 'run-1');
  assert.deepEqual(b, {
    data: Buffer.from('hello').toString('base64'),
    mimeType: 'text/plain',
    fileName: 'greeting.txt',
    fileExtension: 'txt',
    fileSize: 5,
  });
  assert.equal((await store.get(b)).toString(), 'hello');
  assert.equal(await store.size(b), 5);
  assert.equal(existsSync(join(dataDir, 'binary', 'run-1')), false);
});

test('files past 64 KB go to <dataDir>/binary/<runId>/<uuid> and are read back', async () => {
  const store = new BinaryStore({ dataDir });
  const bytes = Buffer.alloc(INLINE_LIMIT + 1, 7);
  const b = await store.put(bytes, { mimeType: 'application/pdf' }, 'run-2');
  assert.equal(b.data, undefined);
  assert.match(b.id ?? '', /^fs:run-2\/[0-9a-f-]{36}$/);
  assert.deepEqual(
    { ...b, id: undefined },
    {
      id: undefined,
      mimeType: 'application/pdf',
      fileExtension: 'pdf',
      fileSize: INLINE_LIMIT + 1,
    },
  );
  const path = store.pathOf(b.id!);
  assert.equal(statSync(path).size, INLINE_LIMIT + 1);
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.ok((await store.get(b)).equals(bytes));
  const streamed: Buffer[] = [];
  for await (const chunk of store.stream(b)) streamed.push(chunk as Buffer);
  assert.ok(Buffer.concat(streamed).equals(bytes));
});

test('streams are spooled: a small stream stays inline, a large one is written as it arrives', async () => {
  const store = new BinaryStore({ dataDir, inlineLimit: 10 });
  const small = await store.put(chunked(Buffer.from('0123456789'), 3), {}, 'run-3');
  assert.equal(small.data, Buffer.from('0123456789').toString('base64'));
  assert.equal(small.mimeType, 'application/octet-stream');
  const big = Buffer.from('abcdefghijklmnopqrstuvwxyz');
  const stored = await store.put(chunked(big, 4), { fileName: 'a.csv' }, 'run-3');
  assert.ok(stored.id);
  assert.equal(stored.fileSize, big.length);
  assert.equal(stored.mimeType, 'text/csv');
  assert.ok((await store.get(stored)).equals(big));
});

test('a failing stream leaves no partial file behind', async () => {
  const store = new BinaryStore({ dataDir, inlineLimit: 4 });
  async function* failing(): AsyncGenerator<Uint8Array> {
    yield Buffer.from('123456');
    throw new Error('connection reset');
  }
  await assert.rejects(store.put(failing(), {}, 'run-fail'), /connection reset/);
  assert.deepEqual(readdirSync(join(dataDir, 'binary', 'run-fail')), []);
});

test('files without a run go to the shared folder; unsafe run ids are hashed', async () => {
  const store = new BinaryStore({ dataDir, inlineLimit: 1 });
  const b = await store.put(Buffer.from('xyz'), {});
  assert.match(b.id ?? '', /^fs:shared\//);
  assert.equal(scopeDir('../../etc'), scopeDir('../../etc'));
  assert.match(scopeDir('../../etc'), /^h-[0-9a-f]{40}$/);
  assert.equal(scopeDir('shared'), scopeDir('shared'));
  assert.notEqual(scopeDir('shared'), 'shared');
});

test('deleteForRun removes the run folder and later reads say the data is gone', async () => {
  const store = new BinaryStore({ dataDir, inlineLimit: 1 });
  const b = await store.put(Buffer.from('to delete'), {}, 'run-del');
  await store.deleteForRun('run-del');
  assert.equal(existsSync(join(dataDir, 'binary', 'run-del')), false);
  await assert.rejects(store.get(b), BinaryNotFoundError);
  await store.deleteForRun('never-existed');
});

test('ids that are not store ids never become paths', async () => {
  const store = new BinaryStore({ dataDir });
  for (const id of ['fs:../x/00000000-0000-0000-0000-000000000000', '/etc/passwd', 'fs:run/../../a', '']) {
    assert.throws(() => store.pathOf(id), BinaryNotFoundError);
    await assert.rejects(store.get({ id, mimeType: 'text/plain' }), BinaryNotFoundError);
  }
  await assert.rejects(store.get({ mimeType: 'text/plain' }), BinaryNotFoundError);
});

test('getBinaryAccess: the run-bound store when the process provides one, inline-only otherwise', async () => {
  const store = new BinaryStore({ dataDir, inlineLimit: 2 });
  const ctx = (services: Record<string, unknown>) => ({
    execution: { id: 'run-ctx' },
    findService: <T>(key: { name: string }) => services[key.name] as T | undefined,
  });
  assert.equal(getBinaryAccess(ctx({})), inlineBinaryAccess);
  const access = getBinaryAccess(ctx({ [BINARY.name]: store }));
  assert.notEqual(access, inlineBinaryAccess);
  const stored = await access.put(Buffer.from('abc'), { fileName: 'x.json' });
  assert.match(stored.id ?? '', /^fs:run-ctx\//);
  assert.equal((await access.get(stored)).toString(), 'abc');
  const big = await inlineBinaryAccess.put(Readable.from([Buffer.alloc(INLINE_LIMIT * 2)]), {});
  assert.equal(big.fileSize, INLINE_LIMIT * 2);
  assert.equal(Buffer.from(big.data ?? '', 'base64').length, INLINE_LIMIT * 2);
  await assert.rejects(inlineBinaryAccess.get(stored), NonRetryableError);
  assert.throws(() => inlineBinaryAccess.stream(stored), /stored outside the run/);
});

test('requireBinary gives n8n messages', () => {
  assert.throws(() => requireBinary({ json: {} }, 'data', 0), /No binary data exists on item!/);
  assert.throws(
    () => requireBinary({ json: {}, binary: {} }, 'file', 2),
    /expects the node's input data to contain a binary file 'file', but none was found \[item 2\]/,
  );
  const b = { data: 'eA==', mimeType: 'text/plain' };
  assert.equal(requireBinary({ json: {}, binary: { data: b } }, 'data', 0), b);
});

test('MIME helpers', () => {
  assert.equal(mimeTypeFromFileName('Report.PDF'), 'application/pdf');
  assert.equal(mimeTypeFromFileName('noext'), undefined);
  assert.equal(mimeTypeFromFileName('.bashrc'), undefined);
  assert.equal(extensionFromMimeType('image/jpeg; q=1'), 'jpg');
  assert.equal(extensionFromMimeType('application/x-unknown'), undefined);
  assert.equal(fileTypeOf('image/png'), 'image');
  assert.equal(fileTypeOf('application/json'), 'json');
  assert.equal(fileTypeOf('text/csv'), 'text');
  assert.equal(fileTypeOf('application/zip'), undefined);
});
