/**
 * Scale-out queue (issue 7), in one test process: a producer and two BullMQ workers on the real
 * Redis, each with its own store on the same PostgreSQL schema. N runs each finish exactly once;
 * a worker that dies mid-run (its lease stops being renewed) has its run taken over by the other,
 * which continues from the checkpoint: every completed node ran once.
 *
 * Needs RELAIS_TEST_REDIS_URL and RELAIS_TEST_DATABASE_URL; skips (loudly) without them.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { main } from '../../src/cli/main.js';
import { loadConfig } from '../../src/config.js';
import { Engine } from '../../src/engine/engine.js';
import { type Workflow, type WorkflowInput, workflowSchema } from '../../src/engine/workflow.js';
import { createRegistry } from '../../src/nodes/registry.js';
import { defineNode } from '../../src/nodes/sdk.js';
import { webhookParams } from '../../src/nodes/webhook.node.js';
import { BullMqQueue } from '../../src/queue/bullmq.js';
import { EmbeddedQueue } from '../../src/queue/embedded.js';
import { WebhookRunner, WebhookWaiters } from '../../src/server/webhook/runner.js';
import { openStore, type Store } from '../../src/store/index.js';
import { until } from '../../src/testing/until.js';

const REDIS = process.env.RELAIS_TEST_REDIS_URL;
const DATABASE = process.env.RELAIS_TEST_DATABASE_URL;
const skip = !REDIS || !DATABASE;
if (skip) {
  console.warn(
    '\n*** SKIPPED test/scale/bullmq.test.ts: set RELAIS_TEST_REDIS_URL and RELAIS_TEST_DATABASE_URL to run the scale-out tests ***\n',
  );
}

const PREFIX = `relais-test-${randomUUID().slice(0, 8)}`;
const SCHEMA = `scale_${randomUUID().replaceAll('-', '').slice(0, 12)}`;

/** Node executions per run, with the worker that ran them: `${node}@${worker}`. */
const calls = new Map<string, string[]>();
/** Runs whose Slow node hangs forever the first time (the worker "dies" there). */
const hangOnce = new Set<string>();
const hanging = new Map<string, string>();
/** Gate nodes: runs inside one now per group (workflow / key), the most seen at once, and their releases. */
const inside = new Map<string, number>();
const most = new Map<string, number>();
const gates: { run: string; group: string; worker: string; open(): void }[] = [];

function nodesOf(worker: string) {
  const record = (runId: string, node: string) => {
    const list = calls.get(runId) ?? [];
    list.push(`${node}@${worker}`);
    calls.set(runId, list);
  };
  const count = defineNode({
    type: 'count',
    version: 1,
    displayName: 'Count',
    description: 'Records that it ran',
    group: 'utility',
    params: z.object({}),
    inputs: 1,
    outputs: ['main'],
    execute(ctx) {
      record(ctx.execution.id, ctx.node.name);
      return [
        ctx.items.map((item, i) => ({
          json: { ...item.json, [ctx.node.name]: worker },
          pairedItem: { item: i },
        })),
      ];
    },
  });
  const slow = defineNode({
    type: 'slow',
    version: 1,
    displayName: 'Slow',
    description: 'Hangs the first time for chosen runs',
    group: 'utility',
    params: z.object({}),
    inputs: 1,
    outputs: ['main'],
    async execute(ctx) {
      const id = ctx.execution.id;
      record(id, ctx.node.name);
      if (hangOnce.delete(id)) {
        hanging.set(id, worker);
        await new Promise<never>(() => {});
      }
      return [[...ctx.items]];
    },
  });
  const answer = defineNode({
    type: 'answer',
    version: 1,
    displayName: 'Answer',
    description: 'Answers the webhook caller',
    group: 'utility',
    params: z.object({}),
    inputs: 1,
    outputs: ['main'],
    execute: (ctx) => ({
      kind: 'respond',
      response: { status: 201, headers: { 'x-worker': worker }, body: { ok: true, bytes: undefined } },
      outputs: [[...ctx.items]],
    }),
  });
  const pause = defineNode({
    type: 'pause',
    version: 1,
    displayName: 'Pause',
    description: 'Waits one day',
    group: 'flow',
    params: z.object({}),
    inputs: 1,
    outputs: ['main'],
    execute: (ctx) => ({
      kind: 'wait',
      until: new Date(ctx.now().toMillis() + 86_400_000),
      items: [...ctx.items],
    }),
  });
  const gate = defineNode({
    type: 'gate',
    version: 1,
    displayName: 'Gate',
    description: 'Holds the run until the test opens its gate; counts the runs inside per group',
    group: 'utility',
    params: z.object({}),
    inputs: 1,
    outputs: ['main'],
    async execute(ctx) {
      record(ctx.execution.id, ctx.node.name);
      const group = `${ctx.workflow.id}/${String(ctx.items[0]?.json.customer ?? '')}`;
      const now = (inside.get(group) ?? 0) + 1;
      inside.set(group, now);
      most.set(group, Math.max(most.get(group) ?? 0, now));
      await new Promise<void>((open) => gates.push({ run: ctx.execution.id, group, worker, open }));
      inside.set(group, (inside.get(group) ?? 1) - 1);
      return [[...ctx.items]];
    },
  });
  return createRegistry([count, slow, answer, pause, gate]);
}

const WORKFLOW: WorkflowInput = {
  name: 'scale',
  nodes: [
    { id: '1', name: 'Start', type: 'manualTrigger' },
    { id: '2', name: 'A', type: 'count', position: [200, 0] },
    { id: '3', name: 'Slow', type: 'slow', position: [400, 0] },
    { id: '4', name: 'B', type: 'count', position: [600, 0] },
  ],
  connections: [
    { from: 'Start', to: 'A' },
    { from: 'A', to: 'Slow' },
    { from: 'Slow', to: 'B' },
  ],
};

interface Member {
  store: Store;
  engine: Engine;
  queue: BullMqQueue;
}

const stores: Store[] = [];
const queues: BullMqQueue[] = [];
let producer: Member;
const workers: Member[] = [];
const errors: unknown[] = [];

async function member(name: string, works: boolean): Promise<Member> {
  const store = await openStore({ databaseUrl: DATABASE, schema: SCHEMA });
  stores.push(store);
  const engine = new Engine({ runs: store.runs, registry: nodesOf(name), timers: store.timers });
  const executor = works
    ? new EmbeddedQueue({
        engine,
        runs: store.runs,
        workflows: store.workflows,
        slots: store.runs,
        timers: store.timers,
      })
    : undefined;
  const queue = new BullMqQueue({
    redisUrl: REDIS!,
    prefix: PREFIX,
    runs: store.runs,
    slots: store.runs,
    workflows: store.workflows,
    executor,
    concurrency: 4,
    lockDurationMs: 1000,
    stalledIntervalMs: 300,
    gaugeIntervalMs: 0,
    onError: (runId, error) => errors.push({ runId, error }),
  });
  queues.push(queue);
  return { store, engine, queue };
}

describe('BullMQ run queue on Redis + PostgreSQL', { skip }, () => {
  before(async () => {
    producer = await member('producer', false);
    workers.push(await member('w1', true), await member('w2', true));
    await producer.store.workflows.saveWorkflow('wf-scale', workflowSchema.parse(WORKFLOW));
  });

  after(async () => {
    for (const q of queues) await q.close().catch(() => undefined);
    const redis = new Redis(REDIS!);
    const keys = await redis.keys(`${PREFIX}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
    await producer?.store.db.schema.dropSchema(SCHEMA).ifExists().cascade().execute();
    for (const s of stores) await s.close().catch(() => undefined);
  });

  /** Start → the given nodes in a line, saved under `id` (one document per test workflow). */
  async function chain(
    id: string,
    nodes: [name: string, type: string][],
    settings?: Record<string, unknown>,
  ): Promise<Workflow> {
    const doc = workflowSchema.parse({
      name: id,
      nodes: [
        { id: '0', name: 'Start', type: 'manualTrigger' },
        ...nodes.map(([name, type], i) => ({ id: String(i + 1), name, type, position: [200 * (i + 1), 0] })),
      ],
      connections: nodes.map(([name], i) => ({ from: i === 0 ? 'Start' : nodes[i - 1][0], to: name })),
      ...(settings && { settings }),
    });
    await producer.store.workflows.saveWorkflow(id, doc);
    return doc;
  }

  /** A queued manual run of a saved chain. */
  async function queued(id: string, doc: Workflow, triggerItems?: unknown[]): Promise<string> {
    const run = await producer.engine.create({ workflow: doc, workflowId: id, mode: 'manual', triggerItems });
    return run.id;
  }

  async function create(): Promise<string> {
    const run = await producer.engine.create({
      workflow: workflowSchema.parse(WORKFLOW),
      workflowId: 'wf-scale',
      workflowVersion: 1,
      mode: 'manual',
    });
    return run.id;
  }

  test('N runs submitted by a producer each finish exactly once, spread over two workers', async () => {
    const ids = await Promise.all(Array.from({ length: 40 }, () => create()));
    const outcomes = await Promise.all(ids.map((runId) => producer.queue.submit({ runId })));
    for (const o of outcomes) {
      assert.equal(o.run.status, 'succeeded');
      assert.equal(o.runData.output('B').length, 1, 'runData is rebuilt from the stored steps');
    }
    const by = new Set<string>();
    for (const id of ids) {
      const list = calls.get(id) ?? [];
      assert.deepEqual(
        list.map((c) => c.split('@')[0]),
        ['A', 'Slow', 'B'],
        `run ${id} ran each node once`,
      );
      for (const c of list) by.add(c.split('@')[1]);
    }
    assert.deepEqual([...by].sort(), ['w1', 'w2'], 'both workers took runs');
    // A second plain submit of a finished run drives nothing again.
    const again = await producer.queue.submit({ runId: ids[0] });
    assert.equal(again.run.status, 'succeeded');
    assert.equal(calls.get(ids[0])?.length, 3);
    const stats = await producer.queue.stats();
    assert.equal(stats.waiting + stats.active, 0);
  });

  test('a Respond to Webhook answer comes back to the submitting process through Redis', async () => {
    const runId = await queued(
      'wf-answer',
      await chain('wf-answer', [
        ['Answer', 'answer'],
        ['B', 'count'],
      ]),
    );
    const answers: unknown[] = [];
    const outcome = await producer.queue.submit({ runId, respond: (r) => answers.push(r) });
    assert.equal(outcome.run.status, 'succeeded');
    assert.equal(answers.length, 1);
    const [a] = answers as { status: number; headers: Record<string, string>; body: unknown }[];
    assert.equal(a.status, 201);
    assert.match(a.headers['x-worker'], /^w[12]$/);
    assert.deepEqual(a.body, { ok: true });
  });

  test('duplicate submits and resumes of one run drive it once', async () => {
    const plain = await create();
    const [p1, p2] = await Promise.all([
      producer.queue.submit({ runId: plain }),
      producer.queue.submit({ runId: plain }),
    ]);
    assert.equal(p1.run.status, 'succeeded');
    assert.equal(p2.run.status, 'succeeded');
    assert.deepEqual(
      calls.get(plain)?.map((c) => c.split('@')[0]),
      ['A', 'Slow', 'B'],
    );

    const runId = await queued(
      'wf-pause',
      await chain('wf-pause', [
        ['Pause', 'pause'],
        ['B', 'count'],
      ]),
    );
    assert.equal((await producer.queue.submit({ runId: runId })).run.status, 'waiting');
    const resumes = await Promise.allSettled([
      producer.queue.submit({ runId: runId, resume: { by: 'time' } }),
      producer.queue.submit({ runId: runId, resume: { by: 'time' } }),
      producer.queue.submit({ runId: runId }),
    ]);
    assert.ok(resumes.some((r) => r.status === 'fulfilled' && r.value.run.status === 'succeeded'));
    assert.equal((await producer.store.runs.getRun(runId))?.status, 'succeeded');
    assert.deepEqual(
      calls.get(runId)?.map((c) => c.split('@')[0]),
      ['B'],
      'B ran once',
    );
  });

  /** Opens gates one at a time until every listed run has passed its gate; checks the limit at each step. */
  async function openAll(runs: readonly string[], max: number) {
    const left = new Set(runs);
    const deadline = Date.now() + 30_000;
    while (left.size > 0) {
      assert.ok(Date.now() < deadline, `runs still behind their gate: ${[...left].join(', ')}`);
      const next = gates.findIndex((g) => left.has(g.run));
      if (next < 0) {
        await new Promise((r) => setTimeout(r, 10));
        continue;
      }
      const [g] = gates.splice(next, 1);
      assert.ok((inside.get(g.group) ?? 0) <= max, `at most ${max} inside ${g.group}`);
      left.delete(g.run);
      g.open();
    }
  }

  test('a workflow limit (max 2) holds across both workers; refused runs wait delayed and all finish once', async () => {
    const doc = await chain(
      'wf-limited',
      [
        ['Gate', 'gate'],
        ['B', 'count'],
      ],
      { concurrency: { max: 2 } },
    );
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) ids.push(await queued('wf-limited', doc));
    const done = Promise.all(ids.map((runId) => producer.queue.submit({ runId })));
    // Two inside, the six others refused a slot: delayed in BullMQ, in the group's waiting room.
    await until('2 inside and 6 delayed', async () => {
      const c = await producer.queue.queue.getJobCounts('delayed');
      return gates.length === 2 && c.delayed === 6;
    });
    assert.equal(
      await producer.store.runs.countTakenSlots('wf-limited', ''),
      2,
      'the store sees 2 slots taken',
    );
    assert.equal(most.get('wf-limited/'), 2);
    await openAll(ids, 2);
    const outcomes = await done;
    for (const o of outcomes) assert.equal(o.run.status, 'succeeded');
    assert.equal(most.get('wf-limited/'), 2, 'never more than 2 at once, across both workers');
    for (const id of ids)
      assert.deepEqual(
        calls.get(id)?.map((c) => c.split('@')[0]),
        ['Gate', 'B'],
      );
    assert.equal(await producer.store.runs.countTakenSlots('wf-limited', ''), 0, 'every slot given back');
  });

  test('a limit per key (one run per customer at a time) across both workers', async () => {
    const doc = await chain('wf-keyed', [['Gate', 'gate']], {
      concurrency: { key: '={{ $json.customer }}' },
    });
    const ids: string[] = [];
    const customerOf = new Map<string, string>();
    for (let i = 0; i < 9; i++) {
      const customer = ['a', 'b', 'c'][i % 3];
      const runId = await queued('wf-keyed', doc, [{ customer }]);
      ids.push(runId);
      customerOf.set(runId, customer);
    }
    const done = Promise.all(ids.map((runId) => producer.queue.submit({ runId })));
    await until('one run inside per customer', () => gates.length === 3);
    assert.deepEqual(gates.map((g) => g.group).sort(), ['wf-keyed/a', 'wf-keyed/b', 'wf-keyed/c']);
    await openAll(ids, 1);
    for (const o of await done) assert.equal(o.run.status, 'succeeded');
    for (const c of ['a', 'b', 'c'])
      assert.equal(most.get(`wf-keyed/${c}`), 1, `customer ${c}: one at a time`);
  });

  test('a caller waits across a Wait: the answer given after the run resumed on a worker comes back', async () => {
    const doc = await chain('wf-later', [
      ['Pause', 'pause'],
      ['Answer', 'answer'],
      ['B', 'count'],
    ]);
    const runId = await queued('wf-later', doc);
    const waiters = new WebhookWaiters(() => producer.queue);
    const runner = new WebhookRunner({
      queue: producer.queue,
      runs: producer.store.runs,
      waiters,
      onError: (runId, error) => errors.push({ runId, error }),
    });
    const byNode = runner.answer(
      runId,
      webhookParams.parse({ path: 'x', responseMode: 'responseNode' }),
      20_000,
    );
    await until('the run waits', async () => (await producer.store.runs.getRun(runId))?.status === 'waiting');
    assert.equal(waiters.size, 1, 'the caller still waits');
    // The due time comes: another process (a `start`'s timer loop) resumes it; a worker drives it.
    await workers[1].queue.submit({ runId: runId, resume: { by: 'time' } });
    const answer = await byNode;
    assert.ok(!(answer instanceof Error), String(answer));
    assert.equal(answer.status, 201);
    assert.deepEqual(answer.body, { ok: true });
    assert.equal(waiters.size, 0);

    // lastNode: the answer is the last node's output, read back when the run ends elsewhere.
    const second = await queued('wf-later', doc);
    const last = runner.answer(second, webhookParams.parse({ path: 'x', responseMode: 'lastNode' }), 20_000);
    await until(
      'the second run waits',
      async () => (await producer.store.runs.getRun(second))?.status === 'waiting',
    );
    await workers[0].queue.submit({ runId: second, resume: { by: 'time' } });
    const answered = await last;
    assert.ok(!(answered instanceof Error), String(answered));
    assert.equal(answered.status, 200);
    assert.equal((answered.body as { B: string }).B.startsWith('w'), true, 'the last node B answered');

    // A caller that gives up (timeout) stops listening: nothing is left subscribed for its run.
    const third = await queued('wf-later', doc);
    const timeout = await runner.answer(
      third,
      webhookParams.parse({ path: 'x', responseMode: 'lastNode' }),
      300,
    );
    assert.ok(timeout instanceof Error && (timeout as { status?: number }).status === 504);
    assert.equal(waiters.size, 0);
  });

  test('a worker that dies mid-run: the other takes the run over from its checkpoint', async () => {
    const runId = await create();
    hangOnce.add(runId);
    const done = producer.queue.submit({ runId });
    for (let i = 0; i < 500 && !hanging.has(runId); i++) await new Promise((r) => setTimeout(r, 10));
    const dead = hanging.get(runId);
    assert.ok(dead, 'the run reached the Slow node');
    const deadIndex = dead === 'w1' ? 0 : 1;
    await workers[deadIndex].queue.abandon();
    const outcome = await done;
    assert.equal(outcome.run.status, 'succeeded');
    const alive = dead === 'w1' ? 'w2' : 'w1';
    assert.deepEqual(calls.get(runId), [`A@${dead}`, `Slow@${dead}`, `Slow@${alive}`, `B@${alive}`]);
    const steps = await producer.store.runs.listSteps(runId);
    assert.deepEqual(
      steps.map((s) => `${s.nodeName}:${s.status}`),
      ['Start:succeeded', 'A:succeeded', 'Slow:succeeded', 'B:succeeded'],
      'one step per completed node',
    );
  });
});

describe('scale-out configuration', () => {
  test('relais worker / webhook / start --no-worker refuse to run without RELAIS_REDIS_URL', async () => {
    const saved = process.env.RELAIS_REDIS_URL;
    delete process.env.RELAIS_REDIS_URL;
    try {
      for (const argv of [['worker'], ['webhook'], ['start', '--no-worker']]) {
        const err: string[] = [];
        const code = await main(argv, { out: () => {}, err: (m) => err.push(m) });
        assert.equal(code, 2, argv.join(' '));
        assert.match(err.join('\n'), /needs the scale-out queue: set RELAIS_REDIS_URL/);
      }
      const err: string[] = [];
      assert.equal(
        await main(['worker', '--concurrency', '0'], { out: () => {}, err: (m) => err.push(m) }),
        2,
      );
      assert.match(err.join('\n'), /--concurrency takes a whole number/);
    } finally {
      if (saved !== undefined) process.env.RELAIS_REDIS_URL = saved;
    }
  });

  test('RELAIS_REDIS_URL needs PostgreSQL', () => {
    assert.throws(() => loadConfig({ RELAIS_REDIS_URL: 'redis://127.0.0.1:6379' }), /needs PostgreSQL/);
    const config = loadConfig({
      RELAIS_REDIS_URL: 'redis://127.0.0.1:6379',
      RELAIS_DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test',
      RELAIS_WORKER_CONCURRENCY: '8',
    });
    assert.deepEqual(config.redis, { url: 'redis://127.0.0.1:6379', prefix: 'relais', leaseMs: 30_000 });
    assert.equal(config.workerConcurrency, 8);
  });
});
