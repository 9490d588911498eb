/**
 * The node SDK (ARCHITECTURE decision 3, STYLE practices 1–2): a node type is one typed constant
 * built by `defineNode`. Its zod schema types `ctx.getParams()`, validates workflows and draws the
 * UI form. Nodes return outcomes (items per output, or a command); the engine acts on them. Nodes
 * never touch the store, the queue or timers.
 */
import type { DateTime } from 'luxon';
import type { z } from 'zod';
import type { Item, ItemSource, JsonObject } from '../engine/items.js';
import type { WorkflowNode, WorkflowSettings } from '../engine/workflow.js';
import type { ExpressionData } from '../expressions/types.js';

export type NodeGroup = 'trigger' | 'transform' | 'flow' | 'action' | 'utility';

export type RunMode =
  | 'manual'
  | 'test'
  | 'webhook'
  | 'trigger'
  | 'schedule'
  | 'poll'
  | 'event'
  | 'retry'
  | 'error'
  | 'subworkflow';

/** What a node returns: its items per output in output order, or a command for the engine. */
export type NodeOutcome = Item[][] | NodeCommand;

/** Commands let nodes ask for durable behaviour (waits, responses) without doing it themselves. */
export type NodeCommand =
  | {
      kind: 'wait';
      /** Resume at this instant (a timer in the store). */
      until?: Date;
      /** Resume when `$execution.resumeUrl` is called. */
      webhook?: boolean;
      /** Resume when an app event with this type and key arrives. */
      event?: { type: string; key?: string };
      /** Items to hand on when the wait ends by time. */
      items: Item[];
      /** For webhook/event waits with a time limit: the output those items go to on timeout. */
      timeoutOutput?: number;
    }
  | {
      kind: 'respond';
      /** The HTTP answer for a webhook run waiting on a Respond to Webhook node. */
      response: { status: number; headers: Record<string, string>; body: unknown };
      outputs: Item[][];
    };

export interface NodeLogger {
  debug(msg: string, data?: JsonObject): void;
  info(msg: string, data?: JsonObject): void;
  warn(msg: string, data?: JsonObject): void;
  error(msg: string, data?: JsonObject): void;
}

/** What a node sees of its run. Everything else is out of its reach on purpose. */
export interface NodeContext<P> {
  readonly node: WorkflowNode;
  /** Items per input index (most nodes read `items`, = `inputs[0]`). */
  readonly inputs: readonly Item[][];
  readonly items: readonly Item[];
  /** Where each input's items came from (null for an input that received nothing). */
  readonly sources: readonly (ItemSource | null)[];
  /** Parameters with expressions evaluated for item `itemIndex` and checked by the schema. */
  getParams(itemIndex?: number): P;
  /** Evaluates one raw parameter value (string starting with `=`, or nested) for an item. */
  evaluate(value: unknown, itemIndex: number, parameterPath?: string): unknown;
  readonly runIndex: number;
  readonly mode: RunMode;
  readonly workflow: { id: string; name: string; active: boolean; settings: WorkflowSettings };
  readonly execution: { id: string; resumeUrl?: string };
  /** The workflow's clock, in the workflow's time zone. Tests inject it. */
  now(): DateTime;
  /** Node-scoped state kept across this node's executions within the run (e.g. Loop Over Items). */
  readonly state: { get(): JsonObject | undefined; set(value: JsonObject | undefined): void };
  /** Whether failures should turn into items (`onError` is continue/errorOutput) rather than stop. */
  readonly continueOnFail: boolean;
  readonly logger: NodeLogger;
  readonly signal: AbortSignal;
  /** Resolves the decrypted credential the node declares under `name` (throws when missing). */
  getCredentials(name: string): Promise<JsonObject>;
  /** Adds a line to the step's log (Code node `console.log`, diagnostics shown in the run inspector). */
  stepLog(line: string): void;
  /** The run as expressions see it for item `itemIndex` (`$('X')`, `$input`, ...): for the Code node's sandbox. */
  expressionData(itemIndex: number): ExpressionData;
  /**
   * A service the process provides to nodes (data tables, e-mail templates, binary data, ...), by
   * its typed key. Throws a clear NonRetryableError when this process has none of that kind.
   */
  service<T>(key: ServiceKey<T>): T;
  /** The same, or undefined when this process has none (for nodes with a fallback). */
  findService<T>(key: ServiceKey<T>): T | undefined;
}

/**
 * A typed key for a node-facing service. The module that defines a port declares its key
 * (`export const TABLES = serviceKey<TableAccess>('tables')`); the runtime provides the
 * implementation (`new Engine({ services: { [TABLES.name]: impl } })`); nodes ask
 * `ctx.service(TABLES)`. Nodes thus reach ports, never the store or other adapters.
 */
export interface ServiceKey<T> {
  readonly name: string;
  /** Type carrier only; never read. */
  readonly __type?: T;
}

export function serviceKey<T>(name: string): ServiceKey<T> {
  return { name };
}

/** Implementations of node-facing services by key name. */
export type NodeServices = Readonly<Record<string, unknown>>;

export interface NodeDefinition<S extends z.ZodType = z.ZodType> {
  /** Stable identifier used in workflow documents, e.g. `set`, `if`, `httpRequest`. */
  type: string;
  version: number;
  displayName: string;
  description: string;
  group: NodeGroup;
  /** Parameter schema: validates workflows (expressions allowed at any leaf), types `getParams`. */
  params: S;
  /** Number of main inputs; triggers have 0. May depend on the (static) parameters. */
  inputs: number | ((params: z.output<S>) => number);
  /** Output names in order (IF: `['true','false']`). May depend on the (static) parameters. */
  outputs: readonly string[] | ((params: z.output<S>) => string[]);
  /** For multi-input nodes: inputs that must have data before the node runs (default: any one). */
  requiredInputs?: (params: z.output<S>) => number[];
  /** Credential slots the node uses, by credential type. */
  credentials?: readonly { name: string; required?: boolean }[];
  /**
   * True when executing the node again after a crash changes nothing outside the run: it calls no
   * service, writes nothing, sends nothing (Set, IF, Code...). The engine then writes its step with
   * the next checkpoint instead of on its own (ARCHITECTURE "Checkpoints"): a crash in between
   * only makes it run again. Leave it unset for anything with an effect outside the run.
   */
  replaySafe?: boolean;
  execute(ctx: NodeContext<z.output<S>>): NodeOutcome | Promise<NodeOutcome>;
}

export function defineNode<S extends z.ZodType>(def: NodeDefinition<S>): NodeDefinition<S> {
  return def;
}

/** Any node definition, for registries and the engine, which do not know each node's parameter type. */
// biome-ignore lint/suspicious/noExplicitAny: a registry holds definitions of every parameter type.
export type AnyNodeDefinition = NodeDefinition<any>;

export function outputNames(def: AnyNodeDefinition, params: unknown): string[] {
  return typeof def.outputs === 'function' ? def.outputs(params) : [...def.outputs];
}

export function inputCount(def: AnyNodeDefinition, params: unknown): number {
  return typeof def.inputs === 'function' ? def.inputs(params) : def.inputs;
}

/**
 * Runs `fn` for each input item and collects what it returns (one item, several, or none). A
 * failure stops the node — unless the node continues on fail, in which case it becomes an
 * `{ error }` item paired with its input item, as n8n's nodes do. Errors carry their item index.
 */
export async function mapItems<P>(
  ctx: NodeContext<P>,
  fn: (
    item: Item,
    index: number,
  ) => Item | Item[] | null | undefined | Promise<Item | Item[] | null | undefined>,
): Promise<Item[]> {
  const out: Item[] = [];
  for (let i = 0; i < ctx.items.length; i++) {
    try {
      const result = await fn(ctx.items[i], i);
      if (result === null || result === undefined) continue;
      for (const item of Array.isArray(result) ? result : [result]) {
        if (item.pairedItem === undefined) item.pairedItem = { item: i };
        out.push(item);
      }
    } catch (error) {
      if (!ctx.continueOnFail) throw withItemIndex(error, i);
      out.push(errorItem(error, i));
    }
  }
  return out;
}

/** Marks items that carry a per-item failure, so the engine can route them to an `error` output. */
export const ERROR_ITEM: unique symbol = Symbol('relais.errorItem');

/** The error an error item stands for, kept (not serialised) so the engine's retry rules can match it. */
const ERROR_CAUSE: unique symbol = Symbol('relais.errorCause');

export function errorItem(error: unknown, itemIndex: number): Item {
  const message = error instanceof Error ? error.message : String(error);
  const item: Item & { [ERROR_ITEM]?: true } = { json: { error: message }, pairedItem: { item: itemIndex } };
  Object.defineProperty(item, ERROR_ITEM, { value: true, enumerable: false });
  Object.defineProperty(item, ERROR_CAUSE, { value: error, enumerable: false });
  return item;
}

export function isErrorItem(item: Item): boolean {
  return (item as { [ERROR_ITEM]?: true })[ERROR_ITEM] === true;
}

/** The error behind an item made by `errorItem` (undefined for any other item). */
export function errorItemCause(item: Item): unknown {
  return (item as { [ERROR_CAUSE]?: unknown })[ERROR_CAUSE];
}

function withItemIndex(error: unknown, itemIndex: number): unknown {
  if (error && typeof error === 'object' && (error as { itemIndex?: number }).itemIndex === undefined) {
    try {
      (error as { itemIndex?: number }).itemIndex = itemIndex;
    } catch {
      // a frozen error keeps its own shape
    }
  }
  return error;
}
