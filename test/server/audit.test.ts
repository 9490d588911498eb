/** `/api/audit-log` over HTTP: what is recorded (logins, users, keys), by whom, from where; filters and pages. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/engine/clock.js';
import { createAuditSink } from '../../src/server/auth/audit.js';
import { startTestServer, TEST_PASSWORD, type TestServer, testDatabases } from '../../src/testing/server.js';

interface Entry {
  at: string;
  actor: { type: string; id: string | null; label: string | null };
  ip: string | null;
  action: string;
  entityType: string;
  entityId: string | null;
  details: Record<string, unknown> | null;
}

for (const database of testDatabases()) {
  describe(`audit log (${database})`, () => {
    let server: TestServer;
    const clock = new ManualClock('2026-02-01T09:00:00Z');
    before(async () => {
      server = await startTestServer({ database, clock });
    });
    after(() => server.stop());

    const entries = async (query = ''): Promise<Entry[]> => {
      const res = await server.request('GET', `/api/audit-log${query}`, { as: 'owner' });
      assert.equal(res.status, 200, res.text);
      return res.body.items;
    };

    it('records successful and failed logins, and refresh-token reuse', async () => {
      const ok = await server.request('POST', '/api/auth/login', {
        json: { email: 'editor@relais.test', password: TEST_PASSWORD },
      });
      await server.request('POST', '/api/auth/login', {
        json: { email: 'Editor@relais.test', password: 'wrong one' },
      });
      await server.request('POST', '/api/auth/login', {
        json: { email: 'ghost@relais.test', password: 'wrong one' },
      });
      const login = (await entries('?action=auth.login'))[0];
      assert.deepEqual(
        { actor: login.actor, ip: login.ip, entity: [login.entityType, login.entityId], at: login.at },
        {
          actor: { type: 'user', id: 'user-editor', label: 'editor@relais.test' },
          ip: '127.0.0.1',
          entity: ['user', 'user-editor'],
          at: clock.now().toISOString(),
        },
      );
      const failed = await entries('?action=auth.login_failed');
      assert.deepEqual(
        failed.map((e) => [e.actor.type, e.entityId, e.details?.email]),
        [
          ['anonymous', null, 'ghost@relais.test'],
          ['anonymous', 'user-editor', 'editor@relais.test'],
        ],
      );
      assert.ok(!JSON.stringify(failed).includes('wrong one'), 'never the password');

      const { refreshToken } = ok.body;
      await server.request('POST', '/api/auth/refresh', { json: { refreshToken } });
      await server.request('POST', '/api/auth/refresh', { json: { refreshToken } });
      const reuse = await entries('?action=auth.refresh_token_reused');
      assert.equal(reuse.length, 1);
      assert.equal(reuse[0].details?.userId, 'user-editor');
    });

    it('records user and API key changes with who did them', async () => {
      const user = await server.request('POST', '/api/users', {
        as: 'admin',
        json: { email: 'audited@example.com', password: 'a fine password', role: 'viewer' },
      });
      await server.request('PATCH', `/api/users/${user.body.id}`, {
        as: 'admin',
        json: { role: 'editor', password: 'another one!' },
      });
      await server.request('DELETE', `/api/users/${user.body.id}`, { as: { apiKey: 'owner' } });
      const key = await server.request('POST', '/api/api-keys', {
        as: 'owner',
        json: { name: 'ERP', role: 'editor' },
      });
      await server.request('DELETE', `/api/api-keys/${key.body.id}`, { as: 'owner' });

      const forUser = await entries(`?entityType=user&entityId=${user.body.id}`);
      assert.deepEqual(
        forUser.map((e) => [e.action, e.actor.type, e.actor.label]),
        [
          ['user.deleted', 'apiKey', 'owner key'],
          ['user.updated', 'user', 'admin@relais.test'],
          ['user.created', 'user', 'admin@relais.test'],
        ],
      );
      assert.deepEqual(forUser[1].details, {
        email: 'audited@example.com',
        role: { from: 'viewer', to: 'editor' },
        passwordChanged: true,
      });
      const forKey = await entries(`?entityType=apiKey&entityId=${key.body.id}`);
      assert.deepEqual(
        forKey.map((e) => e.action),
        ['apiKey.revoked', 'apiKey.created'],
      );
      assert.ok(!JSON.stringify(forKey).includes(key.body.key), 'never the key');
    });

    it('filters by actor and time, pages with a cursor', async () => {
      clock.advance(3600_000);
      const from = clock.now().toISOString();
      for (const name of ['k1', 'k2', 'k3']) {
        await server.request('POST', '/api/api-keys', { as: 'admin', json: { name, role: 'viewer' } });
        clock.advance(1000);
      }
      const recent = await entries(`?from=${encodeURIComponent(from)}`);
      assert.deepEqual(
        recent.map((e) => e.details?.name),
        ['k3', 'k2', 'k1'],
      );
      const until = await entries(`?from=${encodeURIComponent(from)}&to=${encodeURIComponent(recent[1].at)}`);
      assert.deepEqual(
        until.map((e) => e.details?.name),
        ['k1'],
      );
      const byAdmin = await entries('?actor=user-admin&action=apiKey.created');
      assert.ok(byAdmin.length >= 3);
      assert.ok(byAdmin.every((e) => e.actor.id === 'user-admin'));

      const page1 = await server.request('GET', '/api/audit-log?limit=2', { as: 'admin' });
      const page2 = await server.request('GET', `/api/audit-log?limit=2&cursor=${page1.body.nextCursor}`, {
        as: 'admin',
      });
      assert.equal(page1.body.items.length, 2);
      assert.equal(page2.body.items.length, 2);
      assert.notDeepEqual(page1.body.items[0], page2.body.items[0]);
      assert.equal(
        (await server.request('GET', '/api/audit-log?from=yesterday', { as: 'admin' })).status,
        400,
      );
    });

    it('shows what other modules record through the AuditSink, and a failed write never throws', async () => {
      const sink = createAuditSink(server.runtime.store.audit, clock, server.runtime.logger);
      const principal = {
        kind: 'user' as const,
        id: 'user-editor',
        role: 'editor' as const,
        label: 'editor@relais.test',
      };
      await sink.record(principal, '10.1.2.3', {
        action: 'automation.activated',
        entityType: 'automation',
        entityId: 'wf-1',
        details: { name: 'Import' },
      });
      const [entry] = await entries('?entityType=automation');
      assert.deepEqual(
        {
          action: entry.action,
          actor: entry.actor,
          ip: entry.ip,
          entityId: entry.entityId,
          details: entry.details,
        },
        {
          action: 'automation.activated',
          actor: { type: 'user', id: 'user-editor', label: 'editor@relais.test' },
          ip: '10.1.2.3',
          entityId: 'wf-1',
          details: { name: 'Import' },
        },
      );
      const errors: unknown[] = [];
      const broken = createAuditSink(
        {
          append: () => Promise.reject(new Error('disk full')),
          list: () => Promise.reject(),
          prune: () => Promise.reject(),
        },
        clock,
        { error: (...args: unknown[]) => void errors.push(args) },
      );
      await broken.record(undefined, '', { action: 'x', entityType: 'y' });
      assert.equal(errors.length, 1);
    });

    it('is readable by owners and admins only', async () => {
      for (const as of ['editor', 'viewer', { apiKey: 'editor' }] as const) {
        assert.equal((await server.request('GET', '/api/audit-log', { as })).status, 403);
      }
      assert.equal((await server.request('GET', '/api/audit-log', { as: { apiKey: 'admin' } })).status, 200);
    });
  });
}
