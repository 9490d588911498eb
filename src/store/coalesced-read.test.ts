import assert from 'node:assert/strict';
import { test } from 'node:test';
import { coalescedRead, paddedKeys } from './coalesced-read.js';
import { checkpoint, newRun, step } from './conformance/builders.js';
import { openStore } from './index.js';

test('reads of one turn share one query; each caller gets its own value; a missing key reads undefined', async () => {
  const queries: string[][] = [];
  const read = coalescedRead(
    async (keys: readonly string[]) => {
      queries.push([...keys]);
      return new Map(keys.filter((k) => k !== 'gone').map((k) => [k, { key: k }]));
    },
    (row) => ({ ...row }),
  );
  const [a, b, again, gone] = await Promise.all([read('a'), read('b'), read('a'), read('gone')]);
  assert.deepEqual(queries, [['a', 'b', 'gone']], 'one query, each key once');
  assert.deepEqual(a, { key: 'a' });
  assert.deepEqual(b, { key: 'b' });
  assert.deepEqual(again, { key: 'a' });
  assert.notEqual(a, again, 'two callers of one key never share an object');
  assert.equal(gone, undefined);
  await read('c');
  assert.deepEqual(queries.at(-1), ['c'], 'a later turn makes a new query');
});

test('a failed query rejects the callers of its chunk only; more than 256 keys are read in chunks', async () => {
  const sizes: number[] = [];
  const read = coalescedRead(
    async (keys: readonly number[]) => {
      sizes.push(keys.length);
      if (keys.includes(300)) throw new Error('disk on fire');
      return new Map(keys.map((k) => [k, k]));
    },
    (row) => row * 10,
  );
  const outcomes = await Promise.allSettled(Array.from({ length: 400 }, (_, i) => read(i)));
  assert.deepEqual(sizes, [256, 144]);
  assert.deepEqual(
    outcomes.slice(0, 256).map((o) => o.status),
    Array(256).fill('fulfilled'),
  );
  assert.equal((outcomes[5] as PromiseFulfilledResult<number>).value, 50);
  assert.ok(
    outcomes.slice(256).every((o) => o.status === 'rejected' && /disk on fire/.test(String(o.reason))),
  );
});

test('keys are padded to a power of two with the last key (a few SQL texts, all prepared)', () => {
  assert.deepEqual(paddedKeys(['a']), ['a']);
  assert.deepEqual(paddedKeys(['a', 'b', 'c']), ['a', 'b', 'c', 'c']);
  assert.equal(paddedKeys(Array.from({ length: 129 }, (_, i) => i)).length, 256);
});

test('the run store reads runs and steps of one turn together, each run with its own steps in order', async () => {
  const store = await openStore({ memory: true });
  try {
    for (const id of ['r1', 'r2', 'r3']) {
      await store.runs.createRun(newRun(id, { triggerItems: [{ json: { id } }] }));
    }
    const own = (runId: string, seq: number) => step(runId, seq, { output: [[{ json: { runId, seq } }]] });
    const r1 = await store.runs.commit('r1', 1, {
      from: 'queued',
      to: 'running',
      steps: [own('r1', 1), own('r1', 2)],
      checkpoint: checkpoint(),
    });
    assert.ok(r1.ok);
    const [a, b, missing, stepsA, stepsB] = await Promise.all([
      store.runs.getRun('r1'),
      store.runs.getRun('r2'),
      store.runs.getRun('nope'),
      store.runs.listSteps('r1'),
      store.runs.listSteps('r2'),
    ]);
    assert.equal(a?.status, 'running');
    assert.equal(a?.version, 2);
    assert.deepEqual(b?.triggerItems, [{ json: { id: 'r2' } }]);
    assert.equal(missing, null);
    assert.deepEqual(
      stepsA.map((s) => [s.seq, s.output]),
      [
        [1, [[{ json: { runId: 'r1', seq: 1 } }]]],
        [2, [[{ json: { runId: 'r1', seq: 2 } }]]],
      ],
    );
    assert.deepEqual(stepsB, []);
  } finally {
    await store.close();
  }
});
