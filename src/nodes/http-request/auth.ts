/**
 * Authentication of the HTTP Request node (n8n v4): `genericCredentialType` with `genericAuthType`
 * httpBasicAuth, httpHeaderAuth, httpQueryAuth, httpBearerAuth or oAuth2Api (client credentials),
 * or `predefinedCredentialType` with `nodeCredentialType` — Relais supports the same types there,
 * plus twilioApi (Basic with the account SID and auth token). Anything else is refused with a clear
 * error rather than sent unauthenticated. Credentials are read through `ctx.getCredentials(type)`
 * once per execution, with n8n's field names.
 */
import { NonRetryableError } from '../../engine/errors.js';
import type { JsonObject } from '../../engine/items.js';
import type { NodeContext } from '../sdk.js';
import type { TokenCache } from '../shared/token-cache.js';
import { type ClientCredentials, clientCredentialsToken, type TokenPost } from './oauth2.js';
import type { HttpParams } from './params.js';
import { type RequestSpec, setHeader, text } from './request.js';

export const SUPPORTED_TYPES = [
  'httpBasicAuth',
  'httpHeaderAuth',
  'httpQueryAuth',
  'httpBearerAuth',
  'oAuth2Api',
] as const;
const PREDEFINED_EXTRA = ['twilioApi'] as const;

type Credential =
  | { type: 'httpBasicAuth' | 'twilioApi'; user: string; password: string }
  | { type: 'httpHeaderAuth' | 'httpQueryAuth'; name: string; value: string }
  | { type: 'httpBearerAuth'; token: string }
  | { type: 'oAuth2Api'; client: ClientCredentials };

/** Applies a credential to a request; OAuth2 can drop a token the API rejected and try again once. */
export interface Authenticator {
  apply(spec: RequestSpec): Promise<void>;
  /** After a 401: forget the token used for `spec`; true when a retry may succeed. */
  rejected(spec: RequestSpec): Promise<boolean>;
}

const NONE: Authenticator = { apply: async () => {}, rejected: async () => false };

function field(data: JsonObject, type: string, name: string, required = true): string {
  const value = data[name];
  if ((value === undefined || value === null || value === '') && required) {
    throw new NonRetryableError(`The ${type} credential has no '${name}'`, { code: 'INVALID_CREDENTIAL' });
  }
  return text(value);
}

function unsupported(kind: string, type: string, supported: readonly string[]): NonRetryableError {
  return new NonRetryableError(`The ${kind} '${type}' is not supported by the HTTP Request node`, {
    code: 'UNSUPPORTED_CREDENTIAL',
    description: `Supported: ${supported.join(', ')}.`,
  });
}

/** Which credential type the parameters ask for (undefined: none). */
export function credentialType(p: HttpParams): string | undefined {
  if (p.authentication === 'none') return undefined;
  if (p.authentication === 'genericCredentialType') {
    const type = p.genericAuthType;
    if (!type) {
      throw new NonRetryableError("Invalid parameter 'genericAuthType': choose a generic auth type", {
        code: 'INVALID_PARAMETER',
      });
    }
    if (!(SUPPORTED_TYPES as readonly string[]).includes(type))
      throw unsupported('generic auth type', type, SUPPORTED_TYPES);
    return type;
  }
  const type = p.nodeCredentialType;
  const supported = [...SUPPORTED_TYPES, ...PREDEFINED_EXTRA];
  if (!type) {
    throw new NonRetryableError("Invalid parameter 'nodeCredentialType': choose a credential type", {
      code: 'INVALID_PARAMETER',
    });
  }
  if (!supported.includes(type as (typeof supported)[number]))
    throw unsupported('credential type', type, supported);
  return type;
}

async function load(ctx: NodeContext<unknown>, type: string): Promise<Credential> {
  let data: JsonObject;
  try {
    data = await ctx.getCredentials(type);
  } catch (error) {
    throw new NonRetryableError(`Node '${ctx.node.name}' has no credential of type '${type}'`, {
      code: 'CREDENTIAL_MISSING',
      description: (error as Error).message,
      cause: error,
    });
  }
  switch (type) {
    case 'httpBasicAuth':
      return { type, user: field(data, type, 'user', false), password: field(data, type, 'password', false) };
    case 'twilioApi':
      return { type, user: field(data, type, 'accountSid'), password: field(data, type, 'authToken') };
    case 'httpHeaderAuth':
    case 'httpQueryAuth':
      return { type, name: field(data, type, 'name'), value: field(data, type, 'value', false) };
    case 'httpBearerAuth':
      return { type, token: field(data, type, 'token') };
    default: {
      const grant = data.grantType ?? 'clientCredentials';
      if (grant !== 'clientCredentials') {
        throw new NonRetryableError(`The oAuth2Api credential uses the grant type '${text(grant)}'`, {
          code: 'UNSUPPORTED_CREDENTIAL',
          description: 'The HTTP Request node supports the client credentials grant.',
        });
      }
      const authentication = data.authentication === 'body' ? 'body' : 'header';
      return {
        type: 'oAuth2Api',
        client: {
          accessTokenUrl: field(data, type, 'accessTokenUrl'),
          clientId: field(data, type, 'clientId'),
          clientSecret: field(data, type, 'clientSecret'),
          scope: field(data, type, 'scope', false),
          authentication,
        },
      };
    }
  }
}

/**
 * The authenticator for an execution. Credentials load lazily (an execution with no items never
 * asks for them) and once, whatever the number of items.
 */
export function authenticatorFor(
  ctx: NodeContext<unknown>,
  type: string | undefined,
  tokens: { cache: TokenCache; post: TokenPost },
): Authenticator {
  if (type === undefined) return NONE;
  let loaded: Promise<Credential> | undefined;
  const credential = () => {
    loaded ??= load(ctx, type);
    return loaded;
  };
  const used = new WeakMap<RequestSpec, string>();
  return {
    async apply(spec) {
      const c = await credential();
      switch (c.type) {
        case 'httpBasicAuth':
        case 'twilioApi':
          setHeader(
            spec.headers,
            'authorization',
            `Basic ${Buffer.from(`${c.user}:${c.password}`).toString('base64')}`,
          );
          spec.secretHeaders.push('authorization');
          return;
        case 'httpHeaderAuth':
          setHeader(spec.headers, c.name, c.value);
          spec.secretHeaders.push(c.name.toLowerCase());
          return;
        case 'httpQueryAuth':
          spec.query[c.name] = c.value;
          spec.secretQuery.push(c.name);
          return;
        case 'httpBearerAuth':
          setHeader(spec.headers, 'authorization', `Bearer ${c.token}`);
          spec.secretHeaders.push('authorization');
          return;
        case 'oAuth2Api': {
          const token = await clientCredentialsToken(tokens.cache, c.client, tokens.post);
          used.set(spec, token);
          setHeader(spec.headers, 'authorization', `Bearer ${token}`);
          spec.secretHeaders.push('authorization');
          return;
        }
      }
    },
    async rejected(spec) {
      const token = used.get(spec);
      if (token === undefined || loaded === undefined) return false;
      const c = await loaded;
      if (c.type === 'oAuth2Api') tokens.cache.invalidate(token);
      return true;
    },
  };
}
