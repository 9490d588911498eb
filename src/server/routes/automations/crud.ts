/** `GET/POST /api/automations`, `GET/PUT/DELETE /api/automations/:id`. */
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { ServerDeps } from '../../deps.js';
import { badRequest, conflict, notFound, unprocessable } from '../../http-error.js';
import {
  automationBodySchema,
  automationListQuery,
  automationSchema,
  savedAutomationSchema,
} from '../../schemas/automations.js';
import { errorReplies, idParams, noContent, pageOf } from '../../schemas/common.js';
import { parseAutomationBody } from './document.js';
import { activateTriggers, audit, automationViewOf, automationViews, loadAutomation } from './shared.js';

const TAGS = ['automations'];
/** Ids chosen by a client (kept from an imported document) must be safe in URLs and logs. */
const CLIENT_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export function automationCrudRoutes(deps: ServerDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/automations',
      {
        config: { permission: 'automations:read' },
        schema: {
          tags: TAGS,
          summary: 'List automations, newest first',
          querystring: automationListQuery,
          response: { 200: pageOf(automationSchema), ...errorReplies(400) },
        },
      },
      async (request) => {
        const { limit, cursor, active, search } = request.query;
        const page = await deps.store.workflows.listWorkflows({ limit, cursor, active, search });
        return { items: await automationViews(deps, page.items), nextCursor: page.nextCursor };
      },
    );

    app.post(
      '/api/automations',
      {
        config: { permission: 'automations:write' },
        schema: {
          tags: TAGS,
          summary: 'Create an automation from a Relais workflow document or an n8n export',
          body: automationBodySchema,
          response: { 201: savedAutomationSchema, ...errorReplies(400, 409) },
        },
      },
      async (request, reply) => {
        const parsed = parseAutomationBody(request.body, deps.registry);
        const given = parsed.workflow.id;
        if (given !== undefined && !CLIENT_ID.test(given)) {
          throw badRequest('The workflow id is not valid', [
            { field: 'id', message: 'letters, digits, `_`, `.`, `-`; at most 64 characters' },
          ]);
        }
        const id = given ?? randomUUID();
        if (given !== undefined && (await deps.store.workflows.getWorkflow(id))) {
          throw conflict(`Automation '${id}' exists already: PUT /api/automations/${id} to change it`);
        }
        const record = await deps.store.workflows.saveWorkflow(
          id,
          { ...parsed.workflow, id },
          { now: deps.clock.now() },
        );
        await audit(deps, request, {
          action: 'automation.created',
          entityType: 'automation',
          entityId: id,
          details: { name: record.name, version: record.version },
        });
        const view = await automationViewOf(deps, record);
        return reply
          .status(201)
          .send({ ...view, warnings: parsed.warnings, ...(parsed.import && { import: parsed.import }) });
      },
    );

    app.get(
      '/api/automations/:id',
      {
        config: { permission: 'automations:read' },
        schema: { tags: TAGS, params: idParams, response: { 200: automationSchema, ...errorReplies(404) } },
      },
      async (request) => automationViewOf(deps, await loadAutomation(deps, request.params.id)),
    );

    app.put(
      '/api/automations/:id',
      {
        config: { permission: 'automations:write' },
        schema: {
          tags: TAGS,
          summary: 'Replace the document (a new version); an active automation is re-activated with it',
          params: idParams,
          body: automationBodySchema,
          response: { 200: savedAutomationSchema, ...errorReplies(400, 404, 422) },
        },
      },
      async (request) => {
        const { id } = request.params;
        const current = await loadAutomation(deps, id);
        const parsed = parseAutomationBody(request.body, deps.registry);
        const workflow = { ...parsed.workflow, id };
        if (current.active) {
          // Refuse before saving: an active automation always runs a version that can be activated.
          const problems = await deps.triggers.checkActivation({
            id,
            version: current.version + 1,
            workflow,
          });
          if (problems.length > 0) {
            throw unprocessable(
              'The automation is active and this version cannot be activated: deactivate it first',
              problems,
            );
          }
        }
        const record = await deps.store.workflows.saveWorkflow(id, workflow, { now: deps.clock.now() });
        let saved = record;
        if (record.active) {
          const problems = await activateTriggers(deps, record);
          if (problems.length > 0) {
            // Lost a race (a webhook path taken meanwhile): keep the version, but inactive.
            saved = (await deps.store.workflows.setActive(id, false, { now: deps.clock.now() })) ?? record;
            await audit(deps, request, {
              action: 'automation.deactivated',
              entityType: 'automation',
              entityId: id,
              details: { reason: problems.map((p) => p.message).join('; ') },
            });
          }
        }
        await audit(deps, request, {
          action: 'automation.updated',
          entityType: 'automation',
          entityId: id,
          details: { name: saved.name, version: saved.version },
        });
        const view = await automationViewOf(deps, saved);
        return { ...view, warnings: parsed.warnings, ...(parsed.import && { import: parsed.import }) };
      },
    );

    app.delete(
      '/api/automations/:id',
      {
        config: { permission: 'automations:write' },
        schema: {
          tags: TAGS,
          summary: 'Delete an automation and its versions (its runs stay as history)',
          params: idParams,
          response: { 204: noContent, ...errorReplies(404) },
        },
      },
      async (request, reply) => {
        const { id } = request.params;
        const record = await loadAutomation(deps, id);
        if (record.active) await deps.triggers.deactivate(id);
        if (!(await deps.store.workflows.deleteWorkflow(id))) throw notFound(`Automation '${id}'`);
        await audit(deps, request, {
          action: 'automation.deleted',
          entityType: 'automation',
          entityId: id,
          details: { name: record.name },
        });
        return reply.status(204).send(null);
      },
    );
  };
}
