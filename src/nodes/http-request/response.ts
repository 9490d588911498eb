/**
 * From an HTTP response to items, as n8n's HTTP Request v4 does (`HttpRequestV3.node.ts`, after
 * the requests):
 * - the format is the option, or with "autodetect" (the default): JSON when the content type says
 *   `application/json`, a file for binary types (n8n's `binaryContentTypes`), text otherwise;
 * - JSON: an array gives one item per element, an object one item, an empty body `{}`;
 * - text: `{ data: text }` (the "Put Output in Field" name);
 * - file: the input item's json, its binary plus the file (`fileName` from Content-Disposition,
 *   else the URL's file name, else `data.<ext>`), stored through the binary store;
 * - "Include Response Headers and Status": `{ body, headers, statusCode, statusMessage }`.
 * A non-2xx status fails the item with the status in `httpStatus`, unless "Never Error" is set.
 */
import type { BinaryAccess } from '../../binary/access.js';
import { essence, extensionFromMimeType, extensionOf, mimeTypeFromFileName } from '../../binary/mime.js';
import { NodeError } from '../../engine/errors.js';
import type { BinaryData, Item, JsonObject } from '../../engine/items.js';
import { httpStatusError } from './errors.js';

export type ResponseFormat = 'autodetect' | 'file' | 'json' | 'text';

export interface ResponseSettings {
  format: ResponseFormat;
  fullResponse: boolean;
  neverError: boolean;
  outputPropertyName: string;
}

/** n8n's `binaryContentTypes` (GenericFunctions.ts): what autodetect treats as a file. */
const BINARY_CONTENT_TYPES = [
  'image/',
  'audio/',
  'video/',
  'application/octet-stream',
  'application/gzip',
  'application/zip',
  'application/vnd.rar',
  'application/epub+zip',
  'application/x-bzip',
  'application/x-bzip2',
  'application/x-cdf',
  'application/vnd.amazon.ebook',
  'application/msword',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.ms-fontobject',
  'application/vnd.oasis.opendocument.presentation',
  'application/pdf',
  'application/x-tar',
  'application/vnd.visio',
  'application/vnd.ms-excel',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/x-7z-compressed',
];

/** One received response, its body read (or stored, for files). */
export interface Page {
  status: number;
  statusText: string;
  headers: Record<string, string | string[]>;
  url: URL;
  contentType: string;
  format: 'json' | 'text' | 'file';
  /** Body bytes (JSON and text, and files read for pagination). */
  bytes?: Buffer;
  /** The stored file (file format). */
  binary?: BinaryData;
}

export function detectFormat(contentType: string, format: ResponseFormat): Page['format'] {
  if (format !== 'autodetect') return format;
  if (contentType.includes('application/json')) return 'json';
  if (BINARY_CONTENT_TYPES.some((t) => contentType.includes(t))) return 'file';
  return 'text';
}

export function headersObject(headers: Headers): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of headers) if (name !== 'set-cookie') out[name] = value;
  const cookies = headers.getSetCookie();
  if (cookies.length > 0) out['set-cookie'] = cookies;
  return out;
}

/** Text with the charset the content type names (n8n detects it too); UTF-8 otherwise. */
export function decodeText(bytes: Uint8Array, contentType: string): string {
  const charset = /charset\s*=\s*"?([\w.:-]+)"?/i.exec(contentType)?.[1];
  if (charset) {
    try {
      return new TextDecoder(charset).decode(bytes);
    } catch {
      // unknown charset: fall back to UTF-8
    }
  }
  return new TextDecoder().decode(bytes);
}

function isOk(status: number): boolean {
  return status >= 200 && status < 300;
}

/** `attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf` → `résumé.pdf` (RFC 6266; `filename*` wins). */
export function contentDispositionFileName(value: string | null): string | undefined {
  if (!value) return undefined;
  const extended = /filename\*\s*=\s*([^']*)'[^']*'([^;]+)/i.exec(value);
  if (extended) {
    try {
      return basename(decodeURIComponent(extended[2].trim()));
    } catch {
      // malformed escape: try the plain parameter
    }
  }
  const plain = /filename\s*=\s*(?:"((?:\\.|[^"\\])*)"|([^;]+))/i.exec(value);
  const name = plain?.[1]?.replace(/\\(.)/g, '$1') ?? plain?.[2]?.trim();
  return name ? basename(name) : undefined;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Never a path: a server may not choose where a file lands. */
function basename(name: string): string | undefined {
  const base = name.split(/[\\/]/).pop()?.trim();
  return base && base !== '.' && base !== '..' ? base : undefined;
}

/** n8n's `setFilename`: Content-Disposition, else the URL's name when it fits the type, else `<field>.<ext>`. */
function fileNameFor(
  page: Page,
  mimeType: string | undefined,
  field: string,
  disposition: string | null,
): string | undefined {
  const fromHeader = contentDispositionFileName(disposition);
  if (fromHeader) return fromHeader;
  const ext = extensionFromMimeType(mimeType);
  const fromUrl = basename(safeDecode(page.url.pathname));
  if (fromUrl && extensionOf(fromUrl) !== undefined && mimeTypeFromFileName(fromUrl) === essence(mimeType)) {
    return fromUrl;
  }
  return ext ? `${field}.${ext}` : undefined;
}

/**
 * Reads a response into a Page. Without "Never Error", a non-2xx status throws (with the body in
 * the description) unless `keepErrors` (pagination decides itself). Files go to the binary store as
 * they arrive, unless `bufferFiles` (pagination reads every page).
 */
export async function receive(
  response: Response,
  url: URL,
  s: ResponseSettings,
  binary: BinaryAccess,
  opts: { keepErrors: boolean; bufferFiles: boolean; itemIndex?: number },
): Promise<Page> {
  const contentType = response.headers.get('content-type') ?? '';
  const page: Page = {
    status: response.status,
    statusText: response.statusText,
    headers: headersObject(response.headers),
    url,
    contentType,
    format: detectFormat(contentType, s.format),
  };
  if (!isOk(response.status) && !s.neverError && !opts.keepErrors) {
    const text = decodeText(new Uint8Array(await response.arrayBuffer()), contentType);
    throw httpStatusError(response.status, text, opts.itemIndex);
  }
  if (page.format === 'file' && !opts.bufferFiles) {
    const mimeType = contentType.split(' ')[0].split(';')[0] || undefined;
    const fileName = fileNameFor(
      page,
      mimeType,
      s.outputPropertyName,
      response.headers.get('content-disposition'),
    );
    const body = response.body ?? (async function* () {})();
    page.binary = await binary.put(body as AsyncIterable<Uint8Array>, { mimeType, fileName });
    return page;
  }
  page.bytes = Buffer.from(await response.arrayBuffer());
  return page;
}

/** The body as pagination expressions see it (`$response.body`): parsed JSON or text. */
export function pageBody(page: Page): unknown {
  if (page.bytes === undefined) return {};
  if (page.format === 'file') return page.bytes;
  const text = decodeText(page.bytes, page.contentType);
  if (page.contentType.includes('application/json')) {
    if (text.trim() === '') return {};
    try {
      return JSON.parse(text);
    } catch {
      return {};
    }
  }
  return text;
}

function parseJson(text: string, s: ResponseSettings, itemIndex: number): unknown {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch (error) {
    if (s.format === 'autodetect' && s.neverError) return {};
    const message =
      s.format === 'autodetect'
        ? 'Invalid JSON in response body'
        : 'Response body is not valid JSON. Change "Response Format" to "Text"';
    throw new NodeError(message, {
      code: 'INVALID_JSON_RESPONSE',
      itemIndex,
      description: (error as Error).message,
    });
  }
}

/** n8n outputs each element as an item; Relais wraps what is not an object so items stay objects. */
function asJson(value: unknown): JsonObject {
  if (value === null || value === undefined) return {};
  if (typeof value === 'object' && !Array.isArray(value)) return value as JsonObject;
  return { data: value };
}

/** Items for one page of item `itemIndex` of the input (`input`). */
export async function pageItems(
  page: Page,
  s: ResponseSettings,
  input: Item,
  itemIndex: number,
  binary: BinaryAccess,
): Promise<Item[]> {
  const paired = { item: itemIndex };
  const meta = { headers: page.headers, statusCode: page.status, statusMessage: page.statusText };
  if (page.format === 'file') {
    let file = page.binary;
    if (file === undefined) {
      const mimeType = page.contentType.split(' ')[0].split(';')[0] || undefined;
      const disposition = (page.headers['content-disposition'] as string | undefined) ?? null;
      file = await binary.put(page.bytes ?? Buffer.alloc(0), {
        mimeType,
        fileName: fileNameFor(page, mimeType, s.outputPropertyName, disposition),
      });
    }
    const json = s.fullResponse ? { ...meta } : structuredClone(input.json);
    return [{ json, binary: { ...input.binary, [s.outputPropertyName]: file }, pairedItem: paired }];
  }
  const text = decodeText(page.bytes ?? Buffer.alloc(0), page.contentType);
  if (page.format === 'text') {
    const json: JsonObject = {};
    // n8n's autodetect turns an empty text body into `undefined`, which the output drops.
    if (text !== '' || s.format === 'text') json[s.outputPropertyName] = text;
    return [{ json: s.fullResponse ? { ...json, ...meta } : json, pairedItem: paired }];
  }
  const body = parseJson(text, s, itemIndex);
  if (s.fullResponse) return [{ json: { body, ...meta }, pairedItem: paired }];
  if (Array.isArray(body)) return body.map((element) => ({ json: asJson(element), pairedItem: paired }));
  return [{ json: asJson(body), pairedItem: paired }];
}
