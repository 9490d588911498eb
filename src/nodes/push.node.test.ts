/**
 * Push (FCM HTTP v1) against a local server playing both Google's token endpoint — it verifies the
 * JWT assertion's signature and claims — and FCM's `messages:send`, which checks the bearer token
 * and the exact message. Token caching and renewal, FCM's error reasons, bad parameters.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, afterEach, before, describe, it } from 'node:test';
import { importSPKI, jwtVerify } from 'jose';
import { loadConfig } from '../config.js';
import { NodeError, NonRetryableError } from '../engine/errors.js';
import type { JsonObject } from '../engine/items.js';
import { type RunNodeOptions, runNode as runNodeWith } from '../testing/run-node.js';
import { type Recorded, type Reply, startServer, type TestServer } from './http-request/test-server.js';
import { FCM_SCOPE, googleAccessToken, serviceAccount } from './push/google-auth.js';
import { pushNode } from './push.node.js';
import type { AnyNodeDefinition } from './sdk.js';
import { NODE_SETTINGS, type NodeSettings } from './settings.js';
import { TokenCache } from './shared/token-cache.js';

/** RELAIS_GOOGLE_TOKEN_URL and RELAIS_FCM_BASE_URL, given as the runtime gives them. */
let settings: Partial<NodeSettings> = {};
const runNode = (def: AnyNodeDefinition, opts: RunNodeOptions) =>
  runNodeWith(def, { ...opts, services: { [NODE_SETTINGS.name]: settings } });

function keyPair() {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return { privateKey, publicKey };
}

function rejects(code: string, opts: { retryable: boolean; status?: number; message?: RegExp }) {
  return (error: unknown) => {
    assert.ok(error instanceof NodeError, String(error));
    assert.equal(error.code, code);
    assert.equal(
      error instanceof NonRetryableError,
      !opts.retryable,
      `retryable should be ${opts.retryable}`,
    );
    if (opts.status !== undefined) assert.equal(error.httpStatus, opts.status);
    if (opts.message) assert.match(error.message, opts.message);
    return true;
  };
}

describe('Push through FCM HTTP v1', () => {
  let server: TestServer;
  let keys: ReturnType<typeof keyPair>;
  let credential: JsonObject;
  /** Tokens handed out, in order; FCM accepts only those listed in `valid`. */
  let issued: string[];
  let valid: Set<string>;
  let tokenReply: (() => Reply) | undefined;
  let sendReply: ((req: Recorded) => Reply) | undefined;
  const claims: JsonObject[] = [];
  const sends = () => server.requests.filter((r) => r.path.endsWith(':send'));
  const tokenRequests = () => server.requests.filter((r) => r.path === '/token');

  const fresh = () => {
    // A new key per test: the process-wide token cache is keyed by the service account.
    keys = keyPair();
    credential = {
      projectId: 'cabinet-lac',
      clientEmail: 'relais@cabinet-lac.iam.gserviceaccount.com',
      privateKey: keys.privateKey,
      privateKeyId: 'kid-1',
    };
  };

  before(async () => {
    server = await startServer(async (req) => {
      if (req.path === '/token') {
        if (tokenReply) return tokenReply();
        const form = new URLSearchParams(req.body.toString());
        assert.equal(req.method, 'POST');
        assert.equal(req.headers['content-type'], 'application/x-www-form-urlencoded');
        assert.equal(form.get('grant_type'), 'urn:ietf:params:oauth:grant-type:jwt-bearer');
        const { payload, protectedHeader } = await jwtVerify(
          form.get('assertion') ?? '',
          await importSPKI(keys.publicKey, 'RS256'),
          { audience: 'https://oauth2.googleapis.com/token', issuer: String(credential.clientEmail) },
        );
        claims.push({ ...payload, header: protectedHeader });
        const token = `ya29.token-${issued.length + 1}`;
        issued.push(token);
        valid.add(token);
        return { body: { access_token: token, expires_in: 3599, token_type: 'Bearer' } };
      }
      if (req.path === '/v1/projects/cabinet-lac/messages:send') {
        const bearer = String(req.headers.authorization).replace(/^Bearer /, '');
        if (!valid.has(bearer)) {
          return {
            status: 401,
            body: {
              error: {
                code: 401,
                message: 'Request had invalid authentication credentials.',
                status: 'UNAUTHENTICATED',
              },
            },
          };
        }
        if (sendReply) return sendReply(req);
        return { body: { name: `projects/cabinet-lac/messages/0:${sends().length}` } };
      }
      return { status: 404, body: 'no such path' };
    });
    settings = { googleTokenUrl: `${server.url}/token`, fcmBaseUrl: server.url };
  });
  after(async () => {
    settings = {};
    await server.close();
  });
  afterEach(() => {
    server.requests.length = 0;
    claims.length = 0;
    tokenReply = undefined;
    sendReply = undefined;
  });
  const reset = () => {
    fresh();
    issued = [];
    valid = new Set();
  };

  it('signs a JWT for the service account, gets a token, sends the notification with it', async () => {
    reset();
    const { json, outputs } = await runNode(pushNode, {
      parameters: {
        token: '={{ $json.deviceToken }}',
        title: 'Rappel',
        body: '=Rendez-vous demain à {{ $json.time }}',
      },
      items: [{ deviceToken: 'device-abc', time: '9h' }],
      credentials: { fcmServiceAccount: credential },
    });
    assert.equal(tokenRequests().length, 1);
    const c = claims[0];
    assert.equal(c.scope, FCM_SCOPE);
    assert.equal(Number(c.exp) - Number(c.iat), 3600);
    assert.deepEqual(c.header, { alg: 'RS256', typ: 'JWT', kid: 'kid-1' });

    const [send] = sends();
    assert.equal(send.method, 'POST');
    assert.equal(send.headers.authorization, 'Bearer ya29.token-1');
    assert.equal(send.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(send.body.toString()), {
      message: {
        token: 'device-abc',
        notification: { title: 'Rappel', body: 'Rendez-vous demain à 9h' },
        android: { priority: 'high' },
      },
    });
    assert.deepEqual(json, [[{ name: 'projects/cabinet-lac/messages/0:1', messageId: '0:1' }]]);
    assert.deepEqual(outputs[0][0].pairedItem, { item: 0 });
  });

  it('fetches one token for many items and later executions', async () => {
    reset();
    const run = () =>
      runNode(pushNode, {
        parameters: { token: '={{ $json.t }}', title: 'x' },
        items: [{ t: 'a' }, { t: 'b' }, { t: 'c' }],
        credentials: { fcmServiceAccount: credential },
      });
    await run();
    await run();
    assert.equal(tokenRequests().length, 1);
    assert.equal(sends().length, 6);
    assert.ok(sends().every((r) => r.headers.authorization === 'Bearer ya29.token-1'));
  });

  it('sends to a topic or a condition, with data as strings and the delivery options', async () => {
    reset();
    await runNode(pushNode, {
      parameters: {
        targetType: 'topic',
        topic: '/topics/rappels-j1',
        title: 'Rappel',
        body: 'Demain',
        data: '={{ { appointmentId: 42, when: "J-1", patient: { id: 7 }, note: null } }}',
        options: {
          imageUrl: 'https://cdn.test/logo.png',
          androidPriority: 'normal',
          timeToLive: 7200,
          collapseKey: 'rdv-42',
          sound: 'default',
        },
      },
      items: [{}],
      credentials: { fcmServiceAccount: credential },
    });
    assert.deepEqual(JSON.parse(sends()[0].body.toString()), {
      message: {
        topic: 'rappels-j1',
        notification: { title: 'Rappel', body: 'Demain', image: 'https://cdn.test/logo.png' },
        data: { appointmentId: '42', when: 'J-1', patient: '{"id":7}', note: '' },
        android: {
          priority: 'normal',
          ttl: '7200s',
          collapse_key: 'rdv-42',
          notification: { sound: 'default' },
        },
        apns: {
          headers: { 'apns-collapse-id': 'rdv-42', 'apns-priority': '5' },
          payload: { aps: { sound: 'default' } },
        },
      },
    });
    await runNode(pushNode, {
      parameters: {
        targetType: 'condition',
        condition: "'rappels' in topics && 'fr' in topics",
        data: '{"k":"v"}',
        options: { validateOnly: true },
      },
      items: [{}],
      credentials: { fcmServiceAccount: credential },
    });
    assert.deepEqual(JSON.parse(sends()[1].body.toString()), {
      validate_only: true,
      message: {
        condition: "'rappels' in topics && 'fr' in topics",
        data: { k: 'v' },
        android: { priority: 'high' },
      },
    });
  });

  it("accepts the service account's JSON key file as the credential", async () => {
    reset();
    const file = JSON.stringify({
      type: 'service_account',
      project_id: 'cabinet-lac',
      private_key_id: 'kid-json',
      private_key: keys.privateKey,
      client_email: credential.clientEmail,
    });
    await runNode(pushNode, {
      parameters: { token: 'd', title: 't' },
      items: [{}],
      credentials: { fcmServiceAccount: { serviceAccountJson: file } },
    });
    assert.equal((claims[0].header as JsonObject).kid, 'kid-json');
    assert.equal(sends().length, 1);
  });

  it('fetches a new token once when FCM refuses the cached one', async () => {
    reset();
    await runNode(pushNode, {
      parameters: { token: 'd', title: 't' },
      items: [{}],
      credentials: { fcmServiceAccount: credential },
    });
    valid.clear(); // revoked
    const { json } = await runNode(pushNode, {
      parameters: { token: 'd', title: 't' },
      items: [{}],
      credentials: { fcmServiceAccount: credential },
    });
    assert.equal(tokenRequests().length, 2);
    assert.deepEqual(
      sends().map((r) => r.headers.authorization),
      ['Bearer ya29.token-1', 'Bearer ya29.token-1', 'Bearer ya29.token-2'],
    );
    assert.equal(json[0][0].messageId, '0:3');

    // Refused again after the new token: the error, no loop.
    sendReply = () => ({
      status: 401,
      body: { error: { code: 401, status: 'UNAUTHENTICATED', message: 'nope' } },
    });
    await assert.rejects(
      runNode(pushNode, {
        parameters: { token: 'd', title: 't' },
        items: [{}],
        credentials: { fcmServiceAccount: credential },
      }),
      rejects('FCM_UNAUTHENTICATED', { retryable: false, status: 401 }),
    );
  });

  it("maps FCM's error reasons: UNREGISTERED is final, QUOTA_EXCEEDED and UNAVAILABLE retryable", async () => {
    reset();
    const fcmError = (status: number, reason: string, grpc: string) => () => ({
      status,
      body: {
        error: {
          code: status,
          message: 'Requested entity was not found.',
          status: grpc,
          details: [{ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode: reason }],
        },
      },
    });
    const run = () =>
      runNode(pushNode, {
        parameters: { token: 'gone', title: 't' },
        items: [{}],
        credentials: { fcmServiceAccount: credential },
      });
    sendReply = fcmError(404, 'UNREGISTERED', 'NOT_FOUND');
    await assert.rejects(run(), (error: unknown) => {
      rejects('FCM_UNREGISTERED', {
        retryable: false,
        status: 404,
        message: /\(UNREGISTERED\): Requested entity/,
      })(error);
      assert.match((error as NodeError).description ?? '', /no longer valid/);
      return true;
    });
    sendReply = fcmError(400, 'INVALID_ARGUMENT', 'INVALID_ARGUMENT');
    await assert.rejects(run(), rejects('FCM_INVALID_ARGUMENT', { retryable: false, status: 400 }));
    sendReply = fcmError(429, 'QUOTA_EXCEEDED', 'RESOURCE_EXHAUSTED');
    await assert.rejects(run(), rejects('FCM_QUOTA_EXCEEDED', { retryable: true, status: 429 }));
    sendReply = () => ({
      status: 503,
      body: { error: { code: 503, status: 'UNAVAILABLE', message: 'busy' } },
    });
    await assert.rejects(run(), rejects('FCM_UNAVAILABLE', { retryable: true, status: 503 }));
  });

  it("reports Google's refusal of the service account; 5xx of the token endpoint are retryable", async () => {
    reset();
    const run = () =>
      runNode(pushNode, {
        parameters: { token: 'd', title: 't' },
        items: [{}],
        credentials: { fcmServiceAccount: credential },
      });
    tokenReply = () => ({
      status: 400,
      body: { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' },
    });
    await assert.rejects(
      run(),
      rejects('GOOGLE_TOKEN_ERROR', { retryable: false, status: 400, message: /Invalid JWT Signature/ }),
    );
    tokenReply = () => ({ status: 500, body: 'oops' });
    await assert.rejects(run(), rejects('GOOGLE_TOKEN_ERROR', { retryable: true, status: 500 }));
    assert.equal(sends().length, 0);
    tokenReply = undefined;
    await run();
    assert.equal(sends().length, 1, 'a failed token request is not cached');
  });

  it('refuses bad parameters and credentials before any request', async () => {
    reset();
    const run = (parameters: Record<string, unknown>, fcmServiceAccount: JsonObject = credential) =>
      runNode(pushNode, { parameters, items: [{}], credentials: { fcmServiceAccount } });
    await assert.rejects(
      run({ token: '', title: 't' }),
      rejects('INVALID_PARAMETER', { retryable: false, message: /'Registration Token' is empty/ }),
    );
    await assert.rejects(run({ targetType: 'topic', title: 't' }), /'Topic' is empty/);
    await assert.rejects(run({ token: 'd' }), /Nothing to send/);
    await assert.rejects(run({ token: 'd', data: '={{ [1] }}' }), /'Data' must be an object/);
    await assert.rejects(run({ token: 'd', data: '{oops' }), /'Data' is not valid JSON/);
    await assert.rejects(run({ token: 'd', data: { from: 'x' } }), /reserved key 'from'/);
    await assert.rejects(
      run({ token: 'd', title: 't' }, { ...credential, privateKey: '' }),
      rejects('INVALID_CREDENTIAL', { retryable: false, message: /'privateKey'/ }),
    );
    await assert.rejects(
      run({ token: 'd', title: 't' }, { ...credential, privateKey: 'abc' }),
      /not a PEM PKCS#8 key/,
    );
    await assert.rejects(
      run(
        { token: 'd', title: 't' },
        { ...credential, privateKey: '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----' },
      ),
      /cannot sign/,
    );
    await assert.rejects(run({ token: 'd', title: 't' }, { serviceAccountJson: '{' }), /not valid JSON/);
    assert.equal(server.requests.length, 0);
    assert.deepEqual((await runNode(pushNode, { parameters: {}, items: [] })).json, [[]]);
  });

  it('a refused connection is a retryable ECONNREFUSED', async () => {
    reset();
    const closed = await startServer();
    await closed.close();
    settings = { googleTokenUrl: `${closed.url}/token`, fcmBaseUrl: server.url };
    try {
      await assert.rejects(
        runNode(pushNode, {
          parameters: { token: 'd', title: 't' },
          items: [{}],
          credentials: { fcmServiceAccount: credential },
        }),
        rejects('ECONNREFUSED', { retryable: true }),
      );
    } finally {
      settings = { googleTokenUrl: `${server.url}/token`, fcmBaseUrl: server.url };
    }
  });

  it('the provider URLs are checked at start', () => {
    const urls = loadConfig({
      RELAIS_FCM_BASE_URL: 'http://127.0.0.1:9/',
      RELAIS_GOOGLE_TOKEN_URL: 'https://proxy.local/token',
    }).providerUrls;
    assert.deepEqual(urls, {
      twilio: undefined,
      fcm: 'http://127.0.0.1:9',
      googleToken: 'https://proxy.local/token',
    });
    assert.throws(() => loadConfig({ RELAIS_FCM_BASE_URL: 'fcm.local' }), /RELAIS_FCM_BASE_URL: an http/);
    assert.throws(
      () => loadConfig({ RELAIS_GOOGLE_TOKEN_URL: 'file:///token' }),
      /RELAIS_GOOGLE_TOKEN_URL: an http/,
    );
  });
});

describe('Google token cache', () => {
  it('reuses a token until a minute before it expires, shares one request between concurrent callers', async () => {
    const { privateKey } = keyPair();
    const account = serviceAccount({
      projectId: 'p',
      clientEmail: 'a@p.iam.gserviceaccount.com',
      privateKey,
    });
    let now = 1_000_000;
    const cache = new TokenCache({ limit: 200, renewEarlySeconds: 60, now: () => now });
    let calls = 0;
    const api = {
      async call() {
        calls++;
        return {
          status: 200,
          headers: new Headers(),
          text: '',
          json: { access_token: `t${calls}`, expires_in: 3600 },
        };
      },
      async close() {},
    };
    const token = () =>
      googleAccessToken(cache, account, FCM_SCOPE, api, undefined, 'http://127.0.0.1:9/token');
    const [a, b] = await Promise.all([token(), token()]);
    assert.deepEqual([a, b, calls], ['t1', 't1', 1]);
    now += 3539_000;
    assert.equal(await token(), 't1');
    now += 2_000;
    assert.equal(await token(), 't2');
    cache.invalidate('t2');
    assert.equal(await token(), 't3');
    assert.equal(
      await googleAccessToken(cache, account, FCM_SCOPE, api),
      't4',
      'another token endpoint, another token',
    );
  });
});
