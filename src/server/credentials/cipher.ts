/**
 * AES-256-GCM for credential data (node:crypto): a random 12-byte IV per value, the 16-byte auth
 * tag, and the credential id as associated data, so a value copied onto another row does not
 * decrypt. A value reads `v1.<keyId>.<base64url(iv | tag | ciphertext)>`: `v1` names the format,
 * `keyId` the key (a short hash of it), so a changed key gives a clear error rather than garbage,
 * and a later key rotation can tell old values from new ones.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const FORMAT = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A stored value cannot be decrypted: the message says why, never what it held. */
export class CredentialDecryptError extends Error {
  override readonly name = 'CredentialDecryptError';
}

export class CredentialCipher {
  /** Identifies the key in stored values; 8 hex digits of a hash cannot reveal a 256-bit key. */
  readonly keyId: string;

  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new RangeError('AES-256-GCM needs a 32-byte key');
    this.keyId = createHash('sha256').update('relais key id\0').update(key).digest('hex').slice(0, 8);
  }

  encrypt(plaintext: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const payload = Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
    return `${FORMAT}.${this.keyId}.${payload}`;
  }

  decrypt(value: string, context: string): string {
    const [format, keyId, payload, extra] = value.split('.');
    if (format !== FORMAT || !keyId || payload === undefined || extra !== undefined) {
      throw new CredentialDecryptError('the stored value is not in a format this version of Relais reads');
    }
    if (keyId !== this.keyId) {
      throw new CredentialDecryptError(
        `it was encrypted with another key (key id ${keyId}; the current key is ${this.keyId}): ` +
          "RELAIS_ENCRYPTION_KEY or the data directory's encryption.key changed since it was saved",
      );
    }
    const bytes = Buffer.from(payload, 'base64url');
    if (bytes.length < IV_BYTES + TAG_BYTES)
      throw new CredentialDecryptError('the stored value is truncated');
    const decipher = createDecipheriv('aes-256-gcm', this.key, bytes.subarray(0, IV_BYTES), {
      authTagLength: TAG_BYTES,
    });
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    try {
      return Buffer.concat([
        decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      throw new CredentialDecryptError(
        'the stored value fails its integrity check (altered, or moved from another credential)',
      );
    }
  }
}
