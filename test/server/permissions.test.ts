/**
 * Every route × every caller, against THE permission table (src/server/auth/permissions.ts).
 * The route list is what the full app registered (`app.routePermissions`, filled by the onRoute
 * hook that also refuses routes without a permission), so a route added to routes/index.ts later
 * is covered without touching this file. Each route is called anonymously, as a user of each
 * role (access token) and with an API key of each role; the auth layer must refuse with 401
 * (anonymous) or 403 (role lacks the permission), and must not refuse anyone else — whatever
 * the handler then answers to a dummy request (400, 404, ...) is not this test's business.
 * The guard's refusals carry `details.permission`, which tells them from a handler's own 401/403.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Fastify from 'fastify';
import { ROLES, type Role, type RoutePermission } from '../../src/server/auth/contract.js';
import { allows, ROLE_PERMISSIONS } from '../../src/server/auth/permissions.js';
import type { App } from '../../src/server/deps.js';
import { declarePermissions } from '../../src/server/plugins/auth-guard.js';
import { type Caller, startTestServer, type TestServer } from '../../src/testing/server.js';

type Expected = 'allowed' | 401 | 403;

function expected(caller: Caller, permission: RoutePermission): Expected {
  if (permission === 'public') return 'allowed';
  if (caller === 'anonymous') return 401;
  const role: Role = typeof caller === 'string' ? caller : (caller as { apiKey: Role }).apiKey;
  return allows(role, permission) ? 'allowed' : 403;
}

const CALLERS: Caller[] = ['anonymous', ...ROLES, ...ROLES.map((role) => ({ apiKey: role }))];

function callerName(caller: Caller): string {
  return typeof caller === 'string' ? caller : `${(caller as { apiKey: Role }).apiKey} API key`;
}

describe('permissions', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.stop());

  it('has the documented table', () => {
    assert.equal(ROLE_PERMISSIONS.owner.size, ROLE_PERMISSIONS.admin.size);
    assert.deepEqual([...ROLE_PERMISSIONS.viewer].sort(), [
      'automations:read',
      'runs:read',
      'stats:read',
      'tables:read',
      'templates:read',
    ]);
    for (const p of ['users:read', 'users:write', 'apiKeys:read', 'apiKeys:write', 'audit:read'] as const) {
      assert.ok(!ROLE_PERMISSIONS.editor.has(p), `editor must not have ${p}`);
    }
    for (const p of ROLE_PERMISSIONS.viewer) assert.ok(ROLE_PERMISSIONS.editor.has(p), `editor lacks ${p}`);
  });

  it('refuses or lets through every route for every caller, per the table', async () => {
    // HEAD mirrors GET (same route options); the CORS catch-all is answered before authentication.
    const routes = server.app.routePermissions.filter((r) => r.method !== 'HEAD' && r.url !== '*');
    assert.ok(
      routes.some((r) => r.url === '/api/users'),
      'the route table is filled',
    );
    const mismatches: string[] = [];
    for (const route of routes) {
      // Dummy values: the guard runs before validation and lookups, so any id will do.
      const path = route.url.replace(/:[A-Za-z0-9_]+/g, 'x').replace(/\*$/, 'x');
      const json = ['POST', 'PUT', 'PATCH'].includes(route.method) ? {} : undefined;
      for (const caller of CALLERS) {
        const want = expected(caller, route.permission);
        const res = await server.request(route.method, path, { as: caller, json });
        // The guard's refusals name the permission; a handler's own 401/403 (bad refresh token,
        // wrong webhook signature) is not a refusal by the permission table.
        const byGuard =
          (res.status === 401 || res.status === 403) &&
          res.body?.error?.details?.permission === route.permission;
        const got: Expected = byGuard ? (res.status as 401 | 403) : 'allowed';
        if (got !== want) {
          mismatches.push(
            `${route.method} ${route.url} [${route.permission}] as ${callerName(caller)}: expected ${want}, got ${res.status} ${res.text.slice(0, 120)}`,
          );
        }
      }
    }
    assert.deepEqual(mismatches, []);
  });

  it('refuses, at registration, a route that declares no permission or an unknown one', async () => {
    const app = Fastify() as unknown as App;
    declarePermissions(app);
    assert.throws(
      () => app.get('/api/forgotten', async () => 'oops'),
      /route GET \/api\/forgotten declares no permission/,
    );
    assert.throws(
      () =>
        app.get(
          '/api/typo',
          { config: { permission: 'automations:raed' as RoutePermission } },
          async () => '',
        ),
      /unknown permission 'automations:raed'/,
    );
    app.get('/api/fine', { config: { permission: 'public' } }, async () => 'ok');
    await app.close();
  });
});
