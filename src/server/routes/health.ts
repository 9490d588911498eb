/** `/healthz`: the process is up and its store answers. */
import type { FastifyPluginAsync } from 'fastify';
import { sql } from 'kysely';
import type { ServerDeps } from '../deps.js';

export function healthRoutes(deps: ServerDeps): FastifyPluginAsync {
  return async (app) => {
    app.get(
      '/healthz',
      { schema: { hide: true }, config: { permission: 'public' } },
      async (_request, reply) => {
        try {
          await sql`select 1`.execute(deps.store.db);
          if (!deps.process) return { status: 'ok', store: deps.store.dialect };
          return {
            status: 'ok',
            role: deps.process.role,
            store: deps.store.dialect,
            queue: await deps.process.queue(),
          };
        } catch {
          return reply.status(503).send({ status: 'unavailable', store: deps.store.dialect });
        }
      },
    );
  };
}
