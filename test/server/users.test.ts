/** `/api/users` over HTTP: listing with cursors, creation, changes, deletion, and the owner rules. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, TEST_PASSWORD, type TestServer, testDatabases } from '../../src/testing/server.js';

for (const database of testDatabases()) {
  describe(`users (${database})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer({ database });
    });
    after(() => server.stop());

    const login = (email: string, password: string) =>
      server.request('POST', '/api/auth/login', { json: { email, password } });

    it('lists users in pages with { items, nextCursor }', async () => {
      const first = await server.request('GET', '/api/users?limit=3', { as: 'admin' });
      assert.equal(first.status, 200);
      assert.equal(first.body.items.length, 3);
      assert.equal(typeof first.body.nextCursor, 'string');
      for (const user of first.body.items) {
        assert.deepEqual(Object.keys(user).sort(), [
          'createdAt',
          'disabled',
          'email',
          'id',
          'role',
          'updatedAt',
        ]);
      }
      const second = await server.request('GET', `/api/users?limit=3&cursor=${first.body.nextCursor}`, {
        as: 'admin',
      });
      assert.equal(second.body.items.length, 1);
      assert.equal(second.body.nextCursor, null);
      const ids = [...first.body.items, ...second.body.items].map((u: { id: string }) => u.id).sort();
      assert.deepEqual(ids, ['user-admin', 'user-editor', 'user-owner', 'user-viewer']);

      assert.equal((await server.request('GET', '/api/users?cursor=garbage', { as: 'admin' })).status, 400);
      assert.equal((await server.request('GET', '/api/users?limit=0', { as: 'admin' })).status, 400);
      const one = await server.request('GET', '/api/users/user-editor', { as: 'owner' });
      assert.equal(one.body.email, 'editor@relais.test');
      assert.equal((await server.request('GET', '/api/users/nobody', { as: 'owner' })).status, 404);
    });

    it('creates users; the new user can log in; e-mails are unique whatever their case', async () => {
      const res = await server.request('POST', '/api/users', {
        as: 'admin',
        json: { email: 'New.Person@Example.com', password: 'a fine password', role: 'editor' },
      });
      assert.equal(res.status, 201);
      assert.deepEqual(
        { email: res.body.email, role: res.body.role, disabled: res.body.disabled },
        {
          email: 'new.person@example.com',
          role: 'editor',
          disabled: false,
        },
      );
      assert.equal((await login('new.person@example.com', 'a fine password')).status, 200);
      const dup = await server.request('POST', '/api/users', {
        as: 'admin',
        json: { email: 'NEW.person@example.com', password: 'a fine password', role: 'viewer' },
      });
      assert.equal(dup.status, 409);
      const bad = await server.request('POST', '/api/users', {
        as: 'admin',
        json: { email: 'not an email', password: 'short', role: 'king' },
      });
      assert.equal(bad.status, 400);
      assert.deepEqual(bad.body.error.details.map((d: { field: string }) => d.field).sort(), [
        'body.email',
        'body.password',
        'body.role',
      ]);
    });

    it('lets only owners create, change or delete owners', async () => {
      const asAdmin = await server.request('POST', '/api/users', {
        as: 'admin',
        json: { email: 'o2@example.com', password: 'a fine password', role: 'owner' },
      });
      assert.equal(asAdmin.status, 403);
      assert.equal(
        (await server.request('PATCH', '/api/users/user-owner', { as: 'admin', json: { disabled: true } }))
          .status,
        403,
      );
      assert.equal(
        (await server.request('PATCH', '/api/users/user-editor', { as: 'admin', json: { role: 'owner' } }))
          .status,
        403,
      );
      assert.equal((await server.request('DELETE', '/api/users/user-owner', { as: 'admin' })).status, 403);
      const asOwner = await server.request('POST', '/api/users', {
        as: 'owner',
        json: { email: 'o2@example.com', password: 'a fine password', role: 'owner' },
      });
      assert.equal(asOwner.status, 201);
      assert.equal(
        (await server.request('DELETE', `/api/users/${asOwner.body.id}`, { as: 'owner' })).status,
        204,
      );
    });

    it('never removes the last enabled owner', async () => {
      for (const [method, body] of [
        ['PATCH', { role: 'admin' }],
        ['PATCH', { disabled: true }],
        ['DELETE', undefined],
      ] as const) {
        const res = await server.request(method, '/api/users/user-owner', { as: 'owner', json: body });
        assert.equal(res.status, 409, `${method} ${JSON.stringify(body)}`);
        assert.equal(res.body.error.code, 'conflict');
      }
      // With a second owner, the first may step down.
      const second = await server.request('POST', '/api/users', {
        as: 'owner',
        json: { email: 'second.owner@example.com', password: 'a fine password', role: 'owner' },
      });
      const down = await server.request('PATCH', `/api/users/${second.body.id}`, {
        as: 'owner',
        json: { role: 'admin' },
      });
      assert.equal(down.status, 200);
      assert.equal(down.body.role, 'admin');
    });

    it('changes role, disabled flag and password; a new password ends the sessions', async () => {
      const created = await server.request('POST', '/api/users', {
        as: 'admin',
        json: { email: 'changing@example.com', password: 'first password', role: 'viewer' },
      });
      const id = created.body.id;
      const session = (await login('changing@example.com', 'first password')).body;
      const promoted = await server.request('PATCH', `/api/users/${id}`, {
        as: 'admin',
        json: { role: 'editor' },
      });
      assert.equal(promoted.body.role, 'editor');
      // The role is read on every request: the session's next call already has it.
      const me = await server.request('GET', '/api/auth/me', { as: { token: session.accessToken } });
      assert.equal(me.body.role, 'editor');

      const reset = await server.request('PATCH', `/api/users/${id}`, {
        as: 'admin',
        json: { password: 'second password' },
      });
      assert.equal(reset.status, 200);
      assert.equal(
        (await server.request('GET', '/api/auth/me', { as: { token: session.accessToken } })).status,
        401,
      );
      assert.equal((await login('changing@example.com', 'first password')).status, 401);
      assert.equal((await login('changing@example.com', 'second password')).status, 200);

      assert.equal(
        (await server.request('PATCH', `/api/users/${id}`, { as: 'admin', json: {} })).status,
        400,
      );
      assert.equal(
        (await server.request('PATCH', '/api/users/nobody', { as: 'admin', json: { role: 'viewer' } }))
          .status,
        404,
      );
    });

    it('deletes a user: their sessions end and they cannot log in', async () => {
      const created = await server.request('POST', '/api/users', {
        as: 'owner',
        json: { email: 'leaving@example.com', password: TEST_PASSWORD, role: 'editor' },
      });
      const session = (await login('leaving@example.com', TEST_PASSWORD)).body;
      assert.equal(
        (await server.request('DELETE', `/api/users/${created.body.id}`, { as: 'admin' })).status,
        204,
      );
      assert.equal(
        (await server.request('GET', '/api/auth/me', { as: { token: session.accessToken } })).status,
        401,
      );
      assert.equal((await login('leaving@example.com', TEST_PASSWORD)).status, 401);
      assert.equal(
        (await server.request('DELETE', `/api/users/${created.body.id}`, { as: 'admin' })).status,
        404,
      );
    });

    it('is closed to editors, viewers and their keys', async () => {
      for (const as of ['editor', 'viewer', { apiKey: 'editor' }] as const) {
        assert.equal((await server.request('GET', '/api/users', { as })).status, 403);
      }
      assert.equal((await server.request('GET', '/api/users', { as: { apiKey: 'admin' } })).status, 200);
    });
  });
}
