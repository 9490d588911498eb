/**
 * The workflow document (ARCHITECTURE decision 2): a workflow is data, validated by this schema on
 * every write. `workflowJsonSchema()` exports the same contract as JSON Schema for editors and the API.
 */
import { IANAZone } from 'luxon';
import { z } from 'zod';

export const retrySchema = z
  .object({
    maxTries: z.number().int().min(1).max(20).default(3),
    backoff: z.enum(['fixed', 'exponential']).default('fixed'),
    delayMs: z.number().int().min(0).max(86_400_000).default(1000),
    maxDelayMs: z
      .number()
      .int()
      .min(0)
      .max(30 * 86_400_000)
      .optional(),
    /** Fraction (0..1) of the delay added or removed at random, so retries of many runs spread out. */
    jitter: z.number().min(0).max(1).default(0),
    /** Retry only on these error codes or HTTP statuses; absent = any retryable error. */
    on: z.array(z.union([z.string(), z.number().int()])).optional(),
  })
  .strict();

export const nodeSchema = z
  .object({
    id: z.string().min(1),
    name: z.string().min(1),
    type: z.string().min(1),
    typeVersion: z.number().positive().default(1),
    position: z.tuple([z.number(), z.number()]).default([0, 0]),
    parameters: z.record(z.string(), z.unknown()).default({}),
    credentials: z
      .record(z.string(), z.object({ id: z.string().optional(), name: z.string().min(1) }).strict())
      .optional(),
    disabled: z.boolean().default(false),
    notes: z.string().optional(),
    retry: retrySchema.optional(),
    /** stop the run; continue with the input items passed on; or route failing items to an `error` output. */
    onError: z.enum(['stop', 'continue', 'errorOutput']).default('stop'),
    alwaysOutputData: z.boolean().default(false),
    executeOnce: z.boolean().default(false),
    /** Keeps an imported n8n webhook's URL (`/webhook/<webhookId>/<path>`). */
    webhookId: z.string().optional(),
  })
  .strict();

export const connectionSchema = z
  .object({
    from: z.string().min(1),
    /** Output index, or its name (`true`/`false` of IF, a Switch rule's name, `error`). */
    output: z.union([z.number().int().min(0), z.string().min(1)]).default(0),
    to: z.string().min(1),
    input: z.number().int().min(0).default(0),
  })
  .strict();

export const settingsSchema = z
  .object({
    timezone: z
      .string()
      .refine((tz) => IANAZone.isValidZone(tz), { message: 'unknown IANA time zone' })
      .optional(),
    saveData: z.enum(['all', 'errors', 'none']).default('all'),
    errorWorkflow: z.string().min(1).optional(),
    concurrency: z
      .object({
        max: z.number().int().min(1).optional(),
        /** Expression evaluated on the trigger item: runs with the same key share the limit. */
        key: z.string().optional(),
        /** Whether a waiting run keeps its slot (default: it does not). */
        holdWhileWaiting: z.boolean().default(false),
      })
      .strict()
      .optional(),
    executionOrder: z.literal('v1').default('v1'),
  })
  .strict();

export const workflowSchema = z
  .object({
    $schema: z.string().optional(),
    id: z.string().min(1).optional(),
    name: z.string().min(1),
    description: z.string().optional(),
    nodes: z.array(nodeSchema),
    connections: z.array(connectionSchema).default([]),
    settings: settingsSchema.default({ saveData: 'all', executionOrder: 'v1' }),
    tags: z.array(z.string()).optional(),
  })
  .strict();

export type RetrySettings = z.infer<typeof retrySchema>;
export type WorkflowNode = z.infer<typeof nodeSchema>;
export type Connection = z.infer<typeof connectionSchema>;
export type WorkflowSettings = z.infer<typeof settingsSchema>;
export type Workflow = z.infer<typeof workflowSchema>;
/** What a user writes: defaults may be left out. */
export type WorkflowInput = z.input<typeof workflowSchema>;

/** One problem found in a workflow document: which node (when it is about one), which field, what is wrong. */
export interface WorkflowProblem {
  node?: string;
  field: string;
  message: string;
}

export function workflowJsonSchema(): unknown {
  return z.toJSONSchema(workflowSchema, { io: 'input', unrepresentable: 'any' });
}

/** Maps zod issues to problems that name the node (by name) and the field path inside it. */
export function problemsFromZod(error: z.ZodError, doc: unknown): WorkflowProblem[] {
  const nodes = (doc as { nodes?: unknown })?.nodes;
  return error.issues.map((issue) => {
    const path = issue.path.map(String);
    if (path[0] === 'nodes' && path.length >= 2 && Array.isArray(nodes)) {
      const raw = nodes[Number(path[1])] as { name?: unknown } | undefined;
      const node = typeof raw?.name === 'string' ? raw.name : `#${path[1]}`;
      return { node, field: path.slice(2).join('.') || '(node)', message: issue.message };
    }
    return { field: path.join('.') || '(workflow)', message: issue.message };
  });
}
