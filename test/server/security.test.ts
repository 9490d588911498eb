/** Security headers, CORS for the API, and logs that never hold a password, token or key. */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createLogger } from '../../src/server/runtime.js';
import {
  startTestServer,
  TEST_PASSWORD,
  type TestServer,
  type TestServerOptions,
} from '../../src/testing/server.js';

async function withServer(opts: TestServerOptions, fn: (server: TestServer) => Promise<void>) {
  const server = await startTestServer(opts);
  try {
    await fn(server);
  } finally {
    await server.stop();
  }
}

describe('security headers', () => {
  it('are on every response: API, errors, 404s, docs', () =>
    withServer({}, async (server) => {
      const replies = [
        await server.request('GET', '/api/users', { as: 'admin' }),
        await server.request('GET', '/api/users'),
        await server.request('GET', '/no/such/route'),
        await server.request('POST', '/api/auth/login', {
          body: '{',
          headers: { 'content-type': 'application/json' },
        }),
        await server.request('GET', '/healthz'),
        await server.request('GET', '/docs/json'),
      ];
      for (const res of replies) {
        assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
        assert.equal(res.headers.get('x-frame-options'), 'DENY');
        assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
        assert.match(
          res.headers.get('content-security-policy') ?? '',
          /^default-src 'none'; frame-ancestors 'none'/,
        );
        assert.equal(res.headers.get('strict-transport-security'), null, 'no HSTS over http');
      }
      assert.equal(replies[0].headers.get('cache-control'), 'no-store');
      // Swagger UI is HTML with its own scripts: a CSP that lets them load, and nothing else.
      const docs = await server.request('GET', '/docs/static/index.html');
      assert.equal(docs.status, 200);
      assert.match(
        docs.headers.get('content-security-policy') ?? '',
        /^default-src 'self';.*frame-ancestors 'none'/,
      );
    }));

  it('add Strict-Transport-Security when the public URL is https', () =>
    withServer({ config: { publicUrl: 'https://relais.example.com' } }, async (server) => {
      const res = await server.request('GET', '/healthz');
      assert.equal(res.headers.get('strict-transport-security'), 'max-age=31536000; includeSubDomains');
    }));
});

describe('CORS', () => {
  const preflight = (server: TestServer, origin: string, path = '/api/users') =>
    server.request('OPTIONS', path, {
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization',
      },
    });

  it('allows no origin by default', () =>
    withServer({}, async (server) => {
      const res = await preflight(server, 'https://app.example.com');
      assert.equal(res.headers.get('access-control-allow-origin'), null);
      const get = await server.request('GET', '/api/users', {
        as: 'admin',
        headers: { origin: 'https://app.example.com' },
      });
      assert.equal(get.headers.get('access-control-allow-origin'), null);
    }));

  it('allows the configured origins on /api, and only them', () =>
    withServer({ config: { corsOrigins: ['https://app.example.com'] } }, async (server) => {
      const ok = await preflight(server, 'https://app.example.com');
      assert.equal(ok.status, 204);
      assert.equal(ok.headers.get('access-control-allow-origin'), 'https://app.example.com');
      assert.equal(ok.headers.get('access-control-allow-credentials'), 'true');
      assert.match(ok.headers.get('access-control-allow-methods') ?? '', /PATCH/);
      assert.match(ok.headers.get('access-control-allow-headers') ?? '', /Authorization/);

      const get = await server.request('GET', '/api/users', {
        as: 'admin',
        headers: { origin: 'https://app.example.com' },
      });
      assert.equal(get.status, 200);
      assert.equal(get.headers.get('access-control-allow-origin'), 'https://app.example.com');
      assert.match(get.headers.get('access-control-expose-headers') ?? '', /Retry-After/);

      const denied = await preflight(server, 'https://evil.example.com');
      assert.equal(denied.headers.get('access-control-allow-origin'), null);
      assert.notEqual(denied.status, 204);
      const outsideApi = await preflight(server, 'https://app.example.com', '/healthz');
      assert.equal(outsideApi.headers.get('access-control-allow-origin'), null);
    }));
});

describe('logs', () => {
  it('never contain passwords, tokens or API keys', async () => {
    let output = '';
    const sink = new Writable({
      write(chunk, _encoding, done) {
        output += chunk.toString();
        done();
      },
    });
    const logger = createLogger({ logLevel: 'trace' }, sink);
    await withServer({ logger }, async (server) => {
      const secrets: string[] = [TEST_PASSWORD, 'a wrong password', 'brand new password'];
      const ok = await server.request('POST', '/api/auth/login', {
        json: { email: 'admin@relais.test', password: TEST_PASSWORD, cookie: true },
      });
      await server.request('POST', '/api/auth/login', {
        json: { email: 'admin@relais.test', password: 'a wrong password' },
      });
      await server.request('POST', '/api/auth/login', {
        body: `{"email":"admin@relais.test","password":"${TEST_PASSWORD}"`,
        headers: { 'content-type': 'application/json' },
      });
      const refreshed = await server.request('POST', '/api/auth/refresh', {
        json: { refreshToken: ok.body.refreshToken },
      });
      const key = await server.request('POST', '/api/api-keys', {
        as: 'owner',
        json: { name: 'k', role: 'viewer' },
      });
      await server.request('GET', '/api/auth/me', { headers: { 'x-api-key': key.body.key } });
      await server.request('POST', '/api/users', {
        as: 'owner',
        json: { email: 'logged@example.com', password: 'brand new password', role: 'viewer' },
      });
      secrets.push(ok.body.accessToken, ok.body.refreshToken, refreshed.body.refreshToken, key.body.key);

      // And whatever a log call is handed, the redaction paths catch the usual names.
      logger.info(
        { password: 'p1', body: { password: 'p2' }, req: { body: { password: 'p3' } }, apiKey: 'p4' },
        'x',
      );
      logger.info({ user: { refreshToken: 'p5', accessToken: 'p6', passwordHash: 'p7' } }, 'y');
      secrets.push('p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7');

      assert.ok(output.includes('relais started'), 'the logger was captured');
      for (const secret of secrets)
        assert.ok(!output.includes(secret), `the logs hold a secret: ${secret.slice(0, 8)}…`);
      assert.ok(output.includes('[redacted]'));
    });
  });
});
