/**
 * Every global name an expression can read, resolved once at compile time. A name that is neither
 * here nor denied (`security.ts`) reads as `undefined`, like n8n, where identifiers are looked up
 * on the data proxy and fall back to an empty object.
 */
import { ExpressionError } from '../engine/errors.js';
import { BUILTINS } from './builtins.js';
import { Ctx } from './context.js';
import { average } from './extensions/array.js';
import { ItemData } from './item-data.js';
import { LUXON_GLOBALS } from './luxon.js';
import { safeString, toNumber } from './ops.js';
import { binaryMetadata, DOLLAR, ensureExecuted, fromRun, INPUT, NODE, ParamsProxy } from './proxies.js';
import { setUserKey } from './security.js';
import { Callable, HostFunction, type HostImpl, type PropertyKeyLike, Special } from './values.js';

/** A global read: a constant, or a getter called with the evaluation context. */
export type GlobalRead = { kind: 'const'; value: unknown } | { kind: 'get'; get: (c: Ctx) => unknown };

const getters = new Map<string, (c: Ctx) => unknown>();

/** A proxy or function of `$item(i)`: keeps reading the other item, whoever calls it. */
function bindContext(value: unknown, ctx: Ctx): unknown {
  if (value instanceof Callable)
    return new HostFunction('bound', (_c, args) => bindContext(value.invoke(ctx, args), ctx));
  if (value instanceof Special) return new ContextBound(value, ctx);
  return value;
}

class ContextBound extends Special {
  readonly #inner: Special;
  readonly #ctx: Ctx;

  constructor(inner: Special, ctx: Ctx) {
    super();
    this.#inner = inner;
    this.#ctx = ctx;
  }

  getMember(_c: Ctx, key: PropertyKeyLike): unknown {
    return bindContext(this.#inner.getMember(this.#ctx, key), this.#ctx);
  }

  override callMember(_c: Ctx, key: PropertyKeyLike, args: unknown[]): unknown {
    return bindContext(this.#inner.callMember(this.#ctx, key, args), this.#ctx);
  }

  override has(_c: Ctx, key: string): boolean {
    return this.#inner.has(this.#ctx, key);
  }

  override escape(): unknown {
    return this.#inner.escape();
  }
}

/** `$item(i)`: the globals of another item of the same input. */
class ItemProxy extends Special {
  readonly #ctx: Ctx;

  constructor(ctx: Ctx) {
    super();
    this.#ctx = ctx;
  }

  getMember(_c: Ctx, key: PropertyKeyLike): unknown {
    const read = getters.get(String(key));
    return read === undefined ? undefined : bindContext(read(this.#ctx), this.#ctx);
  }

  override has(_c: Ctx, key: string): boolean {
    return getters.has(key);
  }
}

function itemsOf(c: Ctx, [name, output, run]: unknown[]): unknown {
  if (name === undefined) return fromRun(() => c.data.inputItems());
  const nodeName = safeString(name);
  ensureExecuted(c, nodeName);
  const runIndex = run === undefined || run === -1 ? undefined : toNumber(run);
  return fromRun(() => c.data.nodeOutput(nodeName, output === undefined ? 0 : toNumber(output), runIndex));
}

function ifEmpty(_c: Ctx, args: unknown[]): unknown {
  if (args.length !== 2)
    throw new ExpressionError('expected two arguments (value, defaultValue) for this function');
  const [value, fallback] = args;
  if (value === undefined || value === null || value === '') return fallback;
  if (typeof value === 'object') {
    if (Array.isArray(value) ? value.length === 0 : Object.keys(value).length === 0) return fallback;
  }
  return value;
}

function numberList(_c: Ctx, [from, to]: unknown[]): number[] {
  const start = toNumber(from);
  const end = toNumber(to);
  const size = Math.abs(start - end) + 1;
  if (!(size <= 10_000_000)) throw new RangeError('Invalid array length');
  return Array.from({ length: size }, (_, i) => (start < end ? start + i : start - i));
}

function zip(_c: Ctx, [keys, values]: unknown[]): Record<string, unknown> {
  if (!Array.isArray(keys) || !Array.isArray(values))
    throw new ExpressionError('keys and values must be arrays');
  if (keys.length !== values.length) throw new ExpressionError('keys and values not of equal length');
  const out: Record<string, unknown> = {};
  keys.forEach((k, i) => {
    setUserKey(out, safeString(k), values[i]);
  });
  return out;
}

const min: HostImpl = (_c, args) => Math.min(...args.map(toNumber));
const max: HostImpl = (_c, args) => Math.max(...args.map(toNumber));
const not: HostImpl = (_c, [v]) => !v;
const avg: HostImpl = (_c, args) => average(args);
const unsupported = (name: string, why: string): HostFunction =>
  new HostFunction(name, () => {
    throw new ExpressionError(`${name}() is not supported: ${why}`);
  });

const FUNCTIONS: ReadonlyMap<string, HostFunction> = new Map<string, HostFunction>([
  ['$', DOLLAR],
  ['$items', new HostFunction('$items', itemsOf)],
  [
    '$item',
    new HostFunction(
      '$item',
      (c, [index]) => new ItemProxy(new Ctx(new ItemData(c.data, toNumber(index)), c.nested, c.nesting)),
    ),
  ],
  [
    '$evaluateExpression',
    new HostFunction('$evaluateExpression', (c, [expression, index]) => {
      const data = index === undefined ? c.data : new ItemData(c.data, toNumber(index));
      if (c.nesting >= 10) throw new ExpressionError('Expressions evaluate each other in a loop');
      return c.nested(`=${safeString(expression)}`, data, c.nesting + 1);
    }),
  ],
  ['$min', new HostFunction('$min', min)],
  ['$max', new HostFunction('$max', max)],
  ['$average', new HostFunction('$average', avg)],
  ['$not', new HostFunction('$not', not)],
  ['$ifEmpty', new HostFunction('$ifEmpty', ifEmpty)],
  ['min', new HostFunction('min', min)],
  ['max', new HostFunction('max', max)],
  ['average', new HostFunction('average', avg)],
  ['not', new HostFunction('not', not)],
  ['numberList', new HostFunction('numberList', numberList)],
  ['zip', new HostFunction('zip', zip)],
  ['$jmespath', unsupported('$jmespath', 'JMESPath queries are not available in Relais expressions yet')],
  ['$jmesPath', unsupported('$jmesPath', 'JMESPath queries are not available in Relais expressions yet')],
  ['$fromAI', unsupported('$fromAI', 'it is only meaningful in AI tool nodes')],
  ['$fromAi', unsupported('$fromAi', 'it is only meaningful in AI tool nodes')],
  ['$fromai', unsupported('$fromai', 'it is only meaningful in AI tool nodes')],
]);

const item = (c: Ctx) => c.item();
getters.set('$json', (c) => c.json());
getters.set('$data', (c) => c.json());
getters.set('$binary', (c) => binaryMetadata(item(c)?.binary));
getters.set('$input', () => INPUT);
getters.set('$node', () => NODE);
getters.set('$parameter', () => new ParamsProxy());
getters.set('$rawParameter', (c) => fromRun(() => c.data.nodeParameters()));
getters.set('$now', (c) => c.now());
getters.set('$today', (c) => c.now().startOf('day'));
getters.set('$itemIndex', (c) => c.data.itemIndex);
getters.set('$position', (c) => c.data.itemIndex);
getters.set('$thisItemIndex', (c) => c.data.itemIndex);
getters.set('$runIndex', (c) => c.data.runIndex);
getters.set('$thisRunIndex', (c) => c.data.runIndex);
getters.set('$thisItem', item);
getters.set('$vars', (c) => c.data.vars);
getters.set('$workflow', (c) => ({ ...c.data.workflow }));
getters.set('$execution', (c) => ({ ...c.data.execution }));
getters.set('$prevNode', (c) => {
  const prev = c.data.prevNode;
  return { name: prev?.name, outputIndex: prev?.outputIndex, runIndex: prev?.runIndex };
});
getters.set('$env', () => {
  throw new ExpressionError('access to env vars denied', {
    description: 'Relais does not expose environment variables to expressions.',
  });
});
for (const [name, fn] of FUNCTIONS) getters.set(name, () => fn);

/** Resolves a global identifier; `undefined` for unknown names. */
export function globalRead(name: string): GlobalRead | undefined {
  const fn = FUNCTIONS.get(name);
  if (fn !== undefined) return { kind: 'const', value: fn };
  if (BUILTINS.has(name)) return { kind: 'const', value: BUILTINS.get(name) };
  const luxon = LUXON_GLOBALS.get(name);
  if (luxon !== undefined) return { kind: 'const', value: luxon };
  const get = getters.get(name);
  return get === undefined ? undefined : { kind: 'get', get };
}
