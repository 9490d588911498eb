/**
 * The trigger item a webhook request becomes, as n8n builds it (`Webhook.node.ts` +
 * `setupOutputConnection`): `{ headers, params, query, body, webhookUrl, executionMode }`, plus
 * `jwtPayload` with JWT auth. Each field has one source — the body only ever fills `body` (and
 * `binary` for files) — so a body carrying `headers`, `params`, `query`, `binary` or `__proto__`
 * keys stays data inside `body`.
 *
 * Two deliberate differences from n8n, both about secrets reaching run history: the header that
 * carried the webhook's secret (Authorization, X-API-Key...) is redacted, and Relais' own session
 * cookies are removed (n8n removes its auth cookie the same way).
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { JsonObject } from '../../engine/items.js';
import type { WebhookParams, WebhookTriggerItem } from '../../nodes/webhook.node.js';
import type { WebhookMatch } from '../../triggers/webhook.js';
import { REFRESH_COOKIE, SESSION_COOKIE } from '../auth/cookies.js';
import { type AuthResult, REDACTED } from './auth.js';
import type { ParsedBody } from './body.js';

export interface ItemSource {
  request: { headers: IncomingHttpHeaders; query: unknown; method: string };
  match: WebhookMatch;
  parsed: ParsedBody;
  auth: AuthResult;
  kind: 'production' | 'test';
  publicUrl: string;
}

const OWN_COOKIES = new Set([SESSION_COOKIE, REFRESH_COOKIE]);

export function buildTriggerItem(src: ItemSource): WebhookTriggerItem {
  const reg = src.match.registration;
  const headers = plain(src.request.headers);
  if (src.auth.secretHeader && Object.hasOwn(headers, src.auth.secretHeader)) {
    define(headers, src.auth.secretHeader, REDACTED);
  }
  if (typeof headers.cookie === 'string') {
    const kept = headers.cookie
      .split(';')
      .map((c) => c.trim())
      .filter((c) => c !== '' && !OWN_COOKIES.has(c.split('=')[0]));
    if (kept.length > 0) headers.cookie = kept.join('; ');
    else delete headers.cookie;
  }
  const json: JsonObject = {
    headers,
    params: plain(src.match.params),
    query: plain(src.request.query),
    body: src.parsed.body,
    webhookUrl: `${src.publicUrl}/${src.kind === 'test' ? 'webhook-test' : 'webhook'}/${reg.path}`,
    executionMode: src.kind === 'test' ? 'test' : 'production',
  };
  if (src.auth.jwtPayload) json.jwtPayload = src.auth.jwtPayload;
  const item: WebhookTriggerItem = { json };
  if (src.parsed.binary) item.binary = src.parsed.binary;
  if (reg.methods.length > 1 || Array.isArray(reg.params.httpMethod)) {
    item.requestMethod = src.request.method as WebhookTriggerItem['requestMethod'];
  }
  return item;
}

/** The idempotency key: the configured header, else the configured body field; undefined when neither is there. */
export function idempotencyKey(
  headers: IncomingHttpHeaders,
  body: unknown,
  settings: WebhookParams['idempotency'],
): string | undefined {
  const fromHeader = headers[settings.header.toLowerCase()];
  const value = Array.isArray(fromHeader) ? fromHeader[0] : fromHeader;
  if (typeof value === 'string' && value.trim() !== '') return value.trim().slice(0, 255);
  if (!settings.bodyField) return undefined;
  let current: unknown = body;
  for (const part of settings.bodyField.split('.')) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, part)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  if (typeof current === 'string' && current !== '') return current.slice(0, 255);
  if (typeof current === 'number' && Number.isFinite(current)) return String(current);
  return undefined;
}

/** A plain, own-properties-only copy (Node's header and query objects have no prototype). */
function plain(value: unknown): JsonObject {
  const out: JsonObject = {};
  if (value === null || typeof value !== 'object') return out;
  for (const [key, v] of Object.entries(value)) define(out, key, Array.isArray(v) ? [...v] : v);
  return out;
}

function define(target: JsonObject, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
