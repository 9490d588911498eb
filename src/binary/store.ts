/**
 * Binary data store (issue 5, point 9): the files items carry (`binary.<key>`). Small files stay
 * inline as base64 (`data`) so a run's rows stay self-contained; larger ones are written under
 * `<dataDir>/binary/<run or "shared">/<uuid>` and referenced by `id` (`fs:<scope>/<uuid>`), so run
 * rows never hold megabytes of base64. Deleting a run's folder (`deleteForRun`) frees its files.
 *
 * Ids are validated before any path is built from them: an item's `id` comes from workflow data,
 * and must never name a file outside the store.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BinaryData } from '../engine/items.js';
import { DEFAULT_MIME_TYPE, extensionFromMimeType, extensionOf, mimeTypeFromFileName } from './mime.js';

/** Files up to this size stay inline (base64 in the item). */
export const INLINE_LIMIT = 64 * 1024;

/** What a writer knows about a file; missing fields are derived (MIME type from the name, extension from either). */
export interface BinaryMeta {
  mimeType?: string;
  fileName?: string;
  fileExtension?: string;
}

/** Bytes, or a stream of chunks (an HTTP body, a file) that is spooled to disk past the inline limit. */
export type BinaryContent = Uint8Array | AsyncIterable<Uint8Array>;

export interface BinaryStoreOptions {
  /** Relais' data directory; files go to `<dataDir>/binary`. */
  dataDir: string;
  inlineLimit?: number;
}

const ID = /^fs:([A-Za-z0-9_-]{1,100})\/([0-9a-f-]{36})$/;
const SAFE_SCOPE = /^[A-Za-z0-9_-]{1,100}$/;
const SHARED = 'shared';

export class BinaryNotFoundError extends Error {
  override readonly name = 'BinaryNotFoundError';
}

/** Completes the metadata of a stored file the way n8n's `prepareBinaryData` does. */
export function describeBinary(meta: BinaryMeta, size: number): Omit<BinaryData, 'data' | 'id'> {
  const mimeType = meta.mimeType || mimeTypeFromFileName(meta.fileName) || DEFAULT_MIME_TYPE;
  const fileExtension = meta.fileExtension || extensionOf(meta.fileName) || extensionFromMimeType(mimeType);
  const out: Omit<BinaryData, 'data' | 'id'> = { mimeType, fileSize: size };
  if (meta.fileName) out.fileName = meta.fileName;
  if (fileExtension) out.fileExtension = fileExtension;
  return out;
}

/** Directory name of a run's files: its id when that is a safe name, otherwise a hash of it. */
export function scopeDir(runId: string | undefined): string {
  if (runId === undefined || runId === '') return SHARED;
  if (SAFE_SCOPE.test(runId) && runId !== SHARED) return runId;
  return `h-${createHash('sha256').update(runId).digest('hex').slice(0, 40)}`;
}

function toIterable(content: BinaryContent): AsyncIterable<Uint8Array> | undefined {
  return content instanceof Uint8Array ? undefined : content;
}

export class BinaryStore {
  readonly root: string;
  readonly inlineLimit: number;

  constructor(opts: BinaryStoreOptions) {
    this.root = join(opts.dataDir, 'binary');
    this.inlineLimit = opts.inlineLimit ?? INLINE_LIMIT;
  }

  /**
   * Stores a file for a run (or shared when `runId` is absent). Bytes up to the inline limit come
   * back inline; beyond it a stream is written to disk as it arrives, never held whole in memory.
   */
  async put(content: BinaryContent, meta: BinaryMeta, runId?: string): Promise<BinaryData> {
    const stream = toIterable(content);
    if (stream === undefined) {
      const bytes = content as Uint8Array;
      if (bytes.byteLength <= this.inlineLimit) return inline(bytes, meta);
      return this.writeFile([bytes], undefined, meta, runId);
    }
    // Read the head of the stream: a small file never touches the disk.
    const iterator = stream[Symbol.asyncIterator]();
    const head: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return inline(concat(head, size), meta);
      head.push(next.value);
      size += next.value.byteLength;
      if (size > this.inlineLimit) return this.writeFile(head, iterator, meta, runId);
    }
  }

  /** The whole content of a file, inline or stored. */
  async get(binary: BinaryData): Promise<Buffer> {
    if (binary.data !== undefined) return Buffer.from(binary.data, 'base64');
    if (binary.id === undefined) throw new BinaryNotFoundError('The binary data has neither content nor id');
    try {
      return await readFile(this.pathOf(binary.id));
    } catch (error) {
      throw missing(binary.id, error);
    }
  }

  /** The content as a stream (large files are read from disk in chunks). */
  stream(binary: BinaryData): Readable {
    if (binary.data !== undefined) return Readable.from([Buffer.from(binary.data, 'base64')]);
    if (binary.id === undefined) throw new BinaryNotFoundError('The binary data has neither content nor id');
    return createReadStream(this.pathOf(binary.id));
  }

  /** Size in bytes of a stored or inline file. */
  async size(binary: BinaryData): Promise<number> {
    if (binary.data !== undefined) return Buffer.byteLength(binary.data, 'base64');
    if (binary.id === undefined) throw new BinaryNotFoundError('The binary data has neither content nor id');
    try {
      return (await stat(this.pathOf(binary.id))).size;
    } catch (error) {
      throw missing(binary.id, error);
    }
  }

  /** Deletes every file stored for a run (pruning, run deletion). Missing folders are fine. */
  async deleteForRun(runId: string): Promise<void> {
    const dir = scopeDir(runId);
    if (dir === SHARED) return;
    await rm(join(this.root, dir), { recursive: true, force: true });
  }

  /** Filesystem path of an id; refuses anything that is not an id this store produced. */
  pathOf(id: string): string {
    const m = ID.exec(id);
    if (!m) throw new BinaryNotFoundError(`Invalid binary data id '${id.slice(0, 120)}'`);
    return join(this.root, m[1], m[2]);
  }

  private async writeFile(
    head: Uint8Array[],
    rest: AsyncIterator<Uint8Array> | undefined,
    meta: BinaryMeta,
    runId: string | undefined,
  ): Promise<BinaryData> {
    const scope = scopeDir(runId);
    const uuid = randomUUID();
    const dir = join(this.root, scope);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const path = join(dir, uuid);
    let size = 0;
    async function* chunks(): AsyncGenerator<Uint8Array> {
      for (const chunk of head) {
        size += chunk.byteLength;
        yield chunk;
      }
      if (rest === undefined) return;
      for (;;) {
        const next = await rest.next();
        if (next.done) return;
        size += next.value.byteLength;
        yield next.value;
      }
    }
    try {
      await pipeline(Readable.from(chunks()), createWriteStream(path, { flags: 'wx', mode: 0o600 }));
    } catch (error) {
      await rm(path, { force: true });
      throw error;
    }
    return { id: `fs:${scope}/${uuid}`, ...describeBinary(meta, size) };
  }
}

function inline(bytes: Uint8Array, meta: BinaryMeta): BinaryData {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { data: buffer.toString('base64'), ...describeBinary(meta, bytes.byteLength) };
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  return Buffer.concat(chunks, size);
}

function missing(id: string, error: unknown): Error {
  if ((error as { code?: string }).code === 'ENOENT') {
    return new BinaryNotFoundError(`The binary data '${id}' no longer exists (its run's files were deleted)`);
  }
  return error as Error;
}
