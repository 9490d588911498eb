import assert from 'node:assert/strict';
import { createHash, createHmac, createVerify, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runNode } from '../testing/run-node.js';
import { cryptoNode, HASH_TYPES, signAlgorithms } from './crypto.node.js';

const cases = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'n8n-conformance');

test('conformance crypto-hash: SHA256 of each email into emailHash', async () => {
  const workflow = JSON.parse(readFileSync(join(cases, 'crypto-hash', 'workflow.json'), 'utf8'));
  const expected = JSON.parse(readFileSync(join(cases, 'crypto-hash', 'expected.json'), 'utf8'));
  const node = workflow.nodes.find((n: { name: string }) => n.name === 'Hash');
  const { json } = await runNode(cryptoNode, {
    parameters: node.parameters,
    items: expected.nodes.Fixture[0],
  });
  assert.deepEqual(json, expected.nodes.Hash);
});

test('hash: defaults are MD5, hex, property "data"; input is not mutated', async () => {
  const items = [{ v: 1 }];
  const { json, outputs } = await runNode(cryptoNode, { parameters: { value: 'abc' }, items });
  assert.deepEqual(json, [[{ v: 1, data: '900150983cd24fb0d6963f7d28e17f72' }]]);
  assert.deepEqual(items, [{ v: 1 }]);
  assert.deepEqual(outputs[0][0].pairedItem, { item: 0 });
});

test('hash: every n8n hash type, in hex and base64', async () => {
  for (const type of HASH_TYPES) {
    for (const encoding of ['hex', 'base64'] as const) {
      const { json } = await runNode(cryptoNode, {
        parameters: { action: 'hash', type, encoding, value: 'Relais' },
        items: [{}],
      });
      assert.equal(
        json[0][0].data,
        createHash(type).update('Relais').digest(encoding),
        `${type} ${encoding}`,
      );
    }
  }
});

test('hmac with a secret', async () => {
  const { json } = await runNode(cryptoNode, {
    parameters: {
      action: 'hmac',
      type: 'SHA256',
      value: 'payload',
      secret: 's3cret',
      dataPropertyName: 'signature',
    },
    items: [{ id: 7 }],
  });
  assert.deepEqual(json[0][0], {
    id: 7,
    signature: createHmac('sha256', 's3cret').update('payload').digest('hex'),
  });
});

test('hash of a binary property drops the binary data, as n8n does', async () => {
  const content = Buffer.from('fichier');
  const items = [
    { json: { f: 1 }, binary: { data: { data: content.toString('base64'), mimeType: 'text/plain' } } },
  ];
  const { outputs } = await runNode(cryptoNode, { parameters: { binaryData: true, type: 'SHA256' }, items });
  assert.equal(outputs[0][0].json.data, createHash('sha256').update(content).digest('hex'));
  assert.equal(outputs[0][0].binary, undefined);
  const text = await runNode(cryptoNode, { parameters: { value: 'x' }, items });
  assert.deepEqual(text.outputs[0][0].binary, items[0].binary);
});

test('a missing binary property fails the item (and continue-on-fail turns it into an error item)', async () => {
  await assert.rejects(
    runNode(cryptoNode, { parameters: { binaryData: true, binaryPropertyName: 'file' }, items: [{ a: 1 }] }),
    /binary file 'file'/,
  );
  const { json } = await runNode(cryptoNode, {
    parameters: { binaryData: true, binaryPropertyName: 'file' },
    items: [{ a: 1 }],
    onError: 'continue',
  });
  assert.match(String(json[0][0].error), /binary file 'file'/);
});

test('sign with an RSA private key; the signature verifies', async () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const { json } = await runNode(cryptoNode, {
    parameters: {
      action: 'sign',
      value: 'à signer',
      algorithm: 'RSA-SHA256',
      privateKey: pem,
      encoding: 'base64',
    },
    items: [{}],
  });
  const verify = createVerify('RSA-SHA256');
  verify.update('à signer');
  assert.ok(verify.verify(publicKey, String(json[0][0].data), 'base64'));
  assert.ok(signAlgorithms().includes('RSA-SHA256'));
  assert.ok(!signAlgorithms().includes('md4'));
});

test('sign: bad algorithm or key names the parameter', async () => {
  await assert.rejects(
    runNode(cryptoNode, { parameters: { action: 'sign', value: 'x', privateKey: 'k' }, items: [{}] }),
    /Invalid parameter 'algorithm'/,
  );
  await assert.rejects(
    runNode(cryptoNode, {
      parameters: { action: 'sign', value: 'x', algorithm: 'nope', privateKey: 'k' },
      items: [{}],
    }),
    /Invalid parameter 'algorithm'/,
  );
  await assert.rejects(
    runNode(cryptoNode, {
      parameters: { action: 'sign', value: 'x', algorithm: 'RSA-SHA256', privateKey: 'not a key' },
      items: [{}],
    }),
    /Invalid parameter 'privateKey'/,
  );
});

test('generate: uuid by default, and random strings of the asked length', async () => {
  const uuid = await runNode(cryptoNode, { parameters: { action: 'generate' }, items: [{}, {}] });
  const [a, b] = uuid.json[0].map((j) => String(j.data));
  assert.match(a, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.notEqual(a, b);
  const hex = await runNode(cryptoNode, {
    parameters: { action: 'generate', encodingType: 'hex', stringLength: 10 },
    items: [{}],
  });
  assert.match(String(hex.json[0][0].data), /^[0-9a-f]{10}$/);
  const b64 = await runNode(cryptoNode, {
    parameters: { action: 'generate', encodingType: 'base64', stringLength: 40, dataPropertyName: 'token' },
    items: [{}],
  });
  assert.match(String(b64.json[0][0].token), /^[A-Za-z0-9]{1,40}$/);
  const ascii = await runNode(cryptoNode, {
    parameters: { action: 'generate', encodingType: 'ascii', stringLength: 5 },
    items: [{}],
  });
  assert.equal(String(ascii.json[0][0].data).length, 5);
});

test('the property name is one literal key, dots included (n8n uses an array path)', async () => {
  const { json } = await runNode(cryptoNode, {
    parameters: { value: 'abc', dataPropertyName: 'meta.hash' },
    items: [{}],
  });
  assert.deepEqual(Object.keys(json[0][0]), ['meta.hash']);
});

test('non-string values are hashed as text; empty input gives no items', async () => {
  const { json } = await runNode(cryptoNode, { parameters: { value: 42 }, items: [{}] });
  assert.equal(json[0][0].data, createHash('md5').update('42').digest('hex'));
  assert.deepEqual((await runNode(cryptoNode, { parameters: { value: 'x' }, items: [] })).json, [[]]);
});

test('bad parameters are refused with the parameter named', async () => {
  await assert.rejects(
    runNode(cryptoNode, { parameters: { type: 'SHA1' }, items: [{}] }),
    /Invalid parameter 'type'/,
  );
  await assert.rejects(
    runNode(cryptoNode, { parameters: { action: 'encrypt' }, items: [{}] }),
    /Invalid parameter 'action'/,
  );
  await assert.rejects(
    runNode(cryptoNode, { parameters: { encoding: 'latin1' }, items: [{}] }),
    /Invalid parameter 'encoding'/,
  );
});
