/**
 * What the schedule, poll and event triggers share: the services they are wired with, the
 * deterministic run ids that make a repeated delivery start nothing new, starting a run through
 * the queue (so concurrency limits hold), and expressions evaluated outside a run (a poll's dedup
 * key per item, an event trigger's filter).
 */
import { createHash } from 'node:crypto';
import { DateTime } from 'luxon';
import type { Clock } from '../engine/clock.js';
import type { Engine } from '../engine/engine.js';
import { ExpressionError } from '../engine/errors.js';
import type { Item, JsonObject } from '../engine/items.js';
import { timezoneOf } from '../engine/node-context.js';
import type { RunStore, WorkflowRecord, WorkflowStore } from '../engine/ports.js';
import type { Workflow, WorkflowNode } from '../engine/workflow.js';
import { resolveParameters } from '../expressions/index.js';
import type { ExpressionData } from '../expressions/types.js';
import type { RunMode } from '../nodes/sdk.js';
import type { RunQueue } from '../queue/contract.js';
import type { TriggerStateStore } from '../store/trigger-state-store.js';

export interface TriggerLogger {
  info(data: object, message: string): void;
  warn(data: object, message: string): void;
  error(data: object, message: string): void;
}

/** The services a trigger kind acts through (explicit wiring, STYLE practice 11). */
export interface TriggerServices {
  engine: Pick<Engine, 'create'>;
  queue: Pick<RunQueue, 'submit'>;
  runs: Pick<RunStore, 'getRun'>;
  workflows: Pick<WorkflowStore, 'getWorkflow'>;
  triggers: TriggerStateStore;
  clock: Clock;
  logger: TriggerLogger;
}

/**
 * A UUID (version-5 shaped) derived from `parts`: the run of a schedule tick, a poll key or an
 * idempotent event always gets the same id, so a second delivery finds it instead of making another.
 */
export function deterministicId(...parts: string[]): string {
  const hex = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  const variant = ((Number.parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export interface TriggerRun {
  record: Pick<WorkflowRecord, 'id' | 'version' | 'workflow'>;
  node: WorkflowNode;
  items: readonly JsonObject[];
  runId: string;
  mode: RunMode;
}

/**
 * Creates the run with id `runId` unless it exists already, and hands it to the queue without
 * waiting for it to finish. Returns whether it was created here. A process that dies between the
 * two leaves a queued run, which start-up recovery drives.
 */
export async function startTriggerRun(services: TriggerServices, run: TriggerRun): Promise<boolean> {
  if (await services.runs.getRun(run.runId)) return false;
  try {
    await services.engine.create({
      workflow: run.record.workflow,
      workflowId: run.record.id,
      workflowVersion: run.record.version,
      mode: run.mode,
      triggerItems: run.items.map((json) => ({ json })),
      startNode: run.node.name,
      runId: run.runId,
    });
  } catch (error) {
    // Another process created it between our read and our insert (primary key): it owns it.
    if (await services.runs.getRun(run.runId)) return false;
    throw error;
  }
  services.queue
    .submit({ runId: run.runId })
    .catch((error) =>
      services.logger.error({ err: error, runId: run.runId }, 'triggered run failed to continue'),
    );
  return true;
}

function unavailable(what: string): never {
  throw new ExpressionError(`${what} is not available here`, {
    description:
      'Trigger expressions (dedup keys, filters) see only $json, $now, $today, $workflow and $vars.',
  });
}

/** What an expression sees when a trigger evaluates it on one item outside any run. */
export function triggerExpressionData(
  workflow: { id: string; workflow: Workflow },
  node: WorkflowNode,
  item: JsonObject,
  clock: Clock,
  vars: Readonly<Record<string, string>> = {},
): ExpressionData {
  const zone = timezoneOf(workflow.workflow);
  const items: Item[] = [{ json: item }];
  return {
    itemIndex: 0,
    runIndex: 0,
    inputItems: () => items,
    hasNode: () => false,
    isExecuted: () => false,
    nodeOutput: (name) => unavailable(`$('${name}')`),
    pairedItem: (name) => unavailable(`$('${name}')`),
    nodeParameters: () => node.parameters,
    workflow: { id: workflow.id, name: workflow.workflow.name, active: true },
    execution: { id: '', mode: 'production' },
    vars,
    now: () => DateTime.fromJSDate(clock.now(), { zone }),
    timezone: zone,
  };
}

/** Evaluates one parameter value (an expression or a plain value) on `item`. */
export function evaluateOn(
  value: unknown,
  workflow: { id: string; workflow: Workflow },
  node: WorkflowNode,
  item: JsonObject,
  clock: Clock,
  parameter: string,
): unknown {
  return resolveParameters(value, triggerExpressionData(workflow, node, item, clock), parameter);
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
