/**
 * What a node sees of the binary store: put a file (bytes or a stream), read one back. The engine
 * gives each node execution an access bound to its run (files land in the run's folder and go with
 * it); nodes obtain it with `getBinaryAccess(ctx)`.
 *
 * The process provides the store as the `BINARY` service; without one (node tests, `relais run`
 * without a data directory) access is inline-only: every file stays base64 in the item, whatever
 * its size, and stored ids cannot be read.
 */
import { Readable } from 'node:stream';
import { NonRetryableError } from '../engine/errors.js';
import type { BinaryData, Item } from '../engine/items.js';
import { type NodeContext, serviceKey } from '../nodes/sdk.js';
import { type BinaryContent, type BinaryMeta, type BinaryStore, describeBinary } from './store.js';

export interface BinaryAccess {
  /** Stores a file for the current run; small files come back inline, larger ones as an `id`. */
  put(content: BinaryContent, meta: BinaryMeta): Promise<BinaryData>;
  /** The whole content of a file carried by an item. */
  get(binary: BinaryData): Promise<Buffer>;
  /** The content as a stream (stored files are not read whole). */
  stream(binary: BinaryData): Readable;
}

/** The binary data store, as a node-facing service. */
export const BINARY = serviceKey<BinaryStore>('binary');

/** The binary access of a node execution: bound to its run when the process has a store, else inline-only. */
export function getBinaryAccess(ctx: Pick<NodeContext<unknown>, 'findService' | 'execution'>): BinaryAccess {
  const store = ctx.findService(BINARY);
  return store ? binaryAccessFor(store, ctx.execution.id) : inlineBinaryAccess;
}

/** A store's access bound to one run: what the engine puts on the node context. */
export function binaryAccessFor(store: BinaryStore, runId: string): BinaryAccess {
  return {
    put: (content, meta) => store.put(content, meta, runId),
    get: (binary) => store.get(binary),
    stream: (binary) => store.stream(binary),
  };
}

function notStored(binary: BinaryData): never {
  throw new NonRetryableError(`The binary data '${binary.id}' is stored outside the run`, {
    code: 'BINARY_STORE_UNAVAILABLE',
    description: 'No binary data store is available to this node execution.',
  });
}

/** Everything inline (base64 in the item): for tests and until the engine provides a store. */
export const inlineBinaryAccess: BinaryAccess = {
  async put(content, meta) {
    const bytes = content instanceof Uint8Array ? content : await collect(content);
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return { data: buffer.toString('base64'), ...describeBinary(meta, buffer.byteLength) };
  },
  async get(binary) {
    if (binary.data !== undefined) return Buffer.from(binary.data, 'base64');
    return notStored(binary);
  },
  stream(binary) {
    if (binary.data !== undefined) return Readable.from([Buffer.from(binary.data, 'base64')]);
    return notStored(binary);
  },
};

async function collect(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/**
 * n8n's `assertBinaryData`: the binary property `property` of an item, or the error n8n gives when
 * it is missing.
 */
export function requireBinary(item: Item, property: string, itemIndex: number): BinaryData {
  if (item.binary === undefined) {
    throw new NonRetryableError('No binary data exists on item!', { itemIndex, code: 'BINARY_MISSING' });
  }
  const binary = item.binary[property];
  if (binary === undefined) {
    throw new NonRetryableError(
      `This operation expects the node's input data to contain a binary file '${property}', but none was found [item ${itemIndex}]`,
      {
        itemIndex,
        code: 'BINARY_MISSING',
        description: 'Make sure that the previous node outputs a binary file',
      },
    );
  }
  return binary;
}
