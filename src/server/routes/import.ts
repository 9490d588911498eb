/**
 * `POST /api/automations/import`: n8n workflows → automations. The body is one n8n export, an array
 * of them, `{ workflows: [...] }` or an n8n.io template. Each workflow is converted (`src/n8n`),
 * validated, and saved inactive under its n8n id when it has a usable one that is free (so that
 * Execute Workflow nodes keep pointing at the right workflow), else under a new id. Nodes Relais
 * lacks are saved as `unsupported` placeholders; such automations cannot be activated until they
 * are replaced. The reply lists, per workflow, what happened and the import report.
 * 201 when every workflow was saved, 200 when some were not (see each result), 400 when the body
 * holds no n8n workflow.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { validateWorkflow } from '../../engine/validate.js';
import { convertN8nWorkflow } from '../../n8n/convert.js';
import { n8nWorkflowsIn } from '../../n8n/documents.js';
import { type ConversionReport, credentialsToRecreate, summarize } from '../../n8n/report.js';
import type { N8nWorkflow } from '../../n8n/types.js';
import type { ServerDeps } from '../deps.js';
import { badRequest } from '../http-error.js';
import { errorReplies } from '../schemas/common.js';

/** Ids kept from an n8n export must be safe in URLs and logs (as for POST /api/automations). */
const CLIENT_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

const problemSchema = z.object({ node: z.string().optional(), field: z.string(), message: z.string() });

const reportSchema = z
  .object({
    workflow: z.string(),
    mapped: z.array(z.string()),
    mappedTypes: z.record(z.string(), z.number()),
    unsupported: z.array(z.object({ node: z.string(), type: z.string() })),
    ignored: z.array(
      z.object({
        node: z.string(),
        what: z.string(),
        parameter: z.string().optional(),
        why: z.string().optional(),
      }),
    ),
    changed: z.array(z.object({ node: z.string(), parameter: z.string(), why: z.string() })),
    credentials: z.array(z.object({ node: z.string(), type: z.string(), name: z.string() })),
    credentialsToRecreate: z.array(
      z.object({ type: z.string(), name: z.string(), usedBy: z.array(z.string()) }),
    ),
    warnings: z.array(z.object({ node: z.string().optional(), message: z.string() })),
    activatable: z.boolean(),
  })
  .meta({
    description:
      'What was converted, what was not, what may behave differently, which credentials to recreate',
  });

const resultSchema = z.object({
  name: z.string(),
  status: z.enum(['created', 'invalid', 'conflict']),
  id: z.string().optional(),
  version: z.number().int().optional(),
  message: z.string().optional(),
  problems: z.array(problemSchema).optional(),
  report: reportSchema,
});

const replySchema = z.object({
  created: z.number().int(),
  failed: z.number().int(),
  results: z.array(resultSchema),
  summary: z.object({
    workflows: z.number().int(),
    fullySupported: z.number().int(),
    withUnsupported: z.number().int(),
    unsupportedTypes: z.array(
      z.object({ type: z.string(), nodes: z.number().int(), workflows: z.number().int() }),
    ),
    credentials: z.array(z.object({ type: z.string(), name: z.string(), usedBy: z.array(z.string()) })),
    withChanges: z.number().int(),
    warnings: z.number().int(),
  }),
});

type Result = z.infer<typeof resultSchema>;

const bodySchema = z.union([z.record(z.string(), z.unknown()), z.array(z.unknown())]).meta({
  description: 'An n8n workflow export, an array of them, `{ workflows: [...] }`, or an n8n.io template',
});

function reportView(report: ConversionReport): Result['report'] {
  return { ...report, credentialsToRecreate: credentialsToRecreate(report) };
}

export function importRoutes(deps: ServerDeps): FastifyPluginAsyncZod {
  return async (app) => {
    const hasType = (type: string) => deps.registry.get(type) !== undefined;

    async function importOne(
      source: N8nWorkflow,
      taken: Set<string>,
    ): Promise<{ result: Result; report: ConversionReport }> {
      const { workflow, report } = convertN8nWorkflow(source, { hasType });
      const name = report.workflow;
      const checked = validateWorkflow(workflow, deps.registry);
      if (!checked.ok) {
        const result: Result = {
          name,
          status: 'invalid',
          message: 'The converted workflow is not valid',
          problems: checked.problems,
          report: reportView(report),
        };
        return { result, report };
      }
      const given = checked.workflow.id;
      if (
        given !== undefined &&
        CLIENT_ID.test(given) &&
        (taken.has(given) || (await deps.store.workflows.getWorkflow(given)))
      ) {
        const result: Result = {
          name,
          status: 'conflict',
          id: given,
          message: `Automation '${given}' exists already: PUT /api/automations/${given} to replace it`,
          report: reportView(report),
        };
        return { result, report };
      }
      const id = given !== undefined && CLIENT_ID.test(given) ? given : randomUUID();
      taken.add(id);
      const record = await deps.store.workflows.saveWorkflow(
        id,
        { ...checked.workflow, id },
        { now: deps.clock.now() },
      );
      return {
        result: { name, status: 'created', id, version: record.version, report: reportView(report) },
        report,
      };
    }

    app.post(
      '/api/automations/import',
      {
        config: { permission: 'automations:write' },
        schema: {
          tags: ['automations'],
          summary: 'Import n8n workflows as inactive automations, with an import report per workflow',
          body: bodySchema,
          response: { 200: replySchema, 201: replySchema, ...errorReplies(400) },
        },
      },
      async (request, reply) => {
        const sources = n8nWorkflowsIn(request.body);
        if (sources.length === 0) {
          throw badRequest('The body holds no n8n workflow', [
            {
              field: '(body)',
              message: 'expected an n8n export ({ nodes, connections }), an array, or { workflows: [...] }',
            },
          ]);
        }
        const taken = new Set<string>();
        const results: Result[] = [];
        const reports: ConversionReport[] = [];
        for (const source of sources) {
          const { result, report } = await importOne(source, taken);
          results.push(result);
          reports.push(report);
          if (result.status !== 'created' || !result.id) continue;
          await deps.audit.record(request.principal, request.ip, {
            action: 'automation.created',
            entityType: 'automation',
            entityId: result.id,
            details: {
              name: result.name,
              version: result.version,
              importedFrom: 'n8n',
              unsupportedNodes: result.report.unsupported.length,
            },
          });
        }
        const created = results.filter((r) => r.status === 'created').length;
        const summary = summarize(reports);
        return reply
          .status(created === results.length ? 201 : 200)
          .send({ created, failed: results.length - created, results, summary });
      },
    );
  };
}
