/**
 * Crypto (n8n `crypto` v1, `Crypto/v1/CryptoV1.node.ts`): hash, HMAC, sign, or generate a random
 * value, written to `dataPropertyName` of a copy of each item. As in n8n, the property name is one
 * literal key (lodash `set` with an array path does not split `a.b`), and hashing a binary property
 * drops the item's binary data from the output.
 */
import { createHash, createHmac, createSign, getHashes, randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { NodeError, NonRetryableError } from '../engine/errors.js';
import type { Item } from '../engine/items.js';
import { defineNode, mapItems } from './sdk.js';

/** n8n's hash list for `hash` and `hmac`. */
export const HASH_TYPES = ['MD5', 'SHA256', 'SHA3-256', 'SHA3-384', 'SHA3-512', 'SHA384', 'SHA512'] as const;

/** n8n removes these from Node's list for `sign` (not supported by OpenSSL 3 without legacy providers). */
const UNSUPPORTED_SIGN_ALGORITHMS = new Set([
  'RSA-MD4',
  'RSA-MDC2',
  'md4',
  'md4WithRSAEncryption',
  'mdc2',
  'mdc2WithRSA',
]);

export function signAlgorithms(): string[] {
  return getHashes().filter((name) => !UNSUPPORTED_SIGN_ALGORITHMS.has(name));
}

const params = z
  .object({
    action: z.enum(['hash', 'hmac', 'sign', 'generate']).default('hash'),
    /** Hash function for `hash` and `hmac`. */
    type: z.enum(HASH_TYPES).default('MD5'),
    /** The text to hash, HMAC or sign (numbers and booleans are turned into text). */
    value: z.unknown().default(''),
    /** Name of the output property (one key: `a.b` is not split, as in n8n). */
    dataPropertyName: z.string().min(1).default('data'),
    encoding: z.enum(['hex', 'base64']).default('hex'),
    /** Hash/HMAC the content of a binary property instead of `value`. */
    binaryData: z.boolean().default(false),
    binaryPropertyName: z.string().min(1).default('data'),
    /** HMAC secret. */
    secret: z.string().default(''),
    /** `sign`: PEM private key and algorithm (one of Node's hash names, e.g. `RSA-SHA256`). */
    privateKey: z.string().default(''),
    algorithm: z.string().default(''),
    /** `generate`: what to generate, and the length of random strings. */
    encodingType: z.enum(['ascii', 'base64', 'hex', 'uuid']).default('uuid'),
    stringLength: z.number().int().min(0).max(65_536).default(32),
  })
  .loose();

type Params = z.output<typeof params>;

function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined || value === null) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function generate(p: Params): string {
  if (p.encodingType === 'uuid') return randomUUID();
  const bytes = randomBytes(p.stringLength).toString(p.encodingType);
  // n8n strips `+`, `/` and `=` from base64 so the string is safe in URLs and names.
  return (p.encodingType === 'base64' ? bytes.replace(/\W/g, '') : bytes).slice(0, p.stringLength);
}

function binaryContent(item: Item, property: string): Buffer {
  const binary = item.binary?.[property];
  if (!binary) {
    throw new NodeError(
      `This operation expects the node's input data to contain a binary file '${property}', but none was found`,
    );
  }
  if (binary.data === undefined) {
    // Files stored outside the run need a binary-data port the node SDK does not offer yet.
    throw new NonRetryableError(
      `Binary property '${property}' is stored outside the run and cannot be read by Crypto`,
    );
  }
  return Buffer.from(binary.data, 'base64');
}

function digest(p: Params, item: Item): { value: string; binaryUsed: boolean } {
  const hash = p.action === 'hash' ? createHash(p.type) : createHmac(p.type, p.secret);
  if (p.binaryData)
    return {
      value: hash.update(binaryContent(item, p.binaryPropertyName)).digest(p.encoding),
      binaryUsed: true,
    };
  return { value: hash.update(textOf(p.value)).digest(p.encoding), binaryUsed: false };
}

function sign(p: Params): string {
  if (!p.algorithm)
    throw new NonRetryableError(`Invalid parameter 'algorithm': choose a signing algorithm, e.g. RSA-SHA256`);
  if (!signAlgorithms().includes(p.algorithm)) {
    throw new NonRetryableError(
      `Invalid parameter 'algorithm': '${p.algorithm}' is not a supported algorithm`,
    );
  }
  if (!p.privateKey)
    throw new NonRetryableError(`Invalid parameter 'privateKey': a PEM private key is required`);
  const signer = createSign(p.algorithm);
  signer.update(textOf(p.value));
  signer.end();
  try {
    return signer.sign(p.privateKey, p.encoding);
  } catch (error) {
    throw new NonRetryableError(`Invalid parameter 'privateKey': ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** Cryptographic utilities on each item: hash, HMAC, sign, generate. */
export const cryptoNode = defineNode({
  type: 'crypto',
  version: 1,
  displayName: 'Crypto',
  description: 'Hash, HMAC or sign a value, or generate a random string or UUID.',
  group: 'transform',
  replaySafe: true,
  params,
  inputs: 1,
  outputs: ['main'],
  async execute(ctx) {
    const out = await mapItems(ctx, (item, i) => {
      const p = ctx.getParams(i);
      let value: string;
      let binaryUsed = false;
      if (p.action === 'generate') value = generate(p);
      else if (p.action === 'sign') value = sign(p);
      else ({ value, binaryUsed } = digest(p, item));
      const result: Item = { json: { ...item.json, [p.dataPropertyName]: value }, pairedItem: { item: i } };
      if (item.binary !== undefined && !binaryUsed) result.binary = item.binary;
      return result;
    });
    return [out];
  },
});
