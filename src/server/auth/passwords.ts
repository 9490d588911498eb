/**
 * Passwords: argon2id (@node-rs/argon2's defaults are OWASP's: 19 MiB, 2 passes, 1 lane), hashed
 * on libuv's thread pool so a login never blocks the event loop.
 */
import { z } from 'zod';
import { lazyImport } from '../../lazy-import.js';

/** A native addon of ~12 MB: loaded by the first login or account change, not at start. */
const argon2 = lazyImport(() => import('@node-rs/argon2'));

/** 8 characters at least; the upper bound keeps a hash request from being a memory weapon. */
export const passwordSchema = z.string().min(8, 'at least 8 characters').max(1024);

export async function hashPassword(password: string): Promise<string> {
  return (await argon2()).hash(password);
}

/** False for a wrong password and for a malformed hash alike. */
export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await (await argon2()).verify(passwordHash, password);
  } catch {
    return false;
  }
}

let dummy: Promise<string> | undefined;

/**
 * Spends the time of one verification when the e-mail is unknown, so the answer's delay does
 * not tell which e-mails have accounts.
 */
export async function verifyNothing(password: string): Promise<false> {
  dummy ??= hashPassword('relais-timing-equaliser');
  await verifyPassword(await dummy, password);
  return false;
}
