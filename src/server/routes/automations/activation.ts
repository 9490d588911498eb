/**
 * `PATCH /api/automations/:id/toggle`: registers the automation's triggers (webhook paths,
 * schedules, ...) or removes them. Activation is refused with 422 and every reason when the
 * automation cannot run unattended: unknown node types, no trigger, only a manual trigger, a
 * trigger kind that refuses its node (a webhook path taken by another automation...).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { ServerDeps } from '../../deps.js';
import { notFound, unprocessable } from '../../http-error.js';
import { automationSchema, toggleBodySchema } from '../../schemas/automations.js';
import { errorReplies, idParams } from '../../schemas/common.js';
import { activateTriggers, audit, automationViewOf, loadAutomation } from './shared.js';

export function automationActivationRoutes(deps: ServerDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.patch(
      '/api/automations/:id/toggle',
      {
        config: { permission: 'automations:write' },
        schema: {
          tags: ['automations'],
          summary: 'Activate or deactivate (no body: flip)',
          params: idParams,
          body: toggleBodySchema,
          response: { 200: automationSchema, ...errorReplies(400, 404, 422) },
        },
      },
      async (request) => {
        const { id } = request.params;
        const record = await loadAutomation(deps, id);
        const activate = request.body?.isActive ?? !record.active;
        if (activate) {
          // Also when already active: registering again repairs triggers that failed at start.
          const problems = await activateTriggers(deps, record);
          if (problems.length > 0) throw unprocessable('The automation cannot be activated', problems);
        } else {
          await deps.triggers.deactivate(id);
        }
        const updated =
          record.active === activate
            ? record
            : await deps.store.workflows.setActive(id, activate, { now: deps.clock.now() });
        if (!updated) {
          await deps.triggers.deactivate(id); // deleted meanwhile
          throw notFound(`Automation '${id}'`);
        }
        if (record.active !== activate) {
          await audit(deps, request, {
            action: activate ? 'automation.activated' : 'automation.deactivated',
            entityType: 'automation',
            entityId: id,
            details: { name: updated.name, version: updated.version },
          });
        }
        return automationViewOf(deps, updated);
      },
    );
  };
}
