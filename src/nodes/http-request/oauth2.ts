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
import { type FetchedToken, TokenCache } from '../shared/token-cache.js';
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

/**
 * The token of a client-credentials credential, from `cache` or from its token URL (`post`). The
 * node's cache is process-wide: tokens outlive one execution, as in n8n's credential.
 */
export function clientCredentialsToken(
  cache: TokenCache,
  credentials: ClientCredentials,
  post: TokenPost,
): Promise<string> {
  return cache.token(cacheKey(credentials), () => requestToken(credentials, post));
}

/** The process-wide cache the node uses; tokens are renewed 30 s before they expire. */
export const sharedTokenCache = new TokenCache({ limit: 500, renewEarlySeconds: 30 });

/** Tokens by credential: a hash of its fields. */
function cacheKey(c: ClientCredentials): string {
  return createHash('sha256')
    .update(JSON.stringify([c.accessTokenUrl, c.clientId, c.clientSecret, c.scope, c.authentication]))
    .digest('hex');
}

async function requestToken(c: ClientCredentials, post: TokenPost): Promise<FetchedToken> {
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
