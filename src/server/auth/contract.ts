/**
 * The access-control contract every route module relies on. A route declares the permission it
 * needs in its config (`config: { permission: 'automations:write' }`, or `'public'`); the auth
 * plugin authenticates the caller (access token, API key or session cookie), sets
 * `request.principal`, and refuses with 401/403 before the handler runs. The permission table
 * (roles → permissions) lives in one place: `permissions.ts`.
 */
export const ROLES = ['owner', 'admin', 'editor', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = [
  'automations:read',
  'automations:write',
  'automations:execute',
  'runs:read',
  'runs:write',
  'credentials:read',
  'credentials:write',
  'events:write',
  'templates:read',
  'templates:write',
  'tables:read',
  'tables:write',
  'users:read',
  'users:write',
  'apiKeys:read',
  'apiKeys:write',
  'audit:read',
  'stats:read',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/**
 * What a route declares: a permission, `'authenticated'` (any signed-in user or API key, whatever
 * its role: `/api/auth/me`), or `'public'` (no authentication at all: login, setup, webhooks —
 * a webhook's own `Authorization` header is then left to the webhook).
 */
export type RoutePermission = Permission | 'authenticated' | 'public';

/** Who is calling: a logged-in user, or an application with an API key (which has a role too). */
export interface Principal {
  kind: 'user' | 'apiKey';
  /** User id, or API key id. */
  id: string;
  role: Role;
  /** The user's e-mail, or the API key's name: what the audit log shows. */
  label: string;
  /** The login session an access token belongs to (users only): logout ends it. */
  sessionId?: string;
}

/** What the audit log records: who did what to which entity, when and from where. */
export interface AuditEntry {
  action: string;
  entityType: string;
  entityId?: string;
  details?: Record<string, unknown>;
}

export interface AuditSink {
  record(principal: Principal | undefined, ip: string, entry: AuditEntry): Promise<void>;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Required on every route: the permission it needs, or 'public'. */
    permission?: RoutePermission;
  }
  interface FastifyRequest {
    principal?: Principal;
  }
}
