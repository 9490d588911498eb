/**
 * `POST /api/automations/:id/test` (sample data, marked as a test), `POST /api/automations/:id/run`
 * (a manual run) and `GET /api/automations/:id/runs`. Both starts answer the run with its
 * execution log once it ended or paused (200), or 202 when it is still going after `timeout`
 * seconds or with `?wait=false`.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { RUN_STATUSES } from '../../../engine/run-state.js';
import type { ServerDeps } from '../../deps.js';
import { runBodySchema, runWaitQuery } from '../../schemas/automations.js';
import { errorReplies, idParams, instantQuery, listQuery, pageOf, pageQuery } from '../../schemas/common.js';
import { runDetail, runDetailSchema, runSummary, runSummarySchema } from '../../schemas/runs.js';
import { startRun } from './execute.js';
import { loadAutomation } from './shared.js';

const TAGS = ['automations'];

export function automationExecutionRoutes(deps: ServerDeps): FastifyPluginAsyncZod {
  return async (app) => {
    for (const kind of ['test', 'run'] as const) {
      app.post(
        `/api/automations/:id/${kind}`,
        {
          config: { permission: 'automations:execute' },
          schema: {
            tags: TAGS,
            summary:
              kind === 'test'
                ? 'Run with sample data as a test (not counted in stats)'
                : 'Run now, by hand (from the manual trigger, or `trigger`)',
            params: idParams,
            querystring: runWaitQuery,
            body: runBodySchema.nullish(),
            response: { 200: runDetailSchema, 202: runDetailSchema, ...errorReplies(400, 404, 422) },
          },
        },
        async (request, reply) => {
          const record = await loadAutomation(deps, request.params.id);
          const started = await startRun(deps, {
            record,
            mode: kind === 'test' ? 'test' : 'manual',
            isTest: kind === 'test',
            items: request.body?.items,
            trigger: request.body?.trigger,
            wait: request.query.wait,
            timeoutMs: request.query.timeout * 1000,
          });
          return reply
            .status(started.settled ? 200 : 202)
            .send(runDetail(started.run, started.steps, record.name));
        },
      );
    }

    app.get(
      '/api/automations/:id/runs',
      {
        config: { permission: 'runs:read' },
        schema: {
          tags: TAGS,
          summary: 'Runs of this automation, newest first',
          params: idParams,
          querystring: pageQuery.extend({
            status: listQuery(RUN_STATUSES).optional(),
            from: instantQuery.optional(),
            to: instantQuery.optional(),
          }),
          response: { 200: pageOf(runSummarySchema), ...errorReplies(400, 404) },
        },
      },
      async (request) => {
        const record = await loadAutomation(deps, request.params.id);
        const { limit, cursor, status, from, to } = request.query;
        const page = await deps.store.runs.listRuns({
          workflowId: record.id,
          statuses: status,
          from,
          to,
          limit,
          cursor,
        });
        return { items: page.items.map((run) => runSummary(run, record.name)), nextCursor: page.nextCursor };
      },
    );
  };
}
