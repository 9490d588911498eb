/**
 * What a webhook answers, per response mode (n8n `webhook-helpers.ts`,
 * `webhook-on-received-response-extractor.ts`, `webhook-last-node-response-extractor.ts`), and how
 * an answer becomes bytes: objects → JSON, strings → text, Buffers → as they are, nothing → empty.
 */
import type { FastifyReply } from 'fastify';
import type { Item } from '../../engine/items.js';
import { configuredResponseCode, type WebhookParams } from '../../nodes/webhook.node.js';
import type { StoredResponse } from '../../store/idempotency-store.js';
import { errorBody, HttpError } from '../http-error.js';

export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** `onReceived`: n8n's `{"message":"Workflow was started"}` (200), or Relais' `{ runId }` (202). */
export function immediateAnswer(params: WebhookParams, runId: string): Answer {
  const runIdMode = params.immediateResponse === 'runId';
  const status = configuredResponseCode(params) ?? (runIdMode ? 202 : 200);
  if (params.options.noResponseBody) return { status, headers: {}, body: undefined };
  if (runIdMode) return { status, headers: {}, body: { runId } };
  if (params.options.responseData) return { status, headers: {}, body: params.options.responseData };
  return { status, headers: {}, body: { message: 'Workflow was started' } };
}

/** n8n answers a run that failed before answering with 500 "Error in workflow". */
export function workflowError(runId: string): HttpError {
  return new HttpError(500, 'workflow_error', 'Error in workflow', { runId });
}

/**
 * `lastNode`: the first main output of the node that ran last. `items` undefined = that node
 * returned nothing at all (n8n: "the last node did not return any data").
 */
export function lastNodeAnswer(params: WebhookParams, items: Item[] | undefined): Answer {
  const status = configuredResponseCode(params) ?? 200;
  if (items === undefined) {
    return {
      status,
      headers: {},
      body: { message: 'Workflow executed successfully but the last node did not return any data' },
    };
  }
  switch (params.responseData) {
    case 'noData':
      return { status, headers: {}, body: undefined };
    case 'allEntries':
      return { status, headers: {}, body: items.map((i) => i.json) };
    case 'firstEntryJson': {
      if (items.length === 0) throw responseError('No item to return was found');
      const name = params.options.responsePropertyName;
      const body = name === undefined ? items[0].json : getPath(items[0].json, name);
      const headers: Record<string, string> = {};
      if (params.options.responseContentType) headers['content-type'] = params.options.responseContentType;
      return { status, headers, body };
    }
    case 'firstEntryBinary': {
      if (items.length === 0) throw responseError('No item was found to return');
      const binary = items[0].binary;
      if (!binary) throw responseError('No binary data was found to return');
      const data = binary[params.responseBinaryPropertyName];
      if (!data)
        throw responseError(
          `The binary property '${params.responseBinaryPropertyName}' which should be returned does not exist`,
        );
      if (data.data === undefined)
        throw responseError('The binary data is stored apart and cannot be returned');
      return { status, headers: { 'content-type': data.mimeType }, body: Buffer.from(data.data, 'base64') };
    }
  }
}

const responseError = (message: string) => new HttpError(500, 'webhook_response_error', message);

/** lodash `get` for `a.b[0].c` paths. */
function getPath(value: unknown, path: string): unknown {
  let current = value;
  for (const part of path
    .replace(/\[(\d+)\]/g, '.$1')
    .split('.')
    .filter(Boolean)) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, part)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/** Bytes and headers of an answer. `extra` are the webhook's `responseHeaders` (the answer's win). */
export function encodeAnswer(
  answer: Answer,
  extra: Record<string, string> = {},
): { status: number; headers: Record<string, string>; payload: Buffer } {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries({ ...extra, ...answer.headers })) {
    const lower = name.toLowerCase();
    // Hop-by-hop and framing headers are the server's; invalid ones would throw mid-response.
    if (['content-length', 'transfer-encoding', 'connection', 'keep-alive'].includes(lower)) continue;
    if (!/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(lower) || /[\r\n\0]/.test(value)) continue;
    headers[lower] = value;
  }
  let payload: Buffer;
  const body = answer.body;
  if (body === undefined || body === null) payload = Buffer.alloc(0);
  else if (Buffer.isBuffer(body)) {
    payload = body;
    headers['content-type'] ??= 'application/octet-stream';
  } else if (body instanceof Uint8Array) {
    payload = Buffer.from(body);
    headers['content-type'] ??= 'application/octet-stream';
  } else if (typeof body === 'string') {
    payload = Buffer.from(body, 'utf8');
    headers['content-type'] ??= 'text/plain; charset=utf-8';
  } else {
    payload = Buffer.from(JSON.stringify(body) ?? 'null', 'utf8');
    headers['content-type'] ??= 'application/json; charset=utf-8';
  }
  // HTML written by a workflow must not run with the server's origin (n8n sandboxes it the same way).
  if (/^text\/html|xhtml/i.test(headers['content-type'] ?? ''))
    headers['content-security-policy'] ??= 'sandbox';
  const status =
    Number.isInteger(answer.status) && answer.status >= 100 && answer.status <= 599 ? answer.status : 200;
  return { status, headers, payload: status === 204 || status === 304 ? Buffer.alloc(0) : payload };
}

export function sendEncoded(
  reply: FastifyReply,
  encoded: { status: number; headers: Record<string, string>; payload: Buffer },
): FastifyReply {
  reply.code(encoded.status).headers(encoded.headers);
  if (encoded.payload.length === 0) return reply.send();
  return reply.send(encoded.payload);
}

/** Largest answer kept for replay to idempotent duplicates; larger ones replay `{ runId }`. */
const MAX_STORED_BODY = 256 * 1024;

export function toStored(
  encoded: { status: number; headers: Record<string, string>; payload: Buffer },
  runId: string,
): StoredResponse {
  if (encoded.payload.length > MAX_STORED_BODY) {
    return {
      status: encoded.status,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: Buffer.from(JSON.stringify({ runId })).toString('base64'),
    };
  }
  return { status: encoded.status, headers: encoded.headers, body: encoded.payload.toString('base64') };
}

export function fromStored(stored: StoredResponse): {
  status: number;
  headers: Record<string, string>;
  payload: Buffer;
} {
  return { status: stored.status, headers: stored.headers, payload: Buffer.from(stored.body, 'base64') };
}

/** An error as the one error shape, encoded like any answer (for replay). */
export function encodeError(error: HttpError): {
  status: number;
  headers: Record<string, string>;
  payload: Buffer;
} {
  return encodeAnswer({
    status: error.status,
    headers: {},
    body: errorBody(error.code, error.message, error.details),
  });
}
