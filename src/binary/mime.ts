/**
 * MIME types and file extensions for the files items carry. A short table of the types business
 * workflows meet (documents, images, archives, text) instead of a dependency: an unknown extension
 * is `application/octet-stream`, an unknown type has no extension — as n8n's `mime-types` lookups
 * give for exotic names.
 */

const BY_EXTENSION: Readonly<Record<string, string>> = {
  txt: 'text/plain',
  text: 'text/plain',
  log: 'text/plain',
  csv: 'text/csv',
  tsv: 'text/tab-separated-values',
  html: 'text/html',
  htm: 'text/html',
  css: 'text/css',
  md: 'text/markdown',
  ics: 'text/calendar',
  js: 'text/javascript',
  mjs: 'text/javascript',
  json: 'application/json',
  xml: 'application/xml',
  yaml: 'application/yaml',
  yml: 'application/yaml',
  pdf: 'application/pdf',
  zip: 'application/zip',
  gz: 'application/gzip',
  tar: 'application/x-tar',
  '7z': 'application/x-7z-compressed',
  rar: 'application/vnd.rar',
  doc: 'application/msword',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xls: 'application/vnd.ms-excel',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  ppt: 'application/vnd.ms-powerpoint',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  odt: 'application/vnd.oasis.opendocument.text',
  ods: 'application/vnd.oasis.opendocument.spreadsheet',
  epub: 'application/epub+zip',
  bin: 'application/octet-stream',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  svg: 'image/svg+xml',
  ico: 'image/vnd.microsoft.icon',
  bmp: 'image/bmp',
  tif: 'image/tiff',
  tiff: 'image/tiff',
  avif: 'image/avif',
  heic: 'image/heic',
  mp3: 'audio/mpeg',
  wav: 'audio/wav',
  ogg: 'audio/ogg',
  m4a: 'audio/mp4',
  mp4: 'video/mp4',
  webm: 'video/webm',
  mov: 'video/quicktime',
  avi: 'video/x-msvideo',
  eml: 'message/rfc822',
};

/** Preferred extension per type (the first spelling wins: `jpg` over `jpeg`, `txt` over `text`). */
const BY_TYPE: ReadonlyMap<string, string> = (() => {
  const out = new Map<string, string>();
  for (const [ext, type] of Object.entries(BY_EXTENSION)) if (!out.has(type)) out.set(type, ext);
  return out;
})();

export const DEFAULT_MIME_TYPE = 'application/octet-stream';

/** The extension of a file name, lower-cased, without the dot (`report.PDF` → `pdf`). */
export function extensionOf(fileName: string | undefined): string | undefined {
  if (!fileName) return undefined;
  const base = fileName.slice(fileName.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  if (dot <= 0 || dot === base.length - 1) return undefined;
  return base.slice(dot + 1).toLowerCase();
}

export function mimeTypeFromFileName(fileName: string | undefined): string | undefined {
  const ext = extensionOf(fileName);
  return ext === undefined ? undefined : BY_EXTENSION[ext];
}

/** `text/html; charset=utf-8` → `text/html`. */
export function essence(contentType: string | undefined): string | undefined {
  if (!contentType) return undefined;
  const value = contentType.split(';')[0].trim().toLowerCase();
  return value === '' ? undefined : value;
}

export function extensionFromMimeType(mimeType: string | undefined): string | undefined {
  const type = essence(mimeType);
  return type === undefined ? undefined : BY_TYPE.get(type);
}

/** n8n's `fileType` of a binary: a coarse family used by the UI to pick a viewer. */
export function fileTypeOf(mimeType: string | undefined): string | undefined {
  const type = essence(mimeType);
  if (type === undefined) return undefined;
  if (type.startsWith('image/')) return 'image';
  if (type.startsWith('audio/')) return 'audio';
  if (type.startsWith('video/')) return 'video';
  if (type === 'application/json' || type.endsWith('+json')) return 'json';
  if (type === 'application/pdf') return 'pdf';
  if (type === 'text/html') return 'html';
  if (type.startsWith('text/')) return 'text';
  return undefined;
}
