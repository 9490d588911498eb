/**
 * `/api/auth`: login, refresh (rotating), logout, who am I, change my password. Tokens come back
 * in the body; with `{ cookie: true }` they are also set as HttpOnly cookies for the web UI.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { UserRecord } from '../../store/account-store.js';
import { PERMISSIONS, ROLES } from '../auth/contract.js';
import {
  clearSessionCookies,
  isSecure,
  REFRESH_COOKIE,
  readCookie,
  SESSION_COOKIE,
  setSessionCookies,
} from '../auth/cookies.js';
import { passwordSchema } from '../auth/passwords.js';
import { ROLE_PERMISSIONS } from '../auth/permissions.js';
import type { TokenPair } from '../auth/service.js';
import type { ServerDeps } from '../deps.js';
import { unauthorized } from '../http-error.js';
import { errorReplies, instant, iso } from '../schemas/common.js';

export const userSchema = z.object({
  id: z.string(),
  email: z.string(),
  role: z.enum(ROLES),
  disabled: z.boolean(),
  createdAt: instant,
  updatedAt: instant,
});
export type UserView = z.infer<typeof userSchema>;

export function userView(user: UserRecord): UserView {
  return {
    id: user.id,
    email: user.email,
    role: user.role as UserView['role'],
    disabled: user.disabled,
    createdAt: iso(user.createdAt),
    updatedAt: iso(user.updatedAt),
  };
}

export const tokenPairSchema = z.object({
  accessToken: z.string().meta({ description: 'JWT, 15 minutes: send as `Authorization: Bearer <token>`' }),
  refreshToken: z.string().meta({ description: 'Opaque, 7 days, single use: exchange at /api/auth/refresh' }),
  tokenType: z.literal('Bearer'),
  expiresIn: z.number().int().meta({ description: 'Seconds until the access token expires' }),
  user: userSchema,
});

export function tokenPairView(pair: TokenPair): z.infer<typeof tokenPairSchema> {
  return { ...pair, user: userView(pair.user) };
}

const cookieFlag = z.boolean().optional().meta({ description: 'Also set the tokens as HttpOnly cookies' });
const tokenBody = z
  .object({ refreshToken: z.string().min(1).max(512).optional(), cookie: cookieFlag })
  .nullish();

export function authRoutes(deps: ServerDeps): FastifyPluginAsyncZod {
  const secure = (request: FastifyRequest) => isSecure(request, deps.config.publicUrl);
  const answer = (request: FastifyRequest, reply: FastifyReply, pair: TokenPair, cookie: boolean) => {
    if (cookie) setSessionCookies(reply, pair, secure(request));
    return tokenPairView(pair);
  };

  return async (app) => {
    app.post(
      '/api/auth/login',
      {
        config: { permission: 'public' },
        schema: {
          tags: ['auth'],
          summary: 'Log in with e-mail and password',
          security: [],
          body: z.object({
            email: z.string().min(1).max(320),
            password: z.string().min(1).max(1024),
            cookie: cookieFlag,
          }),
          response: { 200: tokenPairSchema, ...errorReplies(400, 401, 403, 429) },
        },
      },
      async (request, reply) => {
        const { email, password, cookie } = request.body;
        await app.limits.login(request, reply, email);
        const pair = await app.auth.login(email, password, request.ip);
        return answer(request, reply, pair, cookie === true);
      },
    );

    app.post(
      '/api/auth/refresh',
      {
        config: { permission: 'public' },
        schema: {
          tags: ['auth'],
          summary: 'Exchange a refresh token for new tokens (the old one stops working)',
          description:
            'Takes `refreshToken` from the body, or the refresh cookie. Reusing a spent token ends its session.',
          security: [],
          body: tokenBody,
          response: { 200: tokenPairSchema, ...errorReplies(400, 401, 429) },
        },
      },
      async (request, reply) => {
        const token = app.auth.refreshTokenOf(request, request.body?.refreshToken);
        if (!token) throw unauthorized('No refresh token given');
        const pair = await app.auth.refresh(token, request.ip);
        const cookie = request.body?.cookie ?? request.body?.refreshToken === undefined;
        return answer(request, reply, pair, cookie);
      },
    );

    app.post(
      '/api/auth/logout',
      {
        config: { permission: 'public' },
        schema: {
          tags: ['auth'],
          summary: 'End a session: the one of the refresh token given, else the caller’s',
          body: tokenBody,
          response: { 204: z.null(), ...errorReplies(400, 429) },
        },
      },
      async (request, reply) => {
        const caller = await app.auth.authenticate(request);
        const principal = typeof caller === 'object' && caller !== null ? caller : undefined;
        await app.auth.logout(
          app.auth.refreshTokenOf(request, request.body?.refreshToken),
          principal,
          request.ip,
        );
        if (
          readCookie(request, SESSION_COOKIE) !== undefined ||
          readCookie(request, REFRESH_COOKIE) !== undefined
        ) {
          clearSessionCookies(reply, secure(request));
        }
        return reply.status(204).send(null);
      },
    );

    app.get(
      '/api/auth/me',
      {
        config: { permission: 'authenticated' },
        schema: {
          tags: ['auth'],
          summary: 'Who is calling, with which role and permissions',
          response: {
            200: z.object({
              kind: z.enum(['user', 'apiKey']),
              id: z.string(),
              role: z.enum(ROLES),
              label: z.string(),
              permissions: z.array(z.enum(PERMISSIONS)),
              user: userSchema.nullable(),
            }),
            ...errorReplies(401, 429),
          },
        },
      },
      async (request) => {
        const principal = request.principal!;
        const user = principal.kind === 'user' ? await deps.store.accounts.getUser(principal.id) : null;
        return {
          kind: principal.kind,
          id: principal.id,
          role: principal.role,
          label: principal.label,
          permissions: [...ROLE_PERMISSIONS[principal.role]],
          user: user ? userView(user) : null,
        };
      },
    );

    app.post(
      '/api/auth/password',
      {
        config: { permission: 'authenticated' },
        schema: {
          tags: ['auth'],
          summary: 'Change my password: every session ends, new tokens come back',
          body: z.object({ currentPassword: z.string().min(1).max(1024), newPassword: passwordSchema }),
          response: { 200: tokenPairSchema, ...errorReplies(400, 401, 403, 429) },
        },
      },
      async (request, reply) => {
        const { currentPassword, newPassword } = request.body;
        await app.limits.login(request, reply, request.principal!.label);
        const pair = await app.auth.changeOwnPassword(
          request.principal!,
          currentPassword,
          newPassword,
          request.ip,
        );
        return answer(request, reply, pair, readCookie(request, SESSION_COOKIE) !== undefined);
      },
    );
  };
}
