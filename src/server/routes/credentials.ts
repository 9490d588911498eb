/**
 * `/api/credentials` and `/api/credential-types`. Secrets go in (encrypted at rest with
 * AES-256-GCM) and never come out: replies show the name, the type, which fields are set and
 * timestamps. Request bodies are never logged (no request logging; errors carry field paths only).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { credentialJsonSchema } from '../credentials/types.js';
import type { ServerDeps } from '../deps.js';
import { notFound } from '../http-error.js';
import { errorReplies, idParams, noContent, pageOf } from '../schemas/common.js';
import {
  createCredentialSchema,
  credentialListQuery,
  credentialSchema,
  credentialTypeSchema,
  credentialView,
  updateCredentialSchema,
} from '../schemas/credentials.js';
import { audit } from './automations/shared.js';

const TAGS = ['credentials'];

export function credentialRoutes(deps: ServerDeps): FastifyPluginAsyncZod {
  const service = deps.credentials;
  return async (app) => {
    app.get(
      '/api/credential-types',
      {
        config: { permission: 'credentials:read' },
        schema: {
          tags: TAGS,
          summary: 'Credential types and their fields (JSON Schema), for forms',
          response: { 200: pageOf(credentialTypeSchema) },
        },
      },
      async () => ({
        items: service.types.list().map((t) => ({
          type: t.type,
          displayName: t.displayName,
          description: t.description,
          properties: credentialJsonSchema(t),
        })),
        nextCursor: null,
      }),
    );

    app.get(
      '/api/credentials',
      {
        config: { permission: 'credentials:read' },
        schema: {
          tags: TAGS,
          summary: 'List credentials (never their values), newest first',
          querystring: credentialListQuery,
          response: { 200: pageOf(credentialSchema), ...errorReplies(400) },
        },
      },
      async (request) => {
        const page = await service.list(request.query);
        return { items: page.items.map(credentialView), nextCursor: page.nextCursor };
      },
    );

    app.post(
      '/api/credentials',
      {
        config: { permission: 'credentials:write' },
        schema: {
          tags: TAGS,
          summary: 'Create a credential; (type, name) is unique',
          body: createCredentialSchema,
          response: { 201: credentialSchema, ...errorReplies(400, 409) },
        },
      },
      async (request, reply) => {
        const created = await service.create(request.body);
        await audit(deps, request, {
          action: 'credential.created',
          entityType: 'credential',
          entityId: created.id,
          details: { name: created.name, type: created.type },
        });
        return reply.status(201).send(credentialView(created));
      },
    );

    app.get(
      '/api/credentials/:id',
      {
        config: { permission: 'credentials:read' },
        schema: { tags: TAGS, params: idParams, response: { 200: credentialSchema, ...errorReplies(404) } },
      },
      async (request) => {
        const found = await service.get(request.params.id);
        if (!found) throw notFound('Credential');
        return credentialView(found);
      },
    );

    app.put(
      '/api/credentials/:id',
      {
        config: { permission: 'credentials:write' },
        schema: {
          tags: TAGS,
          summary: 'Change a credential: its name, its type, some or all of its fields',
          params: idParams,
          body: updateCredentialSchema,
          response: { 200: credentialSchema, ...errorReplies(400, 404, 409) },
        },
      },
      async (request) => {
        const updated = await service.update(request.params.id, request.body);
        await audit(deps, request, {
          action: 'credential.updated',
          entityType: 'credential',
          entityId: updated.id,
          // Which fields changed, never their values.
          details: {
            name: updated.name,
            type: updated.type,
            fields: Object.keys(request.body.data ?? {}).sort(),
          },
        });
        return credentialView(updated);
      },
    );

    app.delete(
      '/api/credentials/:id',
      {
        config: { permission: 'credentials:write' },
        schema: { tags: TAGS, params: idParams, response: { 204: noContent, ...errorReplies(404) } },
      },
      async (request, reply) => {
        const found = await service.get(request.params.id);
        if (!found || !(await service.delete(found.id))) throw notFound('Credential');
        await audit(deps, request, {
          action: 'credential.deleted',
          entityType: 'credential',
          entityId: found.id,
          details: { name: found.name, type: found.type },
        });
        return reply.status(204).send(null);
      },
    );
  };
}
