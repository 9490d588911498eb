/**
 * `GET /api/automations/:id/versions` (every save is a version, newest first) and
 * `GET /api/automations/:id/versions/:version` (that document, in the automation's shape: PUT it
 * back to restore it as a new version).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ServerDeps } from '../../deps.js';
import { notFound } from '../../http-error.js';
import { automationSchema, versionInfoSchema } from '../../schemas/automations.js';
import { errorReplies, idParams, iso, pageOf, pageQuery } from '../../schemas/common.js';
import { automationViewOf, loadAutomation } from './shared.js';

const TAGS = ['automations'];

export function automationVersionRoutes(deps: ServerDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/automations/:id/versions',
      {
        config: { permission: 'automations:read' },
        schema: {
          tags: TAGS,
          summary: 'Saved versions, newest first',
          params: idParams,
          querystring: pageQuery,
          response: { 200: pageOf(versionInfoSchema), ...errorReplies(400, 404) },
        },
      },
      async (request) => {
        const record = await loadAutomation(deps, request.params.id);
        const page = await deps.store.workflows.listVersions(record.id, request.query);
        return {
          items: page.items.map((v) => ({
            version: v.version,
            createdAt: iso(v.createdAt),
            current: v.version === record.version,
          })),
          nextCursor: page.nextCursor,
        };
      },
    );

    app.get(
      '/api/automations/:id/versions/:version',
      {
        config: { permission: 'automations:read' },
        schema: {
          tags: TAGS,
          summary: 'One saved version of the document',
          params: idParams.extend({ version: z.coerce.number().int().min(1) }),
          response: { 200: automationSchema, ...errorReplies(400, 404) },
        },
      },
      async (request) => {
        const { id, version } = request.params;
        const record = await loadAutomation(deps, id);
        const saved = await deps.store.workflows.getVersionRecord(id, version);
        if (!saved) throw notFound(`Version ${version} of automation '${id}'`);
        // The automation's shape, with the document, version and save time of that version.
        return automationViewOf(deps, {
          ...record,
          name: saved.workflow.name,
          workflow: saved.workflow,
          version: saved.version,
          updatedAt: saved.createdAt,
        });
      },
    );
  };
}
