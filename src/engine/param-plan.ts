/**
 * How a node's parameters become typed values for each item, cheaply. n8n evaluates parameters
 * per item; doing that naively (copy the whole tree, evaluate, run the zod schema again) costs more
 * than the node's own work. So the parameters are planned once per node execution:
 *
 * - no expression: parsed by the schema once, the same value for every item;
 * - expressions only where the schema accepts any value (the common case: Set values, IF operands):
 *   the structure is parsed once with a marker at each expression, and per item only those leaves
 *   are evaluated and the containers on their paths copied — no schema run per item;
 * - otherwise: evaluate everything and parse with the schema, per item.
 *
 * Shared parts are frozen, since every item sees them: a node must not mutate its params.
 */
import { DateTime } from 'luxon';
import type { z } from 'zod';
import { evaluateExpression, isExpression, resolveParameters } from '../expressions/index.js';
import type { ExpressionData } from '../expressions/types.js';
import { NonRetryableError } from './errors.js';

export type ParamPlan = (data: () => ExpressionData) => unknown;

type Key = string | number;

interface Leaf {
  expression: string;
  path: Key[];
  name: string;
}

interface Trie {
  leaf?: Leaf;
  children: Map<Key, Trie>;
}

/** A value no schema produces by itself: where it lands in the parsed output, an expression goes. */
class Marker {
  constructor(readonly index: number) {
    Object.freeze(this);
  }
}

export function planParameters(schema: z.ZodType, raw: Record<string, unknown>): ParamPlan {
  const leaves: Leaf[] = [];
  const marked = mark(raw, [], leaves);
  if (leaves.length === 0) {
    const value = deepFreeze(checked(schema, raw));
    return () => value;
  }
  const parsed = schema.safeParse(marked);
  const found = parsed.success ? locate(parsed.data, leaves.length) : undefined;
  if (!parsed.success || !found) {
    return (data) => checked(schema, cleanup(resolveParameters(raw, data())));
  }
  const trie: Trie = { children: new Map() };
  found.forEach((path, i) => {
    insert(trie, path, { ...leaves[i], path });
  });
  const base = parsed.data;
  freezeShared(base, trie);
  return (data) => build(base, trie, data());
}

function mark(value: unknown, path: Key[], leaves: Leaf[]): unknown {
  if (isExpression(value)) {
    leaves.push({ expression: value, path, name: pathName(path) });
    return new Marker(leaves.length - 1);
  }
  if (Array.isArray(value)) return value.map((v, i) => mark(v, [...path, i], leaves));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) define(out, k, mark(v, [...path, k], leaves));
    return out;
  }
  return value;
}

/** Output paths of every marker, or undefined when the schema dropped or changed one. */
function locate(parsed: unknown, count: number): Key[][] | undefined {
  const paths: Key[][] = new Array(count);
  let seen = 0;
  const walk = (value: unknown, path: Key[]): void => {
    if (value instanceof Marker) {
      if (paths[value.index] === undefined) seen++;
      paths[value.index] = path;
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => {
        walk(v, [...path, i]);
      });
    } else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
    }
  };
  walk(parsed, []);
  return seen === count ? paths : undefined;
}

function insert(trie: Trie, path: Key[], leaf: Leaf): void {
  let node = trie;
  for (const key of path) {
    const next = node.children.get(key) ?? { children: new Map() };
    node.children.set(key, next);
    node = next;
  }
  node.leaf = leaf;
}

function build(base: unknown, trie: Trie, data: ExpressionData): unknown {
  if (trie.leaf)
    return cleanup(evaluateExpression(trie.leaf.expression, data, { parameter: trie.leaf.name }));
  const copy = (Array.isArray(base) ? base.slice() : { ...(base as object) }) as Record<Key, unknown>;
  for (const [key, child] of trie.children)
    define(copy, key, build((base as Record<Key, unknown>)[key], child, data));
  return copy;
}

/** n8n's cleanupParameterData: a Luxon DateTime in a parameter reaches the node as an ISO string. */
function cleanup(value: unknown): unknown {
  if (value instanceof DateTime) return value.toISO();
  return value;
}

function checked(schema: z.ZodType, value: unknown): unknown {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue.path.map(String).join('.') || '(parameters)';
  throw new NonRetryableError(`Invalid parameter '${field}': ${issue.message}`, {
    code: 'INVALID_PARAMETER',
    description: parsed.error.issues.map((i) => `${i.path.map(String).join('.')}: ${i.message}`).join('; '),
  });
}

/** A key named `__proto__` stays a plain key instead of replacing the prototype. */
function define(target: Record<Key, unknown>, key: Key, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

function pathName(path: Key[]): string {
  return path.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? k : `.${k}`)).join('');
}

/**
 * Freezes what every item shares: all but the containers on an expression's path. Those are
 * spread into a fresh copy per item, and spreading a frozen object is several times slower.
 */
function freezeShared(base: unknown, trie: Trie): void {
  if (trie.leaf || base === null || typeof base !== 'object') return;
  for (const [key, value] of Object.entries(base)) {
    const child = trie.children.get(Array.isArray(base) ? Number(key) : key);
    if (child) freezeShared(value, child);
    else deepFreeze(value);
  }
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
