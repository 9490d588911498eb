/**
 * multipart/form-data through @fastify/multipart: fields become `body`, files become binary
 * items `{ data: base64, mimeType, fileName, fileSize }` named after their field (n8n's
 * `handleFormData`: `files[]` → `files`, several files in one field → `files0`, `files1`, ...;
 * with `options.binaryPropertyName` set → `<name>0`, `<name>1`, ...).
 *
 * Files are read from the request stream into memory — no temporary file, no path taken from the
 * request — and the raw bytes are copied on the side for HMAC verification, within the size limit.
 */
import type { FastifyRequest } from 'fastify';
import type { BinaryData, JsonObject } from '../../engine/items.js';
import { HttpError } from '../http-error.js';
import { payloadTooLarge, unsupportedMediaType } from './body.js';

export interface MultipartResult {
  body: JsonObject;
  binary?: Record<string, BinaryData>;
  /** The request bytes as received (for HMAC). */
  raw: Buffer;
}

interface Part {
  type: 'file' | 'field';
  fieldname: string;
  value?: unknown;
  filename?: string;
  mimetype: string;
  toBuffer(): Promise<Buffer>;
}

type MultipartRequest = FastifyRequest & {
  parts(options?: { limits?: Record<string, number> }): AsyncIterableIterator<Part>;
};

/** Parses the multipart request; `binaryPrefix` is `options.binaryPropertyName` when set on the node. */
export async function parseMultipart(
  request: FastifyRequest,
  limit: number,
  binaryPrefix: string | undefined,
): Promise<MultipartResult> {
  const raw = request.raw;
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  const onData = (chunk: Buffer) => {
    size += chunk.length;
    if (size > limit) tooLarge = true;
    else chunks.push(chunk);
  };
  const iterator = (request as MultipartRequest).parts({
    limits: { fileSize: limit, fieldSize: limit, fields: 1000, files: 100, parts: 1100 },
  });
  // The first `next()` pipes the request into busboy synchronously; listening in the same tick
  // sees every chunk busboy sees (a stream in flowing mode feeds all its 'data' listeners).
  let step = iterator.next();
  raw.on('data', onData);
  const body: JsonObject = {};
  const files: { field: string; data: BinaryData }[] = [];
  try {
    for (let r = await step; !r.done; r = await step) {
      if (tooLarge) throw payloadTooLarge(limit);
      const part = r.value;
      if (part.type === 'file') {
        const bytes = await part.toBuffer();
        files.push({
          field: part.fieldname,
          data: fileData(bytes, part.mimetype, part.filename),
        });
      } else addField(body, part.fieldname, part.value);
      step = iterator.next();
    }
    if (tooLarge) throw payloadTooLarge(limit);
  } catch (error) {
    raw.removeListener('data', onData);
    // Let the rest of the request drain so the error can be answered on this connection.
    raw.unpipe();
    raw.resume();
    throw mapError(error, limit);
  }
  raw.removeListener('data', onData);
  return { body, binary: binaryOf(files, binaryPrefix), raw: Buffer.concat(chunks, Math.min(size, limit)) };
}

function fileData(bytes: Buffer, mimeType: string, fileName: string | undefined): BinaryData {
  const data: BinaryData = {
    data: bytes.toString('base64'),
    mimeType: mimeType || 'application/octet-stream',
    fileSize: bytes.length,
  };
  // Only the name, never a directory: `../../etc/passwd` is `passwd`.
  const name = fileName?.split(/[\\/]/).pop();
  if (name && name !== '.' && name !== '..') {
    data.fileName = name;
    const dot = name.lastIndexOf('.');
    if (dot > 0) data.fileExtension = name.slice(dot + 1).toLowerCase();
  }
  return data;
}

function addField(body: JsonObject, name: string, value: unknown): void {
  const existing = Object.hasOwn(body, name) ? body[name] : undefined;
  const next =
    existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  Object.defineProperty(body, name, { value: next, enumerable: true, writable: true, configurable: true });
}

function binaryOf(
  files: { field: string; data: BinaryData }[],
  prefix: string | undefined,
): Record<string, BinaryData> | undefined {
  if (files.length === 0) return undefined;
  const binary: Record<string, BinaryData> = {};
  const perField = new Map<string, number>();
  for (const f of files) perField.set(f.field, (perField.get(f.field) ?? 0) + 1);
  const seen = new Map<string, number>();
  files.forEach((f, count) => {
    let name = f.field.endsWith('[]') ? f.field.slice(0, -2) : f.field;
    if ((perField.get(f.field) ?? 0) > 1) {
      const index = seen.get(f.field) ?? 0;
      seen.set(f.field, index + 1);
      name = `${name}${index}`;
    }
    if (prefix) name = `${prefix}${count}`;
    Object.defineProperty(binary, name, {
      value: f.data,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  });
  return binary;
}

function mapError(error: unknown, limit: number): HttpError {
  if (error instanceof HttpError) return error;
  const e = error as { statusCode?: number; code?: string; message?: string };
  if (e.statusCode === 413 || e.code === 'FST_REQ_FILE_TOO_LARGE' || e.code === 'FST_PARTS_LIMIT') {
    return payloadTooLarge(limit);
  }
  if (/boundary/i.test(e.message ?? ''))
    return unsupportedMediaType('multipart/form-data needs a boundary parameter');
  if (e.code === 'FST_PROTO_VIOLATION')
    return new HttpError(400, 'invalid_request', 'A multipart field name is not allowed');
  return new HttpError(400, 'invalid_request', `Malformed multipart body: ${e.message ?? 'unreadable'}`);
}
