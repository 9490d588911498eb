/**
 * `/api/users`: people who log in. Admins manage everyone but owners; only an owner creates,
 * changes or deletes an owner; the last enabled owner can be neither demoted, disabled nor
 * deleted (409). Changing a password or disabling a user ends their sessions.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DuplicateEmailError, LAST_OWNER, type UserRecord } from '../../store/account-store.js';
import { InvalidCursorError } from '../../store/cursor.js';
import { type Principal, ROLES, type Role } from '../auth/contract.js';
import { hashPassword, passwordSchema } from '../auth/passwords.js';
import { canManageRole } from '../auth/permissions.js';
import type { ServerDeps } from '../deps.js';
import { badRequest, conflict, forbidden, notFound } from '../http-error.js';
import { errorReplies, idParams, pageOf, pageQuery } from '../schemas/common.js';
import { userSchema, userView } from './auth.js';

/** Runs a listing; a cursor the store did not make is the caller's mistake (400), not ours. */
export async function withCursor<T>(list: () => Promise<T>): Promise<T> {
  try {
    return await list();
  } catch (error) {
    if (error instanceof InvalidCursorError)
      throw badRequest('Invalid cursor: pass back a nextCursor unchanged');
    throw error;
  }
}

function mayManage(actor: Principal, role: string): void {
  if (!canManageRole(actor.role, role as Role)) throw forbidden('Only an owner can manage owners');
}

const lastOwner = () => conflict('This is the last enabled owner: make someone else owner first');

export function userRoutes(deps: ServerDeps): FastifyPluginAsyncZod {
  const { accounts } = deps.store;
  const find = async (id: string): Promise<UserRecord> => {
    const user = await accounts.getUser(id);
    if (!user) throw notFound('User');
    return user;
  };

  return async (app) => {
    app.get(
      '/api/users',
      {
        config: { permission: 'users:read' },
        schema: {
          tags: ['users'],
          summary: 'List users, newest first',
          querystring: pageQuery,
          response: { 200: pageOf(userSchema), ...errorReplies(400, 401, 403) },
        },
      },
      async (request) => {
        const page = await withCursor(() => accounts.listUsers(request.query));
        return { items: page.items.map(userView), nextCursor: page.nextCursor };
      },
    );

    app.get(
      '/api/users/:id',
      {
        config: { permission: 'users:read' },
        schema: {
          tags: ['users'],
          summary: 'One user',
          params: idParams,
          response: { 200: userSchema, ...errorReplies(401, 403, 404) },
        },
      },
      async (request) => userView(await find(request.params.id)),
    );

    app.post(
      '/api/users',
      {
        config: { permission: 'users:write' },
        schema: {
          tags: ['users'],
          summary: 'Create a user',
          body: z.object({ email: z.email().max(320), password: passwordSchema, role: z.enum(ROLES) }),
          response: { 201: userSchema, ...errorReplies(400, 401, 403, 409) },
        },
      },
      async (request, reply) => {
        const actor = request.principal!;
        const { email, password, role } = request.body;
        mayManage(actor, role);
        let user: UserRecord;
        try {
          user = await accounts.createUser({
            id: randomUUID(),
            email,
            passwordHash: await hashPassword(password),
            role,
            now: deps.clock.now(),
          });
        } catch (error) {
          if (error instanceof DuplicateEmailError) throw conflict('A user with this e-mail already exists');
          throw error;
        }
        await deps.audit.record(actor, request.ip, {
          action: 'user.created',
          entityType: 'user',
          entityId: user.id,
          details: { email: user.email, role },
        });
        return reply.status(201).send(userView(user));
      },
    );

    app.patch(
      '/api/users/:id',
      {
        config: { permission: 'users:write' },
        schema: {
          tags: ['users'],
          summary: 'Change a user’s role, disabled flag or password',
          params: idParams,
          body: z
            .object({
              role: z.enum(ROLES).optional(),
              disabled: z.boolean().optional(),
              password: passwordSchema.optional(),
            })
            .refine((b) => Object.values(b).some((v) => v !== undefined), 'give role, disabled or password'),
          response: { 200: userSchema, ...errorReplies(400, 401, 403, 404, 409) },
        },
      },
      async (request) => {
        const actor = request.principal!;
        const { role, disabled, password } = request.body;
        const target = await find(request.params.id);
        mayManage(actor, target.role);
        if (role) mayManage(actor, role);
        const now = deps.clock.now();
        const passwordHash = password === undefined ? undefined : await hashPassword(password);
        const user = await accounts.updateUser(target.id, { role, disabled, passwordHash, now });
        if (user === LAST_OWNER) throw lastOwner();
        if (!user) throw notFound('User');
        if (passwordHash || disabled) await accounts.revokeUserSessions(user.id, now);
        await deps.audit.record(actor, request.ip, {
          action: 'user.updated',
          entityType: 'user',
          entityId: user.id,
          details: {
            email: user.email,
            ...(role !== undefined && role !== target.role && { role: { from: target.role, to: role } }),
            ...(disabled !== undefined && disabled !== target.disabled && { disabled }),
            ...(password !== undefined && { passwordChanged: true }),
          },
        });
        return userView(user);
      },
    );

    app.delete(
      '/api/users/:id',
      {
        config: { permission: 'users:write' },
        schema: {
          tags: ['users'],
          summary: 'Delete a user (their sessions end; API keys they made keep working)',
          params: idParams,
          response: { 204: z.null(), ...errorReplies(401, 403, 404, 409) },
        },
      },
      async (request, reply) => {
        const actor = request.principal!;
        const target = await find(request.params.id);
        mayManage(actor, target.role);
        const deleted = await accounts.deleteUser(target.id);
        if (deleted === LAST_OWNER) throw lastOwner();
        if (!deleted) throw notFound('User');
        await deps.audit.record(actor, request.ip, {
          action: 'user.deleted',
          entityType: 'user',
          entityId: target.id,
          details: { email: target.email, role: target.role },
        });
        return reply.status(204).send(null);
      },
    );
  };
}
