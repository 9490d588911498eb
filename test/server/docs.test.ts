/**
 * /docs: Swagger UI and the OpenAPI document, served by an instance set up on the first request
 * (src/server/docs.ts). The document must still list every API route, and the UI's files must
 * answer as a static file server does (types, validators, 304, 404 in the API's error shape).
 */
import assert from 'node:assert/strict';
import { type IncomingHttpHeaders, request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../../src/testing/server.js';

/**
 * node:http, not fetch: fetch adds `cache-control: no-cache` to a conditional request (the Fetch
 * standard), which asks for the full answer.
 */
function get(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    request(url, { headers }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    })
      .on('error', reject)
      .end();
  });
}

describe('/docs', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.stop());

  it('registers only its two forwarding routes on the app: Swagger UI is not set up at start', () => {
    const docs = server.app.routePermissions.filter((r) => r.url === '/docs' || r.url.startsWith('/docs/'));
    assert.deepEqual(docs.map((r) => `${r.method} ${r.url} ${r.permission}`).sort(), [
      'GET /docs public',
      'GET /docs/* public',
      'HEAD /docs public',
      'HEAD /docs/* public',
    ]);
  });

  it('serves the OpenAPI document with every API route, as JSON and as YAML', async () => {
    const res = await server.request('GET', '/docs/json');
    assert.equal(res.status, 200);
    const doc = res.body;
    assert.match(doc.openapi, /^3\./);
    assert.equal(doc.info.title, 'Relais API');
    assert.deepEqual(Object.keys(doc.components.securitySchemes).sort(), ['apiKey', 'bearer']);
    const documented = new Set(
      Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) =>
        Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
      ),
    );
    const api = server.app.routePermissions
      .filter((r) => r.url.startsWith('/api/') && r.method !== 'HEAD')
      .map((r) => `${r.method} ${r.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`);
    assert.ok(api.length > 50, 'the route table is filled');
    assert.deepEqual(
      api.filter((route) => !documented.has(route)),
      [],
      'API routes missing from the document',
    );
    const login = doc.paths['/api/auth/login'].post;
    assert.ok(login.requestBody.content['application/json'].schema, 'request bodies keep their schemas');

    const yaml = await server.request('GET', '/docs/yaml');
    assert.equal(yaml.status, 200);
    assert.equal(yaml.headers.get('content-type'), 'application/x-yaml');
    assert.match(yaml.text, /^openapi: 3\./);
    assert.match(yaml.text, /\/api\/auth\/login:/);
  });

  it('serves Swagger UI: the page, its files with validators, HEAD, redirects and 404s', async () => {
    for (const path of ['/docs', '/docs/']) {
      const page = await server.request('GET', path);
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
      assert.match(page.text, /swagger-initializer\.js/);
      const head = await fetch(`${server.url}${path}`, { method: 'HEAD' });
      assert.equal(head.status, 200);
      assert.equal(head.headers.get('content-length'), String(Buffer.byteLength(page.text)));
      assert.equal((await head.arrayBuffer()).byteLength, 0);
    }
    const init = await server.request('GET', '/docs/static/swagger-initializer.js');
    assert.equal(init.status, 200);
    assert.match(init.text, /\.\/json/, 'the UI loads the document next to it');

    const css = await get(`${server.url}/docs/static/swagger-ui.css`);
    assert.equal(css.status, 200);
    assert.match(css.headers['content-type'] ?? '', /^text\/css/);
    const etag = css.headers.etag;
    assert.ok(etag && css.headers['last-modified'], 'static files carry validators');
    const again = await get(`${server.url}/docs/static/swagger-ui.css`, { 'if-none-match': etag });
    assert.equal(again.status, 304);

    const index = await fetch(`${server.url}/docs/static/index.html`, { redirect: 'manual' });
    assert.equal(index.status, 302);
    assert.equal(index.headers.get('location'), '/docs/');

    for (const path of ['/docs/static/nope.js', '/docs/nope']) {
      const missing = await server.request('GET', path);
      assert.equal(missing.status, 404);
      assert.deepEqual(missing.body, { error: { code: 'not_found', message: `No route for GET ${path}` } });
    }
  });
});
