/**
 * Authentication over HTTP: login, access tokens (expiry on the injected clock, tampering),
 * refresh rotation and reuse detection, logout, cookies, password change, setup, the first owner
 * from the environment. On SQLite, and on PostgreSQL when RELAIS_TEST_DATABASE_URL is set.
 */
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { ManualClock } from '../../src/engine/clock.js';
import { startTestServer, TEST_PASSWORD, type TestServer, testDatabases } from '../../src/testing/server.js';

const login = (server: TestServer, email: string, password = TEST_PASSWORD, extra: object = {}) =>
  server.request('POST', '/api/auth/login', { json: { email, password, ...extra } });

function cookiesOf(res: { headers: Headers }): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of res.headers.getSetCookie()) {
    const [pair] = line.split(';');
    const eq = pair.indexOf('=');
    out[pair.slice(0, eq)] = line;
  }
  return out;
}

for (const database of testDatabases()) {
  describe(`auth (${database})`, () => {
    let server: TestServer;
    const clock = new ManualClock('2026-03-01T10:00:00Z');
    before(async () => {
      server = await startTestServer({ database, clock });
    });
    after(() => server.stop());

    it('logs in with e-mail (any case) and password, and the access token works', async () => {
      const res = await login(server, '  EDITOR@relais.test ');
      assert.equal(res.status, 200);
      assert.equal(res.body.tokenType, 'Bearer');
      assert.equal(res.body.expiresIn, 900);
      assert.deepEqual(
        { id: res.body.user.id, email: res.body.user.email, role: res.body.user.role },
        { id: 'user-editor', email: 'editor@relais.test', role: 'editor' },
      );
      assert.equal(res.body.user.passwordHash, undefined);
      const me = await server.request('GET', '/api/auth/me', { as: { token: res.body.accessToken } });
      assert.equal(me.status, 200);
      assert.deepEqual(
        { kind: me.body.kind, id: me.body.id, role: me.body.role, label: me.body.label },
        { kind: 'user', id: 'user-editor', role: 'editor', label: 'editor@relais.test' },
      );
      assert.ok(me.body.permissions.includes('automations:write'));
      assert.ok(!me.body.permissions.includes('users:read'));
    });

    it('refuses a wrong password and an unknown e-mail alike', async () => {
      for (const res of [
        await login(server, 'editor@relais.test', 'wrong password'),
        await login(server, 'x@y.z'),
      ]) {
        assert.equal(res.status, 401);
        assert.deepEqual(res.body, { error: { code: 'unauthorized', message: 'Invalid email or password' } });
      }
    });

    it('answers 400 for a login body that is not valid', async () => {
      const res = await server.request('POST', '/api/auth/login', { json: { email: 'a@b.c' } });
      assert.equal(res.status, 400);
      assert.equal(res.body.error.code, 'invalid_request');
    });

    it('answers 401 without credentials, with a bad scheme, a garbage or a forged token', async () => {
      const forged = await new SignJWT({ sid: 'x' })
        .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
        .setSubject('user-owner')
        .setIssuer('relais')
        .setAudience('relais')
        .setExpirationTime('1h')
        .sign(new TextEncoder().encode('not the server secret, but 32+ chars long'));
      const unsigned = `${Buffer.from('{"alg":"none","typ":"at+jwt"}').toString('base64url')}.${Buffer.from(
        '{"sub":"user-owner","sid":"x","iss":"relais","aud":"relais","exp":9999999999}',
      ).toString('base64url')}.`;
      const cases: Array<[Record<string, string>, string]> = [
        [{}, 'Authentication required'],
        [{ authorization: 'Basic dXNlcjpwYXNz' }, 'Unsupported Authorization header: use "Bearer <token>"'],
        [{ authorization: 'Bearer garbage' }, 'Invalid access token'],
        [{ authorization: `Bearer ${forged}` }, 'Invalid access token'],
        [{ authorization: `Bearer ${unsigned}` }, 'Invalid access token'],
        [{ cookie: 'relais_session=garbage' }, 'Invalid access token'],
      ];
      for (const [headers, message] of cases) {
        const res = await server.request('GET', '/api/auth/me', { headers });
        assert.equal(res.status, 401, JSON.stringify(headers));
        assert.deepEqual(res.body, {
          error: { code: 'unauthorized', message, details: { permission: 'authenticated' } },
        });
      }
    });

    it('expires access tokens after 15 minutes of the injected clock', async () => {
      const token = (await login(server, 'viewer@relais.test')).body.accessToken;
      clock.advance(15 * 60 * 1000 - 1000);
      assert.equal((await server.request('GET', '/api/auth/me', { as: { token } })).status, 200);
      clock.advance(2000);
      const res = await server.request('GET', '/api/auth/me', { as: { token } });
      assert.equal(res.status, 401);
      assert.equal(res.body.error.message, 'The access token has expired');
    });

    it('rotates refresh tokens, and a reused one ends the whole session', async () => {
      const first = (await login(server, 'admin@relais.test')).body;
      const second = await server.request('POST', '/api/auth/refresh', {
        json: { refreshToken: first.refreshToken },
      });
      assert.equal(second.status, 200);
      assert.notEqual(second.body.refreshToken, first.refreshToken);
      assert.equal(second.body.user.id, 'user-admin');
      const third = await server.request('POST', '/api/auth/refresh', {
        json: { refreshToken: second.body.refreshToken },
      });
      assert.equal(third.status, 200);
      assert.equal(
        (await server.request('GET', '/api/auth/me', { as: { token: third.body.accessToken } })).status,
        200,
      );

      // The first token again: stolen, or replayed. The session (all its tokens) ends.
      const replay = await server.request('POST', '/api/auth/refresh', {
        json: { refreshToken: first.refreshToken },
      });
      assert.equal(replay.status, 401);
      assert.equal(replay.body.error.code, 'unauthorized');
      const latest = await server.request('POST', '/api/auth/refresh', {
        json: { refreshToken: third.body.refreshToken },
      });
      assert.equal(latest.status, 401, 'the newest refresh token of the family is revoked too');
      const access = await server.request('GET', '/api/auth/me', { as: { token: third.body.accessToken } });
      assert.equal(access.status, 401, 'so are its access tokens');
      assert.equal(access.body.error.message, 'The session has ended');
    });

    it('refuses a refresh token after 7 days, an unknown one, and none', async () => {
      const pair = (await login(server, 'editor@relais.test')).body;
      clock.advance(7 * 24 * 3600 * 1000 + 1);
      const res = await server.request('POST', '/api/auth/refresh', {
        json: { refreshToken: pair.refreshToken },
      });
      assert.equal(res.status, 401);
      const unknown = await server.request('POST', '/api/auth/refresh', { json: { refreshToken: 'nope' } });
      assert.equal(unknown.status, 401);
      const none = await server.request('POST', '/api/auth/refresh');
      assert.equal(none.status, 401);
      assert.equal(none.body.error.message, 'No refresh token given');
    });

    it('logs out by refresh token or by access token', async () => {
      const a = (await login(server, 'editor@relais.test')).body;
      const out = await server.request('POST', '/api/auth/logout', {
        json: { refreshToken: a.refreshToken },
      });
      assert.equal(out.status, 204);
      assert.equal(
        (await server.request('GET', '/api/auth/me', { as: { token: a.accessToken } })).status,
        401,
      );
      const reuse = await server.request('POST', '/api/auth/refresh', {
        json: { refreshToken: a.refreshToken },
      });
      assert.equal(reuse.status, 401);

      const b = (await login(server, 'editor@relais.test')).body;
      assert.equal(
        (await server.request('POST', '/api/auth/logout', { as: { token: b.accessToken } })).status,
        204,
      );
      assert.equal(
        (await server.request('GET', '/api/auth/me', { as: { token: b.accessToken } })).status,
        401,
      );
      // Anonymous logout is a no-op, not an error.
      assert.equal((await server.request('POST', '/api/auth/logout')).status, 204);
    });

    it('works with HttpOnly cookies for the web UI', async () => {
      const res = await login(server, 'viewer@relais.test', TEST_PASSWORD, { cookie: true });
      assert.equal(res.status, 200);
      const cookies = cookiesOf(res);
      assert.match(
        cookies.relais_session,
        /^relais_session=[^;]+; Path=\/; Max-Age=900; HttpOnly; SameSite=Strict$/,
      );
      assert.match(cookies.relais_refresh, /; Path=\/api\/auth; Max-Age=604800; HttpOnly; SameSite=Strict$/);
      const session = cookies.relais_session.split(';')[0];
      const refresh = cookies.relais_refresh.split(';')[0];
      const me = await server.request('GET', '/api/auth/me', { headers: { cookie: `other=1; ${session}` } });
      assert.equal(me.status, 200);
      assert.equal(me.body.id, 'user-viewer');

      const refreshed = await server.request('POST', '/api/auth/refresh', { headers: { cookie: refresh } });
      assert.equal(refreshed.status, 200);
      const next = cookiesOf(refreshed);
      assert.ok(next.relais_session && next.relais_refresh, 'a cookie refresh sets new cookies');
      assert.notEqual(next.relais_refresh.split(';')[0], refresh);

      const out = await server.request('POST', '/api/auth/logout', {
        headers: { cookie: `${next.relais_session.split(';')[0]}; ${next.relais_refresh.split(';')[0]}` },
      });
      assert.equal(out.status, 204);
      assert.match(cookiesOf(out).relais_session, /^relais_session=; Path=\/; Max-Age=0/);
      const after = await server.request('GET', '/api/auth/me', {
        headers: { cookie: next.relais_session.split(';')[0] },
      });
      assert.equal(after.status, 401);
    });

    it('marks cookies Secure behind https', async () => {
      const https = await startTestServer({ database, config: { publicUrl: 'https://relais.example.com' } });
      try {
        const res = await login(https, 'viewer@relais.test', TEST_PASSWORD, { cookie: true });
        assert.match(cookiesOf(res).relais_session, /; Secure$/);
      } finally {
        await https.stop();
      }
    });

    it('changes my own password: the old one stops working, other sessions end', async () => {
      const other = (await login(server, 'editor@relais.test')).body;
      const token = (await login(server, 'editor@relais.test')).body.accessToken;
      const wrong = await server.request('POST', '/api/auth/password', {
        as: { token },
        json: { currentPassword: 'nope', newPassword: 'a new password' },
      });
      assert.equal(wrong.status, 403);
      const short = await server.request('POST', '/api/auth/password', {
        as: { token },
        json: { currentPassword: TEST_PASSWORD, newPassword: 'short' },
      });
      assert.equal(short.status, 400);
      const changed = await server.request('POST', '/api/auth/password', {
        as: { token },
        json: { currentPassword: TEST_PASSWORD, newPassword: 'a new password' },
      });
      assert.equal(changed.status, 200);
      assert.equal(
        (await server.request('GET', '/api/auth/me', { as: { token: other.accessToken } })).status,
        401,
      );
      assert.equal(
        (await server.request('GET', '/api/auth/me', { as: { token: changed.body.accessToken } })).status,
        200,
      );
      assert.equal((await login(server, 'editor@relais.test')).status, 401);
      assert.equal((await login(server, 'editor@relais.test', 'a new password')).status, 200);
      // An API key has no password.
      const key = await server.request('POST', '/api/auth/password', {
        as: { apiKey: 'owner' },
        json: { currentPassword: 'x', newPassword: 'a new password' },
      });
      assert.equal(key.status, 403);
    });

    it('refuses a disabled user at login, and their tokens at once', async () => {
      const pair = (await login(server, 'viewer@relais.test')).body;
      const disable = await server.request('PATCH', '/api/users/user-viewer', {
        as: 'owner',
        json: { disabled: true },
      });
      assert.equal(disable.status, 200);
      const res = await login(server, 'viewer@relais.test');
      assert.equal(res.status, 403);
      assert.deepEqual(res.body, { error: { code: 'forbidden', message: 'This account is disabled' } });
      assert.equal(
        (await server.request('GET', '/api/auth/me', { as: { token: pair.accessToken } })).status,
        401,
      );
      const refresh = await server.request('POST', '/api/auth/refresh', {
        json: { refreshToken: pair.refreshToken },
      });
      assert.equal(refresh.status, 401);
      await server.request('PATCH', '/api/users/user-viewer', { as: 'owner', json: { disabled: false } });
      assert.equal((await login(server, 'viewer@relais.test')).status, 200);
    });

    it('answers 400 for malformed JSON and 415 for a content type it does not take', async () => {
      const bad = await server.request('POST', '/api/auth/login', {
        body: '{"email": "a@b.c", "password": ',
        headers: { 'content-type': 'application/json' },
      });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.code, 'invalid_json');
      const xml = await server.request('POST', '/api/auth/login', {
        body: '<login/>',
        headers: { 'content-type': 'application/xml' },
      });
      assert.equal(xml.status, 415);
      assert.equal(xml.body.error.code, 'unsupported_media_type');
    });

    it('keeps the signing key in a 0600 file of the data dir', async () => {
      const mode = (await stat(join(server.config.dataDir, 'jwt.key'))).mode & 0o777;
      assert.equal(mode, 0o600);
    });
  });

  describe(`first owner (${database})`, () => {
    it('is created once by POST /api/setup, which then answers 409', async () => {
      const server = await startTestServer({ database, seed: false });
      try {
        assert.deepEqual((await server.request('GET', '/api/setup')).body, { needed: true });
        const weak = await server.request('POST', '/api/setup', {
          json: { email: 'boss@example.com', password: 'short' },
        });
        assert.equal(weak.status, 400);
        const res = await server.request('POST', '/api/setup', {
          json: { email: 'Boss@Example.com', password: 'a long password' },
        });
        assert.equal(res.status, 201);
        assert.deepEqual(
          { email: res.body.user.email, role: res.body.user.role },
          { email: 'boss@example.com', role: 'owner' },
        );
        const me = await server.request('GET', '/api/auth/me', { as: { token: res.body.accessToken } });
        assert.equal(me.body.role, 'owner');
        const again = await server.request('POST', '/api/setup', {
          json: { email: 'x@example.com', password: 'a long password' },
        });
        assert.equal(again.status, 409);
        assert.equal(again.body.error.code, 'conflict');
        assert.deepEqual((await server.request('GET', '/api/setup')).body, { needed: false });
        assert.equal((await login(server, 'boss@example.com', 'a long password')).status, 200);
      } finally {
        await server.stop();
      }
    });

    it('comes from RELAIS_OWNER_EMAIL/PASSWORD at start, once', async () => {
      const owner = { email: 'root@example.com', password: 'from the environment' };
      const server = await startTestServer({ database, seed: false, config: { owner } });
      try {
        assert.equal((await login(server, owner.email, owner.password)).body.user.role, 'owner');
        assert.equal((await server.request('POST', '/api/setup', { json: owner })).status, 409);
      } finally {
        await server.stop();
      }
    });
  });
}
