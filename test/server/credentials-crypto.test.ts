/**
 * Credential encryption and resolution, below the API: AES-256-GCM round trip, the key file
 * (0600) and RELAIS_ENCRYPTION_KEY forms, a wrong key failing with a clear error, and the engine's
 * resolver (by id, by n8n type + name) feeding a node.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import { ManualClock } from '../../src/engine/clock.js';
import { Engine } from '../../src/engine/engine.js';
import { NonRetryableError } from '../../src/engine/errors.js';
import { NodeRegistry } from '../../src/engine/registry.js';
import type { WorkflowNode } from '../../src/engine/workflow.js';
import { manualTriggerNode } from '../../src/nodes/manual-trigger.node.js';
import { defineNode } from '../../src/nodes/sdk.js';
import { CredentialCipher, CredentialDecryptError } from '../../src/server/credentials/cipher.js';
import {
  EncryptionKeyError,
  KEY_FILE,
  keyFromSetting,
  loadEncryptionKey,
} from '../../src/server/credentials/keys.js';
import { CredentialService } from '../../src/server/credentials/service.js';
import { CredentialTypes } from '../../src/server/credentials/types.js';
import { openStore, type Store } from '../../src/store/index.js';
import { MemoryRunStore } from '../../src/testing/memory-run-store.js';

const SECRET = `s3cr3t-${randomBytes(8).toString('hex')}`;
const TOKEN = `tok-${randomBytes(8).toString('hex')}`;

describe('credential encryption', () => {
  let dir: string;
  let store: Store;
  const types = new CredentialTypes();
  const clock = new ManualClock();
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'relais-keys-'));
    store = await openStore({ memory: true });
  });
  after(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('encrypts with a fresh IV each time, binds the value to its credential, and round-trips', () => {
    const cipher = new CredentialCipher(randomBytes(32));
    const a = cipher.encrypt('{"password":"x"}', 'c1');
    const b = cipher.encrypt('{"password":"x"}', 'c1');
    assert.notEqual(a, b);
    assert.match(a, new RegExp(`^v1\\.${cipher.keyId}\\.[A-Za-z0-9_-]+$`));
    assert.equal(cipher.decrypt(a, 'c1'), '{"password":"x"}');
    assert.throws(() => cipher.decrypt(a, 'c2'), CredentialDecryptError);
    // The second-to-last character always changes (a random value may already hold an 'A' there).
    const tampered = `${a.slice(0, -2)}${a.at(-2) === 'A' ? 'B' : 'A'}${a.slice(-1)}`;
    assert.throws(() => cipher.decrypt(tampered, 'c1'), /integrity/);
    assert.throws(() => cipher.decrypt('plain text', 'c1'), /format/);
  });

  it('generates the key file once (0600), reads it back, and warns when others can read it', async () => {
    const first = await loadEncryptionKey({ dataDir: dir });
    assert.equal(first.source, 'new key file');
    if (process.platform !== 'win32') assert.equal((await stat(join(dir, KEY_FILE))).mode & 0o777, 0o600);
    const warnings: string[] = [];
    const again = await loadEncryptionKey({ dataDir: dir }, (m) => warnings.push(m));
    assert.equal(again.source, 'key file');
    assert.deepEqual(again.key, first.key);
    assert.equal(warnings.length, 0);
    if (process.platform !== 'win32') {
      await chmod(join(dir, KEY_FILE), 0o644);
      await loadEncryptionKey({ dataDir: dir }, (m) => warnings.push(m));
      assert.match(warnings[0], /chmod 600/);
    }
    const other = await mkdtemp(join(tmpdir(), 'relais-keys-'));
    await writeFile(join(other, KEY_FILE), 'not a key\n');
    await assert.rejects(loadEncryptionKey({ dataDir: other }), EncryptionKeyError);
    await rm(other, { recursive: true, force: true });
  });

  it('takes RELAIS_ENCRYPTION_KEY as 32 bytes in hex or base64, or as a passphrase (scrypt)', async () => {
    const raw = randomBytes(32);
    assert.deepEqual((await keyFromSetting(raw.toString('hex'))).key, raw);
    assert.deepEqual((await keyFromSetting(raw.toString('base64'))).key, raw);
    assert.deepEqual((await keyFromSetting(raw.toString('base64url'))).key, raw);
    const pass = await keyFromSetting('correct horse battery staple');
    assert.equal(pass.source, 'passphrase');
    assert.equal(pass.key.length, 32);
    assert.deepEqual(
      (await keyFromSetting('correct horse battery staple')).key,
      pass.key,
      'the same passphrase, the same key',
    );
    // Pinned (scrypt N 16384, r 8, p 1, the fixed salt): a passphrase set on an earlier version
    // must keep giving the key that decrypts what that version stored.
    assert.equal(
      pass.key.toString('hex'),
      '8e6b9ce158cb9cce2e26e7ea29bcdbf76a277e0c450892982c7fdc658b110386',
    );
    await assert.rejects(keyFromSetting('  '), EncryptionKeyError);
    const fromEnv = await loadEncryptionKey({ setting: raw.toString('hex'), dataDir: join(dir, 'unused') });
    assert.equal(fromEnv.source, 'environment');
  });

  it('resolves a node credential by id, else by type and name, decrypted with defaults', async () => {
    const service = new CredentialService(
      store.credentials,
      new CredentialCipher(randomBytes(32)),
      types,
      clock,
    );
    const created = await service.create({
      name: 'CRM DB',
      type: 'postgres',
      data: { host: 'db', password: SECRET },
    });
    const byId = {
      name: 'n',
      credentials: { postgres: { id: created.id, name: 'renamed since' } },
    } as unknown as WorkflowNode;
    const byName = {
      name: 'n',
      credentials: { postgres: { id: 'n8n-id-42', name: 'CRM DB' } },
    } as unknown as WorkflowNode;
    const expected = {
      host: 'db',
      port: 5432,
      database: 'postgres',
      user: 'postgres',
      password: SECRET,
      ssl: 'disable',
      allowUnauthorizedCerts: false,
    };
    assert.deepEqual(await service.resolve(byId, 'postgres'), expected);
    assert.deepEqual(await service.resolve(byName, 'postgres'), expected);
    const missing = {
      name: 'Query',
      credentials: { postgres: { name: 'Other DB' } },
    } as unknown as WorkflowNode;
    await assert.rejects(service.resolve(missing, 'postgres'), (e: unknown) => {
      assert.ok(e instanceof NonRetryableError);
      assert.match(e.message, /Credential 'Other DB' \(postgres\) of node 'Query' does not exist/);
      return true;
    });
    await assert.rejects(service.resolve(missing, 'mySql'), /has no 'mySql' credential selected/);
  });

  it('fails to decrypt with another key, saying the key changed', async () => {
    const right = new CredentialService(
      store.credentials,
      new CredentialCipher(randomBytes(32)),
      types,
      clock,
    );
    const created = await right.create({ name: 'Bearer', type: 'httpBearerAuth', data: { token: TOKEN } });
    const wrong = new CredentialService(
      store.credentials,
      new CredentialCipher(randomBytes(32)),
      types,
      clock,
    );
    const node = {
      name: 'Call',
      credentials: { httpBearerAuth: { id: created.id, name: 'Bearer' } },
    } as unknown as WorkflowNode;
    await assert.rejects(wrong.resolve(node, 'httpBearerAuth'), (e: unknown) => {
      assert.ok(e instanceof NonRetryableError);
      assert.match(e.message, /cannot be decrypted: .*encrypted with another key.*RELAIS_ENCRYPTION_KEY/);
      assert.ok(!e.message.includes(TOKEN));
      return true;
    });
    const record = await store.credentials.get(created.id);
    assert.throws(() => wrong.decrypt(record!), CredentialDecryptError);
    assert.deepEqual(right.decrypt(record!), { token: TOKEN });
    // With the key lost, an update must give every field again; it then replaces them all.
    await assert.rejects(wrong.update(created.id, { name: 'Bearer 2', data: {} }), /do not fit/);
    await wrong.update(created.id, { data: { token: 'fresh' } });
    assert.deepEqual(await wrong.resolve(node, 'httpBearerAuth'), { token: 'fresh' });
  });

  it('gives nodes their credentials through the engine', async () => {
    const service = new CredentialService(
      store.credentials,
      new CredentialCipher(randomBytes(32)),
      types,
      clock,
    );
    await service.create({
      name: 'Header',
      type: 'httpHeaderAuth',
      data: { name: 'X-API-Key', value: TOKEN },
    });
    const probe = defineNode({
      type: 'probe',
      version: 1,
      displayName: 'Probe',
      description: 'reads its credential',
      group: 'action',
      params: z.object({}).loose(),
      inputs: 1,
      outputs: ['main'],
      credentials: [{ name: 'httpHeaderAuth', required: true }],
      execute: async (ctx) => {
        const cred = await ctx.getCredentials('httpHeaderAuth');
        return [[{ json: { header: cred.name, length: String(cred.value).length } }]];
      },
    });
    const engine = new Engine({
      runs: new MemoryRunStore(),
      registry: new NodeRegistry([manualTriggerNode, probe]),
      credentials: (node, slot) => service.resolve(node, slot),
    });
    const { run, runData } = await engine.start({
      workflowId: 'w',
      mode: 'manual',
      workflow: {
        name: 'w',
        nodes: [
          node('Start', 'manualTrigger'),
          { ...node('Probe', 'probe'), credentials: { httpHeaderAuth: { id: 'from-n8n', name: 'Header' } } },
        ],
        connections: [{ from: 'Start', output: 0, to: 'Probe', input: 0 }],
        settings: { saveData: 'all', executionOrder: 'v1' },
      },
    });
    assert.equal(run.status, 'succeeded', JSON.stringify(run.error));
    assert.deepEqual(runData.output('Probe')[0].json, { header: 'X-API-Key', length: TOKEN.length });
  });
});

function node(name: string, type: string): WorkflowNode {
  return {
    id: name,
    name,
    type,
    typeVersion: 1,
    position: [0, 0],
    parameters: {},
    disabled: false,
    onError: 'stop',
    alwaysOutputData: false,
    executeOnce: false,
  };
}
