/**
 * `/api/setup`: the first owner of a fresh instance, once. It answers only while no user exists
 * (409 afterwards); whoever reaches a fresh server first becomes its owner, which is why the
 * server listens on 127.0.0.1 unless told otherwise (or set RELAIS_OWNER_EMAIL/PASSWORD).
 */
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { hashPassword, passwordSchema } from '../auth/passwords.js';
import { userPrincipal } from '../auth/service.js';
import type { ServerDeps } from '../deps.js';
import { conflict } from '../http-error.js';
import { errorReplies } from '../schemas/common.js';
import { tokenPairSchema, tokenPairView } from './auth.js';

export function setupRoutes(deps: ServerDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/setup',
      {
        config: { permission: 'public' },
        schema: {
          tags: ['auth'],
          summary: 'Whether this instance still needs its first owner',
          security: [],
          response: { 200: z.object({ needed: z.boolean() }), ...errorReplies(429) },
        },
      },
      async () => ({ needed: (await deps.store.accounts.countUsers()) === 0 }),
    );

    app.post(
      '/api/setup',
      {
        config: { permission: 'public' },
        schema: {
          tags: ['auth'],
          summary: 'Create the first owner (only while no user exists) and log in',
          security: [],
          body: z.object({ email: z.email().max(320), password: passwordSchema }),
          response: { 201: tokenPairSchema, ...errorReplies(400, 409, 429) },
        },
      },
      async (request, reply) => {
        const { accounts } = deps.store;
        if ((await accounts.countUsers()) > 0)
          throw conflict('This instance already has users: log in instead');
        const owner = await accounts.createFirstOwner({
          id: randomUUID(),
          email: request.body.email,
          passwordHash: await hashPassword(request.body.password),
          now: deps.clock.now(),
        });
        if (!owner) throw conflict('This instance already has users: log in instead');
        const principal = userPrincipal(owner);
        await deps.audit.record(principal, request.ip, {
          action: 'setup.owner_created',
          entityType: 'user',
          entityId: owner.id,
        });
        return reply.status(201).send(tokenPairView(await app.auth.startSession(owner)));
      },
    );
  };
}
