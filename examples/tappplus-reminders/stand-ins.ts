/**
 * The third parties of TappPlus' reminders, on 127.0.0.1 for the example's test: Twilio's Messages
 * API (Basic auth with the account SID and token; numbers listed in `refuse` get Twilio's 21211),
 * Google's OAuth2 token endpoint (it verifies the service account's signed JWT) and FCM's
 * `messages:send` (it accepts only the access tokens it issued). Every accepted message is recorded.
 * The Relais nodes are pointed here with RELAIS_TWILIO_BASE_URL, RELAIS_GOOGLE_TOKEN_URL and
 * RELAIS_FCM_BASE_URL (the test server's `config.providerUrls`).
 */
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { importSPKI, jwtVerify } from 'jose';

export interface Sms {
  to: string;
  from: string;
  body: string;
}

export interface PushMessage {
  token: string;
  title: string;
  body: string;
  data: Record<string, string>;
  collapseKey?: string;
}

export interface Providers {
  url: string;
  sms: Sms[];
  push: PushMessage[];
  /** Requests refused (bad auth, refused number), as `<what>: <reason>`. */
  refused: string[];
  twilio: { accountSid: string; authToken: string };
  fcm: { projectId: string; clientEmail: string; privateKey: string; privateKeyId: string };
  close(): Promise<void>;
}

const GOOGLE_AUDIENCE = 'https://oauth2.googleapis.com/token';

export async function startProviders(opts: { refuse?: string[] } = {}): Promise<Providers> {
  const keys = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const twilio = { accountSid: 'AC0123456789abcdef0123456789abcdef', authToken: 'twilio-secret-token' };
  const fcm = {
    projectId: 'tappplus-demo',
    clientEmail: 'relais@tappplus-demo.iam.gserviceaccount.com',
    privateKey: keys.privateKey,
    privateKeyId: 'kid-1',
  };
  const sms: Sms[] = [];
  const push: PushMessage[] = [];
  const refused: string[] = [];
  const issued = new Set<string>();
  const refuse = new Set(opts.refuse ?? []);

  const reply = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };

  async function handle(req: IncomingMessage, body: string, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (req.method === 'POST' && path === `/2010-04-01/Accounts/${twilio.accountSid}/Messages.json`) {
      const basic = `Basic ${Buffer.from(`${twilio.accountSid}:${twilio.authToken}`).toString('base64')}`;
      if (req.headers.authorization !== basic) {
        refused.push('twilio: authentication');
        return reply(res, 401, { code: 20003, message: 'Authenticate', status: 401 });
      }
      const form = new URLSearchParams(body);
      const to = form.get('To') ?? '';
      if (refuse.has(to)) {
        refused.push(`twilio: ${to}`);
        return reply(res, 400, {
          code: 21211,
          message: `The 'To' number ${to} is not a valid phone number.`,
          status: 400,
        });
      }
      sms.push({ to, from: form.get('From') ?? '', body: form.get('Body') ?? '' });
      return reply(res, 201, { sid: `SM${String(sms.length).padStart(32, '0')}`, status: 'queued', to });
    }
    if (req.method === 'POST' && path === '/token') {
      const form = new URLSearchParams(body);
      try {
        await jwtVerify(form.get('assertion') ?? '', await importSPKI(keys.publicKey, 'RS256'), {
          audience: GOOGLE_AUDIENCE,
          issuer: fcm.clientEmail,
        });
      } catch (error) {
        refused.push(`google: ${(error as Error).message}`);
        return reply(res, 400, { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' });
      }
      const token = `ya29.tappplus-${issued.size + 1}`;
      issued.add(token);
      return reply(res, 200, { access_token: token, expires_in: 3599, token_type: 'Bearer' });
    }
    if (req.method === 'POST' && path === `/v1/projects/${fcm.projectId}/messages:send`) {
      const bearer = String(req.headers.authorization ?? '').replace(/^Bearer /, '');
      if (!issued.has(bearer)) {
        refused.push('fcm: authentication');
        return reply(res, 401, { error: { code: 401, status: 'UNAUTHENTICATED', message: 'invalid token' } });
      }
      const { message } = JSON.parse(body) as {
        message: {
          token: string;
          notification: { title: string; body: string };
          data?: Record<string, string>;
          android?: { collapse_key?: string };
        };
      };
      push.push({
        token: message.token,
        title: message.notification.title,
        body: message.notification.body,
        data: message.data ?? {},
        collapseKey: message.android?.collapse_key,
      });
      return reply(res, 200, { name: `projects/${fcm.projectId}/messages/0:${push.length}` });
    }
    reply(res, 404, { error: `no route ${req.method} ${path}` });
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      handle(req, Buffer.concat(chunks).toString('utf8'), res).catch((error) =>
        reply(res, 500, { error: String(error) }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    sms,
    push,
    refused,
    twilio,
    fcm,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
