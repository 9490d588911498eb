import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { ManualClock } from '../engine/clock.js';
import { Engine, StaleRunError } from '../engine/engine.js';
import type { RunStore } from '../engine/ports.js';
import { type WorkflowInput, workflowSchema } from '../engine/workflow.js';
import { createRegistry } from '../nodes/registry.js';
import { openStore, type Store } from '../store/index.js';
import { until } from '../testing/until.js';
import { EmbeddedQueue } from './embedded.js';
import { recoverRuns } from './recovery.js';
import { resumeTimer } from './resume-timer.js';
import { dayWaitNode, gateNode } from './test-nodes.js';
import { TimerLoop, type TimerLoopOptions, timerLoopSizing, wakeTime } from './timer-loop.js';

const { node: gateNodeDef, gates, started } = gateNode('gate');
const sleepNode = dayWaitNode('sleepDay');

const registry = createRegistry([gateNodeDef, sleepNode]);
const stores: Store[] = [];
after(async () => {
  for (const s of stores) await s.close();
});

async function setup(concurrency = 4) {
  const store = await openStore({ memory: true });
  stores.push(store);
  const clock = new ManualClock('2026-06-01T09:00:00Z');
  const engine = new Engine({ runs: store.runs, registry, clock, timers: store.timers });
  const queue = new EmbeddedQueue({ engine, runs: store.runs, workflows: store.workflows, concurrency });
  return { store, clock, engine, queue };
}

/** A timer loop whose resumes go through `queue`, as the runtime wires it. */
function resumingLoop(
  { store, clock, queue }: { store: Store; clock: ManualClock; queue: EmbeddedQueue },
  prepare?: TimerLoopOptions['prepare'],
): TimerLoop {
  return new TimerLoop({
    timers: store.timers,
    clock,
    handlers: { resume: resumeTimer((job) => queue.submit(job)) },
    prepare,
  });
}

/** Schedules timers `[id, kind, ms from now]` on the store's timers. */
async function scheduleIn(
  store: Store,
  clock: ManualClock,
  timers: readonly (readonly [id: string, kind: string, inMs: number])[],
): Promise<void> {
  const now = clock.now().getTime();
  for (const [id, kind, inMs] of timers)
    await store.timers.schedule({ id, kind, dueAt: new Date(now + inMs) });
}

function doc(name: string, middle: string, max?: number): WorkflowInput {
  return {
    name,
    nodes: [
      { id: '1', name: 'Start', type: 'manualTrigger' },
      { id: '2', name: 'Middle', type: middle, position: [200, 0] },
      { id: '3', name: 'End', type: 'noOp', position: [400, 0] },
    ],
    connections: [
      { from: 'Start', to: 'Middle' },
      { from: 'Middle', to: 'End' },
    ],
    ...(max ? { settings: { concurrency: { max } } } : {}),
  };
}

async function saved(store: Store, id: string, input: WorkflowInput) {
  const workflow = workflowSchema.parse(input);
  const record = await store.workflows.saveWorkflow(id, workflow);
  return { workflow, version: record.version };
}

describe('embedded queue', () => {
  test('drives submitted runs, FIFO, within the global concurrency', async () => {
    const { store, engine, queue } = await setup(1);
    const { workflow, version } = await saved(store, 'wf-g', doc('gated', 'gate'));
    const a = await engine.create({ workflow, workflowId: 'wf-g', workflowVersion: version, mode: 'manual' });
    const b = await engine.create({ workflow, workflowId: 'wf-g', workflowVersion: version, mode: 'manual' });
    started.length = 0;
    const pa = queue.submit({ runId: a.id });
    const pb = queue.submit({ runId: b.id });
    await until('1 started', () => started.length === 1);
    assert.deepEqual(queue.depth(), { queued: 1, active: 1 });
    gates.get(a.id)!();
    assert.equal((await pa).run.status, 'succeeded');
    await until('2 started', () => started.length === 2);
    gates.get(b.id)!();
    assert.equal((await pb).run.status, 'succeeded');
    assert.deepEqual(started, [a.id, b.id]);
    assert.deepEqual(queue.depth(), { queued: 0, active: 0 });
  });

  // At 2, the limited workflow's second run takes the last room while it is read, then gives it up.
  for (const concurrency of [4, 2])
    test(`a workflow's max concurrency holds its runs back without blocking other workflows (${concurrency} at once)`, async () => {
      const { store, engine, queue } = await setup(concurrency);
      const limited = await saved(store, 'wf-l', doc('limited', 'gate', 1));
      const free = await saved(store, 'wf-f', doc('free', 'gate'));
      const l1 = await engine.create({
        workflow: limited.workflow,
        workflowId: 'wf-l',
        workflowVersion: 1,
        mode: 'manual',
      });
      const l2 = await engine.create({
        workflow: limited.workflow,
        workflowId: 'wf-l',
        workflowVersion: 1,
        mode: 'manual',
      });
      const f1 = await engine.create({
        workflow: free.workflow,
        workflowId: 'wf-f',
        workflowVersion: 1,
        mode: 'manual',
      });
      started.length = 0;
      const runs = [
        queue.submit({ runId: l1.id }),
        queue.submit({ runId: l2.id }),
        queue.submit({ runId: f1.id }),
      ];
      await until('2 started', () => started.length === 2);
      assert.deepEqual(
        new Set(started),
        new Set([l1.id, f1.id]),
        'the second run of the limited workflow waits',
      );
      gates.get(f1.id)!();
      gates.get(l1.id)!();
      await until('3 started', () => started.length === 3);
      assert.equal(started[2], l2.id);
      gates.get(l2.id)!();
      for (const outcome of await Promise.all(runs)) assert.equal(outcome.run.status, 'succeeded');
    });

  test('a run beyond the global limit is read once, when its turn comes', async () => {
    const { store, engine } = await setup();
    const reads: string[] = [];
    const runs: RunStore = {
      ...store.runs,
      getRun: (id) => {
        reads.push(id);
        return store.runs.getRun(id);
      },
    };
    const queue = new EmbeddedQueue({ engine, runs, workflows: store.workflows, concurrency: 1 });
    const { workflow } = await saved(store, 'wf-r', doc('read once', 'gate'));
    const ids: string[] = [];
    for (let i = 0; i < 3; i++)
      ids.push(
        (await engine.create({ workflow, workflowId: 'wf-r', workflowVersion: 1, mode: 'manual' })).id,
      );
    started.length = 0;
    const outcomes = ids.map((runId) => queue.submit({ runId }));
    await until('1 started', () => started.length === 1);
    assert.deepEqual(reads, [ids[0]], 'the others wait unread');
    assert.deepEqual(queue.depth(), { queued: 2, active: 1 });
    gates.get(ids[0])!();
    await until('2 started', () => started.length === 2);
    gates.get(ids[1])!();
    await until('3 started', () => started.length === 3);
    gates.get(ids[2])!();
    for (const outcome of await Promise.all(outcomes)) assert.equal(outcome.run.status, 'succeeded');
    assert.deepEqual(started, ids, 'in the order submitted');
    assert.deepEqual(reads, ids, 'each read once');
  });

  test('runs of one version read its document once, however many start together; a failed read is not kept', async () => {
    const { store, engine } = await setup();
    let reads = 0;
    let failNext = false;
    const workflows = {
      getWorkflowHead: (id: string) => store.workflows.getWorkflowHead(id),
      getWorkflowVersion: async (id: string, version: number) => {
        reads++;
        if (failNext) {
          failNext = false;
          throw new Error('the database went away');
        }
        return store.workflows.getWorkflowVersion(id, version);
      },
    };
    const queue = new EmbeddedQueue({ engine, runs: store.runs, workflows, concurrency: 4 });
    const { workflow } = await saved(store, 'wf-v', doc('version once', 'noOp'));
    const create = () => engine.create({ workflow, workflowId: 'wf-v', workflowVersion: 1, mode: 'manual' });
    const runs = [await create(), await create(), await create()];
    const outcomes = await Promise.all(runs.map((r) => queue.submit({ runId: r.id })));
    for (const outcome of outcomes) assert.equal(outcome.run.status, 'succeeded');
    assert.equal(reads, 1, 'one read for the three');

    const other = new EmbeddedQueue({ engine, runs: store.runs, workflows, concurrency: 4 });
    failNext = true;
    await assert.rejects(other.submit({ runId: (await create()).id }), /went away/);
    assert.equal((await other.submit({ runId: (await create()).id })).run.status, 'succeeded');
    assert.equal(reads, 3, 'read again after the failure');
  });

  test('close() refuses new work and waits for the active runs', async () => {
    const { store, engine, queue } = await setup(1);
    const { workflow } = await saved(store, 'wf-c', doc('close', 'gate'));
    const a = await engine.create({ workflow, workflowId: 'wf-c', workflowVersion: 1, mode: 'manual' });
    started.length = 0;
    const b = await engine.create({ workflow, workflowId: 'wf-c', workflowVersion: 1, mode: 'manual' });
    const pa = queue.submit({ runId: a.id });
    const pb = queue.submit({ runId: b.id });
    await until('1 started', () => started.length === 1);
    let closed = false;
    const closing = queue.close().then(() => {
      closed = true;
    });
    await assert.rejects(pb, /closed before the run started/, 'a run not started is refused');
    await new Promise((r) => setImmediate(r));
    assert.equal(closed, false);
    gates.get(a.id)!();
    await closing;
    assert.equal((await pa).run.status, 'succeeded');
    await assert.rejects(queue.submit({ runId: a.id }), /closed/);
  });
});

describe('timers and recovery', () => {
  test('a timed wait fires once when due, through the timer loop, and the run finishes', async () => {
    const { store, clock, engine, queue } = await setup();
    const { workflow } = await saved(store, 'wf-w', doc('wait', 'sleepDay'));
    const loop = resumingLoop({ store, clock, queue });
    const { run } = await engine.start({ workflow, workflowId: 'wf-w', workflowVersion: 1, mode: 'manual' });
    assert.equal(run.status, 'waiting');
    assert.equal(await store.timers.countPending(), 1);
    assert.equal(await loop.tick(), 0, 'not due yet');
    clock.advance(86_400_000);
    assert.equal(await loop.tick(), 1);
    assert.equal(await loop.tick(), 0, 'fires once');
    assert.equal((await store.runs.getRun(run.id))?.status, 'succeeded');
    assert.equal(await store.timers.countPending(), 0);
  });

  test('the running loop claims on while a handler hangs: a slow timer never holds back the next', async () => {
    const { store, clock } = await setup();
    let release: () => void = () => {};
    const fast: string[] = [];
    const loop = new TimerLoop({
      timers: store.timers,
      clock,
      batch: 1,
      pollMs: 10,
      handlers: {
        slow: () => new Promise<void>((resolve) => (release = resolve)),
        fast: async (t) => void fast.push(t.id),
      },
    });
    const now = clock.now().getTime();
    await store.timers.schedule({ id: 'slow', kind: 'slow', dueAt: new Date(now - 2) });
    await store.timers.schedule({ id: 'fast-1', kind: 'fast', dueAt: new Date(now - 1) });
    await store.timers.schedule({ id: 'fast-2', kind: 'fast', dueAt: new Date(now) });
    loop.start();
    try {
      await until('2 fast runs', () => fast.length === 2);
      assert.deepEqual(fast, ['fast-1', 'fast-2'], 'handled while the slow one hangs, earliest first');
    } finally {
      release();
      await loop.stop();
    }
    assert.equal(await store.timers.countPending(), 0, 'all three completed once their handlers ended');
  });

  test('a loop sized for the runs its process drives keeps that many handlers in hand, and claims none once stopped', async () => {
    assert.deepEqual(timerLoopSizing(100), { batch: 200, maxInFlight: 200 }, 'the defaults (SQLite)');
    assert.deepEqual(timerLoopSizing(500), { batch: 250, maxInFlight: 500 }, 'PostgreSQL');
    const { store, clock } = await setup();
    const now = clock.now().getTime();
    for (let i = 0; i < 600; i++)
      await store.timers.schedule({
        id: `t-${String(i).padStart(3, '0')}`,
        kind: 'hang',
        dueAt: new Date(now),
      });
    for (const [sizing, expected] of [
      [{}, 200],
      [timerLoopSizing(300), 300],
    ] as const) {
      const releases: (() => void)[] = [];
      const loop = new TimerLoop({
        timers: store.timers,
        clock,
        pollMs: 10,
        ...sizing,
        handlers: { hang: () => new Promise<void>((resolve) => releases.push(resolve)) },
      });
      loop.start();
      try {
        await until(`${expected} handlers started`, () => releases.length === expected);
        await new Promise((resolve) => setTimeout(resolve, 30)); // a few more polls: none may start
        assert.equal(releases.length, expected);
      } finally {
        // Stopped first: a stopping loop claims nothing more, though the released handlers make room.
        const stopped = loop.stop();
        for (const release of releases) release();
        await stopped;
      }
    }
    assert.equal(await store.timers.countPending(), 600 - 200 - 300, 'handled timers completed');
  });

  test('timers due within the look-ahead are handed to their preparer once, unclaimed', async () => {
    const { store, clock } = await setup();
    const prepared: string[][] = [];
    const loop = new TimerLoop({
      timers: store.timers,
      clock,
      lookaheadMs: 2000,
      handlers: { resume: async () => {}, other: async () => {} },
      prepare: { resume: async (timers) => void prepared.push(timers.map((t) => t.id)) },
    });
    await scheduleIn(store, clock, [
      ['soon', 'resume', 1500],
      ['sooner', 'resume', 500],
      ['no-preparer', 'other', 1000],
      ['later', 'resume', 3000],
    ]);
    assert.equal(await loop.prepareAhead(), 2);
    assert.deepEqual(prepared, [['sooner', 'soon']], 'earliest first, kinds without a preparer left out');
    assert.equal(await loop.prepareAhead(), 0, 'each timer once');
    clock.advance(1000);
    assert.equal(await loop.prepareAhead(), 1);
    assert.deepEqual(prepared[1], ['later']);
    assert.equal(await store.timers.countPending(), 4, 'nothing claimed or completed');
    assert.equal(await new TimerLoop({ timers: store.timers, clock, handlers: {} }).prepareAhead(), 0);

    // A running loop prepares on its own once the next timer is near (the clock does not move).
    const running = new TimerLoop({
      timers: store.timers,
      clock,
      handlers: { resume: async () => {} },
      prepare: { resume: async (timers) => void prepared.push(timers.map((t) => t.id)) },
    });
    running.start();
    try {
      await until('the loop prepared', () => prepared.length === 3);
      assert.deepEqual(prepared[2], ['soon', 'later'], 'what falls due within its look-ahead');
    } finally {
      await running.stop();
    }
  });

  test('claimed ahead by a loop alone: prepared timers fire from memory when due; stop gives back the rest', async () => {
    const { store, clock } = await setup();
    const fired: string[] = [];
    const claims: number[] = [];
    // The store as the loop sees it, counting the claims of due timers it makes.
    const timers = Object.create(store.timers) as Store['timers'];
    timers.claimDue = async (...args) => {
      const claimed = await store.timers.claimDue(...args);
      claims.push(claimed.length);
      return claimed;
    };
    const loop = new TimerLoop({
      timers,
      clock,
      lookaheadMs: 2000,
      claimAhead: true,
      handlers: {
        resume: async (t) => void fired.push(t.id),
        other: async (t) => void fired.push(t.id),
      },
      prepare: { resume: async () => {} },
    });
    const now = clock.now().getTime();
    await scheduleIn(store, clock, [
      ['soon', 'resume', 1500],
      ['sooner', 'resume', 500],
      ['also-sooner', 'resume', 500],
      ['no-preparer', 'other', 1000],
      ['later', 'resume', 3000],
    ]);
    assert.equal(await loop.prepareAhead(), 3);
    const free = async () =>
      (await store.timers.peekDue(new Date(now), new Date(now + 3000), 10)).map((t) => t.id);
    assert.deepEqual(
      await free(),
      ['no-preparer', 'later'],
      'the prepared ones are claimed: no one else takes them',
    );

    clock.advance(500);
    assert.equal(await loop.tick(), 2);
    assert.deepEqual(fired, ['also-sooner', 'sooner'], 'fired when due, earliest first');
    const claimed = () => claims.reduce((sum, n) => sum + n, 0);
    assert.equal(claimed(), 0, 'fired without claiming them again');
    clock.advance(1000);
    assert.equal(await loop.prepareAhead(), 1, "'later' is within the look-ahead now");
    assert.equal(await loop.tick(), 2);
    assert.deepEqual(
      fired.slice(2).sort(),
      ['no-preparer', 'soon'],
      'the kind without a preparer claimed when due',
    );
    assert.equal(await store.timers.countPending(), 1, 'fired timers are completed');

    await loop.stop();
    assert.deepEqual(await free(), ['later'], 'stopped, the loop gave back what it held and did not fire');
    clock.advance(1500);
    const next = new TimerLoop({
      timers: store.timers,
      clock,
      handlers: { resume: async (t) => void fired.push(t.id) },
    });
    assert.equal(await next.tick(), 1, 'another loop fires it when due');
    assert.equal(fired.at(-1), 'later');
  });

  test('the sleeping loop wakes at the next poll or due time, or when the next timer enters the look-ahead', () => {
    const at = { now: 10_000, pollMs: 1000 };
    assert.equal(wakeTime(at), 11_000, 'nothing due: the next poll');
    assert.equal(wakeTime({ ...at, next: 10_400 }), 10_400);
    assert.equal(wakeTime({ ...at, next: 10_900, held: 10_300, heard: 10_600 }), 10_300, 'a held timer');
    assert.equal(wakeTime({ ...at, heard: 10_200 }), 10_200, 'a timer this process scheduled');
    // Preparing 2 s ahead, with the next timer 2.5 s away: at 0.5 s, not at the poll (1 s), which
    // would leave its preparation 1.5 s.
    assert.equal(wakeTime({ ...at, next: 12_500, lookaheadMs: 2000 }), 10_500);
    assert.equal(
      wakeTime({ ...at, next: 11_500, lookaheadMs: 2000 }),
      11_000,
      'within it already: as before',
    );
    assert.equal(wakeTime({ ...at, next: 20_000, lookaheadMs: 2000 }), 11_000, 'far away: the poll');
  });

  test('a wake-up held for a run deleted meanwhile is handled as done, with no error', async () => {
    const { store, clock, engine } = await setup();
    const errors: unknown[] = [];
    const queue = new EmbeddedQueue({
      engine,
      runs: store.runs,
      workflows: store.workflows,
      onError: (_id, error) => errors.push(error),
    });
    const { workflow } = await saved(store, 'wf-d', doc('deleted', 'sleepDay'));
    const { run } = await engine.start({ workflow, workflowId: 'wf-d', workflowVersion: 1, mode: 'manual' });
    const failed: unknown[] = [];
    const loop = new TimerLoop({
      timers: store.timers,
      clock,
      claimAhead: true,
      handlers: { resume: resumeTimer((job) => queue.submit(job)) },
      prepare: { resume: async () => {} },
      onError: (_timer, error) => failed.push(error),
    });
    clock.advance(86_400_000 - 1000);
    assert.equal(await loop.prepareAhead(), 1, 'held');
    assert.deepEqual(await store.runs.deleteRun(run.id), { ok: true });
    clock.advance(1000);
    assert.equal(await loop.tick(), 1, 'handled');
    assert.deepEqual(failed, [], 'not a failed timer');
    assert.deepEqual(errors, []);
    await assert.rejects(
      queue.submit({ runId: run.id, resume: { by: 'time' } }),
      (error: Error) =>
        error instanceof StaleRunError && /not found: deleted, or never created/.test(error.message),
      'the queue tells its caller the run is gone, as a stale run',
    );
  });

  test('a resume read ahead runs as usual; a run canceled after it was read ahead is not resumed', async () => {
    const { store, clock, engine, queue } = await setup();
    const { workflow } = await saved(store, 'wf-p', doc('prefetched', 'sleepDay'));
    const loop = resumingLoop(
      { store, clock, queue },
      {
        resume: (timers) => store.runs.prefetch(timers.map((t) => t.runId!)),
      },
    );
    const start = () => engine.start({ workflow, workflowId: 'wf-p', workflowVersion: 1, mode: 'manual' });
    const resumed = (await start()).run;
    const canceled = (await start()).run;
    clock.advance(86_400_000 - 1000);
    assert.equal(await loop.prepareAhead(), 2);
    // Canceled through the store after its rows were read ahead; its timer stays, as if the
    // cancel came between the timer's claim and its handler.
    assert.ok((await store.runs.transition(canceled.id, canceled.version, 'canceled')).ok);
    clock.advance(1000);
    assert.equal(await loop.tick(), 2, 'both handled without an error');
    assert.equal((await store.runs.getRun(resumed.id))?.status, 'succeeded');
    assert.deepEqual(
      (await store.runs.listSteps(resumed.id)).map((s) => [s.nodeName, s.status]),
      [
        ['Start', 'succeeded'],
        ['Middle', 'waiting'],
        ['Middle', 'succeeded'],
        ['End', 'succeeded'],
      ],
    );
    assert.equal((await store.runs.getRun(canceled.id))?.status, 'canceled');
  });

  test('a wake-up left over by a process that died before completing it never ends a later wait early', async () => {
    const { store, clock, engine, queue } = await setup();
    const workflow = workflowSchema.parse({
      name: 'two waits',
      nodes: [
        { id: '1', name: 'Start', type: 'manualTrigger' },
        { id: '2', name: 'Thank you', type: 'sleepDay', position: [200, 0] },
        { id: '3', name: 'Review', type: 'sleepDay', position: [400, 0] },
        { id: '4', name: 'End', type: 'noOp', position: [600, 0] },
      ],
      connections: [
        { from: 'Start', to: 'Thank you' },
        { from: 'Thank you', to: 'Review' },
        { from: 'Review', to: 'End' },
      ],
    });
    await store.workflows.saveWorkflow('wf-2w', workflow);
    const { run } = await engine.start({ workflow, workflowId: 'wf-2w', workflowVersion: 1, mode: 'manual' });
    clock.advance(86_400_000);
    // A process claims the first wake-up, resumes the run, and dies before completing the timer.
    const [first] = await store.timers.claimDue(clock.now(), 10, 'dead-process', 60_000);
    await resumeTimer((job) => queue.submit(job))(first);
    const paused = (await store.runs.getRun(run.id))!;
    assert.equal(paused.currentNode, 'Review');
    assert.equal(paused.status, 'waiting', 'now at its second wait, a day long');

    // Its lease over, the leftover wake-up fires again: it is the first wait's, not this one's.
    clock.advance(61_000);
    const loop = resumingLoop({ store, clock, queue });
    assert.equal(await loop.tick(), 1, 'handled, and so completed');
    const still = (await store.runs.getRun(run.id))!;
    assert.equal(still.status, 'waiting');
    assert.equal(still.version, paused.version, 'not moved');
    assert.equal(await store.timers.countPending(), 1, "only the second wait's timer is left");

    clock.advance(86_400_000);
    assert.equal(await loop.tick(), 1);
    assert.equal((await store.runs.getRun(run.id))?.status, 'succeeded');
    assert.deepEqual(
      (await store.runs.listSteps(run.id)).filter((s) => s.status === 'succeeded').map((s) => s.nodeName),
      ['Start', 'Thank you', 'Review', 'End'],
    );
  });

  test('start-up recovery continues interrupted runs and repairs missing wait timers', async () => {
    const { store, clock, queue } = await setup();
    const { workflow } = await saved(store, 'wf-r', doc('recover', 'sleepDay'));
    // A process that died while driving a run (its commit never returned) ...
    let calls = 0;
    const dying: RunStore = Object.create(store.runs);
    dying.commit = async (...args) => {
      if (++calls === 2) throw new Error('killed');
      return store.runs.commit(...args);
    };
    const crashed = new Engine({ runs: dying, registry, clock, timers: store.timers });
    await assert.rejects(
      crashed.start({ workflow, workflowId: 'wf-r', workflowVersion: 1, mode: 'manual' }),
      /killed/,
    );
    // ... and one that paused a run but died before writing its timer.
    const noTimers = new Engine({ runs: store.runs, registry, clock });
    const paused = await noTimers.start({ workflow, workflowId: 'wf-r', workflowVersion: 1, mode: 'manual' });
    assert.equal(await store.timers.countPending(), 0);

    const result = await recoverRuns(store.runs, store.timers, queue, (id, e) => assert.fail(`${id}: ${e}`));
    assert.deepEqual(result, { resumed: 1, timersRepaired: 1 });
    let waiting = 0;
    for (let i = 0; i < 200 && waiting < 2; i++) {
      await new Promise((r) => setTimeout(r, 5));
      waiting = (await store.runs.listRunsByStatus(['waiting'], 10)).length;
    }
    assert.equal(waiting, 2, 'the interrupted run went on to its wait, beside the paused one');
    assert.ok(paused.run.id);
    assert.equal(await store.timers.countPending(), 2, 'both waits now have their timer');
    const again = await recoverRuns(store.runs, store.timers, queue, () => {});
    assert.equal(again.resumed, 0);
    assert.equal(await store.timers.countPending(), 2, 'repairing twice adds nothing');
  });
});
