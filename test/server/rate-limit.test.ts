/**
 * Rate limits over HTTP, with small configured limits: logins per IP and per account, anonymous
 * calls per IP, authenticated calls per user or key, webhooks never limited here, 0 = no limit.
 * Clients are told apart by X-Forwarded-For (trustProxy on).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Config } from '../../src/config.js';
import { startTestServer, TEST_PASSWORD, type TestServer } from '../../src/testing/server.js';

async function withServer(rateLimits: Config['rateLimits'], fn: (server: TestServer) => Promise<void>) {
  const server = await startTestServer({ config: { rateLimits, trustProxy: true } });
  try {
    await fn(server);
  } finally {
    await server.stop();
  }
}

const from = (ip: string) => ({ 'x-forwarded-for': ip });

function assertLimited(res: { status: number; headers: Headers; body: { error?: { code: string } } }) {
  assert.equal(res.status, 429);
  assert.equal(res.body.error?.code, 'rate_limited');
  const retryAfter = Number(res.headers.get('retry-after'));
  assert.ok(retryAfter > 0 && retryAfter <= 60, `Retry-After ${retryAfter}`);
  assert.equal(res.headers.get('x-ratelimit-remaining'), '0');
}

describe('rate limits', () => {
  it('limits logins per IP, whatever the account', () =>
    withServer({ login: 3, anonymous: 0, authenticated: 0 }, async (server) => {
      const attempt = (email: string, ip: string) =>
        server.request('POST', '/api/auth/login', { json: { email, password: 'wrong' }, headers: from(ip) });
      for (const email of ['a@x.y', 'b@x.y', 'c@x.y'])
        assert.equal((await attempt(email, '10.0.0.1')).status, 401);
      assertLimited(await attempt('d@x.y', '10.0.0.1'));
      // Even the right password waits: the limit counts attempts, not failures.
      const right = await server.request('POST', '/api/auth/login', {
        json: { email: 'owner@relais.test', password: TEST_PASSWORD },
        headers: from('10.0.0.1'),
      });
      assert.equal(right.status, 429);
      assert.equal((await attempt('e@x.y', '10.0.0.2')).status, 401, 'another IP is not affected');
    }));

  it('limits logins per account, whatever the IP (e-mail case ignored)', () =>
    withServer({ login: 3, anonymous: 0, authenticated: 0 }, async (server) => {
      const attempt = (email: string, ip: string) =>
        server.request('POST', '/api/auth/login', { json: { email, password: 'wrong' }, headers: from(ip) });
      assert.equal((await attempt('owner@relais.test', '10.0.1.1')).status, 401);
      assert.equal((await attempt('OWNER@relais.test', '10.0.1.2')).status, 401);
      assert.equal((await attempt(' owner@relais.test', '10.0.1.3')).status, 401);
      assertLimited(await attempt('owner@relais.test', '10.0.1.4'));
      assert.equal(
        (await attempt('admin@relais.test', '10.0.1.5')).status,
        401,
        'another account is not affected',
      );
    }));

  it('limits anonymous calls per IP, refused credentials included', () =>
    withServer({ login: 0, anonymous: 4, authenticated: 0 }, async (server) => {
      assert.equal((await server.request('GET', '/api/setup', { headers: from('10.0.2.1') })).status, 200);
      assert.equal((await server.request('GET', '/api/users', { headers: from('10.0.2.1') })).status, 401);
      const badToken = { ...from('10.0.2.1'), authorization: 'Bearer forged' };
      assert.equal((await server.request('GET', '/api/users', { headers: badToken })).status, 401);
      assert.equal((await server.request('GET', '/nowhere', { headers: from('10.0.2.1') })).status, 404);
      assertLimited(await server.request('GET', '/api/setup', { headers: from('10.0.2.1') }));
      assertLimited(await server.request('GET', '/api/users', { headers: badToken }));
      assert.equal((await server.request('GET', '/api/setup', { headers: from('10.0.2.2') })).status, 200);
      // Signed-in callers have their own budget.
      const ok = await server.request('GET', '/api/users', { as: 'admin', headers: from('10.0.2.1') });
      assert.equal(ok.status, 200);
    }));

  it('limits authenticated calls per user and per API key', () =>
    withServer({ login: 0, anonymous: 0, authenticated: 3 }, async (server) => {
      const token = await server.token('editor');
      const asEditor = () => server.request('GET', '/api/auth/me', { as: { token } });
      for (let i = 0; i < 3; i++) assert.equal((await asEditor()).status, 200);
      assertLimited(await asEditor());
      // Another session of the same user shares the budget: it is per user, not per token.
      assert.equal((await server.request('GET', '/api/auth/me', { as: 'editor' })).status, 429);
      assert.equal((await server.request('GET', '/api/auth/me', { as: 'viewer' })).status, 200);
      for (let i = 0; i < 3; i++)
        assert.equal((await server.request('GET', '/api/auth/me', { as: { apiKey: 'editor' } })).status, 200);
      assertLimited(await server.request('GET', '/api/auth/me', { as: { apiKey: 'editor' } }));
    }));

  it('never limits webhook paths here (a workflow may set its own limit)', () =>
    withServer({ login: 1, anonymous: 1, authenticated: 1 }, async (server) => {
      for (let i = 0; i < 5; i++) {
        const res = await server.request('POST', '/webhook/some/path', {
          json: {},
          headers: from('10.0.3.1'),
        });
        assert.notEqual(res.status, 429);
        const test = await server.request('GET', '/webhook-test/x', { headers: from('10.0.3.1') });
        assert.notEqual(test.status, 429);
      }
    }));

  it('reports the budget left on allowed calls', () =>
    withServer({ login: 0, anonymous: 10, authenticated: 0 }, async (server) => {
      const res = await server.request('GET', '/api/setup', { headers: from('10.0.4.1') });
      assert.equal(res.headers.get('x-ratelimit-limit'), '10');
      assert.equal(res.headers.get('x-ratelimit-remaining'), '9');
    }));

  it('has no limit when set to 0', () =>
    withServer({ login: 0, anonymous: 0, authenticated: 0 }, async (server) => {
      for (let i = 0; i < 30; i++) {
        const res = await server.request('POST', '/api/auth/login', {
          json: { email: 'a@b.c', password: 'x' },
        });
        assert.equal(res.status, 401);
      }
    }));
});
