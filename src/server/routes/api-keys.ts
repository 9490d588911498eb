/**
 * `/api/api-keys`: keys for applications, each with a name and a role. The key is shown once, in
 * the creation reply; afterwards only its prefix is. Revoked keys stay listed (with `revokedAt`)
 * so the audit trail keeps its names.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiKeyRecord } from '../../store/account-store.js';
import { ROLES, type Role } from '../auth/contract.js';
import { canManageRole } from '../auth/permissions.js';
import type { ServerDeps } from '../deps.js';
import { forbidden, notFound, unprocessable } from '../http-error.js';
import { errorReplies, idParams, instant, iso, isoOrNull, pageOf, pageQuery } from '../schemas/common.js';
import { withCursor } from './users.js';

const apiKeySchema = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string().meta({ description: 'The first characters of the key, to tell keys apart' }),
  role: z.enum(ROLES),
  active: z.boolean(),
  createdBy: z.string().nullable(),
  createdAt: instant,
  expiresAt: instant.nullable(),
  lastUsedAt: instant.nullable().meta({ description: 'Updated at most once a minute' }),
  revokedAt: instant.nullable(),
});

function apiKeyView(key: ApiKeyRecord, now: Date): z.infer<typeof apiKeySchema> {
  return {
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    role: key.role as Role,
    active: !key.revokedAt && !(key.expiresAt && key.expiresAt <= now),
    createdBy: key.createdBy,
    createdAt: iso(key.createdAt),
    expiresAt: isoOrNull(key.expiresAt),
    lastUsedAt: isoOrNull(key.lastUsedAt),
    revokedAt: isoOrNull(key.revokedAt),
  };
}

export function apiKeyRoutes(deps: ServerDeps): FastifyPluginAsyncZod {
  const { accounts } = deps.store;
  return async (app) => {
    app.get(
      '/api/api-keys',
      {
        config: { permission: 'apiKeys:read' },
        schema: {
          tags: ['api keys'],
          summary: 'List API keys, newest first (never the keys themselves)',
          querystring: pageQuery,
          response: { 200: pageOf(apiKeySchema), ...errorReplies(400, 401, 403) },
        },
      },
      async (request) => {
        const page = await withCursor(() => accounts.listApiKeys(request.query));
        const now = deps.clock.now();
        return { items: page.items.map((k) => apiKeyView(k, now)), nextCursor: page.nextCursor };
      },
    );

    app.get(
      '/api/api-keys/:id',
      {
        config: { permission: 'apiKeys:read' },
        schema: {
          tags: ['api keys'],
          summary: 'One API key (without the key)',
          params: idParams,
          response: { 200: apiKeySchema, ...errorReplies(401, 403, 404) },
        },
      },
      async (request) => {
        const key = await accounts.getApiKey(request.params.id);
        if (!key) throw notFound('API key');
        return apiKeyView(key, deps.clock.now());
      },
    );

    app.post(
      '/api/api-keys',
      {
        config: { permission: 'apiKeys:write' },
        schema: {
          tags: ['api keys'],
          summary: 'Create an API key: the reply holds the key, shown this once only',
          body: z.object({
            name: z.string().trim().min(1).max(100),
            role: z.enum(ROLES),
            expiresAt: z.iso.datetime({ offset: true }).optional(),
          }),
          response: {
            201: apiKeySchema.extend({
              key: z
                .string()
                .meta({ description: 'Send as `Authorization: Bearer <key>` or `X-API-Key: <key>`' }),
            }),
            ...errorReplies(400, 401, 403, 422),
          },
        },
      },
      async (request, reply) => {
        const actor = request.principal!;
        const { name, role, expiresAt } = request.body;
        if (!canManageRole(actor.role, role)) throw forbidden('Only an owner can create owner keys');
        const now = deps.clock.now();
        const expiry = expiresAt ? new Date(expiresAt) : null;
        if (expiry && expiry <= now) throw unprocessable('expiresAt is in the past');
        const { apiKey, key } = await app.auth.createApiKey(actor, { name, role, expiresAt: expiry });
        await deps.audit.record(actor, request.ip, {
          action: 'apiKey.created',
          entityType: 'apiKey',
          entityId: apiKey.id,
          details: { name, role, prefix: apiKey.prefix },
        });
        return reply.status(201).send({ ...apiKeyView(apiKey, now), key });
      },
    );

    app.delete(
      '/api/api-keys/:id',
      {
        config: { permission: 'apiKeys:write' },
        schema: {
          tags: ['api keys'],
          summary: 'Revoke an API key: it stops working at once',
          params: idParams,
          response: { 204: z.null(), ...errorReplies(401, 403, 404) },
        },
      },
      async (request, reply) => {
        const actor = request.principal!;
        const existing = await accounts.getApiKey(request.params.id);
        if (!existing) throw notFound('API key');
        if (!canManageRole(actor.role, existing.role as Role))
          throw forbidden('Only an owner can revoke owner keys');
        const revoked = await accounts.revokeApiKey(existing.id, deps.clock.now());
        if (!existing.revokedAt) {
          await deps.audit.record(actor, request.ip, {
            action: 'apiKey.revoked',
            entityType: 'apiKey',
            entityId: existing.id,
            details: { name: existing.name, prefix: existing.prefix },
          });
        }
        if (!revoked) throw notFound('API key');
        return reply.status(204).send(null);
      },
    );
  };
}
