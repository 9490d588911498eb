/**
 * Runs as the API shows them (seeds/002 `AutomationRun`): a summary for lists, and the detail with
 * the trigger data and the execution log — one entry per step with its input and output items.
 */
import { z } from 'zod';
import type { ErrorDetails } from '../../engine/errors.js';
import type { Item } from '../../engine/items.js';
import type { RunRecord, StepRecord } from '../../engine/ports.js';
import { RUN_STATUSES } from '../../engine/run-state.js';
import { instant, iso, isoOrNull } from './common.js';

const binarySchema = z.object({
  mimeType: z.string(),
  data: z.string().optional(),
  id: z.string().optional(),
  fileName: z.string().optional(),
  fileExtension: z.string().optional(),
  fileSize: z.number().optional(),
});

export const itemSchema = z
  .object({
    json: z.record(z.string(), z.unknown()),
    binary: z.record(z.string(), binarySchema).optional(),
    pairedItem: z.unknown().optional(),
  })
  .meta({ description: 'An item: `json`, optional `binary` files, `pairedItem` lineage' });

export const errorDetailsSchema = z.object({
  message: z.string(),
  description: z.string().optional(),
  node: z.string().optional(),
  itemIndex: z.number().int().optional(),
  code: z.string().optional(),
  httpStatus: z.number().int().optional(),
});

export const runSummarySchema = z.object({
  id: z.string(),
  automationId: z.string(),
  /** Null when the automation was deleted since. */
  automationName: z.string().nullable(),
  automationVersion: z.number().int(),
  status: z.enum(RUN_STATUSES),
  mode: z.string().meta({ description: 'manual, test, webhook, schedule, poll, event, retry, error, ...' }),
  isTest: z.boolean(),
  retryOf: z.string().nullable(),
  currentNode: z.string().nullable().meta({ description: 'The node executing, or the last one executed' }),
  error: errorDetailsSchema.nullable(),
  createdAt: instant,
  startedAt: instant.nullable(),
  finishedAt: instant.nullable(),
  waitTill: instant.nullable(),
  durationMs: z.number().int().nullable(),
});

export const stepEntrySchema = z.object({
  seq: z.number().int(),
  nodeId: z.string(),
  nodeName: z.string(),
  nodeType: z.string(),
  runIndex: z.number().int().meta({ description: 'How many times the node ran before in this run' }),
  status: z
    .string()
    .meta({ description: 'succeeded, failed, waiting, or retried (a failed attempt retried later)' }),
  startedAt: instant,
  completedAt: instant,
  durationMs: z.number().int(),
  inputCount: z.number().int(),
  outputCounts: z.array(z.number().int()),
  input: z
    .array(z.array(itemSchema))
    .nullable()
    .meta({ description: 'Items per input; null when not kept (saveData)' }),
  output: z
    .array(z.array(itemSchema))
    .nullable()
    .meta({ description: 'Items per output; null when not kept (saveData)' }),
  error: errorDetailsSchema.nullable(),
  logs: z.array(z.string()),
});

export const runDetailSchema = runSummarySchema.extend({
  triggerData: z.array(itemSchema).meta({ description: 'The items the trigger emitted' }),
  executionLog: z.array(stepEntrySchema),
});

export type RunSummary = z.infer<typeof runSummarySchema>;
export type RunDetail = z.infer<typeof runDetailSchema>;
export type StepEntry = z.infer<typeof stepEntrySchema>;

/** What a reply shows of an error: no stack trace (server paths are nobody's business). */
export function publicError(error: ErrorDetails | null): RunSummary['error'] {
  if (!error) return null;
  const { stack: _stack, ...rest } = error;
  return rest;
}

export function runSummary(run: RunRecord, automationName: string | null): RunSummary {
  return {
    id: run.id,
    automationId: run.workflowId,
    automationName,
    automationVersion: run.workflowVersion,
    status: run.status,
    mode: run.mode,
    isTest: run.isTest,
    retryOf: run.retryOf,
    currentNode: run.currentNode,
    error: publicError(run.error),
    createdAt: iso(run.createdAt),
    startedAt: isoOrNull(run.startedAt),
    finishedAt: isoOrNull(run.finishedAt),
    waitTill: isoOrNull(run.waitTill),
    durationMs: run.startedAt && run.finishedAt ? run.finishedAt.getTime() - run.startedAt.getTime() : null,
  };
}

export function runDetail(run: RunRecord, steps: StepRecord[], automationName: string | null): RunDetail {
  return {
    ...runSummary(run, automationName),
    triggerData: run.triggerItems,
    executionLog: executionLog(run, steps),
  };
}

/**
 * One entry per step. A succeeded step does not store its input (it would double the data): it is
 * derived from its `sources` — the output of the step that fed each input. The first step, the
 * trigger, was fed the trigger items.
 */
export function executionLog(run: RunRecord, steps: StepRecord[]): StepEntry[] {
  const outputs = new Map<string, Item[][] | null>();
  for (const step of steps) {
    if (step.status === 'succeeded') outputs.set(`${step.nodeName}\u0000${step.runIndex}`, step.output);
  }
  const first = steps[0]?.seq;
  return steps.map((step) => {
    let input = step.input;
    if (input === null && step.seq === first && step.sources.every((s) => s === null))
      input = [run.triggerItems];
    else if (input === null && step.status === 'succeeded') {
      input = [];
      for (const source of step.sources) {
        if (source === null) {
          input.push([]);
          continue;
        }
        const fed = outputs.get(`${source.node}\u0000${source.run}`);
        if (!fed) {
          input = null; // the source step's output was not kept
          break;
        }
        input.push(fed[source.output] ?? []);
      }
    }
    return {
      seq: step.seq,
      nodeId: step.nodeId,
      nodeName: step.nodeName,
      nodeType: step.nodeType,
      runIndex: step.runIndex,
      status: step.status,
      startedAt: iso(step.startedAt),
      completedAt: iso(step.finishedAt),
      durationMs: step.finishedAt.getTime() - step.startedAt.getTime(),
      inputCount: step.inputCount,
      outputCounts: step.outputCounts,
      input,
      output: step.output,
      error: publicError(step.error),
      logs: step.logs,
    };
  });
}
