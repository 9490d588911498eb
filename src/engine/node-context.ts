/**
 * Builds what a node sees of its run (NodeContext) and what its expressions see (ExpressionData).
 * Parameters are evaluated per item, then checked by the node's schema; parameters without any
 * expression are checked once per execution.
 */
import { DateTime } from 'luxon';
import type { z } from 'zod';
import { resolveParameters } from '../expressions/index.js';
import type { ExpressionData } from '../expressions/types.js';
import type {
  AnyNodeDefinition,
  NodeContext,
  NodeLogger,
  NodeServices,
  RunMode,
  ServiceKey,
} from '../nodes/sdk.js';
import type { Cancellation } from './cancellation.js';
import type { Clock } from './clock.js';
import { ExpressionError, NonRetryableError } from './errors.js';
import type { Item, ItemSource, JsonObject } from './items.js';
import { type ParamPlan, planParameters } from './param-plan.js';
import type { RunData } from './run-data.js';
import type { Workflow, WorkflowNode } from './workflow.js';

/** Everything about the run that is the same for all nodes of one execution. */
export interface RunScope {
  runId: string;
  mode: RunMode;
  workflowId: string;
  workflow: Workflow;
  active: boolean;
  runData: RunData;
  clock: Clock;
  vars: Readonly<Record<string, string>>;
  /** Computed when first read (it is signed): most runs never ask for it. */
  readonly resumeUrl?: string;
  logger: NodeLogger;
  cancellation: Cancellation;
  getCredentials(node: WorkflowNode, name: string): Promise<JsonObject>;
  services: NodeServices;
}

export interface NodeExecution {
  node: WorkflowNode;
  def: AnyNodeDefinition;
  inputs: Item[][];
  /** What `$input`/`$json` see when it differs from `inputs` (executeOnce hands the node only the first item). */
  expressionInputs?: Item[][];
  sources: (ItemSource | null)[];
  runIndex: number;
  state: { get(): JsonObject | undefined; set(value: JsonObject | undefined): void };
  logs: string[];
}

/** The process's zone, read once: `process.env` is a slow native lookup, and this runs per node execution. */
const PROCESS_ZONE = process.env.TZ ?? 'UTC';

export function timezoneOf(workflow: Workflow): string {
  return workflow.settings.timezone ?? PROCESS_ZONE;
}

/**
 * Workflow documents and their nodes are shared, read-only, by every run of a version (the queue
 * and the webhook registry keep them): what is derived from them alone is derived once.
 */
const nodeIndexes = new WeakMap<Workflow, ReadonlyMap<string, WorkflowNode>>();
const paramPlans = new WeakMap<object, ParamPlan>();

function nodeIndex(workflow: Workflow): ReadonlyMap<string, WorkflowNode> {
  let index = nodeIndexes.get(workflow);
  if (!index) {
    index = new Map(workflow.nodes.map((n) => [n.name, n]));
    nodeIndexes.set(workflow, index);
  }
  return index;
}

function paramPlan(def: AnyNodeDefinition, node: WorkflowNode): ParamPlan {
  let plan = paramPlans.get(node.parameters);
  if (!plan) {
    plan = planParameters(def.params as z.ZodType, node.parameters);
    paramPlans.set(node.parameters, plan);
  }
  return plan;
}

export function createNodeContext(scope: RunScope, exec: NodeExecution): NodeContext<unknown> {
  const { node, def } = exec;
  const zone = timezoneOf(scope.workflow);
  // One instant per node execution: building a zoned DateTime costs microseconds, and `$now` is
  // read for every item of expressions that use it.
  let instant: DateTime | undefined;
  const now = (): DateTime => {
    instant ??= DateTime.fromJSDate(scope.clock.now(), { zone });
    return instant;
  };
  const nodesByName = nodeIndex(scope.workflow);

  const base: Omit<ExpressionData, 'itemIndex'> = {
    runIndex: exec.runIndex,
    inputItems: () => (exec.expressionInputs ?? exec.inputs)[0] ?? [],
    hasNode: (name) => nodesByName.has(name),
    isExecuted: (name) => scope.runData.runCount(name) > 0,
    nodeOutput(name, output = 0, run = -1) {
      referenced(name);
      return scope.runData.output(name, output, run);
    },
    pairedItem(name, itemIndex) {
      referenced(name);
      return scope.runData.pairedItem(name, exec.sources[0] ?? null, itemIndex);
    },
    nodeParameters: (name) =>
      name === undefined ? node.parameters : (nodesByName.get(name)?.parameters ?? {}),
    prevNode: exec.sources[0]
      ? { name: exec.sources[0].node, outputIndex: exec.sources[0].output, runIndex: exec.sources[0].run }
      : undefined,
    workflow: { id: scope.workflowId, name: scope.workflow.name, active: scope.active },
    execution: {
      id: scope.runId,
      mode: scope.mode === 'manual' || scope.mode === 'test' ? 'test' : 'production',
      get resumeUrl() {
        return scope.resumeUrl;
      },
    },
    vars: scope.vars,
    now,
    timezone: zone,
  };

  function referenced(name: string): void {
    if (!nodesByName.has(name)) {
      throw new ExpressionError(`Referenced node doesn't exist`, {
        description: `The node '${name}' is not in this workflow.`,
      });
    }
    if (scope.runData.runCount(name) === 0) {
      throw new ExpressionError(`Referenced node is unexecuted`, {
        description: `An expression references the node '${name}', but it hasn't been executed yet.`,
      });
    }
  }

  // One small object per item that inherits everything else: evaluated for every item of every node.
  const expressionData = (itemIndex: number): ExpressionData => {
    const data = Object.create(base) as { itemIndex: number };
    data.itemIndex = itemIndex;
    return data as ExpressionData;
  };

  return {
    node,
    inputs: exec.inputs,
    items: exec.inputs[0] ?? [],
    sources: exec.sources,
    getParams(itemIndex = 0) {
      return paramPlan(def, node)(() => expressionData(itemIndex));
    },
    evaluate: (value, itemIndex, path) => resolveParameters(value, expressionData(itemIndex), path),
    runIndex: exec.runIndex,
    mode: scope.mode,
    workflow: {
      id: scope.workflowId,
      name: scope.workflow.name,
      active: scope.active,
      settings: scope.workflow.settings,
    },
    execution: {
      id: scope.runId,
      get resumeUrl() {
        return scope.resumeUrl;
      },
    },
    now,
    state: exec.state,
    continueOnFail: node.onError !== 'stop',
    logger: scope.logger,
    get signal() {
      return scope.cancellation.signal;
    },
    getCredentials: (name) => scope.getCredentials(node, name),
    stepLog: (line) => {
      exec.logs.push(line);
    },
    expressionData,
    service<T>(key: ServiceKey<T>): T {
      const found = scope.services[key.name];
      if (found === undefined) {
        throw new NonRetryableError(`The '${key.name}' service is not available in this process`, {
          code: 'SERVICE_UNAVAILABLE',
        });
      }
      return found as T;
    },
    findService: <T>(key: ServiceKey<T>) => scope.services[key.name] as T | undefined,
  };
}
