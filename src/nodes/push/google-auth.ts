/**
 * OAuth2 access tokens for a Google service account (the "JWT bearer" grant, RFC 7523, as Google's
 * auth libraries do it): sign a JWT with the account's private key (RS256; `iss` = the account's
 * e-mail, `scope`, `aud` = Google's token endpoint, one hour of validity), POST it to the token
 * endpoint, use the `access_token` until shortly before `expires_in` runs out. Tokens are cached
 * per service account and shared by concurrent items (one token request for a thousand pushes);
 * an API answering 401 makes the next call fetch a new one.
 *
 * `RELAIS_GOOGLE_TOKEN_URL` replaces where the JWT is POSTed (tests; the node passes its setting,
 * src/nodes/settings.ts, as `tokenUrl`); the JWT's `aud` stays Google's token URL, which is what
 * Google checks.
 */
import { createHash } from 'node:crypto';
import { importPKCS8, SignJWT } from 'jose';
import { NodeError, NonRetryableError } from '../../engine/errors.js';
import type { JsonObject } from '../../engine/items.js';
import { truncate } from '../http-request/errors.js';
import type { ApiClient } from '../shared/api-call.js';
import { TokenCache } from '../shared/token-cache.js';

export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
export const FCM_SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';

export interface ServiceAccount {
  projectId: string;
  clientEmail: string;
  privateKey: string;
  privateKeyId?: string;
}

function invalid(message: string): NonRetryableError {
  return new NonRetryableError(message, {
    code: 'INVALID_CREDENTIAL',
    description:
      "Paste the service account's JSON key file, or its project_id, client_email and private_key.",
  });
}

/** The service account in an `fcmServiceAccount` credential: its fields, or the JSON key file pasted whole. */
export function serviceAccount(data: JsonObject): ServiceAccount {
  let source: Record<string, unknown> = data;
  if (typeof data.serviceAccountJson === 'string' && data.serviceAccountJson.trim() !== '') {
    try {
      const file = JSON.parse(data.serviceAccountJson) as Record<string, unknown>;
      source = {
        projectId: data.projectId || file.project_id,
        clientEmail: file.client_email,
        privateKey: file.private_key,
        privateKeyId: file.private_key_id,
      };
    } catch {
      throw invalid('The service account JSON of the credential is not valid JSON');
    }
  }
  const str = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
  const account: ServiceAccount = {
    projectId: str(source.projectId),
    clientEmail: str(source.clientEmail),
    // Keys pasted from a JSON file often keep their `\n` escapes.
    privateKey: str(source.privateKey).replace(/\\n/g, '\n'),
    ...(str(source.privateKeyId) !== '' && { privateKeyId: str(source.privateKeyId) }),
  };
  for (const field of ['projectId', 'clientEmail', 'privateKey'] as const) {
    if (account[field] === '') throw invalid(`The service account credential has no '${field}'`);
  }
  if (!account.privateKey.includes('-----BEGIN PRIVATE KEY-----')) {
    throw invalid("The service account's private key is not a PEM PKCS#8 key (-----BEGIN PRIVATE KEY-----)");
  }
  return account;
}

/**
 * The access token of `account` for `scope`, from `cache` or from Google's token endpoint
 * (`tokenUrl`, through `api`).
 */
export function googleAccessToken(
  cache: TokenCache,
  account: ServiceAccount,
  scope: string,
  api: ApiClient,
  itemIndex?: number,
  tokenUrl: string = GOOGLE_TOKEN_URL,
): Promise<string> {
  const key = createHash('sha256')
    .update(JSON.stringify([account.clientEmail, account.privateKey, scope, tokenUrl]))
    .digest('hex');
  return cache.token(key, () => fetchToken(account, scope, api, tokenUrl, cache.now(), itemIndex));
}

/** The cache the Push node uses: tokens outlive one execution (they last an hour). */
export const sharedGoogleTokens = new TokenCache({ limit: 200, renewEarlySeconds: 60 });

async function fetchToken(
  account: ServiceAccount,
  scope: string,
  api: ApiClient,
  tokenUrl: string,
  nowMs: number,
  itemIndex?: number,
): Promise<{ token: string; expiresIn: number }> {
  let assertion: string;
  try {
    const key = await importPKCS8(account.privateKey, 'RS256');
    const iat = Math.floor(nowMs / 1000);
    assertion = await new SignJWT({ scope })
      .setProtectedHeader({
        alg: 'RS256',
        typ: 'JWT',
        ...(account.privateKeyId && { kid: account.privateKeyId }),
      })
      .setIssuer(account.clientEmail)
      .setAudience(GOOGLE_TOKEN_URL)
      .setIssuedAt(iat)
      .setExpirationTime(iat + 3600)
      .sign(key);
  } catch (error) {
    throw invalid(`The service account's private key cannot sign: ${(error as Error).message}`);
  }
  const res = await api.call(
    {
      method: 'POST',
      url: new URL(tokenUrl),
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({
        grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
        assertion,
      }).toString(),
    },
    itemIndex,
  );
  const body = (res.json ?? {}) as {
    access_token?: unknown;
    expires_in?: unknown;
    error?: unknown;
    error_description?: unknown;
  };
  if (
    res.status < 200 ||
    res.status >= 300 ||
    typeof body.access_token !== 'string' ||
    body.access_token === ''
  ) {
    // 400/401 (invalid_grant: wrong key, revoked account, clock skew) will not heal by retrying.
    const ErrorType =
      res.status === 400 || res.status === 401 || res.status === 403 ? NonRetryableError : NodeError;
    const reason =
      typeof body.error_description === 'string'
        ? body.error_description
        : typeof body.error === 'string'
          ? body.error
          : '';
    throw new ErrorType(`Google refused the service account${reason ? `: ${reason}` : ''}`, {
      code: 'GOOGLE_TOKEN_ERROR',
      httpStatus: res.status >= 200 && res.status < 300 ? undefined : res.status,
      itemIndex,
      description: `${res.status} - ${truncate(res.text || '(empty body)')}`,
    });
  }
  const expiresIn = Number(body.expires_in);
  return {
    token: body.access_token,
    expiresIn: Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : 3600,
  };
}
