/**
 * A small in-memory `ExpressionData` for the expression tests: input items, other nodes' outputs,
 * parameters and a fixed clock (no wall clock, no sleeping). Not used by production code.
 */
import { DateTime } from 'luxon';
import { ExpressionError } from '../engine/errors.js';
import type { Item, JsonObject } from '../engine/items.js';
import { evaluateExpression } from './index.js';
import type { ExpressionData } from './types.js';

export interface FakeNode {
  /** Items per output (output 0 first), for the node's last run. */
  outputs?: Item[][];
  /** Items per run of output 0 (run 0 first), when a test needs several runs. */
  runs?: Item[][];
  params?: Record<string, unknown>;
  /** Defaults to true when the node has outputs or runs. */
  executed?: boolean;
}

export interface FakeRun {
  input?: Array<Item | JsonObject>;
  itemIndex?: number;
  runIndex?: number;
  nodes?: Record<string, FakeNode>;
  /** Parameters of the node being evaluated (`$parameter`). */
  params?: Record<string, unknown>;
  prevNode?: { name: string; outputIndex: number; runIndex: number };
  workflow?: { id: string; name: string; active: boolean };
  execution?: { id: string; mode: 'test' | 'production'; resumeUrl?: string };
  vars?: Record<string, string>;
  /** ISO instant of the run clock; default 2024-03-15T10:30:00Z. */
  now?: string;
  timezone?: string;
  extraGlobals?: Record<string, unknown>;
}

function asItem(value: Item | JsonObject): Item {
  const json = (value as Item).json;
  return typeof json === 'object' && json !== null && !Array.isArray(json)
    ? (value as Item)
    : { json: value as JsonObject };
}

export function fakeData(run: FakeRun = {}): ExpressionData {
  const input = (run.input ?? []).map(asItem);
  const nodes = run.nodes ?? {};
  const zone = run.timezone ?? 'Europe/Paris';
  const instant = DateTime.fromISO(run.now ?? '2024-03-15T10:30:00Z', { zone: 'utc' });
  const node = (name: string): FakeNode => {
    const found = nodes[name];
    if (found === undefined) throw new ExpressionError("Referenced node doesn't exist");
    if (!(found.executed ?? (found.outputs !== undefined || found.runs !== undefined))) {
      throw new ExpressionError('Referenced node is unexecuted');
    }
    return found;
  };
  return {
    itemIndex: run.itemIndex ?? 0,
    runIndex: run.runIndex ?? 0,
    inputItems: () => input,
    hasNode: (name) => name in nodes,
    isExecuted: (name) => {
      const n = nodes[name];
      return n !== undefined && (n.executed ?? (n.outputs !== undefined || n.runs !== undefined));
    },
    nodeOutput(name, output = 0, runIndex) {
      const n = node(name);
      if (n.runs !== undefined && output === 0) return n.runs[runIndex ?? n.runs.length - 1] ?? [];
      return n.outputs?.[output] ?? [];
    },
    pairedItem(name, itemIndex) {
      const item = node(name).outputs?.[0]?.[itemIndex];
      if (item === undefined)
        throw new ExpressionError(`Paired item data for item from node '${name}' is unavailable`);
      return item;
    },
    nodeParameters: (name) => (name === undefined ? (run.params ?? {}) : (nodes[name]?.params ?? {})),
    prevNode: run.prevNode,
    workflow: run.workflow ?? { id: 'wf-1', name: 'Orders', active: true },
    execution: run.execution ?? {
      id: 'run-1',
      mode: 'production',
      resumeUrl: 'http://localhost:5678/webhook-waiting/run-1',
    },
    vars: run.vars ?? { region: 'eu' },
    now: () => instant.setZone(zone),
    timezone: zone,
    extraGlobals: run.extraGlobals,
  };
}

/** Evaluates `expression` against a fake run (shorthand for tests). */
export function evaluate(expression: string, run: FakeRun = {}, parameter?: string): unknown {
  return evaluateExpression(expression, fakeData(run), { parameter });
}
