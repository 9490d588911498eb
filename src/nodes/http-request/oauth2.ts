/**
 * OAuth2 client-credentials grant (n8n's `oAuth2Api` credential with grant type "Client
 * Credentials", through the `client-oauth2` library): POST `grant_type=client_credentials` (and
 * `scope`) to the token URL, the client id and secret in a Basic header or in the body. The token
 * is cached per credential until shortly before it expires, shared by concurrent items (one token
 * request for fifty items) and by later executions; a 401 drops it so the next attempt fetches a
 * new one.
 */
import { createHash } from 'node:crypto';
import { NodeError, NonRetryableError } from '../../engine/errors.js';
import { truncate } from './errors.js';

export interface ClientCredentials {
  accessTokenUrl: string;
  clientId: string;
  clientSecret: string;
  scope: string;
  authentication: 'header' | 'body';
}

/** A POST the token request goes through (the node's transport: SSRF guard, TLS options, timeout). */
export type TokenPost = (
  url: URL,
  headers: Record<string, string>,
  body: string,
) => Promise<{ status: number; text: string }>;

interface Entry {
  token: Promise<string>;
  /** The token once received. */
  value?: string;
  /** Epoch ms after which the token is not used any more (Infinity: until a 401). */
  expiresAt: number;
}

/** Tokens by credential (a hash of its fields: the secret is never a key in memory dumps). */
export class TokenCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly limit = 500,
    private readonly now: () => number = Date.now,
  ) {}

  async token(credentials: ClientCredentials, post: TokenPost): Promise<string> {
    const key = cacheKey(credentials);
    const hit = this.entries.get(key);
    if (hit && hit.expiresAt > this.now()) return hit.token;
    const entry: Entry = { token: Promise.resolve(''), expiresAt: Number.POSITIVE_INFINITY };
    entry.token = requestToken(credentials, post).then(
      ({ token, expiresIn }) => {
        entry.value = token;
        if (expiresIn !== undefined) entry.expiresAt = this.now() + refreshAfter(expiresIn);
        return token;
      },
      (error: unknown) => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
        throw error;
      },
    );
    this.entries.delete(key);
    if (this.entries.size >= this.limit) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, entry);
    return entry.token;
  }

  /** Forgets the token of a credential (the API answered 401 with it). */
  invalidate(credentials: ClientCredentials, token: string): void {
    const key = cacheKey(credentials);
    // Only the entry that produced the rejected token: a fresher one fetched meanwhile stays.
    if (this.entries.get(key)?.value === token) this.entries.delete(key);
  }
}

/** The process-wide cache the node uses (tokens outlive one execution, as in n8n's credential). */
export const sharedTokenCache = new TokenCache();

function cacheKey(c: ClientCredentials): string {
  return createHash('sha256')
    .update(JSON.stringify([c.accessTokenUrl, c.clientId, c.clientSecret, c.scope, c.authentication]))
    .digest('hex');
}

/** Refresh 30 s early (or at half-life for short-lived tokens). */
function refreshAfter(expiresInSeconds: number): number {
  const margin = Math.min(30, expiresInSeconds / 2);
  return Math.max(0, (expiresInSeconds - margin) * 1000);
}

async function requestToken(
  c: ClientCredentials,
  post: TokenPost,
): Promise<{ token: string; expiresIn?: number }> {
  const form = new URLSearchParams({ grant_type: 'client_credentials' });
  if (c.scope.trim() !== '') form.set('scope', c.scope.trim());
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  };
  if (c.authentication === 'body') {
    form.set('client_id', c.clientId);
    form.set('client_secret', c.clientSecret);
  } else {
    // client-oauth2 (used by n8n) joins id and secret without form-encoding them.
    headers.authorization = `Basic ${Buffer.from(`${c.clientId}:${c.clientSecret}`).toString('base64')}`;
  }
  let url: URL;
  try {
    url = new URL(c.accessTokenUrl);
  } catch {
    throw new NonRetryableError(`The OAuth2 credential's access token URL is not a valid URL`, {
      code: 'INVALID_CREDENTIAL',
    });
  }
  const { status, text } = await post(url, headers, form.toString());
  if (status < 200 || status >= 300) {
    const ErrorType = status === 400 || status === 401 || status === 403 ? NonRetryableError : NodeError;
    throw new ErrorType('Could not get an OAuth2 access token', {
      code: 'OAUTH2_TOKEN_ERROR',
      httpStatus: status,
      description: `${url.origin}${url.pathname} answered ${status} - ${truncate(text)}`,
    });
  }
  let body: { access_token?: unknown; expires_in?: unknown };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    // Some servers answer urlencoded (GitHub-style).
    body = Object.fromEntries(new URLSearchParams(text));
  }
  if (typeof body.access_token !== 'string' || body.access_token === '') {
    throw new NodeError('Could not get an OAuth2 access token', {
      code: 'OAUTH2_TOKEN_ERROR',
      description: `The token response has no access_token: ${truncate(text, 300)}`,
    });
  }
  const expiresIn = Number(body.expires_in);
  return {
    token: body.access_token,
    expiresIn: Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : undefined,
  };
}
