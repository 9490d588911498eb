/**
 * Per-webhook authentication, failing closed (n8n `Webhook/utils.ts` `validateWebhookAuthentication`,
 * plus Relais' HMAC). Statuses as n8n: no usable credential on the node → 500, no auth data in the
 * request → 401, wrong auth data → 403. (n8n answers a missing header of `headerAuth` with 403;
 * Relais answers 401 for every mode, the HTTP meaning of "no credentials given".)
 *
 * Secrets are compared in constant time (SHA-256 of both sides, then `timingSafeEqual`, so neither
 * content nor length leaks through timing).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { importSPKI, importX509, jwtVerify } from 'jose';
import type { JsonObject } from '../../engine/items.js';
import type { WorkflowNode } from '../../engine/workflow.js';
import { WEBHOOK_CREDENTIALS, type WebhookParams } from '../../nodes/webhook.node.js';
import { HttpError } from '../http-error.js';

export type CredentialResolver = (node: WorkflowNode, type: string) => Promise<JsonObject>;

export interface AuthResult {
  /** n8n adds the verified JWT payload to the trigger item. */
  jwtPayload?: JsonObject;
  /** The request header that carried the secret: redacted in the trigger item. */
  secretHeader?: string;
}

export const REDACTED = '[redacted]';

const noCredential = () =>
  new HttpError(500, 'webhook_misconfigured', 'No authentication data defined on node!');
const missing = (message = 'Authorization data is missing') => new HttpError(401, 'unauthorized', message);
const wrong = (message = 'Authorization data is wrong!') => new HttpError(403, 'forbidden', message);

export function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}

async function credential(
  resolve: CredentialResolver,
  node: WorkflowNode,
  type: string,
): Promise<JsonObject> {
  try {
    return await resolve(node, type);
  } catch {
    throw noCredential();
  }
}

const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
};

/** Authentication decided by headers alone (everything but HMAC, which needs the body). */
export async function authenticateHeaders(
  params: WebhookParams,
  node: WorkflowNode,
  headers: IncomingHttpHeaders,
  resolve: CredentialResolver,
  now: Date,
): Promise<AuthResult> {
  switch (params.authentication) {
    case 'none':
    case 'hmac':
      return {};
    case 'basicAuth': {
      const cred = await credential(resolve, node, WEBHOOK_CREDENTIALS.basicAuth);
      if (typeof cred.user !== 'string' || !cred.user || typeof cred.password !== 'string' || !cred.password)
        throw noCredential();
      const given = parseBasic(header(headers, 'authorization'));
      // The ingress adds `WWW-Authenticate: Basic realm="Webhook"` to this 401.
      if (!given) throw missing();
      // Both compared, always: no early exit on a wrong user name.
      const userOk = safeEqual(given.user, cred.user);
      const passwordOk = safeEqual(given.password, cred.password);
      if (!userOk || !passwordOk) throw wrong();
      return { secretHeader: 'authorization' };
    }
    case 'headerAuth': {
      const cred = await credential(resolve, node, WEBHOOK_CREDENTIALS.headerAuth);
      if (typeof cred.name !== 'string' || !cred.name || typeof cred.value !== 'string' || !cred.value)
        throw noCredential();
      const given = header(headers, cred.name);
      if (given === undefined) throw missing(`Header '${cred.name}' is missing`);
      if (!safeEqual(given, cred.value)) throw wrong();
      return { secretHeader: cred.name.toLowerCase() };
    }
    case 'bearerAuth': {
      const cred = await credential(resolve, node, WEBHOOK_CREDENTIALS.bearerAuth);
      if (typeof cred.token !== 'string' || !cred.token) throw noCredential();
      const given = header(headers, 'authorization');
      if (given === undefined) throw missing();
      if (!safeEqual(given, `Bearer ${cred.token}`)) throw wrong();
      return { secretHeader: 'authorization' };
    }
    case 'jwtAuth':
      return verifyJwt(await credential(resolve, node, WEBHOOK_CREDENTIALS.jwtAuth), headers, now);
  }
}

function parseBasic(value: string | undefined): { user: string; password: string } | undefined {
  const m = value ? /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(value) : null;
  if (!m) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

async function verifyJwt(cred: JsonObject, headers: IncomingHttpHeaders, now: Date): Promise<AuthResult> {
  const algorithm = typeof cred.algorithm === 'string' && cred.algorithm ? cred.algorithm : 'HS256';
  let key: Uint8Array | Awaited<ReturnType<typeof importSPKI>>;
  try {
    if (cred.keyType === 'pemKey') {
      const pem = String(cred.publicKey ?? '').trim();
      if (!pem) throw noCredential();
      key = pem.includes('CERTIFICATE') ? await importX509(pem, algorithm) : await importSPKI(pem, algorithm);
    } else {
      if (typeof cred.secret !== 'string' || cred.secret === '') throw noCredential();
      key = new TextEncoder().encode(cred.secret);
    }
  } catch (error) {
    if (error instanceof HttpError) throw error;
    throw new HttpError(
      500,
      'webhook_misconfigured',
      `The jwtAuth credential's key cannot be used: ${(error as Error).message}`,
    );
  }
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header(headers, 'authorization') ?? '');
  if (!m) throw missing('No token provided');
  try {
    // Only the credential's algorithm: a token cannot choose `none` or switch HS/RS.
    const { payload } = await jwtVerify(m[1], key, { algorithms: [algorithm], currentDate: now });
    return { jwtPayload: payload as JsonObject, secretHeader: 'authorization' };
  } catch (error) {
    throw wrong((error as Error).message);
  }
}

export interface HmacCheck {
  /** Digest of the verified signature, for the replay store. */
  signatureId: string;
  /** When the signature stops being acceptable (its timestamp + tolerance). */
  validUntil: Date;
}

/**
 * HMAC of `<timestamp>.<raw body>` with the `hmacAuth` credential's secret, sent in
 * `hmac.header` (hex or base64, optionally prefixed `sha256=` / `v1=`), the timestamp (Unix
 * seconds, Unix milliseconds or ISO 8601, exactly as sent) in `hmac.timestampHeader`, refused
 * outside ± `toleranceSeconds` of now.
 */
export async function verifyHmac(
  params: WebhookParams,
  node: WorkflowNode,
  headers: IncomingHttpHeaders,
  raw: Buffer,
  resolve: CredentialResolver,
  now: Date,
): Promise<HmacCheck> {
  const cred = await credential(resolve, node, WEBHOOK_CREDENTIALS.hmac);
  if (typeof cred.secret !== 'string' || cred.secret === '') throw noCredential();
  const { header: sigName, timestampHeader, toleranceSeconds, algorithm, encoding } = params.hmac;
  const signature = header(headers, sigName);
  const stamp = header(headers, timestampHeader);
  if (!signature) throw missing(`Header '${sigName}' is missing`);
  if (!stamp) throw missing(`Header '${timestampHeader}' is missing`);
  const at = parseTimestamp(stamp);
  if (at === undefined) throw wrong(`Header '${timestampHeader}' is not a timestamp`);
  if (Math.abs(now.getTime() - at) > toleranceSeconds * 1000) {
    throw wrong(`The timestamp is outside the ${toleranceSeconds} s tolerance window`);
  }
  const expected = createHmac(algorithm, cred.secret).update(`${stamp}.`).update(raw).digest();
  const given = decodeSignature(signature, encoding);
  if (!given || given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw wrong('The signature does not match');
  }
  return {
    signatureId: createHash('sha256').update(expected).digest('hex'),
    validUntil: new Date(at + toleranceSeconds * 1000),
  };
}

export function parseTimestamp(value: string): number | undefined {
  const v = value.trim();
  if (/^\d{1,16}$/.test(v)) {
    const n = Number(v);
    // Seconds until the year 33658; beyond that it is milliseconds.
    return n < 1e12 ? n * 1000 : n;
  }
  if (!/^\d{4}-\d{2}-\d{2}T/.test(v)) return undefined;
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? undefined : ms;
}

function decodeSignature(value: string, encoding: 'hex' | 'base64'): Buffer | undefined {
  const bare = value.trim().replace(/^(sha1|sha256|sha512|v1)=/i, '');
  if (encoding === 'hex')
    return /^[0-9a-f]+$/i.test(bare) && bare.length % 2 === 0 ? Buffer.from(bare, 'hex') : undefined;
  return /^[A-Za-z0-9+/_-]+={0,2}$/.test(bare) ? Buffer.from(bare, 'base64') : undefined;
}
