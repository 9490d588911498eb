/**
 * Measures recordStep (and reading it back) with 1k and 100k-item outputs on SQLite and, when
 * RELAIS_TEST_DATABASE_URL is set, PostgreSQL. Not a test; run by hand:
 *
 *   node --import tsx src/store/record-step.bench.ts
 */
import { performance } from 'node:perf_hooks';
import type { Checkpoint } from '../engine/ports.js';
import { items, newRun, step } from './conformance/builders.js';
import { allFixtures } from './conformance/fixtures.js';

const SIZES = [1_000, 100_000];
const REPEAT = 5;
const CHECKPOINT: Checkpoint = { stack: [], waiting: [], nodeState: {} };

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

for (const fixture of allFixtures()) {
  if (fixture.skip) {
    console.log(`${fixture.name}: skipped (${fixture.skip})`);
    continue;
  }
  const database = await fixture.database();
  try {
    const store = await database.open();
    for (const size of SIZES) {
      const output = items(size);
      const stringify: number[] = [];
      const write: number[] = [];
      const read: number[] = [];
      for (let r = 0; r < REPEAT; r++) {
        const runId = `run-${size}-${r}`;
        await store.runs.createRun(newRun(runId, { status: 'running' }));
        const s = step(runId, 0, { input: null, output, outputCounts: [size] });
        let t = performance.now();
        JSON.stringify(output);
        stringify.push(performance.now() - t);
        t = performance.now();
        const result = await store.runs.recordStep(runId, 1, s, CHECKPOINT);
        write.push(performance.now() - t);
        if (!result.ok) throw new Error(`recordStep refused: ${result.reason}`);
        t = performance.now();
        await store.runs.listSteps(runId);
        read.push(performance.now() - t);
      }
      const mb = (JSON.stringify(output).length / 1e6).toFixed(1);
      console.log(
        `${fixture.name.padEnd(16)} ${String(size).padStart(7)} items (${mb} MB): ` +
          `recordStep ${median(write).toFixed(1)} ms (JSON.stringify alone ${median(stringify).toFixed(1)} ms), ` +
          `listSteps ${median(read).toFixed(1)} ms  [median of ${REPEAT}]`,
      );
    }
  } finally {
    await database.dispose();
  }
}
