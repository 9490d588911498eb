/** `/api/audit-log`: who created, changed, deleted or activated what, when and from where. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AuditRecord } from '../../store/audit-store.js';
import type { ServerDeps } from '../deps.js';
import { errorReplies, instant, instantQuery, iso, pageOf, pageQuery } from '../schemas/common.js';
import { withCursor } from './users.js';

const auditEntrySchema = z.object({
  id: z.string(),
  at: instant,
  actor: z.object({
    type: z.enum(['user', 'apiKey', 'anonymous']),
    id: z.string().nullable(),
    label: z.string().nullable().meta({ description: 'E-mail or key name at the time' }),
  }),
  ip: z.string().nullable(),
  action: z
    .string()
    .meta({ description: 'e.g. auth.login, user.created, apiKey.revoked, automation.activated' }),
  entityType: z.string(),
  entityId: z.string().nullable(),
  details: z.record(z.string(), z.unknown()).nullable(),
});

function auditView(entry: AuditRecord): z.infer<typeof auditEntrySchema> {
  return {
    id: entry.id,
    at: iso(entry.at),
    actor: { type: entry.actorType, id: entry.actorId, label: entry.actorLabel },
    ip: entry.ip,
    action: entry.action,
    entityType: entry.entityType,
    entityId: entry.entityId,
    details: entry.details,
  };
}

export function auditLogRoutes(deps: ServerDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/audit-log',
      {
        config: { permission: 'audit:read' },
        schema: {
          tags: ['audit'],
          summary: 'The audit log, newest first, filtered',
          querystring: pageQuery.extend({
            actor: z.string().min(1).optional().meta({ description: 'User or API key id' }),
            action: z.string().min(1).optional(),
            entityType: z.string().min(1).optional(),
            entityId: z.string().min(1).optional(),
            from: instantQuery.optional().meta({ description: 'Inclusive' }),
            to: instantQuery.optional().meta({ description: 'Exclusive' }),
          }),
          response: { 200: pageOf(auditEntrySchema), ...errorReplies(400, 401, 403) },
        },
      },
      async (request) => {
        const { actor, ...query } = request.query;
        const page = await withCursor(() => deps.store.audit.list({ ...query, actorId: actor }));
        return { items: page.items.map(auditView), nextCursor: page.nextCursor };
      },
    );
  };
}
