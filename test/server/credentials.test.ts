/**
 * `/api/credentials` and `/api/credential-types` over HTTP: types, CRUD, merge on update, unique
 * type + name; secrets never in a reply, a log line or the database file; the key file's rights.
 * Encryption itself: credentials-crypto.test.ts.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { WorkflowNode } from '../../src/engine/workflow.js';
import { CredentialCipher } from '../../src/server/credentials/cipher.js';
import { KEY_FILE, loadEncryptionKey } from '../../src/server/credentials/keys.js';
import { CredentialService } from '../../src/server/credentials/service.js';
import { CredentialTypes } from '../../src/server/credentials/types.js';
import { createLogger } from '../../src/server/runtime.js';
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
        'fcmServiceAccount',
        'hmacAuth',
        'httpBasicAuth',
        'httpBearerAuth',
        'httpHeaderAuth',
        'httpQueryAuth',
        'jwtAuth',
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
