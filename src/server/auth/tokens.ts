/**
 * Token material: short-lived access tokens (JWT, HS256, signed with the server's secret), opaque
 * random refresh tokens and API keys (stored as SHA-256: they carry 256 bits of entropy, so a
 * slow hash adds nothing), and the secret itself (RELAIS_JWT_SECRET, or `jwt.key` in the data dir).
 */
import { createHash, randomBytes } from 'node:crypto';
import { link, mkdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errors, jwtVerify, SignJWT } from 'jose';
import type { Clock } from '../../engine/clock.js';

export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
export const REFRESH_TOKEN_TTL_MS = 7 * 24 * 3600 * 1000;
/** Every API key starts with this, so it is recognisable in a header and in a leaked file. */
export const API_KEY_PREFIX = 'rls_';

const ISSUER = 'relais';
const TYPE = 'at+jwt';

/** 32 random bytes, base64url: 256 bits, unguessable. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

export interface AccessClaims {
  userId: string;
  sessionId: string;
}

/** Why an access token was refused; the message goes to the client. */
export type AccessTokenError = 'expired' | 'invalid';

/** Signs and verifies access tokens; "now" comes from the clock so tests can expire tokens. */
export class AccessTokens {
  constructor(
    private readonly secret: Uint8Array,
    private readonly clock: Clock,
  ) {}

  sign(claims: AccessClaims): Promise<string> {
    const now = Math.floor(this.clock.now().getTime() / 1000);
    return new SignJWT({ sid: claims.sessionId })
      .setProtectedHeader({ alg: 'HS256', typ: TYPE })
      .setSubject(claims.userId)
      .setIssuer(ISSUER)
      .setAudience(ISSUER)
      .setIssuedAt(now)
      .setExpirationTime(now + ACCESS_TOKEN_TTL_SECONDS)
      .sign(this.secret);
  }

  async verify(token: string): Promise<AccessClaims | AccessTokenError> {
    try {
      const { payload } = await jwtVerify(token, this.secret, {
        algorithms: ['HS256'],
        issuer: ISSUER,
        audience: ISSUER,
        typ: TYPE,
        currentDate: this.clock.now(),
        requiredClaims: ['sub', 'exp', 'sid'],
      });
      if (typeof payload.sub !== 'string' || typeof payload.sid !== 'string') return 'invalid';
      return { userId: payload.sub, sessionId: payload.sid };
    } catch (error) {
      return error instanceof errors.JWTExpired ? 'expired' : 'invalid';
    }
  }
}

export interface SecretSource {
  jwtSecret?: string;
  dataDir: string;
}

/**
 * The signing secret: RELAIS_JWT_SECRET when set (needed when several processes serve the API),
 * else `jwt.key` in the data dir, created on first start with 0600 rights. `warn` reports a key
 * file others can read.
 */
export async function loadJwtSecret(
  source: SecretSource,
  warn: (message: string) => void,
): Promise<Uint8Array> {
  if (source.jwtSecret) return new TextEncoder().encode(source.jwtSecret);
  const file = join(source.dataDir, 'jwt.key');
  try {
    const mode = (await stat(file)).mode;
    if (mode & 0o077) warn(`${file} can be read by other users of this machine: chmod 600 it`);
    return decodeKey(await readFile(file, 'utf8'), file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(source.dataDir, { recursive: true });
  // Written whole under a temporary name, then linked into place: a second process starting at
  // the same time either links first or finds the complete file, never a half-written one.
  const key = randomToken(64);
  const temporary = `${file}.${randomToken(6)}.tmp`;
  await writeFile(temporary, `${key}\n`, { mode: 0o600, flag: 'wx' });
  try {
    await link(temporary, file);
    return decodeKey(key, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return decodeKey(await readFile(file, 'utf8'), file);
  } finally {
    await unlink(temporary);
  }
}

function decodeKey(text: string, file: string): Uint8Array {
  const key = Buffer.from(text.trim(), 'base64url');
  if (key.length < 32)
    throw new Error(`${file} holds less than 32 bytes of key: delete it to generate a new one`);
  return key;
}
