/**
 * `/api/automation-runs`: run history with filters, one run with its execution log, cancel,
 * delete and retry (seeds/002 §6.2).
 *
 * Retry (`retryOf` links the runs): by default a failed run continues from its failed node with
 * that node's stored inputs, on the version it ran (the steps before it are replayed, not re-run);
 * `{ "from": "trigger" }` re-runs the automation's current version from the trigger with the same
 * trigger items (also the only choice for a run that did not fail).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { RunRecord } from '../../engine/ports.js';
import { isTerminal, RUN_STATUSES } from '../../engine/run-state.js';
import type { RunMode } from '../../nodes/sdk.js';
import type { ServerDeps } from '../deps.js';
import { conflict, notFound } from '../http-error.js';
import { runWaitQuery } from '../schemas/automations.js';
import {
  boolQuery,
  errorReplies,
  idParams,
  instantQuery,
  listQuery,
  noContent,
  pageOf,
  pageQuery,
} from '../schemas/common.js';
import { runDetail, runDetailSchema, runSummary, runSummarySchema } from '../schemas/runs.js';
import { driveAndWait, startRun } from './automations/execute.js';
import { audit } from './automations/shared.js';

const TAGS = ['runs'];
const RUN_MODES = [
  'manual',
  'test',
  'webhook',
  'trigger',
  'schedule',
  'poll',
  'event',
  'retry',
  'error',
  'subworkflow',
] as const satisfies readonly RunMode[];

const runListQuery = pageQuery.extend({
  automationId: z.string().min(1).optional(),
  status: listQuery(RUN_STATUSES).optional().meta({ description: 'One or several, comma-separated' }),
  mode: listQuery(RUN_MODES).optional(),
  isTest: boolQuery.optional(),
  from: instantQuery.optional().meta({ description: 'Created at or after (ISO 8601)' }),
  to: instantQuery.optional().meta({ description: 'Created before (ISO 8601)' }),
});

const retryBodySchema = z
  .object({
    from: z.enum(['failure', 'trigger']).default('failure').meta({
      description:
        '`failure` (default): continue a failed run from its failed node with its stored inputs; `trigger`: start again from the trigger on the current version',
    }),
  })
  .strict()
  .nullish();

export function runRoutes(deps: ServerDeps): FastifyPluginAsyncZod {
  const loadRun = async (id: string): Promise<RunRecord> => {
    const run = await deps.store.runs.getRun(id);
    if (!run) throw notFound(`Run '${id}'`);
    return run;
  };
  const nameOf = async (run: RunRecord) =>
    (await deps.store.workflows.getNames([run.workflowId])).get(run.workflowId) ?? null;

  return async (app) => {
    app.get(
      '/api/automation-runs',
      {
        config: { permission: 'runs:read' },
        schema: {
          tags: TAGS,
          summary: 'Runs, newest first, filtered by automation, status, mode, test flag and creation time',
          querystring: runListQuery,
          response: { 200: pageOf(runSummarySchema), ...errorReplies(400) },
        },
      },
      async (request) => {
        const q = request.query;
        const page = await deps.store.runs.listRuns({
          workflowId: q.automationId,
          statuses: q.status,
          modes: q.mode,
          isTest: q.isTest,
          from: q.from,
          to: q.to,
          limit: q.limit,
          cursor: q.cursor,
        });
        const names = await deps.store.workflows.getNames(page.items.map((r) => r.workflowId));
        return {
          items: page.items.map((run) => runSummary(run, names.get(run.workflowId) ?? null)),
          nextCursor: page.nextCursor,
        };
      },
    );

    app.get(
      '/api/automation-runs/:id',
      {
        config: { permission: 'runs:read' },
        schema: {
          tags: TAGS,
          summary: 'A run: status, trigger data, current node, error and the execution log',
          params: idParams,
          response: { 200: runDetailSchema, ...errorReplies(404) },
        },
      },
      async (request) => {
        const run = await loadRun(request.params.id);
        const [steps, name] = await Promise.all([deps.store.runs.listSteps(run.id), nameOf(run)]);
        return runDetail(run, steps, name);
      },
    );

    app.post(
      '/api/automation-runs/:id/cancel',
      {
        config: { permission: 'runs:write' },
        schema: {
          tags: TAGS,
          summary: 'Cancel a queued, running or waiting run',
          description:
            'A run executing in this process stops at the next node boundary (202); a queued or ' +
            'waiting run (or one held by a process that is gone) is canceled at once (200).',
          params: idParams,
          response: { 200: runSummarySchema, 202: runSummarySchema, ...errorReplies(404, 409) },
        },
      },
      async (request, reply) => {
        let run = await loadRun(request.params.id);
        const name = await nameOf(run);
        const record = (action: string) =>
          audit(deps, request, {
            action,
            entityType: 'run',
            entityId: run.id,
            details: { automationId: run.workflowId },
          });
        for (let attempt = 0; attempt < 3; attempt++) {
          if (isTerminal(run.status)) throw conflict(`The run is ${run.status} already`);
          if (deps.engine.cancel(run.id)) {
            await record('run.canceled');
            return reply.status(202).send(runSummary(run, name));
          }
          // Not driven here: end it in the store. A process still driving it elsewhere is refused
          // at its next step (its version is stale) and stops.
          const result = await deps.store.runs.transition(run.id, run.version, 'canceled', {
            finishedAt: deps.clock.now(),
            waitTill: null,
          });
          if (result.ok) {
            await deps.store.timers.cancelForRun(run.id);
            const canceled = await loadRun(run.id);
            deps.metrics.runFinished(canceled);
            await record('run.canceled');
            return runSummary(canceled, name);
          }
          run = await loadRun(run.id); // it moved meanwhile: look again
        }
        throw conflict('The run keeps changing; try again');
      },
    );

    app.delete(
      '/api/automation-runs/:id',
      {
        config: { permission: 'runs:write' },
        schema: {
          tags: TAGS,
          summary: 'Delete a run with its steps (not while it is queued or running: cancel it first)',
          params: idParams,
          response: { 204: noContent, ...errorReplies(404, 409) },
        },
      },
      async (request, reply) => {
        const { id } = request.params;
        const result = await deps.store.runs.deleteRun(id);
        if (!result.ok && result.reason === 'not_found') throw notFound(`Run '${id}'`);
        if (!result.ok && result.reason === 'in_flight') {
          throw conflict(`The run is ${result.status}: cancel it before deleting it`);
        }
        await audit(deps, request, { action: 'run.deleted', entityType: 'run', entityId: id });
        return reply.status(204).send(null);
      },
    );

    app.post(
      '/api/automation-runs/:id/retry',
      {
        config: { permission: 'automations:execute' },
        schema: {
          tags: TAGS,
          summary: 'Retry a run: from its failed node (default) or from the trigger on the current version',
          params: idParams,
          querystring: runWaitQuery,
          body: retryBodySchema,
          response: { 200: runDetailSchema, 202: runDetailSchema, ...errorReplies(400, 404, 409, 422) },
        },
      },
      async (request, reply) => {
        const original = await loadRun(request.params.id);
        if (!isTerminal(original.status))
          throw conflict(`The run is still ${original.status}: it can be retried once it ended`);
        const record = await deps.store.workflows.getWorkflow(original.workflowId);
        if (!record) throw notFound(`Automation '${original.workflowId}' of this run`);
        const wait = { wait: request.query.wait, timeoutMs: request.query.timeout * 1000 };
        if ((request.body?.from ?? 'failure') === 'failure') {
          if (original.status !== 'failed') {
            throw conflict(`The run ${original.status}; only a failed run continues from its failed node`, {
              hint: 'retry with { "from": "trigger" }',
            });
          }
          const version = await deps.store.workflows.getWorkflowVersion(
            original.workflowId,
            original.workflowVersion,
          );
          if (!version)
            throw notFound(`Version ${original.workflowVersion} of automation '${original.workflowId}'`);
          const retried = await deps.engine.retry(original, version, {
            from: 'failure',
            workflowVersion: original.workflowVersion,
          });
          const started = await driveAndWait(deps, retried, wait);
          await audit(deps, request, {
            action: 'run.retried',
            entityType: 'run',
            entityId: original.id,
            details: { automationId: record.id, runId: started.run.id, from: 'failure' },
          });
          return reply
            .status(started.settled ? 200 : 202)
            .send(runDetail(started.run, started.steps, record.name));
        }
        // Start from the trigger the original run started from, if the current version still has it.
        const [first] = await deps.store.runs.listSteps(original.id);
        const trigger = record.workflow.nodes.find(
          (n) => n.name === first?.nodeName && !n.disabled && deps.registry.get(n.type)?.group === 'trigger',
        );
        const started = await startRun(deps, {
          record,
          mode: 'retry',
          isTest: original.isTest,
          items: original.triggerItems,
          trigger: trigger?.name,
          retryOf: original.id,
          ...wait,
        });
        await audit(deps, request, {
          action: 'run.retried',
          entityType: 'run',
          entityId: original.id,
          details: { automationId: record.id, runId: started.run.id, from: 'trigger' },
        });
        return reply
          .status(started.settled ? 200 : 202)
          .send(runDetail(started.run, started.steps, record.name));
      },
    );
  };
}
