/**
 * The auth guard: every route declares `config: { permission }` (a Permission, 'authenticated'
 * or 'public'); a route without one is refused when it is registered, so none can be forgotten.
 * On each request the guard authenticates the caller, applies the rate limit for who it is, and
 * answers 401 (no or bad credentials) or 403 (role lacks the permission) before the handler runs.
 */
import type { RouteOptions } from 'fastify';
import { PERMISSIONS, type Principal, type RoutePermission } from '../auth/contract.js';
import { allows } from '../auth/permissions.js';
import type { AuthService } from '../auth/service.js';
import type { App } from '../deps.js';
import { forbidden, HttpError } from '../http-error.js';
import type { RateLimits } from './rate-limits.js';

export interface RoutePermissionInfo {
  method: string;
  url: string;
  permission: RoutePermission;
}

const KNOWN = new Set<string>([...PERMISSIONS, 'authenticated', 'public']);

/**
 * Routes added by third-party plugins, which cannot declare a permission: the CORS preflight
 * catch-all (answered before the guard anyway). Swagger UI is served through routes of our own.
 */
function thirdPartyPublic(route: RouteOptions): boolean {
  return route.method === 'OPTIONS' && route.url === '*';
}

/** Paths whose rate limits belong to someone else: webhooks are limited per workflow, if at all. */
function unlimited(url: string, routeConfig: { rateLimit?: unknown }): boolean {
  return routeConfig.rateLimit === false || url.startsWith('/webhook');
}

/**
 * Refuses routes registered without a permission, and returns the table of every route's
 * permission (filled as routes register). Installed before any route or plugin that adds routes.
 */
export function declarePermissions(app: App): RoutePermissionInfo[] {
  const table: RoutePermissionInfo[] = [];
  app.addHook('onRoute', (route) => {
    if (route.config?.permission === undefined && thirdPartyPublic(route)) {
      route.config = { ...route.config, permission: 'public' };
    }
    const permission = route.config?.permission;
    const name = `${[route.method].flat().join(',')} ${route.url}`;
    if (permission === undefined) {
      throw new Error(
        `route ${name} declares no permission: add config: { permission: '<permission>' | 'authenticated' | 'public' } ` +
          '(see src/server/auth/permissions.ts)',
      );
    }
    if (!KNOWN.has(permission))
      throw new Error(`route ${name} declares an unknown permission '${permission}'`);
    for (const method of [route.method].flat()) table.push({ method, url: route.url, permission });
  });
  return table;
}

/** The per-request check. Installed after CORS, whose preflight answers come first. */
export function installAuthGuard(app: App, auth: AuthService, limits: RateLimits): void {
  app.addHook('onRequest', async (request, reply) => {
    const config = request.routeOptions.config;
    const permission = config.permission;
    const url = request.routeOptions.url ?? request.url;
    if (permission === undefined && !request.is404) throw forbidden('This route declares no permission');
    if (permission === undefined || permission === 'public') {
      if (!unlimited(url, config)) await limits.api(request, reply, undefined);
      return;
    }
    const caller = await auth.authenticate(request);
    const principal: Principal | undefined =
      typeof caller === 'object' && caller !== null ? caller : undefined;
    await limits.api(request, reply, principal);
    // `details.permission` tells the caller what the route needs (and tests tell our refusals apart).
    const details = { permission };
    if (!principal) {
      throw new HttpError(
        401,
        'unauthorized',
        typeof caller === 'string' ? caller : 'Authentication required',
        details,
      );
    }
    if (!allows(principal.role, permission)) {
      throw new HttpError(
        403,
        'forbidden',
        `The ${principal.role} role does not have the permission ${permission}`,
        details,
      );
    }
    request.principal = principal;
  });
}
