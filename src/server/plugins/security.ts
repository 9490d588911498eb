/**
 * Everything between the socket and a route handler that is about safety, installed on the root
 * instance before any route (buildApp calls this first):
 *   1. permission declarations checked at registration (a route without one is refused),
 *   2. security headers on every response,
 *   3. CORS for /api (preflights answered before authentication),
 *   4. rate limits, applied by
 *   5. the auth guard (401/403 before the handler, `request.principal` set).
 * Route modules reach the AuthService as `app.auth` and the limiters as `app.limits`;
 * `app.routePermissions` lists every route with its permission (the permission test uses it).
 */

import { AuthService } from '../auth/service.js';
import { loadJwtSecret } from '../auth/tokens.js';
import type { App, ServerDeps } from '../deps.js';
import { declarePermissions, installAuthGuard, type RoutePermissionInfo } from './auth-guard.js';
import { registerCors } from './cors.js';
import { type RateLimits, registerRateLimits } from './rate-limits.js';
import { installSecurityHeaders } from './security-headers.js';

declare module 'fastify' {
  interface FastifyInstance {
    auth: AuthService;
    limits: RateLimits;
    routePermissions: readonly RoutePermissionInfo[];
  }
}

export async function registerSecurity(app: App, deps: ServerDeps): Promise<void> {
  const table = declarePermissions(app);
  // The explicit setting: a URL derived from the listening address is always http.
  installSecurityHeaders(app, { https: deps.config.publicUrl?.startsWith('https:') ?? false });
  await registerCors(app, deps.config.corsOrigins);
  const limits = await registerRateLimits(app, deps.config.rateLimits);
  const secret = await loadJwtSecret(deps.config, (message) => deps.logger.warn(message));
  const auth = new AuthService({
    accounts: deps.store.accounts,
    audit: deps.audit,
    clock: deps.clock,
    secret,
    logger: deps.logger,
  });
  installAuthGuard(app, auth, limits);
  app.decorate('auth', auth);
  app.decorate('limits', limits);
  app.decorate('routePermissions', table);
}
