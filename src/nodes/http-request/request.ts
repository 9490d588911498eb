/**
 * Builds the request of one item from its evaluated parameters, as n8n's HTTP Request v4.2 does:
 * URL checks and messages, query (fields or JSON), headers (fields or JSON, names lower-cased),
 * body by content type — JSON (fields set by path: `a.b` nests, as lodash `set`), urlencoded form,
 * multipart form (text fields and files from the item's binary data), a binary file, or raw text.
 * Fields with an empty name (n8n's default empty row) are left out.
 */
import { type BinaryAccess, requireBinary } from '../../binary/access.js';
import { NonRetryableError } from '../../engine/errors.js';
import type { Item, JsonObject } from '../../engine/items.js';
import { setPath } from '../shared/fields.js';
import type { HttpParams } from './params.js';
import { type ArrayFormat, collectPairs, flatten, stringify, withQuery } from './query.js';
import type { WireRequest } from './transport.js';

export type MultipartPart =
  | { name: string; value: string }
  | { name: string; file: Uint8Array; fileName: string; contentType: string };

export type BodySpec =
  | { kind: 'none' }
  | { kind: 'json'; value: unknown }
  | { kind: 'form'; fields: Record<string, unknown> }
  | { kind: 'multipart'; parts: MultipartPart[] }
  | { kind: 'bytes'; data: Uint8Array; contentType: string }
  | { kind: 'raw'; text: string; contentType: string };

export interface RequestSpec {
  method: HttpParams['method'];
  url: URL;
  query: Record<string, unknown>;
  arrayFormat: ArrayFormat;
  /** Lower-case names. */
  headers: Record<string, string>;
  body: BodySpec;
  /** Header names set from credentials (redacted in `$request`, dropped on cross-origin redirects). */
  secretHeaders: string[];
  /** Query names set from credentials (redacted in `$request`). */
  secretQuery: string[];
}

/** n8n's URL checks and messages. */
export function parseUrl(value: unknown): URL {
  if (typeof value !== 'string') {
    const actual = value === null ? 'null' : typeof value;
    throw new NonRetryableError(`URL parameter must be a string, got ${actual}`, {
      code: 'INVALID_PARAMETER',
    });
  }
  const url = value.trim();
  if (!url) throw new NonRetryableError('URL parameter cannot be empty', { code: 'INVALID_PARAMETER' });
  if (!url.startsWith('http://') && !url.startsWith('https://')) {
    throw new NonRetryableError(`Invalid URL: ${url}. URL must start with "http" or "https".`, {
      code: 'INVALID_PARAMETER',
    });
  }
  try {
    return new URL(url);
  } catch {
    throw new NonRetryableError(`Invalid URL: ${url}`, { code: 'INVALID_PARAMETER' });
  }
}

/** n8n's `parseJsonParameter`; values an expression already made objects are taken as they are. */
export function parseJsonParameter(value: unknown, field: string): unknown {
  if (value !== null && typeof value === 'object') return value;
  try {
    return JSON.parse(String(value));
  } catch (error) {
    throw new NonRetryableError(`The value in the "${field}" field is not valid JSON`, {
      code: 'INVALID_PARAMETER',
      description: (error as Error).message,
    });
  }
}

function jsonObject(value: unknown, field: string): Record<string, unknown> {
  const parsed = parseJsonParameter(value, field);
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new NonRetryableError(`The value in the "${field}" field must be a JSON object`, {
      code: 'INVALID_PARAMETER',
    });
  }
  return parsed as Record<string, unknown>;
}

function named(entries: readonly { name?: unknown; value?: unknown }[]): { name: string; value: unknown }[] {
  return entries
    .filter((e) => e && e.name !== undefined && e.name !== null && String(e.name) !== '')
    .map((e) => ({ name: String(e.name), value: e.value }));
}

export function text(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Sets a header (lower-case name), refusing what fetch would reject with a cryptic message. */
export function setHeader(headers: Record<string, string>, name: string, value: unknown): void {
  if (!TOKEN.test(name)) {
    throw new NonRetryableError(`Invalid header name '${name}'`, { code: 'INVALID_PARAMETER' });
  }
  const v = Array.isArray(value) ? value.map(text).join(', ') : text(value);
  if (/[\r\n\0]/.test(v)) {
    throw new NonRetryableError(`The value of header '${name}' contains a line break`, {
      code: 'INVALID_PARAMETER',
    });
  }
  headers[name.toLowerCase()] = v;
}

function acceptFor(format: string): string {
  if (format === 'json') return 'application/json,text/*;q=0.99';
  if (format === 'text')
    return 'application/json,text/html,application/xhtml+xml,application/xml,text/*;q=0.9, */*;q=0.1';
  return 'application/json,text/html,application/xhtml+xml,application/xml,text/*;q=0.9, image/*;q=0.8, */*;q=0.7';
}

async function buildBody(
  p: HttpParams,
  item: Item,
  itemIndex: number,
  binary: BinaryAccess,
): Promise<BodySpec> {
  if (!p.sendBody) return { kind: 'none' };
  const params = p.bodyParameters.parameters;
  switch (p.contentType) {
    case 'json': {
      if (p.specifyBody === 'json')
        return { kind: 'json', value: parseJsonParameter(p.jsonBody, 'JSON Body') };
      const value: Record<string, unknown> = {};
      for (const { name, value: v } of named(params)) setPath(value, name, v);
      return { kind: 'json', value };
    }
    case 'form-urlencoded': {
      if (p.specifyBody === 'string')
        return { kind: 'form', fields: Object.fromEntries(new URLSearchParams(text(p.body))) };
      return { kind: 'form', fields: collectPairs(named(params)) };
    }
    case 'multipart-form-data': {
      const parts: MultipartPart[] = [];
      for (const entry of params) {
        const name = text(entry.name);
        if (entry.parameterType === 'formBinaryData') {
          if (!entry.inputDataFieldName) continue;
          const file = requireBinary(item, entry.inputDataFieldName, itemIndex);
          parts.push({
            name,
            file: await binary.get(file),
            fileName: file.fileName ?? 'file',
            contentType: file.mimeType ?? 'application/octet-stream',
          });
        } else if (name !== '') {
          parts.push({ name, value: text(entry.value) });
        }
      }
      return { kind: 'multipart', parts };
    }
    case 'binaryData': {
      if (!p.inputDataFieldName) {
        throw new NonRetryableError(
          "Invalid parameter 'inputDataFieldName': the name of the binary field to send is empty",
          {
            code: 'INVALID_PARAMETER',
          },
        );
      }
      const file = requireBinary(item, p.inputDataFieldName, itemIndex);
      return {
        kind: 'bytes',
        data: await binary.get(file),
        contentType: file.mimeType || 'application/octet-stream',
      };
    }
    case 'raw':
      return { kind: 'raw', text: text(p.body), contentType: p.rawContentType };
  }
}

function isEmptyBody(body: BodySpec): boolean {
  switch (body.kind) {
    case 'none':
      return true;
    case 'json':
      return body.value !== null && typeof body.value === 'object' && Object.keys(body.value).length === 0;
    case 'form':
      return Object.keys(body.fields).length === 0;
    case 'multipart':
      return body.parts.length === 0;
    default:
      return false;
  }
}

export async function buildRequest(
  p: HttpParams,
  item: Item,
  itemIndex: number,
  binary: BinaryAccess,
): Promise<RequestSpec> {
  const url = parseUrl(p.url);
  let query: Record<string, unknown> = {};
  if (p.sendQuery) {
    query =
      p.specifyQuery === 'json'
        ? { ...jsonObject(p.jsonQuery, 'JSON Query Parameters') }
        : collectPairs(named(p.queryParameters.parameters));
  }
  const headers: Record<string, string> = {};
  if (p.sendHeaders) {
    const given =
      p.specifyHeaders === 'json'
        ? Object.entries(jsonObject(p.jsonHeaders, 'JSON Headers'))
        : Object.entries(collectPairs(named(p.headerParameters.parameters)));
    for (const [name, value] of given) setHeader(headers, name, value);
  }
  let body = await buildBody(p, item, itemIndex, binary);
  if (p.method === 'GET' || p.method === 'HEAD') {
    if (!isEmptyBody(body)) {
      throw new NonRetryableError(`A ${p.method} request cannot have a body`, {
        code: 'INVALID_PARAMETER',
        description: "Turn off 'Send Body', or use another method (POST, PUT, PATCH...)",
      });
    }
    body = { kind: 'none' };
  }
  const format = p.options.response?.response.responseFormat ?? 'autodetect';
  if (headers.accept === undefined) headers.accept = acceptFor(format);
  if (headers['user-agent'] === undefined) headers['user-agent'] = 'relais';
  return {
    method: p.method,
    url,
    query,
    arrayFormat: p.options.queryParameterArrays ?? 'brackets',
    headers,
    body,
    secretHeaders: [],
    secretQuery: [],
  };
}

/** What fetch sends. */
export function toWire(spec: RequestSpec): WireRequest {
  const headers = { ...spec.headers };
  const url = withQuery(spec.url, flatten(spec.query, spec.arrayFormat));
  let body: WireRequest['body'];
  const b = spec.body;
  switch (b.kind) {
    case 'none':
      break;
    case 'json':
      body = JSON.stringify(b.value);
      headers['content-type'] ??= 'application/json';
      break;
    case 'form':
      body = stringify(flatten(b.fields, 'repeat'));
      headers['content-type'] ??= 'application/x-www-form-urlencoded';
      break;
    case 'multipart': {
      const form = new FormData();
      for (const part of b.parts) {
        if ('file' in part)
          form.append(part.name, new Blob([part.file], { type: part.contentType }), part.fileName);
        else form.append(part.name, part.value);
      }
      body = form;
      // fetch writes the content type with its boundary.
      delete headers['content-type'];
      break;
    }
    case 'bytes':
      body = b.data;
      headers['content-type'] ??= b.contentType;
      break;
    case 'raw':
      body = b.text;
      if (b.contentType) headers['content-type'] = b.contentType;
      break;
  }
  return { method: spec.method, url, headers, body, secretHeaders: spec.secretHeaders };
}

const REDACTED = '**hidden**';

/** `$request` for pagination expressions: the configured request, credentials hidden (n8n's REDACTED). */
export function describeRequest(spec: RequestSpec): JsonObject {
  const headers: Record<string, string> = { ...spec.headers };
  for (const name of spec.secretHeaders) if (name in headers) headers[name] = REDACTED;
  const qs: Record<string, unknown> = { ...spec.query };
  for (const name of spec.secretQuery) if (name in qs) qs[name] = REDACTED;
  const b = spec.body;
  const body =
    b.kind === 'json' ? b.value : b.kind === 'form' ? b.fields : b.kind === 'raw' ? b.text : undefined;
  return { method: spec.method, url: spec.url.toString(), qs, headers, body };
}
