/**
 * The objects behind n8n's data globals: `$input`, `$('Node')`, `$node['Node']`, `$parameter`,
 * `$item(i)`. They read the run through `ExpressionData` only, and follow
 * `packages/workflow/src/workflow-data-proxy.ts` for which member returns what and which error.
 */
import { ExpressionError, NodeError } from '../engine/errors.js';
import type { BinaryData, Item } from '../engine/items.js';
import type { Ctx } from './context.js';
import { safeString, toNumber } from './ops.js';
import { setOwn } from './security.js';
import { HostFunction, type PropertyKeyLike, Special } from './values.js';

/** Calls run data: engine errors keep their message; anything unexpected still surfaces as an ExpressionError. */
export function fromRun<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof NodeError) throw error;
    throw new ExpressionError(error instanceof Error ? error.message : String(error), { cause: error });
  }
}

export function ensureNode(c: Ctx, name: string): void {
  if (!fromRun(() => c.data.hasNode(name))) {
    throw new ExpressionError("Referenced node doesn't exist", {
      description: `The node '${name}' is not in this workflow. Check the node name for typos.`,
    });
  }
}

export function ensureExecuted(c: Ctx, name: string): void {
  ensureNode(c, name);
  if (!fromRun(() => c.data.isExecuted(name))) {
    throw new ExpressionError('Referenced node is unexecuted', {
      description: `An expression references the node '${name}', but it hasn't been executed yet. Consider checking for execution first, i.e. {{ $if($("${name}").isExecuted, <action_if_executed>, "") }}`,
    });
  }
}

/** n8n strips the content (`data`) from binary metadata seen by expressions. */
export function binaryMetadata(binary: Record<string, BinaryData> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (binary === undefined) return out;
  for (const key of Object.keys(binary)) {
    const meta: Record<string, unknown> = {};
    const entry = binary[key] as unknown as Record<string, unknown>;
    for (const field of Object.keys(entry)) if (field !== 'data') setOwn(meta, field, entry[field]);
    setOwn(out, key, meta);
  }
  return out;
}

const runArg = (v: unknown): number | undefined => (v === undefined || v === -1 ? undefined : toNumber(v));
const noContext = (): Record<string, unknown> => ({});

/** `$input`. Every member throws when the node has no input, as in n8n. */
class InputProxy extends Special {
  #items(c: Ctx): readonly Item[] {
    const items = fromRun(() => c.data.inputItems());
    if (items.length === 0) throw new ExpressionError('No execution data available');
    return items;
  }

  getMember(c: Ctx, key: PropertyKeyLike): unknown {
    switch (key) {
      case 'item':
        return this.#items(c)[c.data.itemIndex];
      case 'all':
      case 'first':
      case 'last':
        this.#items(c);
        return INPUT_METHODS[key];
      case 'params': {
        this.#items(c);
        const prev = c.data.prevNode;
        return prev === undefined ? {} : fromRun(() => c.data.nodeParameters(prev.name));
      }
      case 'context':
        return noContext();
      default:
        return undefined;
    }
  }

  override has(_c: Ctx, key: string): boolean {
    return ['all', 'context', 'first', 'item', 'last', 'params'].includes(key);
  }
}

const INPUT_METHODS = {
  all: new HostFunction('all', (c) => fromRun(() => c.data.inputItems())),
  first: new HostFunction('first', (c, args) => {
    if (args.length) throw new ExpressionError('$input.first() should have no arguments');
    return fromRun(() => c.data.inputItems())[0];
  }),
  last: new HostFunction('last', (c, args) => {
    if (args.length) throw new ExpressionError('$input.last() should have no arguments');
    const items = fromRun(() => c.data.inputItems());
    return items[items.length - 1];
  }),
};

export const INPUT = new InputProxy();

/** `$('Node')`. */
export class NodeRef extends Special {
  readonly #name: string;

  constructor(name: string) {
    super();
    this.#name = name;
  }

  #output(c: Ctx, branch: unknown, run: unknown): readonly Item[] {
    ensureExecuted(c, this.#name);
    const output = branch === undefined ? undefined : toNumber(branch);
    return fromRun(() => c.data.nodeOutput(this.#name, output, runArg(run)));
  }

  #paired(c: Ctx, index: number): Item {
    ensureExecuted(c, this.#name);
    return fromRun(() => c.data.pairedItem(this.#name, index));
  }

  getMember(c: Ctx, key: PropertyKeyLike): unknown {
    switch (key) {
      case 'isExecuted':
        return fromRun(() => c.data.isExecuted(this.#name));
      case 'item':
        return this.#paired(c, c.data.itemIndex);
      case 'params':
        return fromRun(() => c.data.nodeParameters(this.#name));
      case 'context':
        return noContext();
      case 'first':
      case 'last':
      case 'all':
      case 'itemMatching':
      case 'pairedItem':
        return new HostFunction(key, (c2, args) => this.callMember(c2, key, args));
      default:
        return undefined;
    }
  }

  override callMember(c: Ctx, key: PropertyKeyLike, args: unknown[]): unknown {
    switch (key) {
      case 'first':
        return this.#output(c, args[0], args[1])[0];
      case 'last': {
        const items = this.#output(c, args[0], args[1]);
        return items[items.length - 1];
      }
      case 'all':
        return this.#output(c, args[0], args[1]);
      case 'itemMatching':
        if (args[0] === undefined) throw new ExpressionError('Missing item index for .itemMatching()');
        return this.#paired(c, toNumber(args[0]));
      case 'pairedItem':
        return this.#paired(c, args[0] === undefined ? c.data.itemIndex : toNumber(args[0]));
      default:
        return super.callMember(c, key, args);
    }
  }

  override has(_c: Ctx, key: string): boolean {
    return [
      'pairedItem',
      'isExecuted',
      'itemMatching',
      'item',
      'first',
      'last',
      'all',
      'context',
      'params',
    ].includes(key);
  }
}

export const DOLLAR = new HostFunction('$', (c, [name]) => {
  if (name === undefined || name === '') throw new ExpressionError('When calling $(), please specify a node');
  const nodeName = safeString(name);
  ensureNode(c, nodeName);
  return new NodeRef(nodeName);
});

/** `$node['Node']` (legacy): json/binary of the item with the same index, not the paired one. */
class LegacyNode extends Special {
  readonly #name: string;

  constructor(name: string) {
    super();
    this.#name = name;
  }

  #item(c: Ctx): Item {
    ensureExecuted(c, this.#name);
    const items = fromRun(() => c.data.nodeOutput(this.#name));
    if (items.length === 0) {
      throw new ExpressionError('Referenced node is unexecuted', {
        description: `The node '${this.#name}' returned no items.`,
      });
    }
    const index = c.data.itemIndex;
    if (items.length <= index) {
      throw new ExpressionError(
        `"${this.#name}" node has ${items.length} item(s) but you're trying to access item ${index}`,
      );
    }
    return items[index];
  }

  getMember(c: Ctx, key: PropertyKeyLike): unknown {
    switch (key) {
      case 'json':
      case 'data':
        return this.#item(c).json;
      case 'binary':
        return binaryMetadata(this.#item(c).binary);
      case 'parameter':
        return new ParamsProxy(this.#name);
      case 'context':
        return noContext();
      default:
        return undefined;
    }
  }
}

class NodeDollar extends Special {
  getMember(c: Ctx, key: PropertyKeyLike): unknown {
    const name = String(key);
    ensureNode(c, name);
    return new LegacyNode(name);
  }

  override has(c: Ctx, key: string): boolean {
    return fromRun(() => c.data.hasNode(key));
  }
}

export const NODE = new NodeDollar();

/** Nested `$parameter` lookups beyond this depth are a reference loop. */
const MAX_NESTING = 10;

/**
 * `$parameter` / `$node['X'].parameter`: raw parameters of a node, with top-level expression
 * strings resolved for the current item (n8n's `nodeParameterGetter`).
 */
export class ParamsProxy extends Special {
  readonly #node: string | undefined;

  constructor(node?: string) {
    super();
    this.#node = node;
  }

  #params(c: Ctx): Record<string, unknown> {
    return fromRun(() => c.data.nodeParameters(this.#node));
  }

  getMember(c: Ctx, key: PropertyKeyLike): unknown {
    const name = String(key);
    const params = this.#params(c);
    if (!Object.hasOwn(params, name)) return undefined;
    let value = params[name];
    if (isResourceLocator(value)) value = value.value;
    if (typeof value !== 'string' || !value.startsWith('=')) return value;
    if (value === `={{ $parameter.${name} }}`) return undefined;
    if (c.nesting >= MAX_NESTING) throw new ExpressionError('Parameters reference each other in a loop');
    return c.nested(value, c.data, c.nesting + 1);
  }

  override has(c: Ctx, key: string): boolean {
    return Object.hasOwn(this.#params(c), key);
  }

  override escape(): unknown {
    throw new ExpressionError('$parameter is an object of the expression language, please access its fields');
  }
}

function isResourceLocator(v: unknown): v is { __rl: true; value: unknown } {
  return typeof v === 'object' && v !== null && (v as { __rl?: unknown }).__rl === true;
}
