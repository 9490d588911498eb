/**
 * `relais run FILE [--input JSON | --input @file.json] [--json] [--data-dir DIR]`: executes a
 * workflow once, in-process. Exit 0 = succeeded (or waiting), 1 = failed, 2 = bad file or arguments.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { type Config, ConfigError, loadConfig } from '../config.js';
import { Engine } from '../engine/engine.js';
import type { ErrorDetails } from '../engine/errors.js';
import type { JsonObject } from '../engine/items.js';
import type { RunData } from '../engine/run-data.js';
import { formatProblem } from '../engine/validate.js';
import { createRegistry } from '../nodes/registry.js';
import { NODE_SETTINGS, nodeSettingsFromConfig } from '../nodes/settings.js';
import { openStore } from '../store/index.js';
import type { Io } from './io.js';
import { loadWorkflowFile } from './load-workflow.js';

export interface RunJson {
  status: string;
  error?: Pick<ErrorDetails, 'message' | 'node' | 'description'>;
  nodes: Record<string, JsonObject[][]>;
}

export async function runCommand(args: string[], io: Io): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (error) {
    io.err(
      `relais run: ${(error as Error).message}\nusage: relais run FILE [--input JSON|@file.json] [--json] [--data-dir DIR]`,
    );
    return 2;
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) {
    io.err(
      'relais run: give exactly one workflow file\nusage: relais run FILE [--input JSON|@file.json] [--json]',
    );
    return 2;
  }
  let triggerItems: unknown[] | undefined;
  if (values.input !== undefined) {
    try {
      triggerItems = await readInput(values.input);
    } catch (error) {
      io.err(`relais run: --input: ${(error as Error).message}`);
      return 2;
    }
  }
  // What the nodes read from the environment (files folder, Code limits, RELAIS_HTTP_DENY...),
  // checked here as `relais start` checks it.
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.err(`relais run: ${error.message}`);
    return 2;
  }
  const registry = createRegistry();
  const loaded = await loadWorkflowFile(positionals[0], registry);
  if (!loaded.ok) {
    io.err(`relais run: ${positionals[0]} is not a valid workflow:`);
    for (const p of loaded.problems) io.err(`  ${formatProblem(p)}`);
    return 2;
  }
  // A throw-away in-memory SQLite store by default: the same code path as the server, nothing kept.
  const store = await openStore(values['data-dir'] ? { dataDir: values['data-dir'] } : { memory: true });
  let outcome: Awaited<ReturnType<Engine['start']>>;
  try {
    const engine = new Engine({
      runs: store.runs,
      registry,
      timers: store.timers,
      services: { [NODE_SETTINGS.name]: nodeSettingsFromConfig(config) },
    });
    outcome = await engine.start({
      workflow: loaded.workflow,
      workflowId: loaded.workflow.id ?? 'cli',
      mode: 'manual',
      triggerItems,
    });
  } finally {
    await store.close();
  }
  const { run, runData } = outcome;
  const result: RunJson = { status: run.status, nodes: nodesJson(runData) };
  if (run.error) result.error = pick(run.error);
  if (values.json) io.out(JSON.stringify(result));
  else {
    io.out(`run ${run.id}: ${run.status}`);
    for (const [name, outputs] of Object.entries(result.nodes)) {
      io.out(`  ${name}: ${outputs.map((o) => o.length).join(' | ')} item(s)`);
    }
    if (run.error) io.out(`  error in '${run.error.node ?? '?'}': ${run.error.message}`);
  }
  return run.status === 'failed' ? 1 : 0;
}

function parse(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: { input: { type: 'string' }, json: { type: 'boolean' }, 'data-dir': { type: 'string' } },
  });
}

/** An object is one item, an array is several; `@path` reads the JSON from a file. */
async function readInput(value: string): Promise<unknown[]> {
  const text = value.startsWith('@') ? await readFile(value.slice(1), 'utf8') : value;
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new Error(`not valid JSON (${(error as Error).message})`);
  }
  const list = Array.isArray(data) ? data : [data];
  if (!list.every((v) => typeof v === 'object' && v !== null && !Array.isArray(v))) {
    throw new Error('expected a JSON object or an array of objects');
  }
  return list;
}

/** Every node that ran: its outputs in order, each the items' json, all its runs concatenated. */
export function nodesJson(runData: RunData): Record<string, JsonObject[][]> {
  const nodes: Record<string, JsonObject[][]> = {};
  for (const name of runData.nodeNames()) {
    const outputs: JsonObject[][] = [];
    for (const task of runData.runs(name)) {
      task.outputs.forEach((items, k) => {
        outputs[k] ??= [];
        for (const item of items) outputs[k].push(item.json);
      });
    }
    nodes[name] = Array.from(outputs, (o) => o ?? []);
  }
  return nodes;
}

function pick(e: ErrorDetails): RunJson['error'] {
  return {
    message: e.message,
    ...(e.node ? { node: e.node } : {}),
    ...(e.description ? { description: e.description } : {}),
  };
}
