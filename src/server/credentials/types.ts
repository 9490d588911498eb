/**
 * Credential types: the fields each kind of secret has, as a zod schema, under n8n's type and
 * field names so that an imported n8n workflow's `credentials: { smtp: { name } }` finds a Relais
 * credential of the same type and name, and nodes read the fields n8n's nodes read. The API
 * validates `data` with these schemas and lists them as JSON Schema for the UI's forms.
 */
import { z } from 'zod';

/** A field the UI shows as a password input. No field's value is ever returned, secret or not. */
const secret = (schema: z.ZodString = z.string()) => schema.meta({ format: 'password', writeOnly: true });
const port = (fallback: number) => z.number().int().min(1).max(65535).default(fallback);

export interface CredentialType {
  type: string;
  displayName: string;
  description: string;
  /** Validates `data` on write and fills defaults when a node reads the credential. */
  schema: z.ZodObject;
}

const define = (t: CredentialType): CredentialType => t;

export const credentialTypes: readonly CredentialType[] = [
  define({
    type: 'smtp',
    displayName: 'SMTP',
    description: 'An SMTP server to send e-mail through.',
    schema: z
      .object({
        host: z.string().min(1),
        port: port(465),
        /** TLS from the first byte (port 465); false = STARTTLS when the server offers it. */
        secure: z.boolean().default(true),
        user: z.string().optional(),
        password: secret().optional(),
        disableStartTls: z.boolean().default(false),
        /** Name given in HELO/EHLO. */
        hostName: z.string().optional(),
      })
      .strict(),
  }),
  define({
    type: 'httpHeaderAuth',
    displayName: 'Header Auth',
    description: 'Sends a header, e.g. `X-API-Key: <value>` or `Authorization: Bearer <token>`.',
    schema: z.object({ name: z.string().min(1), value: secret() }).strict(),
  }),
  define({
    type: 'httpBasicAuth',
    displayName: 'Basic Auth',
    description: 'HTTP Basic authentication.',
    schema: z.object({ user: z.string(), password: secret() }).strict(),
  }),
  define({
    type: 'httpBearerAuth',
    displayName: 'Bearer Auth',
    description: 'Sends `Authorization: Bearer <token>`.',
    schema: z.object({ token: secret(z.string().min(1)) }).strict(),
  }),
  define({
    type: 'httpQueryAuth',
    displayName: 'Query Auth',
    description: 'Adds a query parameter, e.g. `?api_key=<value>`.',
    schema: z.object({ name: z.string().min(1), value: secret() }).strict(),
  }),
  define({
    type: 'jwtAuth',
    displayName: 'JWT Auth',
    description:
      'Verifies (webhooks) or signs (Respond to Webhook) JSON Web Tokens: a shared passphrase (HS*) or PEM keys (RS*/ES*).',
    schema: z
      .object({
        keyType: z.enum(['passphrase', 'pemKey']).default('passphrase'),
        secret: secret().optional(),
        publicKey: z.string().optional(),
        privateKey: secret().optional(),
        algorithm: z
          .enum([
            'HS256',
            'HS384',
            'HS512',
            'RS256',
            'RS384',
            'RS512',
            'ES256',
            'ES384',
            'ES512',
            'PS256',
            'PS384',
            'PS512',
          ])
          .default('HS256'),
      })
      .strict()
      .refine((c) => (c.keyType === 'passphrase' ? !!c.secret : !!(c.publicKey || c.privateKey)), {
        message: 'a passphrase needs `secret`; PEM keys need `publicKey` (verify) or `privateKey` (sign)',
      }),
  }),
  define({
    type: 'hmacAuth',
    displayName: 'HMAC signature',
    description:
      "Verifies a webhook's HMAC signature of the raw body (with a timestamp window against replays).",
    schema: z.object({ secret: secret(z.string().min(16)) }).strict(),
  }),
  define({
    type: 'postgres',
    displayName: 'Postgres',
    description: 'A PostgreSQL database.',
    schema: z
      .object({
        host: z.string().min(1).default('localhost'),
        port: port(5432),
        database: z.string().min(1).default('postgres'),
        user: z.string().min(1).default('postgres'),
        password: secret().optional(),
        ssl: z.enum(['disable', 'allow', 'require', 'verify', 'verify-full']).default('disable'),
        allowUnauthorizedCerts: z.boolean().default(false),
      })
      .strict(),
  }),
  define({
    type: 'mySql',
    displayName: 'MySQL',
    description: 'A MySQL or MariaDB database.',
    schema: z
      .object({
        host: z.string().min(1).default('localhost'),
        port: port(3306),
        database: z.string().min(1).default('mysql'),
        user: z.string().min(1).default('mysql'),
        password: secret().optional(),
        ssl: z.boolean().default(false),
        connectTimeout: z.number().int().min(0).default(10_000),
      })
      .strict(),
  }),
  define({
    type: 'twilioApi',
    displayName: 'Twilio API',
    description: 'A Twilio account (SMS).',
    schema: z.object({ accountSid: z.string().min(1), authToken: secret(z.string().min(1)) }).strict(),
  }),
  define({
    type: 'fcmServiceAccount',
    displayName: 'Firebase Cloud Messaging (service account)',
    description:
      'A Google service account allowed to send FCM messages: its JSON key file, or its project id, e-mail and private key.',
    schema: z
      .object({
        projectId: z.string().min(1).optional(),
        clientEmail: z.string().min(1).optional(),
        privateKey: secret(z.string().min(1)).optional(),
        privateKeyId: z.string().optional(),
        /** The key file as downloaded from the Google Cloud console (project_id, client_email, private_key). */
        serviceAccountJson: secret(z.string().min(1)).optional(),
      })
      .strict()
      .superRefine((data, ctx) => {
        if (data.serviceAccountJson !== undefined) return;
        for (const field of ['projectId', 'clientEmail', 'privateKey'] as const) {
          if (data[field] === undefined) {
            ctx.addIssue({ code: 'custom', path: [field], message: 'required without serviceAccountJson' });
          }
        }
      }),
  }),
  define({
    type: 'oAuth2Api',
    displayName: 'OAuth2 API (client credentials)',
    description: 'OAuth2 client-credentials grant: the token is fetched from the token URL when needed.',
    schema: z
      .object({
        grantType: z.literal('clientCredentials').default('clientCredentials'),
        accessTokenUrl: z.url(),
        clientId: z.string().min(1),
        clientSecret: secret(z.string().min(1)),
        scope: z.string().default(''),
        /** Client id and secret in a Basic `Authorization` header, or in the request body. */
        authentication: z.enum(['header', 'body']).default('header'),
      })
      .strict(),
  }),
];

export class CredentialTypes {
  private readonly byType: Map<string, CredentialType>;

  constructor(types: readonly CredentialType[] = credentialTypes) {
    this.byType = new Map(types.map((t) => [t.type, t]));
  }

  get(type: string): CredentialType | undefined {
    return this.byType.get(type);
  }

  list(): CredentialType[] {
    return [...this.byType.values()];
  }
}

/** The fields of a type as JSON Schema (input side: defaults optional), for forms. */
export function credentialJsonSchema(t: CredentialType): Record<string, unknown> {
  const schema = z.toJSONSchema(t.schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  delete schema.$schema;
  return schema;
}
