/**
 * Engine overhead: items per second through the 5-node pipeline of issue 2
 * (Set with 2 expressions → IF → Set → Filter → NoOp), for 1, 100 and 100,000 items, with step
 * saving off (in-memory, nothing kept) and on (SQLite file store, every step's output written).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../src/engine/engine.js';
import type { RunStore } from '../src/engine/ports.js';
import { type Workflow, workflowSchema } from '../src/engine/workflow.js';
import { createRegistry } from '../src/nodes/registry.js';
import { openStore } from '../src/store/index.js';
import { MemoryRunStore } from '../src/testing/memory-run-store.js';

export const pipeline: Workflow = workflowSchema.parse({
  name: 'bench-pipeline',
  nodes: [
    { id: '1', name: 'Start', type: 'manualTrigger', position: [0, 0] },
    {
      id: '2',
      name: 'Enrich',
      type: 'set',
      position: [200, 0],
      parameters: {
        includeOtherFields: true,
        assignments: {
          assignments: [
            { id: 'a', name: 'total', type: 'number', value: '={{ $json.price * $json.quantity }}' },
            { id: 'b', name: 'label', type: 'string', value: '={{ $json.name.toUpperCase() }}' },
          ],
        },
      },
    },
    {
      id: '3',
      name: 'Big?',
      type: 'if',
      position: [400, 0],
      parameters: {
        conditions: {
          options: { caseSensitive: true, leftValue: '', typeValidation: 'strict', version: 2 },
          conditions: [
            {
              id: 'c',
              leftValue: '={{ $json.total }}',
              rightValue: 50,
              operator: { type: 'number', operation: 'gt' },
            },
          ],
          combinator: 'and',
        },
      },
    },
    {
      id: '4',
      name: 'Flag',
      type: 'set',
      position: [600, 0],
      parameters: {
        includeOtherFields: true,
        assignments: { assignments: [{ id: 'd', name: 'big', type: 'boolean', value: true }] },
      },
    },
    {
      id: '5',
      name: 'Keep',
      type: 'filter',
      position: [800, 0],
      parameters: {
        conditions: {
          options: { caseSensitive: true, leftValue: '', typeValidation: 'strict', version: 2 },
          conditions: [
            {
              id: 'e',
              leftValue: '={{ $json.label }}',
              rightValue: 'ITEM',
              operator: { type: 'string', operation: 'startsWith' },
            },
          ],
          combinator: 'and',
        },
      },
    },
    { id: '6', name: 'Done', type: 'noOp', position: [1000, 0] },
  ],
  connections: [
    { from: 'Start', to: 'Enrich' },
    { from: 'Enrich', to: 'Big?' },
    { from: 'Big?', output: 'true', to: 'Flag' },
    { from: 'Flag', to: 'Keep' },
    { from: 'Keep', to: 'Done' },
  ],
});

export function pipelineItems(n: number): unknown[] {
  return Array.from({ length: n }, (_, i) => ({
    id: i,
    name: `item ${i}`,
    price: (i % 20) + 1,
    quantity: (i % 7) + 1,
  }));
}

async function timeRun(store: RunStore, items: unknown[]): Promise<number> {
  const engine = new Engine({ runs: store, registry: createRegistry() });
  const t0 = process.hrtime.bigint();
  const { run } = await engine.start({
    workflow: pipeline,
    workflowId: 'bench',
    mode: 'manual',
    triggerItems: items,
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (run.status !== 'succeeded') throw new Error(`bench run ${run.status}: ${run.error?.message}`);
  return ms;
}

export async function engineBench(): Promise<void> {
  console.log('\n## Engine overhead — Set(2 expr) → IF → Set → Filter → NoOp');
  console.log('| items | saving | runs | median ms/run | items/s |');
  console.log('|---:|---|---:|---:|---:|');
  const dir = mkdtempSync(join(tmpdir(), 'relais-bench-'));
  const sqlite = await openStore({ dataDir: dir });
  try {
    for (const n of [1, 100, 100_000]) {
      const items = pipelineItems(n);
      const repeats = n === 100_000 ? 3 : 200;
      for (const [label, store] of [
        ['off', new MemoryRunStore(false)],
        ['on (SQLite)', sqlite.runs],
      ] as const) {
        await timeRun(store, items); // warm-up
        const times: number[] = [];
        for (let r = 0; r < repeats; r++) times.push(await timeRun(store, items));
        times.sort((a, b) => a - b);
        const median = times[Math.floor(times.length / 2)];
        console.log(
          `| ${n.toLocaleString('en')} | ${label} | ${repeats} | ${median.toFixed(2)} | ${Math.round((n / median) * 1000).toLocaleString('en')} |`,
        );
      }
    }
  } finally {
    await sqlite.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
