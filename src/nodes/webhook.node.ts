/**
 * Webhook trigger, n8n `n8n-nodes-base.webhook` v2.1 (`packages/nodes-base/nodes/Webhook/Webhook.node.ts`,
 * `description.ts`, `utils.ts`). The HTTP side (route matching, body parsing, authentication,
 * responses) lives in src/server/webhook; this node only hands on the trigger item the ingress built
 * (`{ headers, params, query, body, webhookUrl, executionMode }`), on the output of the request's
 * method when several methods are configured (n8n's `setupOutputConnection`).
 *
 * Parameters have n8n's v2 names and defaults, plus Relais options at the top level:
 * `immediateResponse`, `idempotency`, `rateLimit`, `hmac`, `maxBody`, `responseTimeout`.
 */
import { z } from 'zod';
import type { Item } from '../engine/items.js';
import { defineNode } from './sdk.js';

export const HTTP_METHODS = ['DELETE', 'GET', 'HEAD', 'PATCH', 'POST', 'PUT'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** Credential types by authentication mode (n8n's names, plus Relais' `hmacAuth`). */
export const WEBHOOK_CREDENTIALS = {
  basicAuth: 'httpBasicAuth',
  headerAuth: 'httpHeaderAuth',
  bearerAuth: 'httpBearerAuth',
  jwtAuth: 'jwtAuth',
  hmac: 'hmacAuth',
} as const;

const toText = (v: unknown): unknown => (typeof v === 'number' || typeof v === 'boolean' ? String(v) : v);

const headerEntries = z
  .object({
    entries: z
      .array(
        z.object({ name: z.preprocess(toText, z.string()), value: z.preprocess(toText, z.string()) }).loose(),
      )
      .default([]),
  })
  .loose();

/** n8n's `options` collection (v2). Unknown options of newer n8n versions pass through. */
const webhookOptions = z
  .object({
    rawBody: z.boolean().default(false),
    binaryPropertyName: z.string().min(1).default('data'),
    responseHeaders: headerEntries.optional(),
    /** Comma-separated origins allowed by CORS; `*` (n8n's default) reflects any origin. */
    allowedOrigins: z.string().default('*'),
    /** Comma-separated IP addresses or CIDR ranges; empty = any. */
    ipWhitelist: z.string().default(''),
    noResponseBody: z.boolean().default(false),
    responsePropertyName: z.string().optional(),
    responseContentType: z.string().optional(),
    /** `onReceived` only: a custom body to answer with instead of n8n's message. */
    responseData: z.string().optional(),
    /** v2: `{ values: { responseCode: 200 | 'customCode', customCode } }`. */
    responseCode: z
      .object({
        values: z
          .object({
            responseCode: z.union([z.number().int(), z.literal('customCode')]).default(200),
            customCode: z.number().int().optional(),
          })
          .loose()
          .optional(),
      })
      .loose()
      .optional(),
    ignoreBots: z.boolean().default(false),
  })
  .loose();

const idempotencySchema = z
  .object({
    enabled: z.boolean().default(true),
    /** Request header carrying the key. */
    header: z.string().min(1).default('Idempotency-Key'),
    /** Dotted path of a body field carrying the key (used when the header is absent). */
    bodyField: z.string().min(1).optional(),
    /** How long a key is remembered. */
    windowSeconds: z
      .number()
      .int()
      .min(1)
      .max(30 * 86_400)
      .default(86_400),
  })
  .strict();

const hmacSchema = z
  .object({
    header: z.string().min(1).default('X-Signature'),
    timestampHeader: z.string().min(1).default('X-Timestamp'),
    toleranceSeconds: z.number().int().min(1).max(86_400).default(300),
    algorithm: z.enum(['sha256', 'sha512', 'sha1']).default('sha256'),
    encoding: z.enum(['hex', 'base64']).default('hex'),
  })
  .strict();

const sizeSchema = z.union([
  z.number().int().positive(),
  z
    .string()
    .regex(/^\d+(\.\d+)?\s*(b|kb|mb|gb)?$/i, 'a size such as 16mb, 512kb or 1048576')
    .transform(parseSize),
]);

export const webhookParams = z
  .object({
    multipleMethods: z.boolean().default(false),
    httpMethod: z.union([z.enum(HTTP_METHODS), z.array(z.enum(HTTP_METHODS)).min(1)]).default('GET'),
    /** May hold `:params`; a path with parameters is served under `<webhookId>/<path>` when the node has a webhookId. */
    path: z.string().default(''),
    authentication: z
      .enum(['none', 'basicAuth', 'headerAuth', 'bearerAuth', 'jwtAuth', 'hmac'])
      .default('none'),
    responseMode: z.enum(['onReceived', 'lastNode', 'responseNode', 'streaming']).default('onReceived'),
    /** v1 only (v2 reads `options.responseCode`). */
    responseCode: z.number().int().min(100).max(599).optional(),
    responseData: z
      .enum(['allEntries', 'firstEntryJson', 'firstEntryBinary', 'noData'])
      .default('firstEntryJson'),
    responseBinaryPropertyName: z.string().min(1).default('data'),
    options: webhookOptions.prefault({}),
    /**
     * Relais: what `onReceived` answers. `workflowStarted` (the default, so imported n8n workflows
     * behave as in n8n) = 200 `{"message":"Workflow was started"}`; `runId` = 202 `{ runId }`.
     */
    immediateResponse: z.enum(['workflowStarted', 'runId']).default('workflowStarted'),
    /** Relais: the same key within the window returns the first run's answer and starts nothing. */
    idempotency: idempotencySchema.prefault({}),
    /** Relais: requests per minute for this webhook; 0 = unlimited (the default). */
    rateLimit: z.number().int().min(0).default(0),
    /** Relais: HMAC signature settings (secret from the `hmacAuth` credential). */
    hmac: hmacSchema.prefault({}),
    /** Relais: body size limit for this webhook (default: RELAIS_MAX_BODY). */
    maxBody: sizeSchema.optional(),
    /** Relais: seconds a `lastNode`/`responseNode` caller waits before a 504 (default: server setting). */
    responseTimeout: z.number().int().min(1).max(3600).optional(),
  })
  .loose();

export type WebhookParams = z.output<typeof webhookParams>;

/**
 * What the ingress hands the engine: an item plus the request method, kept beside `json` (not in
 * it, so `$json` has exactly n8n's keys) for routing to the per-method outputs.
 */
export interface WebhookTriggerItem extends Item {
  requestMethod?: HttpMethod;
}

export function webhookMethods(params: Pick<WebhookParams, 'httpMethod'>): HttpMethod[] {
  return Array.isArray(params.httpMethod) ? [...params.httpMethod] : [params.httpMethod];
}

/** n8n's getResponseCode: v1's top-level code, else v2's option (custom code first), else none. */
export function configuredResponseCode(params: WebhookParams): number | undefined {
  if (params.responseCode) return params.responseCode;
  const values = params.options.responseCode?.values;
  if (!values) return undefined;
  if (values.customCode) return values.customCode;
  return typeof values.responseCode === 'number' ? values.responseCode : undefined;
}

export function parseSize(value: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?$/i.exec(value.trim());
  if (!m) throw new RangeError(`not a size: ${value}`);
  const unit = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[(m[2] ?? 'b').toLowerCase() as 'b'];
  return Math.round(Number(m[1]) * unit);
}

export const webhookNode = defineNode({
  type: 'webhook',
  version: 2.1,
  displayName: 'Webhook',
  description: 'Starts the workflow when a webhook is called',
  group: 'trigger',
  replaySafe: true,
  params: webhookParams,
  inputs: 0,
  outputs: (params) => (Array.isArray(params.httpMethod) ? [...params.httpMethod] : ['main']),
  credentials: [
    { name: 'httpBasicAuth' },
    { name: 'httpHeaderAuth' },
    { name: 'httpBearerAuth' },
    { name: 'jwtAuth' },
    { name: 'hmacAuth' },
  ],
  execute(ctx) {
    const raw = ctx.node.parameters.httpMethod;
    const items = ctx.items.map((item) => toOutputItem(item as WebhookTriggerItem));
    if (!Array.isArray(raw)) return [items];
    const methods = webhookMethods(ctx.getParams(0));
    const outputs: Item[][] = methods.map(() => []);
    ctx.items.forEach((item, i) => {
      const method = (item as WebhookTriggerItem).requestMethod;
      const index = method ? methods.indexOf(method) : 0;
      outputs[Math.max(index, 0)].push(items[i]);
    });
    return outputs;
  },
});

function toOutputItem(item: WebhookTriggerItem): Item {
  const out: Item = { json: item.json };
  if (item.binary) out.binary = item.binary;
  return out;
}
