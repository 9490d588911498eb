/**
 * Authentication: who is calling (access token, API key or session cookie), logging in, refresh
 * token rotation with theft detection, logout, password change, API key creation. Routes reach
 * it as `app.auth` (decorated by src/server/plugins/security.ts).
 */
import { randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Clock } from '../../engine/clock.js';
import type { AccountStore, ApiKeyRecord, UserRecord } from '../../store/account-store.js';
import { forbidden, unauthorized } from '../http-error.js';
import { type AuditSink, type Principal, ROLES, type Role } from './contract.js';
import { REFRESH_COOKIE, readCookie, SESSION_COOKIE } from './cookies.js';
import { hashPassword, verifyNothing, verifyPassword } from './passwords.js';
import {
  ACCESS_TOKEN_TTL_SECONDS,
  AccessTokens,
  API_KEY_PREFIX,
  REFRESH_TOKEN_TTL_MS,
  randomToken,
  sha256,
} from './tokens.js';

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  /** Seconds until the access token expires. */
  expiresIn: number;
  user: UserRecord;
}

export interface AuthServiceDeps {
  accounts: AccountStore;
  audit: AuditSink;
  clock: Clock;
  secret: Uint8Array;
  logger: Pick<Logger, 'error'>;
}

/** `last_used_at` is written at most this often per key: a busy key costs no write per request. */
const TOUCH_INTERVAL_MS = 60_000;

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

export function userPrincipal(user: UserRecord, sessionId?: string): Principal {
  if (!isRole(user.role)) throw new Error(`user ${user.id} has an unknown role`);
  return { kind: 'user', id: user.id, role: user.role, label: user.email, sessionId };
}

export class AuthService {
  private readonly tokens: AccessTokens;

  constructor(private readonly deps: AuthServiceDeps) {
    this.tokens = new AccessTokens(deps.secret, deps.clock);
  }

  /**
   * The caller, from `X-API-Key`, `Authorization: Bearer <access token | API key>` or the session
   * cookie, in that order. A string is why the credentials presented were refused; null means
   * none were presented.
   */
  async authenticate(request: FastifyRequest): Promise<Principal | string | null> {
    const apiKey = request.headers['x-api-key'];
    if (typeof apiKey === 'string' && apiKey !== '') return this.apiKeyPrincipal(apiKey);
    const authorization = request.headers.authorization;
    if (authorization) {
      const match = /^Bearer +(\S+)\s*$/i.exec(authorization);
      if (!match) return 'Unsupported Authorization header: use "Bearer <token>"';
      return match[1].startsWith(API_KEY_PREFIX)
        ? this.apiKeyPrincipal(match[1])
        : this.tokenPrincipal(match[1]);
    }
    const cookie = readCookie(request, SESSION_COOKIE);
    return cookie ? this.tokenPrincipal(cookie) : null;
  }

  /** The refresh token sent in the body, else the one in the refresh cookie. */
  refreshTokenOf(request: FastifyRequest, fromBody: string | undefined): string | undefined {
    return fromBody ?? readCookie(request, REFRESH_COOKIE);
  }

  async login(email: string, password: string, ip: string): Promise<TokenPair> {
    const { accounts, audit } = this.deps;
    const found = await accounts.findUserByEmail(email);
    const ok = found ? await verifyPassword(found.passwordHash, password) : await verifyNothing(password);
    if (!found || !ok) {
      await audit.record(undefined, ip, {
        action: 'auth.login_failed',
        entityType: 'user',
        entityId: found?.user.id,
        details: { email: email.trim().toLowerCase() },
      });
      throw unauthorized('Invalid email or password');
    }
    const principal = userPrincipal(found.user);
    if (found.user.disabled) {
      await audit.record(principal, ip, {
        action: 'auth.login_refused',
        entityType: 'user',
        entityId: found.user.id,
      });
      throw forbidden('This account is disabled');
    }
    await accounts.pruneSessions(this.deps.clock.now());
    const pair = await this.startSession(found.user);
    await audit.record(principal, ip, { action: 'auth.login', entityType: 'user', entityId: found.user.id });
    return pair;
  }

  /** A new session for `user`, without checking a password: login, password change, tests. */
  async startSession(user: UserRecord): Promise<TokenPair> {
    const now = this.deps.clock.now();
    const sessionId = randomUUID();
    const refreshToken = randomToken();
    await this.deps.accounts.createSession({
      id: sessionId,
      userId: user.id,
      tokenHash: sha256(refreshToken),
      expiresAt: new Date(now.getTime() + REFRESH_TOKEN_TTL_MS),
      now,
    });
    return this.pair(user, sessionId, refreshToken);
  }

  async refresh(refreshToken: string, ip: string): Promise<TokenPair> {
    const { accounts, audit, clock } = this.deps;
    const now = clock.now();
    const next = randomToken();
    const result = await accounts.rotateRefreshToken(sha256(refreshToken), {
      tokenHash: sha256(next),
      expiresAt: new Date(now.getTime() + REFRESH_TOKEN_TTL_MS),
      now,
    });
    if (!result.ok) {
      if (result.reason === 'reused') {
        await audit.record(undefined, ip, {
          action: 'auth.refresh_token_reused',
          entityType: 'session',
          entityId: result.sessionId,
          details: { userId: result.userId, consequence: 'session revoked' },
        });
      }
      throw unauthorized('Invalid or expired refresh token');
    }
    const user = await accounts.getSessionUser(result.sessionId, result.userId);
    if (!user || user.disabled) {
      await accounts.revokeSession(result.sessionId, now);
      throw unauthorized('Invalid or expired refresh token');
    }
    return this.pair(user, result.sessionId, next);
  }

  /** Ends the session of the refresh token given, else the caller's. Unknown tokens end nothing. */
  async logout(
    refreshToken: string | undefined,
    principal: Principal | undefined,
    ip: string,
  ): Promise<void> {
    const { accounts, clock } = this.deps;
    const sessionId = refreshToken
      ? await accounts.sessionOfRefreshToken(sha256(refreshToken))
      : principal?.sessionId;
    if (sessionId && (await accounts.revokeSession(sessionId, clock.now()))) {
      await this.deps.audit.record(principal, ip, {
        action: 'auth.logout',
        entityType: 'session',
        entityId: sessionId,
      });
    }
  }

  /** Changes the caller's own password; every session ends and a new one starts. */
  async changeOwnPassword(
    principal: Principal,
    current: string,
    next: string,
    ip: string,
  ): Promise<TokenPair> {
    const { accounts, clock } = this.deps;
    const hash = principal.kind === 'user' ? await accounts.getPasswordHash(principal.id) : null;
    if (!hash) throw forbidden('Only users have a password');
    if (!(await verifyPassword(hash, current))) throw forbidden('The current password is wrong');
    const user = await accounts.updateUser(principal.id, {
      passwordHash: await hashPassword(next),
      now: clock.now(),
    });
    if (!user || user === 'last_owner') throw unauthorized();
    await accounts.revokeUserSessions(user.id, clock.now());
    await this.deps.audit.record(principal, ip, {
      action: 'user.password_changed',
      entityType: 'user',
      entityId: user.id,
    });
    return this.startSession(user);
  }

  /** A new API key; the key itself is returned here only and never stored. */
  async createApiKey(
    createdBy: Principal,
    input: { name: string; role: Role; expiresAt?: Date | null },
  ): Promise<{ apiKey: ApiKeyRecord; key: string }> {
    const key = `${API_KEY_PREFIX}${randomToken()}`;
    const apiKey = await this.deps.accounts.createApiKey({
      id: randomUUID(),
      name: input.name,
      prefix: key.slice(0, API_KEY_PREFIX.length + 8),
      keyHash: sha256(key),
      role: input.role,
      createdBy: createdBy.kind === 'user' ? createdBy.id : null,
      expiresAt: input.expiresAt ?? null,
      now: this.deps.clock.now(),
    });
    return { apiKey, key };
  }

  private async pair(user: UserRecord, sessionId: string, refreshToken: string): Promise<TokenPair> {
    const accessToken = await this.tokens.sign({ userId: user.id, sessionId });
    return { accessToken, refreshToken, tokenType: 'Bearer', expiresIn: ACCESS_TOKEN_TTL_SECONDS, user };
  }

  private async tokenPrincipal(token: string): Promise<Principal | string> {
    const claims = await this.tokens.verify(token);
    if (claims === 'expired') return 'The access token has expired';
    if (claims === 'invalid') return 'Invalid access token';
    const user = await this.deps.accounts.getSessionUser(claims.sessionId, claims.userId);
    if (!user) return 'The session has ended';
    if (user.disabled) return 'This account is disabled';
    return isRole(user.role) ? userPrincipal(user, claims.sessionId) : 'Invalid access token';
  }

  private async apiKeyPrincipal(key: string): Promise<Principal | string> {
    const now = this.deps.clock.now();
    const record = await this.deps.accounts.findApiKeyByHash(sha256(key));
    if (
      !record ||
      record.revokedAt ||
      (record.expiresAt && record.expiresAt <= now) ||
      !isRole(record.role)
    ) {
      return 'Invalid API key';
    }
    if (!record.lastUsedAt || now.getTime() - record.lastUsedAt.getTime() >= TOUCH_INTERVAL_MS) {
      await this.deps.accounts
        .touchApiKey(record.id, now)
        .catch((error) => this.deps.logger.error({ err: error }, 'could not record API key use'));
    }
    return { kind: 'apiKey', id: record.id, role: record.role, label: record.name };
  }
}
