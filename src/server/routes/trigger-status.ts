/**
 * `GET /api/automations/:id/trigger-status`: what the automation's schedule and poll triggers are
 * doing — the next tick, the last poll, the last error and how many polls failed in a row (their
 * back-off), the cursor. Read from the trigger state rows (src/store/trigger-state-store.ts).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ServerDeps } from '../deps.js';
import { notFound } from '../http-error.js';
import { errorReplies, idParams } from '../schemas/common.js';

const nullableText = z.string().nullable();

const triggerStatus = z.object({
  nodeId: z.string(),
  node: z
    .string()
    .nullable()
    .meta({ description: 'Name of the trigger node (null: no longer in the workflow)' }),
  kind: z.enum(['schedule', 'poll']),
  active: z.boolean().meta({ description: 'Whether a next tick or poll is pending' }),
  nextAt: nullableText.meta({ description: 'Next tick or poll (ISO 8601)' }),
  lastTickAt: nullableText.optional(),
  lastPollAt: nullableText.optional(),
  lastSuccessAt: nullableText.optional(),
  lastError: nullableText.optional(),
  consecutiveFailures: z.number().int().optional(),
  cursor: nullableText.optional(),
  lastItems: z.number().int().optional(),
  lastNew: z.number().int().optional(),
  keysSeen: z.number().int().optional(),
});

const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const count = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

export function triggerStatusRoutes(deps: ServerDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/automations/:id/trigger-status',
      {
        config: { permission: 'automations:read' },
        schema: {
          tags: ['automations'],
          summary: 'Status of the schedule and poll triggers (next tick, last poll, errors, back-off)',
          params: idParams,
          response: { 200: z.object({ triggers: z.array(triggerStatus) }), ...errorReplies(401, 403, 404) },
        },
      },
      async (request) => {
        const record = await deps.store.workflows.getWorkflow(request.params.id);
        if (!record) throw notFound(`Automation '${request.params.id}'`);
        const names = new Map(record.workflow.nodes.map((n) => [n.id, n.name]));
        const states = await deps.store.triggers.list(record.id);
        const triggers = await Promise.all(
          states
            .filter((s) => s.kind === 'schedule' || s.kind === 'poll')
            .map(async (s) => {
              const base = {
                nodeId: s.nodeId,
                node: names.get(s.nodeId) ?? null,
                kind: s.kind as 'schedule' | 'poll',
                active: s.timerId !== null,
              };
              if (s.kind === 'schedule') {
                return {
                  ...base,
                  nextAt: s.timerId ? text(s.state.nextTick) : null,
                  lastTickAt: text(s.state.lastTick),
                };
              }
              return {
                ...base,
                nextAt: s.timerId ? text(s.state.nextPollAt) : null,
                lastPollAt: text(s.state.lastPollAt),
                lastSuccessAt: text(s.state.lastSuccessAt),
                lastError: text(s.state.lastError),
                consecutiveFailures: count(s.state.consecutiveFailures),
                cursor: text(s.state.cursor),
                lastItems: count(s.state.lastItems),
                lastNew: count(s.state.lastNew),
                keysSeen: await deps.store.triggers.countKeys(record.id, s.nodeId),
              };
            }),
        );
        return { triggers };
      },
    );
  };
}
