import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { type NodeError, NonRetryableError } from '../../engine/errors.js';
import type { JsonObject } from '../../engine/items.js';
import { runNode } from '../../testing/run-node.js';
import { httpRequestNode } from '../http-request.node.js';
import { TokenCache } from '../shared/token-cache.js';
import { type ClientCredentials, clientCredentialsToken, type TokenPost } from './oauth2.js';
import { type Recorded, startServer, type TestServer } from './test-server.js';

let api: TestServer;
let tokens: TestServer;
/** Tokens the API accepts; the token server issues `tok-<n>`. */
const valid = new Set<string>();
let issued = 0;

before(async () => {
  tokens = await startServer((req) => {
    const form = new URLSearchParams(req.body.toString());
    if (form.get('client_id') === 'bad' || req.headers.authorization === `Basic ${b64('bad:secret')}`) {
      return { status: 401, body: { error: 'invalid_client' } };
    }
    const token = `tok-${++issued}`;
    valid.add(token);
    return { body: { access_token: token, token_type: 'Bearer', expires_in: 3600 } };
  });
  api = await startServer((req) => {
    if (req.path === '/oauth') {
      const token = String(req.headers.authorization ?? '').replace(/^Bearer /, '');
      return valid.has(token) ? { body: { token } } : { status: 401, body: { error: 'expired' } };
    }
    return { body: { ok: true } };
  });
});
after(async () => {
  await api.close();
  await tokens.close();
});

const b64 = (s: string) => Buffer.from(s).toString('base64');
const last = () => api.requests[api.requests.length - 1];

function generic(type: string, extra: Record<string, unknown> = {}) {
  return { url: `${api.url}/r`, authentication: 'genericCredentialType', genericAuthType: type, ...extra };
}

async function run(
  parameters: Record<string, unknown>,
  credentials: Record<string, JsonObject>,
  items: unknown[] = [{}],
) {
  return runNode(httpRequestNode, { parameters, credentials, items });
}

test('basic, header, query and bearer credentials, with n8n field names', async () => {
  await run(generic('httpBasicAuth'), { httpBasicAuth: { user: 'ana', password: 'pä:ss' } });
  assert.equal(last().headers.authorization, `Basic ${b64('ana:pä:ss')}`);
  await run(generic('httpHeaderAuth'), { httpHeaderAuth: { name: 'X-API-Key', value: 'k-123' } });
  assert.equal(last().headers['x-api-key'], 'k-123');
  await run(generic('httpQueryAuth', { url: `${api.url}/r?a=1` }), {
    httpQueryAuth: { name: 'api_key', value: 'q 1' },
  });
  assert.equal(last().url, '/r?a=1&api_key=q%201');
  await run(generic('httpBearerAuth'), { httpBearerAuth: { token: 'abc.def' } });
  assert.equal(last().headers.authorization, 'Bearer abc.def');
});

test('predefined credential types: the generic ones and twilioApi; others are refused clearly', async () => {
  await run(
    { url: `${api.url}/r`, authentication: 'predefinedCredentialType', nodeCredentialType: 'httpHeaderAuth' },
    { httpHeaderAuth: { name: 'Authorization', value: 'Token t' } },
  );
  assert.equal(last().headers.authorization, 'Token t');
  await run(
    { url: `${api.url}/r`, authentication: 'predefinedCredentialType', nodeCredentialType: 'twilioApi' },
    { twilioApi: { accountSid: 'AC1', authToken: 'tt' } },
  );
  assert.equal(last().headers.authorization, `Basic ${b64('AC1:tt')}`);
  const start = api.requests.length;
  await assert.rejects(
    run(
      { url: `${api.url}/r`, authentication: 'predefinedCredentialType', nodeCredentialType: 'slackApi' },
      {},
    ),
    (e: Error) =>
      e instanceof NonRetryableError &&
      e.message === "The credential type 'slackApi' is not supported by the HTTP Request node" &&
      /httpBasicAuth/.test(e.description ?? ''),
  );
  await assert.rejects(
    run(generic('httpDigestAuth'), {}),
    /generic auth type 'httpDigestAuth' is not supported/,
  );
  await assert.rejects(run(generic(''), {}), /Invalid parameter 'genericAuthType'/);
  assert.equal(api.requests.length, start, 'nothing is sent unauthenticated');
});

test('a missing or incomplete credential is a clear, non-retryable error', async () => {
  await assert.rejects(run(generic('httpHeaderAuth'), {}), (e: Error) => {
    assert.ok(e instanceof NonRetryableError);
    assert.equal(e.message, "Node 'HTTP Request' has no credential of type 'httpHeaderAuth'");
    return true;
  });
  await assert.rejects(
    run(generic('httpHeaderAuth'), { httpHeaderAuth: { value: 'x' } }),
    /The httpHeaderAuth credential has no 'name'/,
  );
});

function oauth(extra: Record<string, unknown> = {}): Record<string, JsonObject> {
  return {
    oAuth2Api: {
      grantType: 'clientCredentials',
      accessTokenUrl: `${tokens.url}/token`,
      clientId: `client-${randomUUID()}`,
      clientSecret: 'secret',
      scope: 'read write',
      authentication: 'header',
      ...extra,
    },
  };
}

test('OAuth2 client credentials: one token request, then the bearer token on every item', async () => {
  const creds = oauth();
  const id = creds.oAuth2Api.clientId as string;
  const before = tokens.requests.length;
  const { json } = await run(generic('oAuth2Api', { url: `${api.url}/oauth` }), creds, [{}, {}, {}]);
  const tokenCalls = tokens.requests.slice(before);
  assert.equal(tokenCalls.length, 1);
  const call = tokenCalls[0] as Recorded;
  assert.equal(call.method, 'POST');
  assert.equal(call.path, '/token');
  assert.equal(call.headers['content-type'], 'application/x-www-form-urlencoded');
  assert.equal(call.headers.authorization, `Basic ${b64(`${id}:secret`)}`);
  assert.deepEqual(Object.fromEntries(new URLSearchParams(call.body.toString())), {
    grant_type: 'client_credentials',
    scope: 'read write',
  });
  const token = (json[0][0] as { token: string }).token;
  assert.deepEqual(json, [[{ token }, { token }, { token }]]);
  // A later execution reuses the cached token.
  await run(generic('oAuth2Api', { url: `${api.url}/oauth` }), creds);
  assert.equal(tokens.requests.length, before + 1);
});

test('OAuth2: client id and secret in the body when the credential says so', async () => {
  const creds = oauth({ authentication: 'body', scope: '' });
  const before = tokens.requests.length;
  await run(generic('oAuth2Api', { url: `${api.url}/oauth` }), creds);
  const call = tokens.requests[before];
  assert.equal(call.headers.authorization, undefined);
  assert.deepEqual(Object.fromEntries(new URLSearchParams(call.body.toString())), {
    grant_type: 'client_credentials',
    client_id: creds.oAuth2Api.clientId,
    client_secret: 'secret',
  });
});

test('OAuth2: a token the API rejects (401) is fetched again once', async () => {
  const creds = oauth();
  await run(generic('oAuth2Api', { url: `${api.url}/oauth` }), creds);
  valid.clear(); // the API revokes every token
  const before = tokens.requests.length;
  const { json } = await run(generic('oAuth2Api', { url: `${api.url}/oauth` }), creds);
  assert.equal(tokens.requests.length, before + 1);
  assert.match((json[0][0] as { token: string }).token, /^tok-\d+$/);
});

test('OAuth2: a refused token request fails without calling the API', async () => {
  const start = api.requests.length;
  await assert.rejects(
    run(generic('oAuth2Api', { url: `${api.url}/oauth` }), oauth({ clientId: 'bad' })),
    (e: NodeError) => {
      assert.ok(e instanceof NonRetryableError);
      assert.equal(e.message, 'Could not get an OAuth2 access token');
      assert.equal(e.httpStatus, 401);
      assert.match(e.description ?? '', /invalid_client/);
      return true;
    },
  );
  assert.equal(api.requests.length, start);
});

test('client-credentials tokens: expiry, shared in-flight requests, invalidation', async () => {
  let now = 1_000_000;
  const cache = new TokenCache({ limit: 10, renewEarlySeconds: 30, now: () => now });
  const token = (credentials: ClientCredentials, post: TokenPost) =>
    clientCredentialsToken(cache, credentials, post);
  let calls = 0;
  const post = async () => {
    calls++;
    await new Promise((r) => setTimeout(r, 5));
    return { status: 200, text: JSON.stringify({ access_token: `t${calls}`, expires_in: 60 }) };
  };
  const c = {
    accessTokenUrl: 'http://127.0.0.1/t',
    clientId: 'a',
    clientSecret: 'b',
    scope: '',
    authentication: 'header' as const,
  };
  const [a, b] = await Promise.all([token(c, post), token(c, post)]);
  assert.deepEqual([a, b, calls], ['t1', 't1', 1]);
  now += 29_000;
  assert.equal(await token(c, post), 't1');
  now += 2_000; // 31 s later: refreshed 30 s before expiry
  assert.equal(await token(c, post), 't2');
  cache.invalidate('t1'); // an old token does not drop the fresh one
  assert.equal(await token(c, post), 't2');
  cache.invalidate('t2');
  assert.equal(await token(c, post), 't3');
  const failing = async () => ({ status: 500, text: 'boom' });
  const c2 = { ...c, clientId: 'other' };
  await assert.rejects(
    token(c2, failing),
    (e: NodeError) => !(e instanceof NonRetryableError) && e.httpStatus === 500,
  );
  assert.equal(await token(c2, post), 't4', 'a failure is not cached');
});
