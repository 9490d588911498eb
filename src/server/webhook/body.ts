/**
 * Webhook bodies, parsed by their declared content type and nothing else (the CVE-2026-21858
 * class: n8n once read `files[].filepath` from a JSON body it took for multipart). What a body
 * holds always ends up inside `body` (or `binary` for files); it never fills another field.
 *
 *   application/json, application/*+json  → JSON (malformed → 400)
 *   application/x-www-form-urlencoded     → object of strings (repeated keys → arrays)
 *   text/*, application/xml, *+xml         → string
 *   multipart/form-data                    → fields in `body`, files as binary (multipart.ts)
 *   any other type                         → binary item (n8n v2), body `{}`
 *   a body without Content-Type, a malformed Content-Type, other multipart/* → 415
 */
import type { Readable } from 'node:stream';
import { TextDecoder } from 'node:util';
import type { BinaryData, JsonObject } from '../../engine/items.js';
import { badRequest, HttpError } from '../http-error.js';

export interface ContentType {
  /** Lower-cased `type/subtype`. */
  type: string;
  params: Record<string, string>;
}

export interface ParsedBody {
  body: unknown;
  binary?: Record<string, BinaryData>;
}

export interface BodyOptions {
  /** n8n's `options.rawBody`: also keep the bytes as binary `data`. */
  rawBody: boolean;
  /** Where a non-parsed body goes (n8n's `options.binaryPropertyName`, default `data`). */
  binaryPropertyName: string;
  /** `Content-Disposition` of the request, for a binary body's file name. */
  contentDisposition?: string;
}

export const unsupportedMediaType = (message: string) =>
  new HttpError(415, 'unsupported_media_type', message);
export const payloadTooLarge = (limit: number) =>
  new HttpError(413, 'payload_too_large', `The body is larger than this webhook accepts (${limit} bytes)`);

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Parses a Content-Type header; undefined when absent; 415 when malformed. */
export function parseContentType(header: string | undefined): ContentType | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const [head, ...rest] = header.split(';');
  const type = head.trim().toLowerCase();
  const [main, sub, extra] = type.split('/');
  if (!main || !sub || extra !== undefined || !TOKEN.test(main) || !TOKEN.test(sub)) {
    throw unsupportedMediaType(`Malformed Content-Type '${header}'`);
  }
  const params: Record<string, string> = {};
  for (const part of rest) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim().toLowerCase();
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    if (name) params[name] = value;
  }
  return { type, params };
}

export function isJson(ct: ContentType): boolean {
  return ct.type === 'application/json' || (ct.type.startsWith('application/') && ct.type.endsWith('+json'));
}

function isText(ct: ContentType): boolean {
  return ct.type.startsWith('text/') || ct.type === 'application/xml' || ct.type.endsWith('+xml');
}

/** Reads a request body into memory, refusing (413) past `limit` bytes. */
export function readBody(payload: Readable, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      payload.removeListener('data', onData);
      payload.removeListener('end', onEnd);
      payload.removeListener('error', onError);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        // Drain the rest so the 413 can still be written on this connection.
        payload.resume();
        reject(payloadTooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(new HttpError(400, 'invalid_request', `The request body could not be read: ${error.message}`));
    };
    payload.on('data', onData);
    payload.on('end', onEnd);
    payload.on('error', onError);
  });
}

/** Parses a non-multipart body (see the table at the top). */
export function parseBody(
  raw: Buffer | undefined,
  ct: ContentType | undefined,
  opts: BodyOptions,
): ParsedBody {
  if (raw === undefined || raw.length === 0) return { body: {} };
  if (!ct) throw unsupportedMediaType('A request with a body needs a Content-Type header');
  if (ct.type.startsWith('multipart/')) {
    throw unsupportedMediaType(`Unsupported Content-Type '${ct.type}' (multipart/form-data is accepted)`);
  }
  const keepRaw = (parsed: ParsedBody): ParsedBody =>
    opts.rawBody ? { ...parsed, binary: { data: binaryOf(raw, ct.type) } } : parsed;
  if (isJson(ct)) return keepRaw({ body: parseJson(decode(raw, ct)) });
  if (ct.type === 'application/x-www-form-urlencoded') return keepRaw({ body: parseForm(decode(raw, ct)) });
  if (isText(ct)) return keepRaw({ body: decode(raw, ct) });
  const fileName = fileNameOf(opts.contentDisposition);
  return { body: {}, binary: { [opts.binaryPropertyName]: binaryOf(raw, ct.type, fileName) } };
}

export function binaryOf(raw: Buffer, mimeType: string, fileName?: string): BinaryData {
  const data: BinaryData = { data: raw.toString('base64'), mimeType, fileSize: raw.length };
  if (fileName) {
    data.fileName = fileName;
    const dot = fileName.lastIndexOf('.');
    if (dot > 0) data.fileExtension = fileName.slice(dot + 1).toLowerCase();
  }
  return data;
}

function decode(raw: Buffer, ct: ContentType): string {
  const charset = (ct.params.charset ?? 'utf-8').toLowerCase();
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(charset, { fatal: true });
  } catch {
    throw unsupportedMediaType(`Unsupported charset '${charset}'`);
  }
  try {
    return decoder.decode(raw);
  } catch {
    throw badRequest(`The body is not valid ${charset}`);
  }
}

function parseJson(text: string): unknown {
  try {
    // JSON.parse makes `__proto__` an own data property, never a prototype: it stays data in `body`.
    return JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, 'invalid_json', `Malformed JSON body: ${(error as Error).message}`);
  }
}

function parseForm(text: string): JsonObject {
  const body: JsonObject = {};
  for (const [key, value] of new URLSearchParams(text)) {
    const existing = Object.hasOwn(body, key) ? body[key] : undefined;
    const next =
      existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
    // defineProperty: a field named `__proto__` is data, not the object's prototype.
    Object.defineProperty(body, key, { value: next, enumerable: true, writable: true, configurable: true });
  }
  return body;
}

/** The `filename` of a Content-Disposition header, without any directory part. */
export function fileNameOf(disposition: string | undefined): string | undefined {
  if (!disposition) return undefined;
  const star = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(disposition);
  let name: string | undefined;
  if (star) {
    try {
      name = decodeURIComponent(star[1].trim());
    } catch {
      name = undefined;
    }
  }
  name ??=
    /filename\s*=\s*"([^"]*)"/.exec(disposition)?.[1] ?? /filename\s*=\s*([^;\s]+)/.exec(disposition)?.[1];
  if (!name) return undefined;
  const base = name.split(/[\\/]/).pop() ?? '';
  return base === '' || base === '.' || base === '..' ? undefined : base;
}
