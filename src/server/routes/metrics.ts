/**
 * `/metrics`: Prometheus text format (src/server/metrics.ts). It needs `stats:read` (an API key
 * with the viewer role is enough for a scraper) unless `RELAIS_METRICS_PUBLIC=true`, for a
 * scraper on a private network that cannot send a header.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { ServerDeps } from '../deps.js';

export function metricsRoutes(deps: ServerDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/metrics',
      {
        config: { permission: deps.config.metricsPublic ? 'public' : 'stats:read', rateLimit: false },
        schema: { tags: ['stats'], summary: 'Prometheus metrics (text exposition format)' },
      },
      async (_request, reply) => {
        const text = await deps.metrics.render();
        return reply.type(deps.metrics.contentType).send(text);
      },
    );
  };
}
