/**
 * The credentials key (ARCHITECTURE decision 10): from `RELAIS_ENCRYPTION_KEY` — 32 bytes in hex
 * or base64, or any other string taken as a passphrase and stretched with scrypt — or else from
 * `encryption.key` in the data directory, generated on first start with 0600 rights. Lose the key
 * and every stored credential is lost with it: back it up with the data.
 */
import { randomBytes, scrypt } from 'node:crypto';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

/**
 * scrypt on the thread pool: the event loop goes on while the passphrase is stretched (start-up
 * overlaps it with opening the store), and the 16 MB it works in, taken on a pool thread, is given
 * back when it is done (`scryptSync` on the main thread left ~17 MB resident for good).
 */
const scryptAsync = promisify(scrypt) as (password: string, salt: string, keylen: number) => Promise<Buffer>;

export const KEY_FILE = 'encryption.key';
const KEY_BYTES = 32;
/**
 * Fixed salt: the same passphrase must give the same key on every start and every machine of a
 * cluster, and there is nowhere outside the key to keep a random salt. scrypt's cost still makes
 * guessing a passphrase slow; prefer a random 32-byte key.
 */
const PASSPHRASE_SALT = 'relais/credentials/v1';

export interface EncryptionKey {
  key: Buffer;
  /** Where it came from, for the start-up log line (never the key itself). */
  source: 'environment' | 'passphrase' | 'key file' | 'new key file';
}

export class EncryptionKeyError extends Error {
  override readonly name = 'EncryptionKeyError';
}

/** Parses `RELAIS_ENCRYPTION_KEY`: exact 32-byte hex or base64, else a passphrase. */
export async function keyFromSetting(value: string): Promise<EncryptionKey> {
  const text = value.trim();
  if (text.length === 0) throw new EncryptionKeyError('RELAIS_ENCRYPTION_KEY is empty');
  if (/^[0-9a-fA-F]{64}$/.test(text)) return { key: Buffer.from(text, 'hex'), source: 'environment' };
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(text)) {
    const key = Buffer.from(text, text.includes('-') || text.includes('_') ? 'base64url' : 'base64');
    if (key.length === KEY_BYTES) return { key, source: 'environment' };
  }
  return { key: await scryptAsync(text, PASSPHRASE_SALT, KEY_BYTES), source: 'passphrase' };
}

/**
 * The key to use: the setting when given, else the key file (created when missing). `warn` hears
 * about a key file readable by others (the file is not changed: the operator decides).
 */
export async function loadEncryptionKey(
  opts: { setting?: string; dataDir: string },
  warn: (message: string) => void = () => {},
): Promise<EncryptionKey> {
  if (opts.setting !== undefined && opts.setting !== '') return keyFromSetting(opts.setting);
  const path = join(opts.dataDir, KEY_FILE);
  await mkdir(opts.dataDir, { recursive: true });
  try {
    // `wx`: of two processes starting on a fresh data directory, one creates, the other reads.
    await writeFile(path, `${randomBytes(KEY_BYTES).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    // The umask cannot widen 0600 but may be odd on some systems: set it explicitly.
    await chmod(path, 0o600);
    return { key: await readKeyFile(path), source: 'new key file' };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const mode = (await stat(path)).mode & 0o777;
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    warn(`${path} is readable by other users (mode ${mode.toString(8)}); run: chmod 600 ${path}`);
  }
  return { key: await readKeyFile(path), source: 'key file' };
}

async function readKeyFile(path: string): Promise<Buffer> {
  const text = (await readFile(path, 'utf8')).trim();
  const key = Buffer.from(text, 'base64');
  if (key.length !== KEY_BYTES || key.toString('base64') !== text) {
    throw new EncryptionKeyError(`${path} does not hold a base64 32-byte key; restore it from a backup`);
  }
  return key;
}
