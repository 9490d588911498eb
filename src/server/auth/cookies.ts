/**
 * The web UI's session cookies: the access token (`relais_session`, sent everywhere) and the
 * refresh token (`relais_refresh`, sent only to /api/auth). HttpOnly so page scripts never read
 * them, SameSite=Strict so other sites cannot ride them (CSRF), Secure behind https.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ACCESS_TOKEN_TTL_SECONDS, REFRESH_TOKEN_TTL_MS } from './tokens.js';

export const SESSION_COOKIE = 'relais_session';
export const REFRESH_COOKIE = 'relais_refresh';
const REFRESH_PATH = '/api/auth';

/** One cookie's value from the Cookie header; undefined when absent. */
export function readCookie(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      const value = part.slice(eq + 1).trim();
      return value === '' ? undefined : value;
    }
  }
  return undefined;
}

function cookie(name: string, value: string, maxAgeSeconds: number, path: string, secure: boolean): string {
  return [
    `${name}=${value}`,
    `Path=${path}`,
    `Max-Age=${maxAgeSeconds}`,
    'HttpOnly',
    'SameSite=Strict',
    ...(secure ? ['Secure'] : []),
  ].join('; ');
}

/**
 * Secure when RELAIS_PUBLIC_URL is https, or the request came over https (directly or via a
 * trusted proxy). `publicUrl` is the explicit setting: one derived from the listening address is http.
 */
export function isSecure(request: FastifyRequest, publicUrl: string | undefined): boolean {
  return publicUrl?.startsWith('https:') === true || request.protocol === 'https';
}

export function setSessionCookies(
  reply: FastifyReply,
  tokens: { accessToken: string; refreshToken: string },
  secure: boolean,
): void {
  reply.header('set-cookie', [
    cookie(SESSION_COOKIE, tokens.accessToken, ACCESS_TOKEN_TTL_SECONDS, '/', secure),
    cookie(REFRESH_COOKIE, tokens.refreshToken, REFRESH_TOKEN_TTL_MS / 1000, REFRESH_PATH, secure),
  ]);
}

export function clearSessionCookies(reply: FastifyReply, secure: boolean): void {
  reply.header('set-cookie', [
    cookie(SESSION_COOKIE, '', 0, '/', secure),
    cookie(REFRESH_COOKIE, '', 0, REFRESH_PATH, secure),
  ]);
}
