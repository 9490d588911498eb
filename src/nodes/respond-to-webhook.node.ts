/**
 * Respond to Webhook, n8n `n8n-nodes-base.respondToWebhook` v1.5
 * (`packages/nodes-base/nodes/RespondToWebhook/RespondToWebhook.node.ts`, `utils/outputs.ts`).
 * Builds the HTTP answer for the webhook that started the run from the FIRST input item (n8n runs
 * it once) and returns it as a `respond` command: the engine hands it to the waiting caller and
 * the run goes on with the input items (plus, with `enableResponseOutput`, a second output holding
 * `{ response }`, as n8n ≥ 1.4 does).
 *
 * Bodies: an object/array → JSON; a string → text; a Buffer → bytes (binary); undefined → empty.
 * The ingress picks the content type when no `content-type` header is set.
 */
import { importPKCS8, SignJWT } from 'jose';
import { z } from 'zod';
import { NodeError, NonRetryableError } from '../engine/errors.js';
import type { Item, JsonObject } from '../engine/items.js';
import { defineNode, type NodeCommand, type NodeContext } from './sdk.js';
import { isForbiddenKey } from './shared/fields.js';

const toText = (v: unknown): unknown => (typeof v === 'number' || typeof v === 'boolean' ? String(v) : v);

const options = z
  .object({
    /** Defaults to 200 (307 for a redirect). */
    responseCode: z.coerce.number().int().min(100).max(599).optional(),
    responseHeaders: z
      .object({
        entries: z
          .array(
            z
              .object({ name: z.preprocess(toText, z.string()), value: z.preprocess(toText, z.string()) })
              .loose(),
          )
          .default([]),
      })
      .loose()
      .optional(),
    /** Puts the items (or first item) under this field of the response (dotted path). */
    responseKey: z.string().optional(),
  })
  .loose();

const params = z
  .object({
    enableResponseOutput: z.boolean().default(false),
    respondWith: z
      .enum(['allIncomingItems', 'binary', 'firstIncomingItem', 'json', 'jwt', 'noData', 'redirect', 'text'])
      .default('firstIncomingItem'),
    redirectURL: z.string().default(''),
    /** JSON text or an object for `json`; text for `text`. */
    responseBody: z.unknown().default('{\n  "myField": "value"\n}'),
    payload: z.unknown().default('{\n  "myField": "value"\n}'),
    responseDataSource: z.enum(['automatically', 'set']).default('automatically'),
    inputFieldName: z.string().default('data'),
    options: options.prefault({}),
  })
  .loose();

type Params = z.output<typeof params>;
type Response = Extract<NodeCommand, { kind: 'respond' }>['response'];

export const respondToWebhookNode = defineNode({
  type: 'respondToWebhook',
  version: 1.5,
  displayName: 'Respond to Webhook',
  description: 'Returns data for Webhook',
  group: 'flow',
  replaySafe: true,
  params,
  inputs: 1,
  outputs: (p) => (p.enableResponseOutput ? ['main', 'response'] : ['main']),
  credentials: [{ name: 'jwtAuth' }],
  async execute(ctx) {
    const items = [...ctx.items];
    try {
      if (items.length === 0)
        throw new NonRetryableError('No item to respond with: the node received no input');
      const p = ctx.getParams(0);
      const response = await buildResponse(ctx, p, items);
      const outputs: Item[][] = [items];
      if (p.enableResponseOutput) {
        const body = Buffer.isBuffer(response.body) ? response.body.toString('base64') : response.body;
        outputs.push([
          {
            json: { response: { body, headers: response.headers, statusCode: response.status } },
            pairedItem: { item: 0 },
          },
        ]);
      }
      return { kind: 'respond', response, outputs };
    } catch (error) {
      if (!ctx.continueOnFail) throw error;
      const message = error instanceof Error ? error.message : String(error);
      return [[{ json: { error: message }, pairedItem: items.map((_, i) => ({ item: i })) }]];
    }
  },
});

async function buildResponse(ctx: NodeContext<Params>, p: Params, items: Item[]): Promise<Response> {
  const headers: Record<string, string> = {};
  for (const entry of p.options.responseHeaders?.entries ?? []) {
    if (entry.name) headers[entry.name.toLowerCase()] = entry.value;
  }
  let status = p.options.responseCode ?? 200;
  let body: unknown;
  switch (p.respondWith) {
    case 'json':
      body = jsonBody(p.responseBody);
      break;
    case 'text':
      body = p.responseBody === undefined || p.responseBody === null ? '' : p.responseBody;
      break;
    case 'allIncomingItems': {
      const all = items.map((item) => item.json);
      body = p.options.responseKey ? nestUnder(p.options.responseKey, all) : all;
      break;
    }
    case 'firstIncomingItem':
      body = p.options.responseKey ? nestUnder(p.options.responseKey, items[0].json) : items[0].json;
      break;
    case 'binary':
      body = binaryBody(p, items[0], headers);
      break;
    case 'redirect':
      if (!p.redirectURL) throw new NonRetryableError("Parameter 'redirectURL' is required to redirect");
      headers.location = p.redirectURL;
      status = p.options.responseCode ?? 307;
      break;
    case 'jwt':
      body = { token: await signJwt(ctx, p.payload) };
      break;
    case 'noData':
      break;
  }
  return { status, headers, body };
}

function jsonBody(value: unknown): unknown {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch (error) {
    throw new NonRetryableError("Invalid JSON in 'Response Body' field", {
      description: `Check that the syntax of the JSON in the 'Response Body' parameter is valid (${(error as Error).message})`,
    });
  }
}

function binaryBody(p: Params, item: Item, headers: Record<string, string>): Buffer {
  const keys = Object.keys(item.binary ?? {});
  if (!item.binary || keys.length === 0) throw new NodeError('No binary data exists on the first item!');
  const name = p.responseDataSource === 'set' ? p.inputFieldName : keys[0];
  const data = item.binary[name];
  if (!data) throw new NodeError(`The item has no binary field '${name}' (parameter 'inputFieldName')`);
  if (data.data === undefined)
    throw new NodeError(
      `Binary field '${name}' is stored apart (id ${data.id}); only inline data can be sent`,
    );
  const bytes = Buffer.from(data.data, 'base64');
  headers['content-type'] ??= data.mimeType;
  return bytes;
}

async function signJwt(ctx: NodeContext<Params>, rawPayload: unknown): Promise<string> {
  const payload = typeof rawPayload === 'string' ? jsonBody(rawPayload) : rawPayload;
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload))
    throw new NonRetryableError("Parameter 'payload' must be a JSON object");
  const cred = await ctx.getCredentials('jwtAuth');
  const algorithm = typeof cred.algorithm === 'string' ? cred.algorithm : 'HS256';
  let key: Uint8Array | Awaited<ReturnType<typeof importPKCS8>>;
  if (cred.keyType === 'pemKey') {
    key = await importPKCS8(String(cred.privateKey ?? ''), algorithm);
  } else {
    if (typeof cred.secret !== 'string' || cred.secret === '')
      throw new NonRetryableError("The 'jwtAuth' credential has no secret");
    key = new TextEncoder().encode(cred.secret);
  }
  try {
    // jsonwebtoken (n8n) adds `iat` unless told otherwise; so does this.
    return await new SignJWT(payload as JsonObject)
      .setProtectedHeader({ alg: algorithm, typ: 'JWT' })
      .setIssuedAt(Math.floor(ctx.now().toSeconds()))
      .sign(key);
  } catch (error) {
    throw new NodeError('Error signing JWT token', { cause: error, description: (error as Error).message });
  }
}

/** lodash `set({}, path, value)` for dotted paths, refusing prototype keys. */
function nestUnder(path: string, value: unknown): JsonObject {
  const root: JsonObject = {};
  let target = root;
  const parts = path.split('.');
  parts.forEach((part, i) => {
    if (isForbiddenKey(part))
      throw new NonRetryableError(`Parameter 'options.responseKey' may not use '${part}'`);
    if (i === parts.length - 1) target[part] = value;
    else {
      const next: JsonObject = {};
      target[part] = next;
      target = next;
    }
  });
  return root;
}
