/**
 * Webhook authentication over HTTP, every mode failing closed: good, wrong (403) and missing (401)
 * credentials, no usable credential on the node (500), expired HMAC timestamps and replayed
 * signatures, JWT expiry and algorithm pinning.
 */
import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { SignJWT } from 'jose';
import type { ManualClock } from '../../src/engine/clock.js';
import { call, credential, deploy, runsOf, setNode, webhookFlow, withServer } from './webhooks-kit.js';

const lastNode = { responseMode: 'lastNode' };
const echo = [setNode('Set', 'ok', 'yes')];

describe('webhook authentication', () => {
  it('headerAuth (n8n httpHeaderAuth, e.g. X-API-Key as seeds/003 sends it)', () =>
    withServer(async (server) => {
      await credential(server, 'httpHeaderAuth', 'crm key', { name: 'X-API-Key', value: 's3cret-key' });
      const id = await deploy(
        server,
        webhookFlow(
          { path: 'crm-action', httpMethod: 'POST', authentication: 'headerAuth', ...lastNode },
          echo,
          {
            credentials: { httpHeaderAuth: { name: 'crm key' } },
          },
        ),
      );
      const good = await call(server, 'POST', '/webhook/crm-action', {
        json: { a: 1 },
        headers: { 'x-api-key': 's3cret-key' },
      });
      assert.equal(good.status, 200);
      assert.equal(good.body.headers['x-api-key'], '[redacted]', 'the secret never reaches run data');
      const wrong = await call(server, 'POST', '/webhook/crm-action', {
        json: {},
        headers: { 'x-api-key': 's3cret-kex' },
      });
      assert.equal(wrong.status, 403);
      const missing = await call(server, 'POST', '/webhook/crm-action', { json: {} });
      assert.equal(missing.status, 401);
      assert.equal((await runsOf(server, id)).length, 1, 'refused calls start nothing');
    }));

  it('bearerAuth and basicAuth', () =>
    withServer(async (server) => {
      await credential(server, 'httpBearerAuth', 'bearer', { token: 'tok-123' });
      await deploy(
        server,
        webhookFlow({ path: 'bearer', authentication: 'bearerAuth', ...lastNode }, echo, {
          credentials: { httpBearerAuth: { name: 'bearer' } },
        }),
      );
      assert.equal(
        (await call(server, 'GET', '/webhook/bearer', { headers: { authorization: 'Bearer tok-123' } }))
          .status,
        200,
      );
      assert.equal(
        (await call(server, 'GET', '/webhook/bearer', { headers: { authorization: 'Bearer tok-124' } }))
          .status,
        403,
      );
      assert.equal((await call(server, 'GET', '/webhook/bearer')).status, 401);

      await credential(server, 'httpBasicAuth', 'basic', { user: 'marie', password: 'pa:ss' });
      await deploy(
        server,
        webhookFlow({ path: 'basic', authentication: 'basicAuth', ...lastNode }, echo, {
          credentials: { httpBasicAuth: { name: 'basic' } },
        }),
      );
      const basic = (u: string, p: string) => ({
        authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`,
      });
      const good = await call(server, 'GET', '/webhook/basic', { headers: basic('marie', 'pa:ss') });
      assert.equal(good.status, 200);
      assert.equal(good.body.headers.authorization, '[redacted]');
      assert.equal(
        (await call(server, 'GET', '/webhook/basic', { headers: basic('marie', 'wrong') })).status,
        403,
      );
      assert.equal(
        (await call(server, 'GET', '/webhook/basic', { headers: basic('paul', 'pa:ss') })).status,
        403,
      );
      const missing = await call(server, 'GET', '/webhook/basic');
      assert.equal(missing.status, 401);
      assert.equal(missing.headers.get('www-authenticate'), 'Basic realm="Webhook"');
    }));

  it('a credential the node names but that does not exist: 500, fail closed', () =>
    withServer(async (server) => {
      const id = await deploy(
        server,
        webhookFlow({ path: 'ghost', authentication: 'headerAuth' }, [], {
          credentials: { httpHeaderAuth: { name: 'nobody' } },
        }),
      );
      const res = await call(server, 'GET', '/webhook/ghost', { headers: { 'x-api-key': 'anything' } });
      assert.equal(res.status, 500);
      assert.equal(res.body.error.message, 'No authentication data defined on node!');
      assert.equal((await runsOf(server, id)).length, 0);
    }));

  it('activation refuses an authentication mode without its credential on the node', () =>
    withServer(async (server) => {
      const id = await deploy(server, webhookFlow({ path: 'nocred', authentication: 'basicAuth' }), false);
      const res = await server.request('PATCH', `/api/automations/${id}/toggle`, {
        as: 'editor',
        json: { isActive: true },
      });
      assert.equal(res.status, 422);
      assert.match(JSON.stringify(res.body), /needs a 'httpBasicAuth' credential/);
    }));
});

describe('webhook JWT authentication', () => {
  it('HS256: valid token (payload in the item), expired, not yet valid, wrong key, alg none, missing', () =>
    withServer(async (server) => {
      const secret = 'a-long-enough-secret-for-hs256!!';
      assert.ok(
        await credential(server, 'jwtAuth', 'jwt', { keyType: 'passphrase', secret, algorithm: 'HS256' }),
        'credential created',
      );
      await deploy(
        server,
        webhookFlow({ path: 'jwt', authentication: 'jwtAuth', ...lastNode }, echo, {
          credentials: { jwtAuth: { name: 'jwt' } },
        }),
      );
      const now = Math.floor(server.clock.now().getTime() / 1000);
      const sign = (claims: Record<string, unknown>, key = secret) =>
        new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(key));
      const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
      const good = await call(server, 'GET', '/webhook/jwt', {
        headers: bearer(await sign({ sub: 'crm', exp: now + 60 })),
      });
      assert.equal(good.status, 200);
      assert.equal(good.body.jwtPayload.sub, 'crm');
      assert.equal(
        (await call(server, 'GET', '/webhook/jwt', { headers: bearer(await sign({ exp: now - 10 })) }))
          .status,
        403,
      );
      assert.equal(
        (await call(server, 'GET', '/webhook/jwt', { headers: bearer(await sign({ nbf: now + 600 })) }))
          .status,
        403,
      );
      assert.equal(
        (
          await call(server, 'GET', '/webhook/jwt', {
            headers: bearer(await sign({}, 'another-secret-another-secret!!!')),
          })
        ).status,
        403,
      );
      const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"x"}').toString('base64url')}.`;
      assert.equal((await call(server, 'GET', '/webhook/jwt', { headers: bearer(none) })).status, 403);
      assert.equal((await call(server, 'GET', '/webhook/jwt')).status, 401);
    }));

  it('RS256 with a public key', () =>
    withServer(async (server) => {
      const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
      assert.ok(
        await credential(server, 'jwtAuth', 'rsa', {
          keyType: 'pemKey',
          publicKey: pem,
          algorithm: 'RS256',
        }),
        'credential created',
      );
      await deploy(
        server,
        webhookFlow({ path: 'rsa', authentication: 'jwtAuth', ...lastNode }, echo, {
          credentials: { jwtAuth: { name: 'rsa' } },
        }),
      );
      const token = await new SignJWT({ sub: 'app' }).setProtectedHeader({ alg: 'RS256' }).sign(privateKey);
      assert.equal(
        (await call(server, 'GET', '/webhook/rsa', { headers: { authorization: `Bearer ${token}` } })).status,
        200,
      );
      const hs = await new SignJWT({})
        .setProtectedHeader({ alg: 'HS256' })
        .sign(new TextEncoder().encode(pem));
      assert.equal(
        (await call(server, 'GET', '/webhook/rsa', { headers: { authorization: `Bearer ${hs}` } })).status,
        403,
        'no HS/RS confusion',
      );
    }));
});

describe('webhook HMAC authentication', () => {
  const secret = 'hmac-shared-secret';
  const sign = (stamp: string, body: string | Buffer, encoding: 'hex' | 'base64' = 'hex') =>
    createHmac('sha256', secret).update(`${stamp}.`).update(body).digest(encoding);

  it('good signature, wrong signature, missing headers, expired timestamp, replay', () =>
    withServer(async (server) => {
      assert.ok(await credential(server, 'hmacAuth', 'crm hmac', { secret }), 'credential created');
      const id = await deploy(
        server,
        webhookFlow({ path: 'signed', httpMethod: 'POST', authentication: 'hmac', ...lastNode }, echo, {
          credentials: { hmacAuth: { name: 'crm hmac' } },
        }),
      );
      const body = JSON.stringify({ actionType: 'RELANCE_CANDIDAT_EMAIL' });
      const stamp = String(Math.floor(server.clock.now().getTime() / 1000));
      const headers = (s: string, sig: string) => ({
        'content-type': 'application/json',
        'x-timestamp': s,
        'x-signature': sig,
      });
      const good = await call(server, 'POST', '/webhook/signed', {
        body,
        headers: headers(stamp, sign(stamp, body)),
      });
      assert.equal(good.status, 200);
      assert.equal(good.body.body.actionType, 'RELANCE_CANDIDAT_EMAIL');

      const replay = await call(server, 'POST', '/webhook/signed', {
        body,
        headers: headers(stamp, sign(stamp, body)),
      });
      assert.equal(replay.status, 403);
      assert.match(replay.body.error.message, /already used/);

      const tampered = await call(server, 'POST', '/webhook/signed', {
        body: body.replace('EMAIL', 'SMS'),
        headers: headers(stamp, sign(stamp, body)),
      });
      assert.equal(tampered.status, 403);
      const noSig = await call(server, 'POST', '/webhook/signed', {
        body,
        headers: { 'content-type': 'application/json', 'x-timestamp': stamp },
      });
      assert.equal(noSig.status, 401);
      const noStamp = await call(server, 'POST', '/webhook/signed', {
        body,
        headers: { 'content-type': 'application/json', 'x-signature': sign(stamp, body) },
      });
      assert.equal(noStamp.status, 401);

      const old = String(Math.floor(server.clock.now().getTime() / 1000) - 301);
      const expired = await call(server, 'POST', '/webhook/signed', {
        body,
        headers: headers(old, sign(old, body)),
      });
      assert.equal(expired.status, 403);
      assert.match(expired.body.error.message, /tolerance/);
      (server.clock as ManualClock).advance(1000);
      const iso = server.clock.now().toISOString();
      const later = await call(server, 'POST', '/webhook/signed', {
        body,
        headers: headers(iso, `sha256=${sign(iso, body)}`),
      });
      assert.equal(later.status, 200, 'ISO timestamps and a sha256= prefix are accepted');
      assert.equal((await runsOf(server, id)).length, 2);
    }));

  it('custom header names, base64, and a multipart body signed as sent', () =>
    withServer(async (server) => {
      assert.ok(await credential(server, 'hmacAuth', 'h', { secret }), 'credential created');
      await deploy(
        server,
        webhookFlow(
          {
            path: 'signed-form',
            httpMethod: 'POST',
            authentication: 'hmac',
            hmac: { header: 'X-Relais-Signature', timestampHeader: 'X-Relais-Time', encoding: 'base64' },
            ...lastNode,
          },
          echo,
          { credentials: { hmacAuth: { name: 'h' } } },
        ),
      );
      const boundary = 'b0undary';
      const body = Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="note"\r\n\r\nhello\r\n--${boundary}--\r\n`,
      );
      const stamp = String(server.clock.now().getTime());
      const res = await call(server, 'POST', '/webhook/signed-form', {
        body,
        headers: {
          'content-type': `multipart/form-data; boundary=${boundary}`,
          'x-relais-time': stamp,
          'x-relais-signature': sign(stamp, body, 'base64'),
        },
      });
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.body.body, { note: 'hello' });
    }));
});
