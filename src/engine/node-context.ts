/**
 * Builds what a node sees of its run (NodeContext) and what its expressions see (ExpressionData).
 * Parameters are evaluated per item, then checked by the node's schema; parameters without any
 * expression are checked once per execution.
 */
import { DateTime } from 'luxon';
import type { z } from 'zod';
import { resolveParameters } from '../expressions/index.js';
import { type ExpressionScope, ItemData } from '../expressions/item-data.js';
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
  return new RunNodeContext(scope, exec);
}

/**
 * A class, not an object of closures: one is made per node execution, and most nodes use a few of
 * its members. What expressions see is built when a node first evaluates one (a No Op never does).
 */
class RunNodeContext implements NodeContext<unknown> {
  readonly node: WorkflowNode;
  readonly inputs: Item[][];
  readonly items: Item[];
  readonly sources: (ItemSource | null)[];
  readonly runIndex: number;
  readonly mode: RunMode;
  readonly state: NodeExecution['state'];
  readonly continueOnFail: boolean;
  readonly logger: NodeLogger;
  private expressionScope: ExpressionScope | undefined;
  /**
   * One instant per node execution: building a zoned DateTime costs microseconds, and `$now` is
   * read for every item of expressions that use it.
   */
  private instant: DateTime | undefined;

  constructor(
    private readonly scope: RunScope,
    private readonly exec: NodeExecution,
  ) {
    this.node = exec.node;
    this.inputs = exec.inputs;
    this.items = exec.inputs[0] ?? [];
    this.sources = exec.sources;
    this.runIndex = exec.runIndex;
    this.mode = scope.mode;
    this.state = exec.state;
    this.continueOnFail = exec.node.onError !== 'stop';
    this.logger = scope.logger;
  }

  get workflow(): NodeContext<unknown>['workflow'] {
    const { workflowId, workflow, active } = this.scope;
    return { id: workflowId, name: workflow.name, active, settings: workflow.settings };
  }

  get execution(): NodeContext<unknown>['execution'] {
    const { scope } = this;
    return {
      id: scope.runId,
      get resumeUrl() {
        return scope.resumeUrl;
      },
    };
  }

  get signal(): AbortSignal {
    return this.scope.cancellation.signal;
  }

  now(): DateTime {
    this.instant ??= DateTime.fromJSDate(this.scope.clock.now(), { zone: timezoneOf(this.scope.workflow) });
    return this.instant;
  }

  getParams(itemIndex = 0): unknown {
    return paramPlan(this.exec.def, this.node)(() => this.expressionData(itemIndex));
  }

  evaluate(value: unknown, itemIndex: number, path?: string): unknown {
    return resolveParameters(value, this.expressionData(itemIndex), path);
  }

  getCredentials(name: string): Promise<JsonObject> {
    return this.scope.getCredentials(this.node, name);
  }

  stepLog(line: string): void {
    this.exec.logs.push(line);
  }

  /** One small object per item over the execution's scope: evaluated for every item of every node. */
  expressionData(itemIndex: number): ExpressionData {
    this.expressionScope ??= expressionScope(this.scope, this.exec, () => this.now());
    return new ItemData(this.expressionScope, itemIndex);
  }

  service<T>(key: ServiceKey<T>): T {
    const found = this.scope.services[key.name];
    if (found === undefined) {
      throw new NonRetryableError(`The '${key.name}' service is not available in this process`, {
        code: 'SERVICE_UNAVAILABLE',
      });
    }
    return found as T;
  }

  findService<T>(key: ServiceKey<T>): T | undefined {
    return this.scope.services[key.name] as T | undefined;
  }
}

/** What expressions of one node execution see, but the item. */
function expressionScope(scope: RunScope, exec: NodeExecution, now: () => DateTime): ExpressionScope {
  const { node } = exec;
  const nodesByName = nodeIndex(scope.workflow);
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
  return {
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
    timezone: timezoneOf(scope.workflow),
  };
}
