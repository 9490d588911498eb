/**
 * Rate limits (issue 3, "Errors and limits"), per minute and configurable (`config.rateLimits`,
 * 0 = no limit): anonymous calls per IP, authenticated calls per user or API key, logins per IP
 * and per account. Counters come from @fastify/rate-limit's in-memory store (a Redis store is one
 * option away for scale-out). The limiters are called by the auth guard, which knows who is
 * calling, rather than hooked on every route: webhooks are never limited here.
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config.js';
import type { Principal } from '../auth/contract.js';
import type { App } from '../deps.js';
import { HttpError } from '../http-error.js';

export interface RateLimits {
  /** The general API limit: per user or key when `principal` is known, else per IP. */
  api(request: FastifyRequest, reply: FastifyReply, principal: Principal | undefined): Promise<void>;
  /** Login attempts, per IP and per account (the e-mail given), on top of `api`. */
  login(request: FastifyRequest, reply: FastifyReply, email: string): Promise<void>;
}

const WINDOW_MS = 60_000;

type Limiter = ReturnType<App['createRateLimit']>;

export async function registerRateLimits(app: App, limits: Config['rateLimits']): Promise<RateLimits> {
  // `global: false`: the plugin hooks no route by itself; only the limiters below count.
  await app.register(rateLimit, { global: false, timeWindow: WINDOW_MS, cache: 10_000 });
  // The key of each check, handed to the limiter's key generator (which only sees the request).
  const keys = new WeakMap<FastifyRequest, string>();
  const limiter = (max: number): Limiter | undefined =>
    max > 0
      ? app.createRateLimit({
          max,
          timeWindow: WINDOW_MS,
          keyGenerator: (request) => keys.get(request) ?? request.ip,
        })
      : undefined;

  const anonymous = limiter(limits.anonymous);
  const authenticated = limiter(limits.authenticated);
  const loginByIp = limiter(limits.login);
  const loginByAccount = limiter(limits.login);

  async function check(
    limit: Limiter | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
    key: string,
  ) {
    if (!limit) return;
    keys.set(request, key);
    const result = await limit(request);
    if (result.isAllowed) return;
    reply.header('x-ratelimit-limit', result.max);
    reply.header('x-ratelimit-remaining', result.remaining);
    reply.header('x-ratelimit-reset', result.ttlInSeconds);
    if (result.isExceeded) {
      reply.header('retry-after', result.ttlInSeconds);
      throw new HttpError(429, 'rate_limited', `Too many requests: retry in ${result.ttlInSeconds} s`);
    }
  }

  return {
    api: (request, reply, principal) =>
      principal
        ? check(authenticated, request, reply, `${principal.kind}:${principal.id}`)
        : check(anonymous, request, reply, `ip:${request.ip}`),
    async login(request, reply, email) {
      await check(loginByIp, request, reply, `ip:${request.ip}`);
      await check(loginByAccount, request, reply, `account:${email.trim().toLowerCase()}`);
    },
  };
}
