/**
 * CORS for the API (`/api/...`) from RELAIS_CORS_ORIGINS: exact origins (`https://app.example.com`),
 * none by default. Other paths get no CORS headers from here: webhooks answer CORS per webhook
 * (their own OPTIONS route, or `config.cors` on the route).
 */
import cors from '@fastify/cors';
import type { App } from '../deps.js';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];
const ALLOWED_HEADERS = ['Authorization', 'Content-Type', 'X-API-Key', 'Idempotency-Key'];
const EXPOSED_HEADERS = ['Retry-After', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'];

export function isApiPath(url: string): boolean {
  return url === '/api' || url.startsWith('/api/') || url.startsWith('/api?');
}

export async function registerCors(app: App, origins: readonly string[]): Promise<void> {
  // No origin allowed (the default): nothing to answer, and webhooks, which every request of a
  // burst may be, skip the plugin's per-request hook (~1.5% of a webhook's CPU).
  if (origins.length === 0) return;
  const allowed = new Set(origins.map((o) => o.replace(/\/$/, '')));
  // Registered before the auth guard: a preflight carries no credentials and is answered here.
  await app.register(cors, {
    hook: 'onRequest',
    delegator: (request, callback) => {
      const origin = request.headers.origin;
      if (!origin || !allowed.has(origin) || !isApiPath(request.url))
        return callback(null, { origin: false });
      callback(null, {
        origin,
        credentials: true,
        methods: METHODS,
        allowedHeaders: ALLOWED_HEADERS,
        exposedHeaders: EXPOSED_HEADERS,
        maxAge: 600,
      });
    },
  });
}
