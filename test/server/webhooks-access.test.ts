/** Webhook access over HTTP: CORS per webhook, IP allow-list, per-webhook rate limits, latency metrics. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ManualClock } from '../../src/engine/clock.js';
import { call, deploy, runsOf, webhookFlow, withServer } from './webhooks-kit.js';

describe('webhook access', () => {
  it('CORS per webhook: origin reflected by default, a list answers its members, preflight', () =>
    withServer(async (server) => {
      await deploy(server, webhookFlow({ path: 'open', httpMethod: 'POST' }));
      const open = await call(server, 'POST', '/webhook/open', {
        json: {},
        headers: { origin: 'https://a.example' },
      });
      assert.equal(open.headers.get('access-control-allow-origin'), 'https://a.example');
      const pre = await call(server, 'OPTIONS', '/webhook/open', {
        headers: {
          origin: 'https://a.example',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type,x-api-key',
        },
      });
      assert.equal(pre.status, 204);
      assert.equal(pre.headers.get('access-control-allow-methods'), 'OPTIONS, POST');
      assert.equal(pre.headers.get('access-control-allow-headers'), 'content-type,x-api-key');
      assert.equal(pre.headers.get('access-control-allow-origin'), 'https://a.example');

      await deploy(
        server,
        webhookFlow({
          path: 'closed',
          httpMethod: 'POST',
          options: { allowedOrigins: 'https://app.example, https://b.example' },
        }),
      );
      const member = await call(server, 'POST', '/webhook/closed', {
        json: {},
        headers: { origin: 'https://b.example' },
      });
      assert.equal(member.headers.get('access-control-allow-origin'), 'https://b.example');
      const stranger = await call(server, 'POST', '/webhook/closed', {
        json: {},
        headers: { origin: 'https://evil.example' },
      });
      assert.equal(stranger.headers.get('access-control-allow-origin'), null);
      assert.equal(
        (
          await call(server, 'OPTIONS', '/webhook/nowhere', {
            headers: { origin: 'https://a.example', 'access-control-request-method': 'POST' },
          })
        ).status,
        404,
      );
    }));

  it('IP allow-list: addresses and CIDR ranges; others get 403 and no run', () =>
    withServer(async (server) => {
      await deploy(server, webhookFlow({ path: 'local', options: { ipWhitelist: '10.0.0.0/8, 127.0.0.1' } }));
      assert.equal((await call(server, 'GET', '/webhook/local')).status, 200);
      const id = await deploy(
        server,
        webhookFlow({ path: 'lan', options: { ipWhitelist: '10.0.0.0/8, 192.168.1.' } }),
      );
      const res = await call(server, 'GET', '/webhook/lan');
      assert.equal(res.status, 403);
      assert.equal(res.body.error.message, 'IP is not whitelisted to access the webhook!');
      assert.equal((await runsOf(server, id)).length, 0);
    }));

  it('rate limit only when the workflow sets one: 429 with Retry-After', () =>
    withServer(async (server) => {
      await deploy(server, webhookFlow({ path: 'free' }));
      for (let i = 0; i < 20; i++) assert.equal((await call(server, 'GET', '/webhook/free')).status, 200);
      await deploy(server, webhookFlow({ path: 'limited', rateLimit: 2 }));
      assert.equal((await call(server, 'GET', '/webhook/limited')).status, 200);
      assert.equal((await call(server, 'GET', '/webhook/limited')).status, 200);
      const third = await call(server, 'GET', '/webhook/limited');
      assert.equal(third.status, 429);
      assert.equal(third.headers.get('retry-after'), '30');
      (server.clock as ManualClock).advance(30_000);
      assert.equal((await call(server, 'GET', '/webhook/limited')).status, 200);
    }));

  it('webhook latency is observed in /metrics, refusals included', () =>
    withServer(async (server) => {
      await deploy(server, webhookFlow({ path: 'seen', httpMethod: 'POST' }));
      await call(server, 'POST', '/webhook/seen', { json: {} });
      await call(server, 'POST', '/webhook/unseen', { json: {} });
      const metrics = await server.request('GET', '/metrics', { as: 'viewer' });
      assert.equal(metrics.status, 200);
      assert.match(
        metrics.text,
        /relais_webhook_duration_seconds_count\{method="POST",status_code="200",kind="production"\} 1/,
      );
      assert.match(
        metrics.text,
        /relais_webhook_duration_seconds_count\{method="POST",status_code="404",kind="production"\} 1/,
      );
    }));
});
