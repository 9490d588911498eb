/**
 * HTTP Request → v4.2 (`HttpRequest/V1/HttpRequestV1.node.ts`, `V2/HttpRequestV2.node.ts`,
 * `V3/HttpRequestV3.node.ts`, `V3/Description.ts`).
 *
 * v1/v2: `requestMethod` (GET), `url`, `authentication` (v1: basicAuth|digestAuth|headerAuth|
 * queryAuth|oAuth1|oAuth2|none; v2: none|predefinedCredentialType|genericCredentialType),
 * `responseFormat: json|string|file` + `dataPropertyName`, `jsonParameters` choosing between
 * `*ParametersUi.parameter[{ name, value }]` and `*ParametersJson` (JSON text), `sendBinaryData` +
 * `binaryPropertyName`, and `options` (`bodyContentType: json|raw|multipart-form-data|
 * form-urlencoded`, `bodyContentCustomMimeType`, `fullResponse`, `followRedirect` (true),
 * `followAllRedirects`, `ignoreResponseCode`, `proxy`, `timeout` (absent: 1 hour),
 * `splitIntoItems`, `useQueryString`, `batchSize`/`batchInterval`).
 * v3–4.1: v4.2's shape. v3 follows redirects only when the `redirect` option says so; v4 follows
 * them unless it says not to.
 */
import { clone, isExpression, isRecord, omit, record, records } from '../params.js';
import type { MapContext, MappedNode, Params } from '../types.js';

const V1_AUTH: Record<string, string> = {
  basicAuth: 'httpBasicAuth',
  digestAuth: 'httpDigestAuth',
  headerAuth: 'httpHeaderAuth',
  queryAuth: 'httpQueryAuth',
  oAuth1: 'oAuth1Api',
  oAuth2: 'oAuth2Api',
};

const BODY_METHODS = new Set(['PATCH', 'POST', 'PUT', 'DELETE']);

function pairs(ui: unknown): Params[] {
  return records(record(ui).parameter).map((entry) => ({ name: entry.name ?? '', value: entry.value ?? '' }));
}

/** JSON text typed in the node, parsed; undefined for expressions or invalid JSON. */
function staticJson(value: unknown): Params | undefined {
  if (isRecord(value)) return value;
  if (typeof value !== 'string' || isExpression(value)) return undefined;
  try {
    const parsed = JSON.parse(value);
    return isRecord(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function authentication(p: Params, out: Params, ctx: MapContext): void {
  const auth = typeof p.authentication === 'string' ? p.authentication : 'none';
  if (ctx.version >= 2) {
    out.authentication = auth;
    if (p.genericAuthType !== undefined) out.genericAuthType = p.genericAuthType;
    if (p.nodeCredentialType !== undefined) out.nodeCredentialType = p.nodeCredentialType;
    return;
  }
  const generic = V1_AUTH[auth];
  if (generic) {
    out.authentication = 'genericCredentialType';
    out.genericAuthType = generic;
  } else out.authentication = 'none';
}

function body(p: Params, out: Params, options: Params, method: string, ctx: MapContext): void {
  const contentType = typeof options.bodyContentType === 'string' ? options.bodyContentType : 'json';
  const json = p.jsonParameters === true;
  if (!BODY_METHODS.has(method) && !isExpression(method)) return;
  if (json && p.sendBinaryData === true && method !== 'DELETE') {
    const property = typeof p.binaryPropertyName === 'string' ? p.binaryPropertyName : 'data';
    if (contentType === 'multipart-form-data') {
      const parts = property.split(',').map((part) => part.trim());
      out.sendBody = true;
      out.contentType = 'multipart-form-data';
      out.bodyParameters = {
        parameters: parts.map((part) => {
          const [name, field] = part.includes(':') ? part.split(':') : ['file', part];
          return { parameterType: 'formBinaryData', name, inputDataFieldName: field };
        }),
      };
    } else {
      out.sendBody = true;
      out.contentType = 'binaryData';
      out.inputDataFieldName = property;
    }
    return;
  }
  if (json) {
    const raw = p.bodyParametersJson;
    if (raw === undefined || raw === '') return;
    out.sendBody = true;
    if (contentType === 'raw') {
      out.contentType = 'raw';
      out.rawContentType = options.bodyContentCustomMimeType ?? '';
      out.body = raw;
    } else if (contentType === 'json') {
      out.contentType = 'json';
      out.specifyBody = 'json';
      out.jsonBody = raw;
    } else {
      // Form bodies were given as a JSON object: spell its keys out as fields.
      const object = staticJson(raw);
      out.contentType = contentType;
      out.specifyBody = 'keypair';
      if (object) {
        out.bodyParameters = {
          parameters: Object.entries(object).map(([name, value]) => ({
            ...(contentType === 'multipart-form-data' ? { parameterType: 'formData' } : {}),
            name,
            value: typeof value === 'string' ? value : JSON.stringify(value),
          })),
        };
      } else {
        ctx.changed(
          'bodyParametersJson',
          `a ${contentType} body computed by an expression cannot be converted: send it as fields`,
        );
      }
    }
    return;
  }
  const fields = pairs(p.bodyParametersUi);
  if (fields.length === 0) return;
  out.sendBody = true;
  if (contentType === 'multipart-form-data') {
    out.contentType = 'multipart-form-data';
    out.bodyParameters = { parameters: fields.map((f) => ({ parameterType: 'formData', ...f })) };
  } else {
    if (contentType === 'raw')
      ctx.changed('options.bodyContentType', 'raw body given as fields: sent as JSON');
    out.contentType = contentType === 'form-urlencoded' ? 'form-urlencoded' : 'json';
    out.specifyBody = 'keypair';
    out.bodyParameters = { parameters: fields };
  }
}

function fromV1(p: Params, ctx: MapContext): Params {
  const method = typeof p.requestMethod === 'string' ? p.requestMethod : 'GET';
  const options = record(p.options);
  const out: Params = { method, url: p.url ?? '' };
  authentication(p, out, ctx);
  const json = p.jsonParameters === true;
  for (const [ui, jsonName, send, specify, list, jsonKey] of [
    ['queryParametersUi', 'queryParametersJson', 'sendQuery', 'specifyQuery', 'queryParameters', 'jsonQuery'],
    [
      'headerParametersUi',
      'headerParametersJson',
      'sendHeaders',
      'specifyHeaders',
      'headerParameters',
      'jsonHeaders',
    ],
  ] as const) {
    if (json) {
      if (p[jsonName] === undefined || p[jsonName] === '') continue;
      out[send] = true;
      out[specify] = 'json';
      out[jsonKey] = p[jsonName];
    } else {
      const fields = pairs(p[ui]);
      if (fields.length === 0) continue;
      out[send] = true;
      out[specify] = 'keypair';
      out[list] = { parameters: fields };
    }
  }
  body(p, out, options, method, ctx);
  if (options.bodyContentCustomMimeType && out.contentType !== 'raw') {
    ctx.changed(
      'options.bodyContentCustomMimeType',
      'the Content-Type header is set by the body type; add it as a header if needed',
    );
  }

  const responseFormat = typeof p.responseFormat === 'string' ? p.responseFormat : 'json';
  const response: Params = {
    responseFormat: responseFormat === 'string' ? 'text' : responseFormat,
    ...(responseFormat !== 'json' ? { outputPropertyName: p.dataPropertyName ?? 'data' } : {}),
    ...(options.fullResponse === true ? { fullResponse: true } : {}),
    ...(options.ignoreResponseCode === true ? { neverError: true } : {}),
  };
  if (responseFormat === 'json' && options.splitIntoItems !== true) {
    ctx.changed(
      'options.splitIntoItems',
      'a JSON array response gives one item per element (v1 gave one item holding the array)',
    );
  }
  if (responseFormat === 'file') {
    ctx.changed('responseFormat', "the file's item no longer carries the input item's fields");
  }
  const newOptions: Params = {
    response: { response },
    timeout: options.timeout ?? 3_600_000,
    redirect: {
      redirect: { followRedirects: options.followRedirect !== false || options.followAllRedirects === true },
    },
  };
  if (p.allowUnauthorizedCerts === true) newOptions.allowUnauthorizedCerts = true;
  if (options.proxy) newOptions.proxy = options.proxy;
  if (out.sendQuery) newOptions.queryParameterArrays = options.useQueryString === true ? 'repeat' : 'indices';
  if (options.batchSize !== undefined || options.batchInterval !== undefined) {
    newOptions.batching = {
      batch: { batchSize: options.batchSize ?? 50, batchInterval: options.batchInterval ?? 1000 },
    };
  }
  if (options.followRedirect !== false && options.followAllRedirects !== true && method !== 'GET') {
    ctx.changed('options.followRedirect', 'redirects of non-GET requests are followed too');
  }
  out.options = newOptions;
  return out;
}

/** v3–4.1 → 4.2: v3 did not follow redirects unless told to. */
function fromV3(p: Params, ctx: MapContext): Params {
  const out = clone(p);
  if (ctx.version < 4) {
    const options = record(out.options);
    const redirect = record(record(options.redirect).redirect);
    out.options = {
      ...options,
      redirect: { redirect: { ...redirect, followRedirects: redirect.followRedirects === true } },
    };
  }
  return out;
}

export function mapHttpRequest(p: Params, ctx: MapContext): MappedNode {
  const parameters =
    ctx.version < 3 ? fromV1(p, ctx) : ctx.version < 4.2 ? fromV3(p, ctx) : omit(clone(p), []);
  return { type: 'httpRequest', parameters, outputs: [[0]] };
}
