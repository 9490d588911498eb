/**
 * Crypto v1/v2 (`Crypto/v1/CryptoV1.node.ts`, `Crypto/v2/CryptoV2.node.ts`) → Relais' Crypto node,
 * which takes v1's parameters. Both versions have the same `action` (default `hash`), `type`,
 * `value`, `dataPropertyName`, `encoding`, `binaryData`/`binaryPropertyName`, `algorithm`,
 * `encodingType` and `stringLength`. v2 moved the HMAC secret and the signing key out of the
 * parameters (v1's `secret`, `privateKey`) into an n8n `crypto` credential, whose values an export
 * never holds: v2 `hash` and `generate` map as they are, v2 `hmac` and `sign` stay unsupported.
 */
import { clone, Unmappable } from '../params.js';
import type { MapContext, MappedNode, Params } from '../types.js';

export function mapCrypto(p: Params, ctx: MapContext): MappedNode {
  const action = typeof p.action === 'string' ? p.action : 'hash';
  if (ctx.version >= 2 && (action === 'hmac' || action === 'sign')) {
    throw new Unmappable(
      `v2 '${action}' reads its ${action === 'hmac' ? 'secret' : 'private key'} from an n8n 'crypto' credential: set it in the node's '${action === 'hmac' ? 'secret' : 'privateKey'}' parameter (Crypto v1's form) instead`,
    );
  }
  return { type: 'crypto', parameters: clone(p), outputs: [[0]] };
}
