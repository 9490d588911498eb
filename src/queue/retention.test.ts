/**
 * Retention with the real engine, queue and store: `saveData` applied when a run ends, pruning by
 * age and by count with an injected clock, and a SQLite file that actually shrinks after pruning.
 */
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { sql } from 'kysely';
import { ManualClock } from '../engine/clock.js';
import { Engine } from '../engine/engine.js';
import { type WorkflowInput, workflowSchema } from '../engine/workflow.js';
import { createRegistry } from '../nodes/registry.js';
import { sqliteCodec } from '../store/dialects/sqlite.js';
import { openStore, type Store } from '../store/index.js';
import { newRunRecord, runToRow, stepToRows } from '../store/run-rows.js';
import { EmbeddedQueue } from './embedded.js';
import { Retention, type RetentionSettings } from './retention.js';

const DAY = 86_400_000;
const registry = createRegistry();
const stores: Store[] = [];
after(async () => {
  for (const s of stores) await s.close();
});

const noLimits: RetentionSettings = { maxAgeMs: null, maxRunsPerWorkflow: null, intervalMs: 3_600_000 };

async function setup(settings: RetentionSettings = noLimits, store?: Store) {
  const s = store ?? (await openStore({ memory: true }));
  if (!store) stores.push(s);
  const clock = new ManualClock('2026-06-01T09:00:00Z');
  const retention = new Retention({
    store: s.retention,
    reclaimSpace: () => s.reclaimSpace(),
    clock,
    settings,
  });
  const engine = new Engine({ runs: s.runs, registry, clock, timers: s.timers });
  const queue = new EmbeddedQueue({
    engine,
    runs: s.runs,
    workflows: s.workflows,
    afterRun: (run, workflow) => retention.afterRun(run, workflow.settings),
  });
  /** Runs a saved workflow through the queue; `fail` makes its Code node throw. */
  const run = async (id: string, input: WorkflowInput, item: Record<string, unknown>, isTest = false) => {
    const workflow = workflowSchema.parse(input);
    await s.workflows.saveWorkflow(id, workflow);
    const record = (await s.workflows.getWorkflow(id))!;
    const created = await engine.create({
      workflow,
      workflowId: id,
      workflowVersion: record.version,
      mode: isTest ? 'test' : 'manual',
      isTest,
      triggerItems: [item],
    });
    return (await queue.submit({ runId: created.id })).run;
  };
  return { store: s, clock, retention, run };
}

function doc(saveData: 'all' | 'errors' | 'none'): WorkflowInput {
  return {
    name: `save ${saveData}`,
    nodes: [
      { id: '1', name: 'Start', type: 'manualTrigger' },
      {
        id: '2',
        name: 'Check',
        type: 'stopAndError',
        position: [200, 0],
        parameters: { errorMessage: 'refused' },
        disabled: false,
      },
    ],
    connections: [{ from: 'Start', to: 'Check' }],
    settings: { saveData },
  };
}

/** Start → Check: Check is a Stop and Error node, disabled (passes items) unless the item says fail. */
function variant(saveData: 'all' | 'errors' | 'none', fail: boolean): WorkflowInput {
  const d = doc(saveData);
  (d.nodes[1] as { disabled: boolean }).disabled = !fail;
  return d;
}

describe('saveData', () => {
  test("'all' keeps everything", async () => {
    const { store, run } = await setup();
    const r = await run('wf-all', variant('all', false), { secret: 's3' });
    assert.equal(r.status, 'succeeded');
    const steps = await store.runs.listSteps(r.id);
    assert.deepEqual(steps[1].output, [[{ json: { secret: 's3' }, pairedItem: { item: 0 } }]]);
    assert.deepEqual((await store.runs.getRun(r.id))?.triggerItems, [{ json: { secret: 's3' } }]);
  });

  test("'errors' drops the payloads of a succeeded run and keeps those of a failed one", async () => {
    const { store, run } = await setup();
    const ok = await run('wf-err', variant('errors', false), { secret: 's3' });
    const steps = await store.runs.listSteps(ok.id);
    assert.deepEqual(
      steps.map((s) => [s.nodeName, s.status, s.outputCounts, s.output]),
      [
        ['Start', 'succeeded', [1], null],
        ['Check', 'succeeded', [1], null],
      ],
    );
    const row = await store.runs.getRun(ok.id);
    assert.deepEqual(row?.triggerItems, []);
    assert.ok(row?.finishedAt, 'timings stay');

    const failed = await run('wf-err', variant('errors', true), { secret: 'kept' });
    assert.equal(failed.status, 'failed');
    const kept = await store.runs.listSteps(failed.id);
    assert.deepEqual(kept[1].input, [[{ json: { secret: 'kept' }, pairedItem: { item: 0 } }]]);
    assert.deepEqual((await store.runs.getRun(failed.id))?.triggerItems, [{ json: { secret: 'kept' } }]);
  });

  test("'none' drops the steps of a succeeded run; the run still counts; test runs keep theirs", async () => {
    const { store, run } = await setup();
    const ok = await run('wf-none', variant('none', false), { n: 1 });
    assert.deepEqual(await store.runs.listSteps(ok.id), []);
    assert.equal((await store.runs.getRun(ok.id))?.status, 'succeeded');
    assert.equal((await store.runs.workflowStats(['wf-none'])).get('wf-none')?.successfulRuns, 1);
    const failed = await run('wf-none', variant('none', true), { n: 2 });
    assert.equal((await store.runs.listSteps(failed.id)).length, 2, 'a failed run keeps its steps');
    const tested = await run('wf-none', variant('none', false), { n: 3 }, true);
    assert.equal((await store.runs.listSteps(tested.id)).length, 2, 'the editor shows test runs');
  });
});

/** Finished (or waiting) runs straight in the store, created `ageMs` before the clock. */
async function seed(
  store: Store,
  clock: ManualClock,
  opts: { id: string; ageMs: number; workflowId?: string; status?: 'succeeded' | 'waiting'; bytes?: number },
) {
  const createdAt = new Date(clock.now().getTime() - opts.ageMs);
  await store.runs.createRun({
    id: opts.id,
    workflowId: opts.workflowId ?? 'wf',
    workflowVersion: 1,
    mode: 'webhook',
    triggerItems: [{ json: { id: opts.id } }],
    status: 'running',
    createdAt,
  });
  const output = [[{ json: { blob: 'x'.repeat(opts.bytes ?? 10) } }]];
  const step = {
    runId: opts.id,
    seq: 0,
    nodeId: 'n',
    nodeName: 'N',
    nodeType: 'set',
    runIndex: 0,
    status: 'succeeded' as const,
    startedAt: createdAt,
    finishedAt: createdAt,
    inputCount: 1,
    outputCounts: [1],
    sources: [null],
    input: null,
    output,
    error: null,
    logs: [],
  };
  const recorded = await store.runs.recordStep(opts.id, 1, step, { stack: [], waiting: [], nodeState: {} });
  assert.ok(recorded.ok);
  const status = opts.status ?? 'succeeded';
  await store.runs.transition(opts.id, recorded.version, status, { finishedAt: createdAt, waitTill: null });
}

/** `count` succeeded runs with one step of `bytes` each, in one transaction (rows as the store writes them). */
async function bulkSeed(store: Store, count: number, createdAt: Date, bytes: number): Promise<void> {
  const blob = 'x'.repeat(bytes);
  const rows = Array.from({ length: count }, (_, i) => {
    const id = `old-${i}`;
    const run = newRunRecord({
      id,
      workflowId: 'wf',
      workflowVersion: 1,
      mode: 'webhook',
      triggerItems: [],
      createdAt,
    });
    const { meta, data } = stepToRows(sqliteCodec, {
      runId: id,
      seq: 0,
      nodeId: 'n',
      nodeName: 'N',
      nodeType: 'set',
      runIndex: 0,
      status: 'succeeded',
      startedAt: createdAt,
      finishedAt: createdAt,
      inputCount: 1,
      outputCounts: [1],
      sources: [null],
      input: null,
      output: [[{ json: { i, blob } }]],
      error: null,
      logs: [],
    });
    return {
      run: runToRow(sqliteCodec, { ...run, status: 'succeeded', finishedAt: createdAt }),
      meta,
      data: data!,
    };
  });
  await store.db.transaction().execute(async (trx) => {
    for (let i = 0; i < rows.length; i += 100) {
      const chunk = rows.slice(i, i + 100);
      await trx
        .insertInto('runs')
        .values(chunk.map((r) => r.run))
        .execute();
      await trx
        .insertInto('steps')
        .values(chunk.map((r) => r.meta))
        .execute();
      await trx
        .insertInto('step_data')
        .values(chunk.map((r) => r.data))
        .execute();
    }
  });
}

describe('pruning', () => {
  test('deletes finished runs past the age limit, never waiting ones, and counts per workflow', async () => {
    const { store, clock, retention } = await setup({
      ...noLimits,
      maxAgeMs: 14 * DAY,
      maxRunsPerWorkflow: 2,
      batchSize: 2,
    });
    await seed(store, clock, { id: 'old-1', ageMs: 20 * DAY });
    await seed(store, clock, { id: 'old-2', ageMs: 15 * DAY });
    await seed(store, clock, { id: 'old-3', ageMs: 15 * DAY, workflowId: 'other' });
    await seed(store, clock, { id: 'old-waiting', ageMs: 30 * DAY, status: 'waiting' });
    for (let i = 0; i < 4; i++) await seed(store, clock, { id: `new-${i}`, ageMs: DAY - i });
    assert.deepEqual(await retention.prune(), { byAge: 3, byCount: 2 });
    const left = (await store.db.selectFrom('runs').select('id').orderBy('id').execute()).map((r) => r.id);
    assert.deepEqual(left, ['new-2', 'new-3', 'old-waiting']);

    clock.advance(30 * DAY);
    assert.deepEqual(await retention.prune(), { byAge: 2, byCount: 0 }, 'days later, by the injected clock');
  });

  test('runs on its interval once started, and stops', async () => {
    const store = await openStore({ memory: true });
    stores.push(store);
    const clock = new ManualClock('2026-06-01T09:00:00Z');
    await seed(store, clock, { id: 'old', ageMs: 2 * DAY });
    const pruned: unknown[] = [];
    const retention = new Retention({
      store: store.retention,
      reclaimSpace: () => store.reclaimSpace(),
      clock,
      settings: { maxAgeMs: DAY, maxRunsPerWorkflow: null, intervalMs: 1000, firstAfterMs: 1 },
      onPruned: (r) => pruned.push(r),
    });
    retention.start();
    for (let i = 0; i < 200 && pruned.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    await retention.stop();
    assert.deepEqual(pruned, [{ byAge: 1, byCount: 0 }]);
  });

  test('gives the space of pruned runs back: the SQLite file shrinks', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'relais-retention-'));
    try {
      const store = await openStore({ dataDir });
      stores.push(store);
      const { clock, retention } = await setup({ ...noLimits, maxAgeMs: 14 * DAY }, store);
      const pragma = async (name: string) =>
        Number(Object.values((await sql.raw(`pragma ${name}`).execute(store.db)).rows[0] as object)[0]);
      const fileSize = async () => {
        await sql.raw('pragma wal_checkpoint(TRUNCATE)').execute(store.db);
        return statSync(join(dataDir, 'relais.db')).size;
      };
      // 2,000 finished runs of ~20 KB each (~40 MB), and a few recent ones that stay.
      await bulkSeed(store, 2000, new Date(clock.now().getTime() - 20 * DAY), 20_000);
      for (let i = 0; i < 5; i++) await seed(store, clock, { id: `new-${i}`, ageMs: DAY, bytes: 20_000 });
      const pagesBefore = await pragma('page_count');
      const sizeBefore = await fileSize();
      assert.ok(sizeBefore > 40_000_000, `seeded ${sizeBefore} bytes`);

      assert.deepEqual(await retention.prune(), { byAge: 2000, byCount: 0 });
      const pagesAfter = await pragma('page_count');
      const sizeAfter = await fileSize();
      assert.equal(await pragma('freelist_count'), 0, 'every freed page went back to the file system');
      assert.ok(pagesAfter < pagesBefore / 20, `${pagesBefore} pages → ${pagesAfter}`);
      assert.ok(sizeAfter < sizeBefore / 20, `${sizeBefore} bytes → ${sizeAfter}`);
      assert.equal((await store.db.selectFrom('runs').select('id').execute()).length, 5);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
