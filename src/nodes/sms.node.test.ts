/**
 * SMS against local HTTP servers that check the exact requests: Twilio's Messages API (path, Basic
 * authentication, form fields) and a generic gateway (placeholders escaped per content type,
 * credentials), with the failure paths (Twilio error codes, 401, 429/5xx retryable, refused
 * connection, bad parameters, the address policy).
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { loadConfig } from '../config.js';
import { NodeError, NonRetryableError } from '../engine/errors.js';
import { type RunNodeOptions, runNode as runNodeWith } from '../testing/run-node.js';
import { denyPolicy } from './http-request/ssrf.js';
import { type Recorded, startServer, type TestServer } from './http-request/test-server.js';
import type { AnyNodeDefinition } from './sdk.js';
import { NODE_SETTINGS, type NodeSettings } from './settings.js';
import { smsNode } from './sms.node.js';

/** The node's settings (RELAIS_TWILIO_BASE_URL, RELAIS_HTTP_DENY), given as the runtime gives them. */
let settings: Partial<NodeSettings> = {};
const runNode = (def: AnyNodeDefinition, opts: RunNodeOptions) =>
  runNodeWith(def, { ...opts, services: { [NODE_SETTINGS.name]: settings } });

const twilioApi = { accountSid: 'AC0123456789abcdef', authToken: 'tok-secret' };
const basic = `Basic ${Buffer.from('AC0123456789abcdef:tok-secret').toString('base64')}`;

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

const form = (req: Recorded) => Object.fromEntries(new URLSearchParams(req.body.toString('utf8')));

describe('SMS through Twilio', () => {
  let server: TestServer;
  let reply: (req: Recorded) => { status: number; body: unknown };
  before(async () => {
    server = await startServer((req) => reply(req));
    settings = { twilioBaseUrl: server.url };
  });
  after(async () => {
    settings = {};
    await server.close();
  });
  afterEach(() => {
    server.requests.length = 0;
  });
  const created = (req: Recorded) => ({
    status: 201,
    body: {
      sid: 'SM123',
      status: 'queued',
      to: form(req).To,
      from: form(req).From ?? null,
      body: form(req).Body,
    },
  });

  it('posts the form to the Messages resource with Basic authentication and outputs the message', async () => {
    reply = created;
    const { json, outputs } = await runNode(smsNode, {
      parameters: {
        to: '={{ $json.phone }}',
        from: '+41215550000',
        message: '=Bonjour {{ $json.name }}, rappel : RDV demain 9h',
      },
      items: [{ phone: '+41791234567', name: 'Zoé' }],
      credentials: { twilioApi },
    });
    assert.equal(server.requests.length, 1);
    const req = server.requests[0];
    assert.equal(req.method, 'POST');
    assert.equal(req.path, '/2010-04-01/Accounts/AC0123456789abcdef/Messages.json');
    assert.equal(req.headers.authorization, basic);
    assert.equal(req.headers['content-type'], 'application/x-www-form-urlencoded');
    assert.deepEqual(form(req), {
      To: '+41791234567',
      From: '+41215550000',
      Body: 'Bonjour Zoé, rappel : RDV demain 9h',
    });
    assert.deepEqual(json, [
      [
        {
          sid: 'SM123',
          status: 'queued',
          to: '+41791234567',
          from: '+41215550000',
          body: 'Bonjour Zoé, rappel : RDV demain 9h',
        },
      ],
    ]);
    assert.deepEqual(outputs[0][0].pairedItem, { item: 0 });
  });

  it('uses a Messaging Service instead of From, and sends the status callback', async () => {
    reply = created;
    await runNode(smsNode, {
      parameters: {
        to: '+33612345678',
        from: '+41215550000',
        messagingServiceSid: 'MG999',
        message: 'x',
        options: { statusCallback: 'https://relais.test/webhook/sms-status' },
      },
      items: [{}],
      credentials: { twilioApi },
    });
    assert.deepEqual(form(server.requests[0]), {
      To: '+33612345678',
      MessagingServiceSid: 'MG999',
      Body: 'x',
      StatusCallback: 'https://relais.test/webhook/sms-status',
    });
  });

  it("prefixes both numbers with whatsapp: for n8n's To Whatsapp", async () => {
    reply = created;
    await runNode(smsNode, {
      parameters: { to: '+41791234567', from: '+14155238886', message: 'x', toWhatsapp: true },
      items: [{}],
      credentials: { twilioApi },
    });
    assert.deepEqual(form(server.requests[0]), {
      To: 'whatsapp:+41791234567',
      From: 'whatsapp:+14155238886',
      Body: 'x',
    });
  });

  it("reports Twilio's error code; 4xx are final", async () => {
    reply = () => ({
      status: 400,
      body: {
        code: 21211,
        message: "The 'To' number 123 is not a valid phone number.",
        more_info: 'https://www.twilio.com/docs/errors/21211',
        status: 400,
      },
    });
    await assert.rejects(
      runNode(smsNode, {
        parameters: { to: '123', from: '+1', message: 'x' },
        items: [{}],
        credentials: { twilioApi },
      }),
      rejects('TWILIO_ERROR', {
        retryable: false,
        status: 400,
        message: /Twilio error 21211: The 'To' number 123/,
      }),
    );
    reply = () => ({ status: 401, body: { code: 20003, message: 'Authenticate', status: 401 } });
    await assert.rejects(
      runNode(smsNode, {
        parameters: { to: '+1', from: '+1', message: 'x' },
        items: [{}],
        credentials: { twilioApi },
      }),
      rejects('TWILIO_AUTH', { retryable: false, status: 401, message: /refused the credentials 20003/ }),
    );
  });

  it('429 and 5xx are retryable with their HTTP status', async () => {
    for (const status of [429, 503]) {
      reply = () => ({ status, body: { code: 20429, message: 'Too Many Requests', status } });
      await assert.rejects(
        runNode(smsNode, {
          parameters: { to: '+1', from: '+1', message: 'x' },
          items: [{}],
          credentials: { twilioApi },
        }),
        rejects('TWILIO_ERROR', { retryable: true, status }),
      );
    }
  });

  it('continues on fail with an error item per failed message', async () => {
    reply = (req) =>
      form(req).To === '+2' ? { status: 400, body: { code: 21211, message: 'bad' } } : created(req);
    const { json } = await runNode(smsNode, {
      parameters: { to: '={{ $json.to }}', from: '+1', message: 'x' },
      items: [{ to: '+1' }, { to: '+2' }, { to: '' }],
      onError: 'continue',
      credentials: { twilioApi },
    });
    assert.equal(json[0][0].sid, 'SM123');
    assert.deepEqual(json[0][1], { error: 'Twilio error 21211: bad' });
    assert.deepEqual(json[0][2], { error: "Parameter 'To' is empty" });
  });

  it('refuses bad parameters before calling Twilio', async () => {
    const run = (parameters: Record<string, unknown>) =>
      runNode(smsNode, { parameters, items: [{}], credentials: { twilioApi } });
    await assert.rejects(
      run({ to: '', from: '+1', message: 'x' }),
      rejects('INVALID_PARAMETER', { retryable: false, message: /'To' is empty/ }),
    );
    await assert.rejects(
      run({ to: '+1', from: '+1', message: ' ' }),
      rejects('INVALID_PARAMETER', { retryable: false, message: /'Message' is empty/ }),
    );
    await assert.rejects(
      run({ to: '+1', message: 'x' }),
      rejects('INVALID_PARAMETER', { retryable: false, message: /'From' is empty/ }),
    );
    await assert.rejects(
      run({ to: '+1', from: '+1', message: 'x'.repeat(1601) }),
      /too long: 1601 characters/,
    );
    await assert.rejects(run({ to: '+1', from: '+1', message: 'x', provider: 'pigeon' }), /provider/);
    assert.equal(server.requests.length, 0);
    await assert.rejects(
      runNode(smsNode, {
        parameters: { to: '+1', from: '+1', message: 'x' },
        items: [{}],
        credentials: { twilioApi: { accountSid: 'AC1' } },
      }),
      rejects('INVALID_CREDENTIAL', { retryable: false }),
    );
    await assert.rejects(
      runNode(smsNode, { parameters: { to: '+1', from: '+1', message: 'x' }, items: [{}] }),
      /No credential 'twilioApi'/,
    );
  });

  it('a refused connection is a retryable ECONNREFUSED; a bad base URL is refused at start', async () => {
    const closed = await startServer();
    await closed.close();
    settings = { twilioBaseUrl: closed.url };
    try {
      await assert.rejects(
        runNode(smsNode, {
          parameters: { to: '+1', from: '+1', message: 'x' },
          items: [{}],
          credentials: { twilioApi },
        }),
        rejects('ECONNREFUSED', { retryable: true }),
      );
      assert.throws(
        () => loadConfig({ RELAIS_TWILIO_BASE_URL: 'ftp://twilio' }),
        /RELAIS_TWILIO_BASE_URL: an http:\/\/ or https:\/\/ URL/,
      );
      assert.equal(
        loadConfig({ RELAIS_TWILIO_BASE_URL: ' http://proxy.local/twilio/ ' }).providerUrls?.twilio,
        'http://proxy.local/twilio',
      );
    } finally {
      settings = { twilioBaseUrl: server.url };
    }
  });

  it('outputs nothing for no items', async () => {
    assert.deepEqual((await runNode(smsNode, { parameters: {}, items: [] })).json, [[]]);
  });
});

describe('SMS through an HTTP gateway', () => {
  let server: TestServer;
  let reply: (req: Recorded) => { status: number; body: unknown };
  before(async () => {
    server = await startServer((req) => reply(req));
  });
  after(() => server.close());
  afterEach(() => {
    server.requests.length = 0;
    settings = {};
  });
  const gateway = (over: Record<string, unknown> = {}) => ({
    provider: 'httpGateway',
    url: `${server.url}/sms/send`,
    to: '+41791234567',
    from: 'CABINET',
    message: 'Rappel : "RDV" demain\nà 9h \\ merci',
    ...over,
  });

  it('posts the JSON template with the values escaped, with a header credential', async () => {
    reply = () => ({ status: 200, body: { id: 'msg-1', accepted: true } });
    const { json } = await runNode(smsNode, {
      parameters: gateway({
        authentication: 'httpHeaderAuth',
        body: '{"dest":"{to}","sender":"{from}","text":"{message}","flash":false}',
      }),
      items: [{}],
      credentials: { httpHeaderAuth: { name: 'X-Api-Key', value: 'k-123' } },
    });
    const req = server.requests[0];
    assert.equal(req.method, 'POST');
    assert.equal(req.path, '/sms/send');
    assert.equal(req.headers['x-api-key'], 'k-123');
    assert.equal(req.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(req.body.toString()), {
      dest: '+41791234567',
      sender: 'CABINET',
      text: 'Rappel : "RDV" demain\nà 9h \\ merci',
      flash: false,
    });
    assert.deepEqual(json, [
      [
        {
          provider: 'httpGateway',
          to: '+41791234567',
          status: 200,
          response: { id: 'msg-1', accepted: true },
        },
      ],
    ]);
  });

  it('sends the default JSON body, a form body with Basic auth, and a GET with the values in the URL', async () => {
    reply = () => ({ status: 202, body: 'OK' });
    await runNode(smsNode, { parameters: gateway({ message: 'Salut' }), items: [{}] });
    assert.deepEqual(JSON.parse(server.requests[0].body.toString()), {
      to: '+41791234567',
      from: 'CABINET',
      message: 'Salut',
    });

    await runNode(smsNode, {
      parameters: gateway({
        method: 'PUT',
        bodyContentType: 'form',
        authentication: 'httpBasicAuth',
        body: 'to={to}&text={message}',
      }),
      items: [{}],
      credentials: { httpBasicAuth: { user: 'cab', password: 'pw' } },
    });
    const put = server.requests[1];
    assert.equal(put.method, 'PUT');
    assert.equal(put.headers.authorization, `Basic ${Buffer.from('cab:pw').toString('base64')}`);
    assert.equal(put.headers['content-type'], 'application/x-www-form-urlencoded');
    assert.deepEqual(Object.fromEntries(new URLSearchParams(put.body.toString())), {
      to: '+41791234567',
      text: 'Rappel : "RDV" demain\nà 9h \\ merci',
    });

    const { json } = await runNode(smsNode, {
      parameters: gateway({
        method: 'GET',
        url: `${server.url}/send?to={to}&msg={message}`,
        message: 'a&b=c é',
        authentication: 'httpBearerAuth',
      }),
      items: [{}],
      credentials: { httpBearerAuth: { token: 'bt' } },
    });
    const get = server.requests[2];
    assert.equal(get.method, 'GET');
    assert.equal(get.query.get('to'), '+41791234567');
    assert.equal(get.query.get('msg'), 'a&b=c é');
    assert.equal(get.headers.authorization, 'Bearer bt');
    assert.equal(get.body.length, 0);
    assert.equal(json[0][0].response, 'OK');
  });

  it('final 4xx, retryable 5xx, bad URL or body template, the address policy', async () => {
    reply = () => ({ status: 401, body: { error: 'bad key' } });
    await assert.rejects(
      runNode(smsNode, { parameters: gateway(), items: [{}] }),
      rejects('SMS_GATEWAY_ERROR', { retryable: false, status: 401, message: /refused the credentials/ }),
    );
    reply = () => ({ status: 502, body: 'upstream down' });
    await assert.rejects(
      runNode(smsNode, { parameters: gateway(), items: [{}] }),
      rejects('SMS_GATEWAY_ERROR', { retryable: true, status: 502, message: /answered 502/ }),
    );
    await assert.rejects(
      runNode(smsNode, { parameters: gateway({ url: 'not a url' }), items: [{}] }),
      rejects('INVALID_PARAMETER', { retryable: false, message: /'URL'/ }),
    );
    await assert.rejects(
      runNode(smsNode, { parameters: gateway({ body: '{"to": {to}}' }), items: [{}] }),
      rejects('INVALID_PARAMETER', { retryable: false, message: /'Body' is not valid JSON/ }),
    );
    settings = { httpDeny: denyPolicy(['loopback']) };
    await assert.rejects(
      runNode(smsNode, { parameters: gateway(), items: [{}] }),
      rejects('SSRF_DENIED', { retryable: false }),
    );
  });
});
