/**
 * Concurrency limits of the embedded queue on the real store: per workflow, per key expression,
 * waiting runs keeping their slot or not (also across a restart and a cancel made elsewhere), the
 * global limit, and a run whose driver failed giving its slot back.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { ManualClock } from '../engine/clock.js';
import { Engine } from '../engine/engine.js';
import type { RunStore } from '../engine/ports.js';
import { type WorkflowInput, workflowSchema } from '../engine/workflow.js';
import { createRegistry } from '../nodes/registry.js';
import { openStore, type Store } from '../store/index.js';
import { until } from '../testing/until.js';
import { slotGroupOf } from './concurrency.js';
import { EmbeddedQueue, MAX_DRIVER_FAILURES } from './embedded.js';
import { resumeTimer } from './resume-timer.js';
import { dayWaitNode, gateNode } from './test-nodes.js';
import { TimerLoop } from './timer-loop.js';

const { node: gateNodeDef, gates, started } = gateNode('slotGate');
const pauseNode = dayWaitNode('slotPause');

const registry = createRegistry([gateNodeDef, pauseNode]);
const stores: Store[] = [];
after(async () => {
  for (const s of stores) await s.close();
});

type Concurrency = { max?: number; key?: string; holdWhileWaiting?: boolean };

function doc(middle: string[], concurrency?: Concurrency): WorkflowInput {
  const names = ['Start', ...middle.map((_, i) => `Step ${i}`)];
  return {
    name: 'limited',
    nodes: [
      { id: 'n0', name: 'Start', type: 'manualTrigger' },
      ...middle.map((type, i) => ({
        id: `n${i + 1}`,
        name: `Step ${i}`,
        type,
        position: [200 * (i + 1), 0] as [number, number],
      })),
    ],
    connections: names.slice(1).map((to, i) => ({ from: names[i], to })),
    ...(concurrency ? { settings: { concurrency } } : {}),
  };
}

async function setup(opts: { concurrency?: number; store?: Store; runs?: RunStore } = {}) {
  const store = opts.store ?? (await openStore({ memory: true }));
  if (!opts.store) stores.push(store);
  const clock = new ManualClock('2026-06-01T09:00:00Z');
  const runs = opts.runs ?? store.runs;
  const engine = new Engine({ runs, registry, clock, timers: store.timers });
  const errors: unknown[] = [];
  const queue = new EmbeddedQueue({
    engine,
    runs,
    workflows: store.workflows,
    concurrency: opts.concurrency ?? 8,
    slots: store.runs,
    timers: store.timers,
    clock,
    recheckMs: 10,
    onError: (_id, e) => errors.push(e),
  });
  const loop = new TimerLoop({
    timers: store.timers,
    clock,
    handlers: { resume: resumeTimer((job) => queue.submit(job)) },
  });
  const create = async (id: string, input: WorkflowInput, item: Record<string, unknown> = {}) => {
    const workflow = workflowSchema.parse(input);
    if (!(await store.workflows.getWorkflow(id))) await store.workflows.saveWorkflow(id, workflow);
    const run = await engine.create({
      workflow,
      workflowId: id,
      workflowVersion: 1,
      mode: 'manual',
      triggerItems: [item],
    });
    return run.id;
  };
  return { store, clock, engine, queue, loop, create, errors };
}

const open = (id: string) => {
  const gate = gates.get(id);
  assert.ok(gate, `run ${id} is not at a gate`);
  gates.delete(id);
  gate();
};
const statusOf = async (store: Store, id: string) => (await store.runs.getRun(id))?.status;

describe('concurrency keys', () => {
  test('runs with the same key share the limit; other keys run beside them', async () => {
    const { queue, create, store } = await setup();
    const wf = doc(['slotGate'], { max: 1, key: '={{ $json.customerId }}' });
    const a1 = await create('wf-key', wf, { customerId: 'a' });
    const a2 = await create('wf-key', wf, { customerId: 'a' });
    const b1 = await create('wf-key', wf, { customerId: 'b' });
    started.length = 0;
    const jobs = [a1, a2, b1].map((runId) => queue.submit({ runId }));
    await until('two runs started', () => started.length === 2);
    assert.deepEqual(new Set(started), new Set([a1, b1]), 'the second run of customer a waits');
    const row = await store.db
      .selectFrom('runs')
      .select(['concurrency_key'])
      .where('id', '=', a2)
      .executeTakeFirst();
    assert.equal(row?.concurrency_key, 'a', 'the key is on the run row, for any process to count');
    assert.equal(await store.runs.countTakenSlots('wf-key', 'a'), 1);
    open(a1);
    await until('the next run of a started', () => started.length === 3);
    assert.equal(started[2], a2);
    open(a2);
    open(b1);
    for (const o of await Promise.all(jobs)) assert.equal(o.run.status, 'succeeded');
  });

  test('a key without max means one run at a time per key; a key that fails to evaluate still limits', () => {
    const clock = new ManualClock();
    const wf = workflowSchema.parse(doc(['noOp'], { key: '{{ $json.customer.id }}' }));
    const run = { id: 'r', workflowId: 'w', triggerItems: [{ json: { customer: { id: 7 } } }] };
    assert.deepEqual(slotGroupOf(run, wf, clock), { workflowId: 'w', key: '7', max: 1, hold: false });
    const errors: unknown[] = [];
    const broken = workflowSchema.parse(doc(['noOp'], { key: "={{ $('Nowhere').item.json.id }}" }));
    assert.deepEqual(
      slotGroupOf(run, broken, clock, (e) => errors.push(e)),
      { workflowId: 'w', key: '', max: 1, hold: false },
    );
    assert.equal(errors.length, 1);
    assert.equal(slotGroupOf(run, workflowSchema.parse(doc(['noOp'])), clock), null, 'no settings, no limit');
  });
});

describe('waiting runs and their slots', () => {
  test('by default a waiting run gives its slot back', async () => {
    const { queue, create } = await setup();
    const wf = doc(['slotPause', 'slotGate'], { max: 1 });
    const a = await create('wf-free', wf);
    const b = await create('wf-free', wf);
    started.length = 0;
    assert.equal((await queue.submit({ runId: a })).run.status, 'waiting');
    assert.equal((await queue.submit({ runId: b })).run.status, 'waiting', 'b ran while a waits');
  });

  test('holdWhileWaiting keeps the slot; the waiting run resumes in it, then the next run starts', async () => {
    const { queue, create, clock, loop, store } = await setup();
    const wf = doc(['slotPause', 'slotGate'], { max: 1, holdWhileWaiting: true });
    const a = await create('wf-hold', wf);
    const b = await create('wf-hold', wf);
    started.length = 0;
    assert.equal((await queue.submit({ runId: a })).run.status, 'waiting');
    const jobB = queue.submit({ runId: b });
    await until('b queued', () => queue.depth().queued === 1);
    assert.equal(await statusOf(store, b), 'queued', 'b is held back by the waiting run');
    assert.equal(await store.runs.countTakenSlots('wf-hold', ''), 1);

    clock.advance(86_400_000);
    const ticking = loop.tick();
    await until('a resumed though the group is full', () => started.includes(a));
    assert.equal(await statusOf(store, b), 'queued');
    open(a);
    await ticking;
    // b pauses in turn (its first node), now holding the slot itself.
    assert.equal((await jobB).run.status, 'waiting', 'b ran once a ended');
    assert.equal(await statusOf(store, a), 'succeeded');
    assert.equal(await store.runs.countTakenSlots('wf-hold', ''), 1);
  });

  test('a slot held by a waiting run survives a restart and is freed by a cancel made elsewhere', async () => {
    const first = await setup();
    const wf = doc(['slotPause', 'slotGate'], { max: 1, holdWhileWaiting: true });
    const a = await first.create('wf-restart', wf);
    const b = await first.create('wf-restart', wf);
    assert.equal((await first.queue.submit({ runId: a })).run.status, 'waiting');
    await first.queue.close();

    // A new process on the same database: it learns the held slot from the store.
    const second = await setup({ store: first.store });
    started.length = 0;
    const jobB = second.queue.submit({ runId: b });
    await until('b queued', () => second.queue.depth().queued === 1);
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(await statusOf(first.store, b), 'queued', 'still held back after the restart');

    // The cancel API moves the waiting run in the store, not through the queue.
    const run = (await first.store.runs.getRun(a))!;
    assert.ok((await first.store.runs.transition(a, run.version, 'canceled', { finishedAt: new Date() })).ok);
    assert.equal((await jobB).run.status, 'waiting', 'b ran after the re-read');
  });
});

describe('never stuck', () => {
  test('a run whose driver failed gives its slot back, is retried from a timer, and succeeds', async () => {
    const store = await openStore({ memory: true });
    stores.push(store);
    let failNext = true;
    const flaky: RunStore = Object.create(store.runs);
    flaky.commit = async (...args) => {
      if (failNext) {
        failNext = false;
        throw new Error('disk I/O error');
      }
      return store.runs.commit(...args);
    };
    const { queue, create, clock, loop } = await setup({ store, runs: flaky });
    const wf = doc(['noOp'], { max: 1 });
    const a = await create('wf-flaky', wf);
    const b = await create('wf-flaky', wf);
    const [ja, jb] = [queue.submit({ runId: a }), queue.submit({ runId: b })];
    await assert.rejects(ja, /disk I\/O error/);
    assert.equal((await jb).run.status, 'succeeded', 'the failed driver did not keep the slot');
    await until('a given back', async () => (await statusOf(store, a)) === 'queued');
    assert.equal(await store.timers.countPending(), 1, 'a retry timer, not a timer in memory');
    clock.advance(1000);
    assert.equal(await loop.tick(), 1);
    assert.equal(await statusOf(store, a), 'succeeded');
  });

  test(`a run whose driver keeps failing is failed after ${MAX_DRIVER_FAILURES} attempts`, async () => {
    const store = await openStore({ memory: true });
    stores.push(store);
    const broken: RunStore = Object.create(store.runs);
    broken.commit = async () => {
      throw new Error('constraint failed');
    };
    const { queue, create, clock, loop } = await setup({ store, runs: broken });
    const a = await create('wf-broken', doc(['noOp'], { max: 1 }));
    await assert.rejects(queue.submit({ runId: a }), /constraint failed/);
    for (let i = 1; i < MAX_DRIVER_FAILURES; i++) {
      const id = `requeue:${a}:${i}`;
      const timerIs = async () =>
        (await store.db.selectFrom('timers').select('id').execute()).map((t) => t.id).join() === id;
      await until(`retry timer ${i} alone`, timerIs);
      clock.advance(60_000);
      await loop.tick();
    }
    await until('a failed', async () => (await statusOf(store, a)) === 'failed');
    const run = await store.runs.getRun(a);
    assert.equal(run?.error?.code, 'DRIVER_FAILED');
    assert.match(run?.error?.message ?? '', /3 attempts.*constraint failed/);
    assert.equal(await store.timers.countPending(), 0);
  });

  test('the global limit counts runs driven, not runs waiting', async () => {
    const { queue, create } = await setup({ concurrency: 1 });
    const waits = doc(['slotPause']);
    const ids = [await create('wf-g', waits), await create('wf-g', waits), await create('wf-g', waits)];
    for (const o of await Promise.all(ids.map((runId) => queue.submit({ runId }))))
      assert.equal(o.run.status, 'waiting');
    assert.deepEqual(queue.depth(), { queued: 0, active: 0 });
  });
});
