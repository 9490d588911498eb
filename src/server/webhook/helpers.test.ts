/** The webhook ingress' pure helpers: content types, file names, IP lists, CORS, rate limits, timestamps. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../../engine/clock.js';
import { webhookParams } from '../../nodes/webhook.node.js';
import { corsHeaders, IpAllowList, isBot, preflightHeaders, WebhookRateLimiter } from './access.js';
import { parseTimestamp, safeEqual } from './auth.js';
import { fileNameOf, parseBody, parseContentType } from './body.js';
import { encodeAnswer, immediateAnswer } from './respond.js';

test('content types: parsed, lower-cased, parameters unquoted; malformed → 415', () => {
  assert.deepEqual(parseContentType('Application/JSON; Charset="UTF-8"'), {
    type: 'application/json',
    params: { charset: 'UTF-8' },
  });
  assert.equal(parseContentType(undefined), undefined);
  assert.equal(parseContentType('  '), undefined);
  for (const bad of ['json', 'a/b/c', 'text/', '/plain', 'te xt/plain']) {
    assert.throws(
      () => parseContentType(bad),
      (e: { status?: number }) => e.status === 415,
      bad,
    );
  }
});

test('bodies: BOM-less UTF-8 only where declared, forms keep __proto__ as data', () => {
  const opts = { rawBody: false, binaryPropertyName: 'data' };
  const form = parseBody(
    Buffer.from('__proto__=x&a=1&a=2'),
    parseContentType('application/x-www-form-urlencoded'),
    opts,
  );
  assert.deepEqual(Object.getOwnPropertyDescriptor(form.body, '__proto__')?.value, 'x');
  assert.deepEqual((form.body as Record<string, unknown>).a, ['1', '2']);
  assert.equal(Object.getPrototypeOf(form.body), Object.prototype);
  const latin = parseBody(
    Buffer.from([0x63, 0x61, 0x66, 0xe9]),
    parseContentType('text/plain; charset=iso-8859-1'),
    opts,
  );
  assert.equal(latin.body, 'café');
});

test('file names from Content-Disposition lose any directory', () => {
  assert.equal(fileNameOf('attachment; filename="../../etc/passwd"'), 'passwd');
  assert.equal(fileNameOf("attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf"), 'résumé.pdf');
  assert.equal(fileNameOf('attachment; filename=..'), undefined);
  assert.equal(fileNameOf('inline'), undefined);
});

test('IP allow-list: addresses, CIDR v4/v6, IPv4-mapped, n8n prefixes; garbage matches nothing', () => {
  const list = new IpAllowList('10.0.0.0/8, 192.168.1., 2001:db8::/32, 127.0.0.1, not-an-ip');
  assert.ok(list.allows('10.1.2.3'));
  assert.ok(list.allows('::ffff:127.0.0.1'));
  assert.ok(list.allows('192.168.1.77'));
  assert.ok(list.allows('2001:db8::1'));
  assert.ok(!list.allows('192.168.10.1'));
  assert.ok(!list.allows('11.0.0.1'));
  assert.ok(new IpAllowList('').allows('1.2.3.4'));
  assert.ok(!new IpAllowList('nonsense').allows('1.2.3.4'));
});

test('CORS: reflect with *, members only with a list, preflight headers', () => {
  assert.deepEqual(corsHeaders('*', undefined), {});
  assert.equal(corsHeaders('*', 'https://a.x')['access-control-allow-origin'], 'https://a.x');
  assert.equal(
    corsHeaders('https://a.x/, https://b.x', 'https://a.x')['access-control-allow-origin'],
    'https://a.x',
  );
  assert.equal(corsHeaders('https://a.x', 'https://c.x')['access-control-allow-origin'], undefined);
  const pre = preflightHeaders('*', 'https://a.x', ['POST'], 'x-api-key');
  assert.equal(pre['access-control-allow-methods'], 'OPTIONS, POST');
  assert.equal(pre['access-control-max-age'], '300');
});

test("rate limiter: a minute's worth of burst, refilled continuously, per webhook", () => {
  const clock = new ManualClock();
  const limiter = new WebhookRateLimiter(clock);
  for (let i = 0; i < 60; i++) assert.equal(limiter.take('w', 60), 0);
  assert.equal(limiter.take('w', 60), 1);
  assert.equal(limiter.take('other', 60), 0);
  clock.advance(1000);
  assert.equal(limiter.take('w', 60), 0);
  assert.equal(limiter.take('w', 0), 0, '0 = unlimited');
});

test('timestamps and constant-time comparison', () => {
  assert.equal(parseTimestamp('1767225600'), 1767225600000);
  assert.equal(parseTimestamp('1767225600123'), 1767225600123);
  assert.equal(parseTimestamp('2026-01-01T00:00:00.000Z'), Date.parse('2026-01-01T00:00:00.000Z'));
  assert.equal(parseTimestamp('yesterday'), undefined);
  assert.ok(safeEqual('abc', 'abc'));
  assert.ok(!safeEqual('abc', 'abd'));
  assert.ok(!safeEqual('abc', 'abcd'));
  assert.ok(isBot('Slackbot-LinkExpanding 1.0'));
  assert.ok(!isBot('curl/8.0'));
});

test('answers: n8n message or runId, encoded JSON/text/bytes, sandboxed HTML, no framing headers', () => {
  assert.deepEqual(immediateAnswer(webhookParams.parse({}), 'r1'), {
    status: 200,
    headers: {},
    body: { message: 'Workflow was started' },
  });
  assert.deepEqual(immediateAnswer(webhookParams.parse({ immediateResponse: 'runId' }), 'r1'), {
    status: 202,
    headers: {},
    body: { runId: 'r1' },
  });
  const html = encodeAnswer({
    status: 200,
    headers: { 'Content-Type': 'text/html', 'Content-Length': '1', 'x-ok': 'a\r\nb' },
    body: '<b>hi</b>',
  });
  assert.equal(html.headers['content-security-policy'], 'sandbox');
  assert.equal(html.headers['content-length'], undefined);
  assert.equal(html.headers['x-ok'], undefined, 'header injection dropped');
  assert.equal(encodeAnswer({ status: 204, headers: {}, body: { a: 1 } }).payload.length, 0);
  assert.equal(
    encodeAnswer({ status: 200, headers: {}, body: Buffer.from([1]) }).headers['content-type'],
    'application/octet-stream',
  );
  assert.equal(encodeAnswer({ status: 200, headers: {}, body: [1] }).payload.toString(), '[1]');
});
