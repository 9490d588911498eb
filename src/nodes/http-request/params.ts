/**
 * Parameters of the HTTP Request node, exactly as n8n's v4.2 exports them
 * (`HttpRequest/V3/Description.ts`), with n8n's defaults for what an export omits.
 *
 * The pagination block is kept raw: its expressions read `$response` and `$pageCount`, which only
 * exist while pages are fetched (see `pagination.ts`), so it is evaluated there, page by page, and
 * left out of the per-item evaluation of the other parameters.
 */
import { z } from 'zod';
import { NonRetryableError } from '../../engine/errors.js';
import type { JsonObject } from '../../engine/items.js';
import { containsExpression } from '../../expressions/index.js';
import type { NodeContext } from '../sdk.js';

const keyValue = z.object({ name: z.unknown().default(''), value: z.unknown().default('') }).loose();

const bodyParameter = z
  .object({
    name: z.unknown().default(''),
    value: z.unknown().default(''),
    parameterType: z.enum(['formData', 'formBinaryData']).default('formData'),
    inputDataFieldName: z.string().default(''),
  })
  .loose();

const collection = <T extends z.ZodType>(entry: T) =>
  z
    .object({ parameters: z.array(entry).default([]) })
    .loose()
    .prefault({});

export const RESPONSE_FORMATS = ['autodetect', 'file', 'json', 'text'] as const;

const options = z
  .object({
    batching: z
      .object({
        batch: z
          .object({
            /** Items per batch; -1 disables batching, 0 counts as 1 (n8n). */
            batchSize: z.number().int().min(-1).default(50),
            /** Milliseconds between the starts of two batches; 0 disables the wait. */
            batchInterval: z.number().min(0).default(1000),
          })
          .loose()
          .prefault({}),
      })
      .loose()
      .optional(),
    allowUnauthorizedCerts: z.boolean().default(false),
    queryParameterArrays: z.enum(['repeat', 'brackets', 'indices']).optional(),
    lowercaseHeaders: z.boolean().default(true),
    redirect: z
      .object({
        redirect: z
          .object({
            followRedirects: z.boolean().default(true),
            maxRedirects: z.number().int().min(0).default(21),
          })
          .loose()
          .prefault({}),
      })
      .loose()
      .optional(),
    response: z
      .object({
        response: z
          .object({
            fullResponse: z.boolean().default(false),
            neverError: z.boolean().default(false),
            responseFormat: z.enum(RESPONSE_FORMATS).default('autodetect'),
            outputPropertyName: z.string().min(1).default('data'),
          })
          .loose()
          .prefault({}),
      })
      .loose()
      .optional(),
    /** Milliseconds for the whole exchange; n8n uses 5 minutes when the option is absent. */
    timeout: z.number().int().min(1).optional(),
    /** n8n 4.4's option; Relais defaults to the safe value (credentials stay on their origin). */
    sendCredentialsOnCrossOriginRedirect: z.boolean().default(false),
    proxy: z.string().optional(),
  })
  .loose()
  .prefault({});

export const httpRequestParams = z
  .object({
    method: z.enum(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT']).default('GET'),
    /** Checked by the node (n8n's messages for a non-string, empty or non-http URL). */
    url: z.unknown().default(''),
    authentication: z.enum(['none', 'predefinedCredentialType', 'genericCredentialType']).default('none'),
    nodeCredentialType: z.string().default(''),
    genericAuthType: z.string().default(''),
    provideSslCertificates: z.boolean().default(false),
    sendQuery: z.boolean().default(false),
    specifyQuery: z.enum(['keypair', 'json']).default('keypair'),
    queryParameters: collection(keyValue),
    jsonQuery: z.unknown().default(''),
    sendHeaders: z.boolean().default(false),
    specifyHeaders: z.enum(['keypair', 'json']).default('keypair'),
    headerParameters: collection(keyValue),
    jsonHeaders: z.unknown().default(''),
    sendBody: z.boolean().default(false),
    contentType: z
      .enum(['json', 'form-urlencoded', 'multipart-form-data', 'binaryData', 'raw'])
      .default('json'),
    specifyBody: z.enum(['keypair', 'json', 'string']).default('keypair'),
    bodyParameters: collection(bodyParameter),
    jsonBody: z.unknown().default(''),
    body: z.unknown().default(''),
    inputDataFieldName: z.string().default(''),
    rawContentType: z.string().default(''),
    options,
  })
  .loose();

export type HttpParams = z.output<typeof httpRequestParams>;
export type HttpOptions = HttpParams['options'];

function checked(value: unknown): HttpParams {
  const parsed = httpRequestParams.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue.path.map(String).join('.') || '(parameters)';
  throw new NonRetryableError(`Invalid parameter '${field}': ${issue.message}`, {
    code: 'INVALID_PARAMETER',
    description: parsed.error.issues.map((i) => `${i.path.map(String).join('.')}: ${i.message}`).join('; '),
  });
}

/** The node's raw parameters without the pagination block, and that block apart. */
export function splitRaw(parameters: Record<string, unknown>): {
  rest: Record<string, unknown>;
  pagination: unknown;
} {
  const opts = parameters.options;
  if (opts === null || typeof opts !== 'object' || Array.isArray(opts))
    return { rest: parameters, pagination: undefined };
  const { pagination, ...others } = opts as JsonObject;
  return { rest: { ...parameters, options: others }, pagination };
}

/**
 * Parameters for item `itemIndex`, evaluated like `ctx.getParams` but without the pagination block.
 * Static parameters are checked once.
 */
export function paramsReader(ctx: NodeContext<unknown>): (itemIndex: number) => HttpParams {
  const { rest } = splitRaw(ctx.node.parameters);
  if (!containsExpression(rest)) {
    let cached: HttpParams | undefined;
    return () => {
      cached ??= checked(rest);
      return cached;
    };
  }
  return (itemIndex) => checked(ctx.evaluate(rest, itemIndex));
}
