/**
 * `GET /api/stats`: what a dashboard polls — runs per status per hour and per day over a window,
 * each automation's success rate, what is in flight now, the latest runs. A handful of grouped
 * queries whatever the number of runs or automations. Test runs are left out of the counts.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { RUN_STATUSES, type RunStatus } from '../../engine/run-state.js';
import type { RunCountBucket } from '../../store/run-stats.js';
import type { ServerDeps } from '../deps.js';
import { badRequest } from '../http-error.js';
import { errorReplies, instant, instantQuery, iso } from '../schemas/common.js';
import { runSummary, runSummarySchema } from '../schemas/runs.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const DEFAULT_WINDOW = 7 * DAY;
const MAX_WINDOW = 92 * DAY;

const countsSchema = z.object(
  Object.fromEntries(RUN_STATUSES.map((s) => [s, z.number().int()])) as Record<RunStatus, z.ZodNumber>,
);
const bucketSchema = z.object({ start: instant, counts: countsSchema });

const statsSchema = z.object({
  from: instant,
  to: instant,
  totals: countsSchema
    .extend({ total: z.number().int() })
    .meta({ description: 'Runs created in the window, by status' }),
  inFlight: z
    .object({ queued: z.number().int(), running: z.number().int(), waiting: z.number().int() })
    .meta({ description: 'Runs not finished right now, whenever created (test runs included)' }),
  hourly: z.array(bucketSchema).meta({ description: 'Every hour of the window (UTC), oldest first' }),
  daily: z.array(bucketSchema).meta({ description: 'Every day of the window (UTC), oldest first' }),
  automations: z.array(
    z.object({
      id: z.string(),
      name: z.string().nullable().meta({ description: 'Null when deleted since' }),
      total: z.number().int(),
      succeeded: z.number().int(),
      failed: z.number().int(),
      successRate: z
        .number()
        .nullable()
        .meta({ description: 'succeeded / (succeeded + failed), 0..1; null when none finished' }),
    }),
  ),
  recentRuns: z.array(runSummarySchema),
});

const zeroCounts = (): Record<RunStatus, number> =>
  Object.fromEntries(RUN_STATUSES.map((s) => [s, 0])) as Record<RunStatus, number>;

/** Every bucket from the one holding `from` to the one before `to`, zeros where no run was created. */
function dense(rows: RunCountBucket[], from: Date, to: Date, size: number) {
  const byStart = new Map<number, Record<RunStatus, number>>();
  for (let t = Math.floor(from.getTime() / size) * size; t < to.getTime(); t += size)
    byStart.set(t, zeroCounts());
  for (const row of rows) {
    const counts = byStart.get(row.start.getTime());
    if (counts) counts[row.status] += row.count;
  }
  return [...byStart].map(([start, counts]) => ({ start: iso(new Date(start)), counts }));
}

export function statsRoutes(deps: ServerDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/stats',
      {
        config: { permission: 'stats:read' },
        schema: {
          tags: ['stats'],
          summary:
            'Dashboard numbers over a window (default: the 7 days to the end of this hour; at most 92)',
          querystring: z.object({
            from: instantQuery.optional(),
            to: instantQuery.optional(),
            recent: z.coerce.number().int().min(0).max(50).default(10),
          }),
          response: { 200: statsSchema, ...errorReplies(400) },
        },
      },
      async (request) => {
        // Default: up to the end of the current hour, so the last hourly bucket is whole and holds now.
        const to = request.query.to ?? new Date((Math.floor(deps.clock.now().getTime() / HOUR) + 1) * HOUR);
        const from = request.query.from ?? new Date(to.getTime() - DEFAULT_WINDOW);
        if (from >= to)
          throw badRequest('`from` must be before `to`', [
            { field: 'querystring.from', message: 'before to' },
          ]);
        if (to.getTime() - from.getTime() > MAX_WINDOW) {
          throw badRequest('The window is longer than 92 days', [
            { field: 'querystring.from', message: 'at most 92 days before to' },
          ]);
        }
        const window = { from, to };
        const runs = deps.store.runs;
        const [hours, days, perWorkflow, inFlight, recent] = await Promise.all([
          runs.countRunsByBucket(window, HOUR),
          runs.countRunsByBucket(window, DAY),
          runs.countRunsByWorkflow(window),
          runs.countRunsByStatus(['queued', 'running', 'waiting']),
          runs.listRuns({ limit: Math.max(request.query.recent, 1), isTest: false }),
        ]);
        const totals = { ...zeroCounts(), total: 0 };
        for (const row of days) {
          totals[row.status] += row.count;
          totals.total += row.count;
        }
        const names = await deps.store.workflows.getNames(recent.items.map((r) => r.workflowId));
        return {
          from: iso(from),
          to: iso(to),
          totals,
          inFlight: {
            queued: inFlight.queued ?? 0,
            running: inFlight.running ?? 0,
            waiting: inFlight.waiting ?? 0,
          },
          hourly: dense(hours, from, to, HOUR),
          daily: dense(days, from, to, DAY),
          automations: perWorkflow
            .map((w) => {
              const succeeded = w.counts.succeeded ?? 0;
              const failed = w.counts.failed ?? 0;
              const total = Object.values(w.counts).reduce((a, b) => a + (b ?? 0), 0);
              return {
                id: w.workflowId,
                name: w.name,
                total,
                succeeded,
                failed,
                successRate: succeeded + failed > 0 ? succeeded / (succeeded + failed) : null,
              };
            })
            .sort((a, b) => b.total - a.total || a.id.localeCompare(b.id)),
          recentRuns: recent.items
            .slice(0, request.query.recent)
            .map((run) => runSummary(run, names.get(run.workflowId) ?? null)),
        };
      },
    );
  };
}
