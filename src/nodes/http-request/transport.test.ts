import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, test } from 'node:test';
import { ConfigError, loadConfig } from '../../config.js';
import { NodeError, NonRetryableError } from '../../engine/errors.js';
import type { JsonObject } from '../../engine/items.js';
import { runNode } from '../../testing/run-node.js';
import { httpRequestNode } from '../http-request.node.js';
import { NODE_SETTINGS } from '../settings.js';
import { batchPlan, DEFAULT_CONCURRENCY, runBatched } from './batching.js';
import { checkUrl, deniedBy, denyPolicy, guardedLookup } from './ssrf.js';
import { startServer, type TestServer } from './test-server.js';

let server: TestServer;
/** Requests in flight on the server, and the most seen at once. */
let inFlight = 0;
let maxInFlight = 0;

before(async () => {
  server = await startServer(async (req) => {
    const hop = (n: number) => `${server.url}/hop/${n}`;
    const m = /^\/hop\/(\d+)$/.exec(req.path);
    if (m) {
      const n = Number(m[1]);
      return n > 0 ? { status: 302, headers: { location: hop(n - 1) } } : { body: { arrived: true } };
    }
    switch (req.path) {
      case '/see-other':
        return { status: 303, headers: { location: '/echo' } };
      case '/temporary':
        return { status: 307, headers: { location: '/echo' } };
      case '/found':
        return { status: 302, headers: { location: '/echo' } };
      case '/to-localhost':
        return { status: 302, headers: { location: `http://localhost:${server.port}/echo` } };
      case '/to-denied':
        return { status: 302, headers: { location: `http://127.0.0.2:${server.port}/echo` } };
      case '/echo':
        return {
          body: {
            method: req.method,
            body: req.body.toString(),
            authorization: req.headers.authorization ?? null,
            apiKey: req.headers['x-api-key'] ?? null,
          },
        };
      case '/slow': {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        const ms = Number(req.query.get('ms') ?? 20);
        await new Promise((r) => setTimeout(r, ms));
        inFlight--;
        return { body: { i: Number(req.query.get('i')), at: Date.now() } };
      }
      default:
        return { body: { ok: true } };
    }
  });
});
after(() => server.close());

/** RELAIS_HTTP_DENY's entries, given to the node through its settings service as the runtime does. */
let deny: string[] = [];
afterEach(() => {
  deny = [];
});

async function run(
  parameters: Record<string, unknown>,
  items: unknown[] = [{}],
  credentials?: Record<string, JsonObject>,
) {
  const services = { [NODE_SETTINGS.name]: { httpDeny: denyPolicy(deny) } };
  return runNode(httpRequestNode, { parameters, items, credentials, services });
}

test('redirects are followed by default (302 turns a POST into a GET, 307 keeps it)', async () => {
  assert.deepEqual((await run({ url: `${server.url}/hop/3` })).json, [[{ arrived: true }]]);
  const post = { method: 'POST', sendBody: true, specifyBody: 'json', jsonBody: '{"a":1}' };
  const found = (await run({ url: `${server.url}/found`, ...post })).json[0][0];
  assert.deepEqual([found.method, found.body], ['GET', '']);
  const seeOther = (await run({ url: `${server.url}/see-other`, ...post, method: 'PUT' })).json[0][0];
  assert.equal(seeOther.method, 'GET');
  const temporary = (await run({ url: `${server.url}/temporary`, ...post })).json[0][0];
  assert.deepEqual([temporary.method, temporary.body], ['POST', '{"a":1}']);
});

test('redirect limit: 21 by default, maxRedirects when set', async () => {
  assert.deepEqual((await run({ url: `${server.url}/hop/21` })).json, [[{ arrived: true }]]);
  await assert.rejects(
    run({ url: `${server.url}/hop/22` }),
    (e: NodeError) => e.code === 'ERR_FR_TOO_MANY_REDIRECTS',
  );
  const limited = { redirect: { redirect: { maxRedirects: 2 } } };
  assert.deepEqual((await run({ url: `${server.url}/hop/2`, options: limited })).json, [[{ arrived: true }]]);
  await assert.rejects(
    run({ url: `${server.url}/hop/3`, options: limited }),
    /Maximum number of redirects exceeded/,
  );
});

test('with followRedirects off a 3xx is returned as it is (an error unless Never Error)', async () => {
  const off = { redirect: { redirect: { followRedirects: false } } };
  await assert.rejects(
    run({ url: `${server.url}/hop/1`, options: off }),
    (e: NodeError) => e.httpStatus === 302,
  );
  const { json } = await run({
    url: `${server.url}/hop/1`,
    options: { ...off, response: { response: { neverError: true, fullResponse: true } } },
  });
  const out = json[0][0] as { statusCode: number; headers: Record<string, string> };
  assert.equal(out.statusCode, 302);
  assert.equal(out.headers.location, `${server.url}/hop/0`);
});

test('credentials stay on their origin when a redirect leaves it', async () => {
  const auth = { authentication: 'genericCredentialType', genericAuthType: 'httpHeaderAuth' };
  const creds = { httpHeaderAuth: { name: 'X-API-Key', value: 'secret' } };
  const same = (await run({ url: `${server.url}/found`, ...auth }, [{}], creds)).json[0][0];
  assert.equal(same.apiKey, 'secret');
  // 127.0.0.1 → localhost: same server, another origin.
  const other = (await run({ url: `${server.url}/to-localhost`, ...auth }, [{}], creds)).json[0][0];
  assert.equal(other.apiKey, null);
  const allowed = (
    await run(
      { url: `${server.url}/to-localhost`, ...auth, options: { sendCredentialsOnCrossOriginRedirect: true } },
      [{}],
      creds,
    )
  ).json[0][0];
  assert.equal(allowed.apiKey, 'secret');
});

test('RELAIS_HTTP_DENY refuses denied addresses before connecting, names and literals alike', async () => {
  deny = ['loopback'];
  const start = server.requests.length;
  for (const url of [
    `${server.url}/x`,
    `http://localhost:${server.port}/x`,
    `http://[::ffff:127.0.0.1]:${server.port}/x`,
    `http://0.0.0.0:${server.port}/x`,
  ]) {
    await assert.rejects(run({ url }), (e: NodeError) => {
      assert.ok(e instanceof NonRetryableError, url);
      assert.equal(e.code, 'SSRF_DENIED');
      assert.match(e.message, /was refused: .* is in a denied range/);
      return true;
    });
  }
  assert.equal(server.requests.length, start, 'no request reached the server');
  deny = ['private', ' link-local', '10.1.0.0/16'];
  assert.deepEqual((await run({ url: `${server.url}/x` })).json, [[{ ok: true }]]);
  // A host name goes through the guarded lookup of the execution's own connection pool.
  assert.deepEqual((await run({ url: `http://localhost:${server.port}/x` })).json, [[{ ok: true }]]);
});

test('every redirect hop is checked again', async () => {
  deny = ['127.0.0.2/32'];
  await assert.rejects(run({ url: `${server.url}/to-denied` }), (e: NodeError) => {
    assert.equal(e.code, 'SSRF_DENIED');
    assert.match(e.message, /127\.0\.0\.2/);
    return true;
  });
});

test('an invalid RELAIS_HTTP_DENY is refused at start; the environment is not read at run time', async () => {
  assert.throws(
    () => loadConfig({ RELAIS_HTTP_DENY: 'loopback, intranet' }),
    (e: Error) => e instanceof ConfigError && /RELAIS_HTTP_DENY: 'intranet' is neither/.test(e.message),
  );
  assert.throws(
    () => loadConfig({ RELAIS_HTTP_DENY: '10.0.0.0/33' }),
    /RELAIS_HTTP_DENY: .*invalid prefix length/,
  );
  assert.throws(() => denyPolicy(['10.0.0.0/33']), /invalid prefix length/);
  assert.deepEqual(loadConfig({ RELAIS_HTTP_DENY: 'loopback, 10.0.0.0/8' }).httpDeny, [
    'loopback',
    '10.0.0.0/8',
  ]);
  const saved = process.env.RELAIS_HTTP_DENY;
  process.env.RELAIS_HTTP_DENY = 'loopback';
  try {
    assert.deepEqual((await run({ url: `${server.url}/x` })).json, [[{ ok: true }]]);
  } finally {
    if (saved === undefined) delete process.env.RELAIS_HTTP_DENY;
    else process.env.RELAIS_HTTP_DENY = saved;
  }
});

test('deny policy matching and the connection-time lookup guard', async () => {
  const policy = denyPolicy(['private', 'link-local', 'fd00::/8']);
  assert.equal(deniedBy(policy, '10.2.3.4'), 'private');
  assert.equal(deniedBy(policy, '::ffff:192.168.1.1'), 'private');
  assert.equal(deniedBy(policy, '169.254.169.254'), 'link-local');
  assert.equal(deniedBy(policy, 'fd12::1'), 'private');
  assert.equal(deniedBy(policy, '8.8.8.8'), undefined);
  assert.equal(deniedBy(denyPolicy([]), '127.0.0.1'), undefined);
  await checkUrl(policy, new URL('http://127.0.0.1/'));
  const lookup = guardedLookup(denyPolicy(['loopback']));
  const error = await new Promise<unknown>((resolve) =>
    lookup('localhost', { all: true }, (e) => resolve(e)),
  );
  assert.ok(error instanceof NonRetryableError && error.code === 'SSRF_DENIED');
  const open = guardedLookup(denyPolicy(['10.0.0.0/8']));
  const found = await new Promise<unknown>((resolve) =>
    open('localhost', { all: false }, (e, address) => resolve(e ?? address)),
  );
  assert.match(String(found), /^(127\.0\.0\.1|::1)$/);
});

test('Ignore SSL Issues: a self-signed certificate fails by default and passes with the option', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'relais-tls-'));
  try {
    const made = spawnSync('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ]);
    if (made.status !== 0) return t.skip('openssl is not available to make a test certificate');
    const tls = createServer(
      { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) },
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"secure":true}');
      },
    );
    await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
    const url = `https://127.0.0.1:${(tls.address() as AddressInfo).port}/`;
    try {
      await assert.rejects(run({ url }), (e: NodeError) => {
        assert.ok(e instanceof NodeError);
        assert.equal(e.message, "SSL Issue: consider using the 'Ignore SSL issues' option");
        assert.equal(e.code, 'DEPTH_ZERO_SELF_SIGNED_CERT');
        assert.match(e.description ?? '', /self[- ]signed certificate/);
        return true;
      });
      assert.deepEqual((await run({ url, options: { allowUnauthorizedCerts: true } })).json, [
        [{ secure: true }],
      ]);
    } finally {
      tls.closeAllConnections();
      await new Promise((resolve) => tls.close(resolve));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('batching: at most batchSize in flight, interval between batch starts, output in item order', async () => {
  maxInFlight = 0;
  const items = Array.from({ length: 6 }, (_, i) => ({ i, ms: i % 2 === 0 ? 60 : 10 }));
  const started = Date.now();
  const { json } = await run(
    {
      url: `={{ "${server.url}/slow?i=" + $json.i + "&ms=" + $json.ms }}`,
      options: { batching: { batch: { batchSize: 2, batchInterval: 100 } } },
    },
    items,
  );
  assert.deepEqual(
    json[0].map((j) => j.i),
    [0, 1, 2, 3, 4, 5],
  );
  assert.equal(maxInFlight, 2);
  assert.ok(Date.now() - started >= 200, 'three batches: at least two intervals');

  maxInFlight = 0;
  const window = await run(
    {
      url: `={{ "${server.url}/slow?i=" + $json.i + "&ms=" + $json.ms }}`,
      options: { batching: { batch: { batchSize: 3, batchInterval: 0 } } },
    },
    items,
  );
  assert.deepEqual(
    window.json[0].map((j) => j.i),
    [0, 1, 2, 3, 4, 5],
  );
  assert.equal(maxInFlight, 3);
});

test('batch plan: n8n defaults, -1 disables, 0 counts as 1', () => {
  const plan = (batching?: unknown) => batchPlan({ batching } as Parameters<typeof batchPlan>[0]);
  assert.deepEqual(plan(), { size: DEFAULT_CONCURRENCY, intervalMs: 0 });
  assert.deepEqual(plan({ batch: { batchSize: 50, batchInterval: 1000 } }), { size: 50, intervalMs: 1000 });
  assert.deepEqual(plan({ batch: { batchSize: -1, batchInterval: 1000 } }), {
    size: DEFAULT_CONCURRENCY,
    intervalMs: 0,
  });
  assert.deepEqual(plan({ batch: { batchSize: 0, batchInterval: 0 } }), { size: 1, intervalMs: 0 });
});

test('runBatched: stops starting items after a failure and reports the lowest failed index', async () => {
  const started: number[] = [];
  await assert.rejects(
    runBatched(10, { size: 2, intervalMs: 0 }, new AbortController().signal, async (i) => {
      started.push(i);
      await new Promise((r) => setTimeout(r, i === 1 ? 30 : 1));
      if (i === 1 || i === 2) throw new Error(`item ${i}`);
      return i;
    }),
    /item 1/,
  );
  assert.ok(started.length < 10);
  const aborted = new AbortController();
  aborted.abort();
  await assert.rejects(runBatched(3, { size: 1, intervalMs: 0 }, aborted.signal, async (i) => i));
});
