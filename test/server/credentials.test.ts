/**
 * Credentials: the API over HTTP (types, CRUD, merge on update, unique type + name), secrets never
 * in a reply, a log line or the database file; AES-256-GCM round trip, the key file (0600), a
 * wrong key failing with a clear error; the engine's resolver (by id, by n8n type + name).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
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
import { createLogger } from '../../src/server/runtime.js';
import { openStore, type Store } from '../../src/store/index.js';
import { MemoryRunStore } from '../../src/testing/memory-run-store.js';
import { startTestServer, type TestServer, testDatabases } from '../../src/testing/server.js';
import { expectStatus } from './api-kit.js';

const SECRET = `s3cr3t-${randomBytes(8).toString('hex')}`;
const TOKEN = `tok-${randomBytes(8).toString('hex')}`;

for (const database of testDatabases()) {
  describe(`credentials API (${database})`, () => {
    let server: TestServer;
    const logs: string[] = [];
    const replies: string[] = [];
    const call = async (...args: Parameters<TestServer['request']>) => {
      const res = await server.request(...args);
      replies.push(res.text);
      return res;
    };
    before(async () => {
      const sink = new Writable({
        write(chunk, _enc, done) {
          logs.push(String(chunk));
          done();
        },
      });
      server = await startTestServer({ database, logger: createLogger({ logLevel: 'trace' }, sink) });
    });
    after(() => server.stop());

    it('lists the credential types with their fields as JSON Schema', async () => {
      const res = await call('GET', '/api/credential-types', { as: 'editor' });
      expectStatus(res, 200);
      const types = Object.fromEntries(res.body.items.map((t: { type: string }) => [t.type, t]));
      assert.deepEqual(Object.keys(types).sort(), [
        'httpBasicAuth',
        'httpBearerAuth',
        'httpHeaderAuth',
        'httpQueryAuth',
        'mySql',
        'oAuth2Api',
        'postgres',
        'smtp',
        'twilioApi',
      ]);
      assert.equal(res.body.nextCursor, null);
      const smtp = types.smtp.properties;
      assert.deepEqual(smtp.required, ['host']);
      assert.equal(smtp.properties.port.default, 465);
      assert.equal(smtp.properties.password.writeOnly, true);
      assert.equal(types.postgres.properties.properties.ssl.default, 'disable');
      assert.deepEqual(types.httpHeaderAuth.properties.required, ['name', 'value']);
    });

    it('creates, reads, lists, updates (merging fields) and deletes, never showing a value', async () => {
      const created = await call('POST', '/api/credentials', {
        as: 'editor',
        json: {
          name: 'Mail',
          type: 'smtp',
          data: { host: 'smtp.example.com', user: 'bot', password: SECRET },
        },
      });
      expectStatus(created, 201);
      const c = created.body;
      assert.deepEqual(Object.keys(c).sort(), ['createdAt', 'fields', 'id', 'name', 'type', 'updatedAt']);
      assert.deepEqual(c.fields, ['disableStartTls', 'host', 'password', 'port', 'secure', 'user']);
      expectStatus(await call('GET', `/api/credentials/${c.id}`, { as: 'editor' }), 200);

      // The name changes; the password stays, since the update does not mention it.
      const renamed = await call('PUT', `/api/credentials/${c.id}`, {
        as: 'editor',
        json: { name: 'Mail pro', data: { port: 587, secure: false, user: null } },
      });
      expectStatus(renamed, 200);
      assert.equal(renamed.body.name, 'Mail pro');
      assert.ok(!renamed.body.fields.includes('user'), 'null removes a field');
      const node = {
        name: 'Send',
        credentials: { smtp: { id: c.id, name: 'Mail pro' } },
      } as unknown as WorkflowNode;
      const data = await (await serviceOf(server)).resolve(node, 'smtp');
      assert.deepEqual(data, {
        host: 'smtp.example.com',
        port: 587,
        secure: false,
        password: SECRET,
        disableStartTls: false,
      });

      const list = await call('GET', '/api/credentials?type=smtp&search=PRO', { as: 'editor' });
      expectStatus(list, 200);
      assert.deepEqual(
        list.body.items.map((i: { id: string }) => i.id),
        [c.id],
      );
      expectStatus(await call('GET', '/api/credentials', { as: 'viewer' }), 403);
      expectStatus(await call('POST', '/api/credentials', { as: 'viewer', json: {} }), 403);

      const del = await call('DELETE', `/api/credentials/${c.id}`, { as: 'editor' });
      expectStatus(del, 204);
      for (const method of ['GET', 'DELETE', 'PUT']) {
        expectStatus(
          await call(method, `/api/credentials/${c.id}`, {
            as: 'editor',
            json: method === 'PUT' ? {} : undefined,
          }),
          404,
        );
      }
      const audit = await call('GET', `/api/audit-log?entityId=${c.id}`, { as: 'owner' });
      assert.deepEqual(audit.body.items.map((e: { action: string }) => e.action).reverse(), [
        'credential.created',
        'credential.updated',
        'credential.deleted',
      ]);
    });

    it('refuses a duplicate type + name (409), unknown types and fields that do not fit (400)', async () => {
      const json = { name: 'CRM', type: 'httpHeaderAuth', data: { name: 'X-API-Key', value: TOKEN } };
      const first = await call('POST', '/api/credentials', { as: 'editor', json });
      expectStatus(first, 201);
      const dup = await call('POST', '/api/credentials', { as: 'editor', json });
      expectStatus(dup, 409);
      assert.equal(dup.body.error.code, 'conflict');
      const otherType = await call('POST', '/api/credentials', {
        as: 'editor',
        json: { name: 'CRM', type: 'httpBearerAuth', data: { token: TOKEN } },
      });
      expectStatus(otherType, 201);
      const rename = await call('PUT', `/api/credentials/${otherType.body.id}`, {
        as: 'editor',
        json: { type: 'httpHeaderAuth', data: { name: 'Authorization', value: TOKEN } },
      });
      expectStatus(rename, 409);

      const unknown = await call('POST', '/api/credentials', {
        as: 'editor',
        json: { name: 'x', type: 'ftp', data: {} },
      });
      expectStatus(unknown, 400);
      assert.equal(unknown.body.error.details[0].field, 'type');
      const bad = await call('POST', '/api/credentials', {
        as: 'editor',
        json: { name: 'x', type: 'smtp', data: { host: 'h', port: 'twenty-five', pasword: SECRET } },
      });
      expectStatus(bad, 400);
      assert.deepEqual(bad.body.error.details.map((d: { field: string }) => d.field).sort(), [
        'data',
        'data.port',
      ]);
      expectStatus(
        await call('POST', '/api/credentials', { as: 'editor', json: { name: '', type: 'smtp', data: {} } }),
        400,
      );
      expectStatus(
        await call('POST', '/api/credentials', {
          as: 'editor',
          json: { name: 'x', type: 'smtp', data: {}, extra: 1 },
        }),
        400,
      );
    });

    it('never lets a secret into a reply, a log line or the database', async () => {
      for (const text of replies) {
        assert.ok(!text.includes(SECRET), `a reply holds the secret: ${text.slice(0, 300)}`);
        assert.ok(!text.includes(TOKEN), `a reply holds the token: ${text.slice(0, 300)}`);
      }
      const logText = logs.join('');
      assert.ok(logText.length > 0, 'the server logged something');
      assert.ok(!logText.includes(SECRET) && !logText.includes(TOKEN), 'a log line holds a secret');
      if (database === 'sqlite') {
        for (const file of await readdir(server.config.dataDir)) {
          if (!file.startsWith('relais.db')) continue;
          const bytes = await readFile(join(server.config.dataDir, file));
          assert.ok(!bytes.includes(SECRET) && !bytes.includes(TOKEN), `${file} holds a secret in clear`);
        }
      } else {
        const rows = await server.runtime.store.db.selectFrom('credentials').select('data').execute();
        assert.ok(rows.length > 0);
        for (const row of rows) assert.ok(!row.data.includes(TOKEN) && row.data.startsWith('v1.'));
      }
    });

    it('keeps its generated key in encryption.key with 0600 rights', async () => {
      const info = await stat(join(server.config.dataDir, KEY_FILE));
      if (process.platform !== 'win32') assert.equal(info.mode & 0o777, 0o600);
    });
  });
}

/** A service on the server's store and key file: what another process on the same data would use. */
async function serviceOf(server: TestServer): Promise<CredentialService> {
  const { key } = await loadEncryptionKey({ dataDir: server.config.dataDir });
  return new CredentialService(
    server.runtime.store.credentials,
    new CredentialCipher(key),
    new CredentialTypes(),
    server.clock,
  );
}

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
    const tampered = `${a.slice(0, -2)}${a.endsWith('A') ? 'B' : 'A'}${a.slice(-1)}`;
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
    assert.deepEqual(keyFromSetting(raw.toString('hex')).key, raw);
    assert.deepEqual(keyFromSetting(raw.toString('base64')).key, raw);
    assert.deepEqual(keyFromSetting(raw.toString('base64url')).key, raw);
    const pass = keyFromSetting('correct horse battery staple');
    assert.equal(pass.source, 'passphrase');
    assert.equal(pass.key.length, 32);
    assert.deepEqual(
      keyFromSetting('correct horse battery staple').key,
      pass.key,
      'the same passphrase, the same key',
    );
    assert.throws(() => keyFromSetting('  '), EncryptionKeyError);
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
