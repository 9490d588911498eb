/**
 * A generic HTTP SMS gateway (the providers that are not Twilio: OVH, Swisscom, smsmode, a relay of
 * one's own...): the node fills `{to}`, `{from}` and `{message}` into the URL (URL-encoded) and the
 * body (as JSON string content, or form values), authenticates with an HTTP credential (header,
 * basic, bearer) and treats any 2xx as sent. The output item: `{ provider, to, status, response }`.
 */
import { NonRetryableError } from '../../engine/errors.js';
import type { JsonObject } from '../../engine/items.js';
import type { NodeContext } from '../sdk.js';
import { type ApiClient, statusError } from '../shared/api-call.js';
import type { SmsParams } from './params.js';

type Values = Record<'to' | 'from' | 'message', string>;

const PLACEHOLDER = /\{(to|from|message)\}/g;

function fill(template: string, values: Values, encode: (v: string) => string): string {
  return template.replace(PLACEHOLDER, (_m, name: keyof Values) => encode(values[name]));
}

/** The characters a value needs escaped inside a JSON string (quotes, backslashes, controls). */
const jsonString = (v: string) => JSON.stringify(v).slice(1, -1);

async function authHeaders(ctx: NodeContext<SmsParams>, p: SmsParams): Promise<Record<string, string>> {
  if (p.authentication === 'none') return {};
  const c = await ctx.getCredentials(p.authentication);
  const field = (name: string) => {
    const value = c[name];
    if (typeof value !== 'string' || value === '') {
      throw new NonRetryableError(`The ${p.authentication} credential has no '${name}'`, {
        code: 'INVALID_CREDENTIAL',
      });
    }
    return value;
  };
  if (p.authentication === 'httpHeaderAuth') return { [field('name').toLowerCase()]: field('value') };
  if (p.authentication === 'httpBearerAuth') return { authorization: `Bearer ${field('token')}` };
  const user = typeof c.user === 'string' ? c.user : '';
  return { authorization: `Basic ${Buffer.from(`${user}:${field('password')}`).toString('base64')}` };
}

export async function sendGateway(
  ctx: NodeContext<SmsParams>,
  api: ApiClient,
  p: SmsParams,
  itemIndex: number,
): Promise<JsonObject> {
  const values: Values = { to: p.to, from: p.from, message: p.message };
  let url: URL;
  try {
    url = new URL(fill(p.url, values, encodeURIComponent));
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
  } catch {
    throw new NonRetryableError(`Parameter 'URL' is not a valid http(s) URL`, {
      code: 'INVALID_PARAMETER',
      itemIndex,
      description: p.url === '' ? 'The URL of the SMS gateway is empty.' : `Got '${p.url}'.`,
    });
  }
  const auth = await authHeaders(ctx, p);
  const headers: Record<string, string> = {
    accept: 'application/json, text/plain;q=0.9, */*;q=0.8',
    ...auth,
  };
  let body: string | undefined;
  if (p.method !== 'GET') {
    if (p.bodyContentType === 'json') {
      body = fill(p.body, values, jsonString);
      try {
        JSON.parse(body);
      } catch (error) {
        throw new NonRetryableError(`Parameter 'Body' is not valid JSON once filled in`, {
          code: 'INVALID_PARAMETER',
          itemIndex,
          description: `${(error as Error).message}. Placeholders go inside strings: {"to":"{to}"}.`,
        });
      }
      headers['content-type'] = 'application/json';
    } else {
      body = fill(p.body, values, encodeURIComponent);
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
  }
  const res = await api.call(
    { method: p.method, url, headers, body, secretHeaders: Object.keys(auth) },
    itemIndex,
  );
  if (res.status < 200 || res.status >= 300) {
    throw statusError(
      res.status,
      res.status === 401 || res.status === 403
        ? 'The SMS gateway refused the credentials'
        : `The SMS gateway answered ${res.status}`,
      { code: 'SMS_GATEWAY_ERROR', body: res.text, itemIndex },
    );
  }
  return {
    provider: 'httpGateway',
    to: p.to,
    status: res.status,
    response: res.json ?? res.text,
  };
}
