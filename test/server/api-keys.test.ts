/** `/api/api-keys` over HTTP, and calling the API with a key in either header. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/engine/clock.js';
import { type Caller, startTestServer, type TestServer, testDatabases } from '../../src/testing/server.js';

for (const database of testDatabases()) {
  describe(`API keys (${database})`, () => {
    let server: TestServer;
    const clock = new ManualClock('2026-05-01T08:00:00Z');
    before(async () => {
      server = await startTestServer({ database, clock });
    });
    after(() => server.stop());

    const create = (json: object, as: Caller = 'admin') =>
      server.request('POST', '/api/api-keys', { as, json });

    it('shows the key once at creation, then only its prefix', async () => {
      const res = await create({ name: 'CRM', role: 'editor' });
      assert.equal(res.status, 201);
      assert.match(res.body.key, /^rls_[A-Za-z0-9_-]{43}$/);
      assert.equal(res.body.prefix, res.body.key.slice(0, 12));
      assert.deepEqual(
        { name: res.body.name, role: res.body.role, active: res.body.active, createdBy: res.body.createdBy },
        { name: 'CRM', role: 'editor', active: true, createdBy: 'user-admin' },
      );
      const one = await server.request('GET', `/api/api-keys/${res.body.id}`, { as: 'admin' });
      assert.equal(one.body.key, undefined);
      assert.equal(one.body.prefix, res.body.prefix);
      const list = await server.request('GET', '/api/api-keys?limit=2', { as: 'owner' });
      assert.equal(list.status, 200);
      assert.equal(list.body.items.length, 2);
      assert.ok(list.body.nextCursor);
      assert.ok(!list.text.includes(res.body.key), 'no list ever contains a key');
      assert.ok(!list.text.includes(res.body.key.slice(12)));
    });

    it('authenticates with Authorization: Bearer and with X-API-Key, with the key’s role', async () => {
      const { key, id } = (await create({ name: 'Importer', role: 'viewer' })).body;
      for (const headers of [{ authorization: `Bearer ${key}` }, { 'x-api-key': key }] as Record<
        string,
        string
      >[]) {
        const me = await server.request('GET', '/api/auth/me', { headers });
        assert.equal(me.status, 200);
        assert.deepEqual(
          {
            kind: me.body.kind,
            id: me.body.id,
            role: me.body.role,
            label: me.body.label,
            user: me.body.user,
          },
          { kind: 'apiKey', id, role: 'viewer', label: 'Importer', user: null },
        );
        assert.equal((await server.request('GET', '/api/users', { headers })).status, 403);
      }
    });

    it('records when a key was last used, at most once a minute', async () => {
      const { key, id } = (await create({ name: 'Busy', role: 'viewer' })).body;
      const lastUsed = async () =>
        (await server.request('GET', `/api/api-keys/${id}`, { as: 'admin' })).body.lastUsedAt;
      assert.equal(await lastUsed(), null);
      await server.request('GET', '/api/auth/me', { as: { key } });
      const first = await lastUsed();
      assert.equal(first, clock.now().toISOString());
      clock.advance(30_000);
      await server.request('GET', '/api/auth/me', { as: { key } });
      assert.equal(await lastUsed(), first, 'not rewritten within the minute');
      clock.advance(31_000);
      await server.request('GET', '/api/auth/me', { as: { key } });
      assert.equal(await lastUsed(), clock.now().toISOString());
    });

    it('stops a revoked key at once', async () => {
      const { key, id } = (await create({ name: 'Old', role: 'editor' })).body;
      assert.equal((await server.request('GET', '/api/auth/me', { as: { key } })).status, 200);
      assert.equal((await server.request('DELETE', `/api/api-keys/${id}`, { as: 'admin' })).status, 204);
      for (const headers of [{ authorization: `Bearer ${key}` }, { 'x-api-key': key }] as Record<
        string,
        string
      >[]) {
        const res = await server.request('GET', '/api/auth/me', { headers });
        assert.equal(res.status, 401);
        assert.deepEqual(res.body.error, {
          code: 'unauthorized',
          message: 'Invalid API key',
          details: { permission: 'authenticated' },
        });
      }
      const shown = await server.request('GET', `/api/api-keys/${id}`, { as: 'admin' });
      assert.equal(shown.body.active, false);
      assert.ok(shown.body.revokedAt);
      assert.equal((await server.request('DELETE', '/api/api-keys/nope', { as: 'admin' })).status, 404);
    });

    it('refuses unknown keys and expired keys', async () => {
      const unknown = await server.request('GET', '/api/auth/me', {
        headers: { 'x-api-key': 'rls_unknown' },
      });
      assert.equal(unknown.status, 401);
      const expiresAt = new Date(clock.now().getTime() + 3600_000).toISOString();
      const { key } = (await create({ name: 'Temp', role: 'viewer', expiresAt })).body;
      assert.equal((await server.request('GET', '/api/auth/me', { as: { key } })).status, 200);
      clock.advance(3600_000);
      assert.equal((await server.request('GET', '/api/auth/me', { as: { key } })).status, 401);
      const past = await create({ name: 'Past', role: 'viewer', expiresAt: '2020-01-01T00:00:00Z' });
      assert.equal(past.status, 422);
    });

    it('lets only owners create or revoke owner keys, and keeps editors and viewers out', async () => {
      assert.equal((await create({ name: 'Root', role: 'owner' }, 'admin')).status, 403);
      const root = await create({ name: 'Root', role: 'owner' }, 'owner');
      assert.equal(root.status, 201);
      assert.equal(
        (await server.request('DELETE', `/api/api-keys/${root.body.id}`, { as: 'admin' })).status,
        403,
      );
      assert.equal(
        (await server.request('DELETE', `/api/api-keys/${root.body.id}`, { as: 'owner' })).status,
        204,
      );
      assert.equal((await create({ name: 'E', role: 'viewer' }, 'editor')).status, 403);
      assert.equal((await server.request('GET', '/api/api-keys', { as: 'viewer' })).status, 403);
      assert.equal((await create({ name: '', role: 'viewer' })).status, 400);
    });
  });
}
