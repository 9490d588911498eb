/**
 * Automations (seeds/002): a stored workflow document plus `id`, `isActive`, `version`,
 * timestamps and run `stats`. Bodies are workflow documents (Relais, or an n8n export), checked
 * by `validateWorkflow` in the route so that problems name the node and the field.
 */
import { z } from 'zod';
import type { WorkflowRecord } from '../../engine/ports.js';
import { connectionSchema, nodeSchema, workflowSchema } from '../../engine/workflow.js';
import type { WorkflowRunStats } from '../../store/run-stats.js';
import { boolQuery, instant, iso, isoOrNull, pageQuery } from './common.js';
import { runSummarySchema } from './runs.js';

export const automationStatsSchema = z.object({
  totalRuns: z.number().int(),
  successfulRuns: z.number().int(),
  failedRuns: z.number().int(),
  lastRunAt: instant.nullable(),
  lastError: z.string().nullable(),
});

const problemSchema = z.object({ node: z.string().optional(), field: z.string(), message: z.string() });

/** The document as stored, plus what the server keeps about it. Loose: documents saved by older releases still show. */
export const automationSchema = workflowSchema
  .omit({ id: true, $schema: true })
  .extend({
    id: z.string(),
    nodes: z.array(nodeSchema.loose()),
    connections: z.array(connectionSchema.loose()),
    isActive: z.boolean(),
    version: z
      .number()
      .int()
      .meta({ description: 'Bumped by every save; runs keep the version they started on' }),
    createdAt: instant,
    updatedAt: instant,
    stats: automationStatsSchema.meta({ description: 'Runs of this automation, test runs excluded' }),
  })
  .loose();

/** A create or update also says what could not be checked or imported. */
export const savedAutomationSchema = automationSchema.extend({
  warnings: z.array(problemSchema).meta({
    description:
      'Saved, but prevent running: node types Relais does not have, n8n nodes kept as placeholders',
  }),
  import: z
    .object({
      format: z.literal('n8n'),
      mapped: z.array(z.string()),
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
      warnings: z.array(z.object({ node: z.string().optional(), message: z.string() })),
      activatable: z.boolean(),
    })
    .loose()
    .optional()
    .meta({ description: 'Present when the body was an n8n export: what was converted and what was not' }),
});

/** The body: a workflow document; a loose object here, validated by the route (problems name node and field). */
export const automationBodySchema = z.record(z.string(), z.unknown()).meta({
  description:
    'A Relais workflow document (`relais schema`) or an n8n workflow export. Fields of a reply ' +
    '(isActive, version, createdAt, updatedAt, stats, warnings, import) are ignored, so a GET reply can be PUT back.',
});

export const automationListQuery = pageQuery.extend({
  active: boolQuery.optional(),
  search: z.string().min(1).max(200).optional().meta({ description: 'Part of the name, any case' }),
});

export const toggleBodySchema = z
  .object({ isActive: z.boolean() })
  .strict()
  .nullish()
  .meta({ description: 'Omit the body to flip the current state' });

const sampleItems = z
  .union([z.record(z.string(), z.unknown()), z.array(z.record(z.string(), z.unknown()))])
  .meta({ description: 'An object (one item) or an array of objects (several): what the trigger emits' });

export const runBodySchema = z
  .object({
    items: sampleItems.optional(),
    trigger: z.string().min(1).optional().meta({ description: 'Name of the trigger node to start from' }),
  })
  .strict();

export const runWaitQuery = z.object({
  wait: boolQuery.default(true).meta({ description: 'false: answer 202 at once with the run id' }),
  timeout: z.coerce
    .number()
    .int()
    .min(1)
    .max(300)
    .default(30)
    .meta({ description: 'Seconds to wait for the run to finish or pause before answering 202' }),
});

export const startedRunSchema = runSummarySchema.extend({
  executionLog: z.array(z.unknown()).optional(),
});

export const versionInfoSchema = z.object({
  version: z.number().int(),
  createdAt: instant,
  current: z.boolean(),
});

/** Fields a reply adds to the document: dropped from a body, so that a reply can be sent back as is. */
export const REPLY_ONLY_FIELDS = [
  'isActive',
  'version',
  'createdAt',
  'updatedAt',
  'stats',
  'warnings',
  'import',
  '$schema',
] as const;

const NO_RUNS: WorkflowRunStats = {
  totalRuns: 0,
  successfulRuns: 0,
  failedRuns: 0,
  lastRunAt: null,
  lastError: null,
};

export function automationView(record: WorkflowRecord, stats: WorkflowRunStats | undefined) {
  const s = stats ?? NO_RUNS;
  const { id: _docId, ...doc } = record.workflow;
  return {
    ...doc,
    id: record.id,
    name: record.name,
    isActive: record.active,
    version: record.version,
    createdAt: iso(record.createdAt),
    updatedAt: iso(record.updatedAt),
    stats: { ...s, lastRunAt: isoOrNull(s.lastRunAt) },
  };
}
