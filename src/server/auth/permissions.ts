/**
 * THE permission table: which role may do what. Routes declare the permission they need
 * (`config: { permission: 'automations:write' }`); the auth plugin checks it against this table
 * before the handler runs. `test/server/permissions.test.ts` calls every route as every role.
 *
 * | permission          | owner | admin | editor | viewer |
 * |---------------------|:-----:|:-----:|:------:|:------:|
 * | automations:read    |   ✓   |   ✓   |   ✓    |   ✓    |
 * | automations:write   |   ✓   |   ✓   |   ✓    |        |
 * | automations:execute |   ✓   |   ✓   |   ✓    |        |
 * | runs:read           |   ✓   |   ✓   |   ✓    |   ✓    |
 * | runs:write          |   ✓   |   ✓   |   ✓    |        |
 * | credentials:read    |   ✓   |   ✓   |   ✓    |        |
 * | credentials:write   |   ✓   |   ✓   |   ✓    |        |
 * | events:write        |   ✓   |   ✓   |   ✓    |        |
 * | templates:read      |   ✓   |   ✓   |   ✓    |   ✓    |
 * | templates:write     |   ✓   |   ✓   |   ✓    |        |
 * | tables:read         |   ✓   |   ✓   |   ✓    |   ✓    |
 * | tables:write        |   ✓   |   ✓   |   ✓    |        |
 * | stats:read          |   ✓   |   ✓   |   ✓    |   ✓    |
 * | users:read          |   ✓   |   ✓   |        |        |
 * | users:write         |   ✓   |   ✓¹  |        |        |
 * | apiKeys:read        |   ✓   |   ✓   |        |        |
 * | apiKeys:write       |   ✓   |   ✓¹  |        |        |
 * | audit:read          |   ✓   |   ✓   |        |        |
 *
 * ¹ Admins manage users and keys but not owners: creating, changing or deleting an owner (or an
 *   owner-role API key) needs the owner role — `canManageRole`, checked by the handlers, since
 *   it depends on the target, not on the route.
 */
import { PERMISSIONS, type Permission, type Role, type RoutePermission } from './contract.js';

const EDITOR: readonly Permission[] = [
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
  'stats:read',
];

const VIEWER: readonly Permission[] = [
  'automations:read',
  'runs:read',
  'templates:read',
  'tables:read',
  'stats:read',
];

export const ROLE_PERMISSIONS: Readonly<Record<Role, ReadonlySet<Permission>>> = {
  owner: new Set(PERMISSIONS),
  admin: new Set(PERMISSIONS),
  editor: new Set(EDITOR),
  viewer: new Set(VIEWER),
};

/** Whether a caller of this role passes a route declaring `permission`. */
export function allows(role: Role, permission: RoutePermission): boolean {
  if (permission === 'public' || permission === 'authenticated') return true;
  return ROLE_PERMISSIONS[role].has(permission);
}

/** Whether `actor` may create, change or delete a user or API key of role `target` (or give that role). */
export function canManageRole(actor: Role, target: Role): boolean {
  if (target === 'owner') return actor === 'owner';
  return actor === 'owner' || actor === 'admin';
}
