/**
 * Scale-out under load with real processes (issue 7): one `relais start --no-worker` (webhooks,
 * events, API, timers) and `relais worker` processes on the real PostgreSQL and Redis.
 *
 * 1. Waits: runs pause 3 s (Webhook → A → Wait → B); they fall due while the load below runs and a
 *    worker is dead.
 * 2. Load: webhook runs answered with their last node (the answer crosses back through Redis); at a
 *    third of the load the counter holds every call of the Hit node until both workers are full, then
 *    one worker is SIGKILLed: exactly its runs were inside Hit, and only they call Hit twice (taken
 *    over from their checkpoint). A replacement worker starts.
 * 3. App events (`POST /api/events`) and runs of a workflow limited to 2 at once, across workers.
 * 4. Waits again; every worker is SIGKILLed while the runs wait; their waits fall due with no worker
 *    alive (the jobs wait in Redis); a new worker drives them all.
 * Every run succeeds once, one step per node; every side effect (a call to the loopback counter by
 * an HTTP Request node) happened once per run, twice only for the runs the killed worker was in.
 *
 * Needs RELAIS_TEST_REDIS_URL and RELAIS_TEST_DATABASE_URL; skips (loudly) without them.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Redis } from 'ioredis';
import { type WorkflowInput, workflowSchema } from '../../src/engine/workflow.js';
import { openStore, type Store } from '../../src/store/index.js';
import { until as untilWithin } from '../../src/testing/until.js';
import { type Cluster, freePort, kill, pool, relais } from './process-kit.js';

const untilStep = (what: string, predicate: () => boolean | Promise<boolean>) =>
  untilWithin(what, predicate, { timeoutMs: 40_000, everyMs: 50 });

const REDIS = process.env.RELAIS_TEST_REDIS_URL;
const DATABASE = process.env.RELAIS_TEST_DATABASE_URL;
const skip = !REDIS || !DATABASE;
if (skip) {
  console.warn(
    '\n*** SKIPPED test/scale/cluster.test.ts: set RELAIS_TEST_REDIS_URL and RELAIS_TEST_DATABASE_URL to run the scale-out load test ***\n',
  );
}

const LOAD = 1500;
const EVENTS = 300;
const LIMITED = 40;
const WAITS = 100;
const PER_WORKER = 8;
const CLIENTS = 32;
const OWNER = { email: 'owner@scale.test', password: 'scale-test-password-1234' };

const cluster: Cluster = {
  dataDir: '',
  database: DATABASE ?? '',
  schema: `scalec_${randomUUID().replaceAll('-', '').slice(0, 12)}`,
  redis: REDIS ?? '',
  prefix: `relais-test-${randomUUID().slice(0, 8)}`,
  children: [],
  startTimeoutMs: 40_000,
};
let store: Store | undefined;
let closeCounter: (() => Promise<void>) | undefined;

after(async () => {
  for (const c of cluster.children) await kill(c, 'SIGKILL');
  await closeCounter?.();
  if (REDIS) {
    const redis = new Redis(REDIS);
    const keys = await redis.keys(`${cluster.prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  }
  await store?.db.schema.dropSchema(cluster.schema).ifExists().cascade().execute();
  await store?.close();
  if (cluster.dataDir) await rm(cluster.dataDir, { recursive: true, force: true });
});

interface Hit {
  run: string;
  node: string;
}

/** The third-party API stand-in: counts each call per run and node; can hold Hit calls; L is slow. */
async function startCounter() {
  const hits: Hit[] = [];
  const held: { res: ServerResponse; lost: boolean; run: string }[] = [];
  const state = { holding: false, inL: 0, mostL: 0 };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const hit = { run: url.searchParams.get('run') ?? '', node: url.searchParams.get('node') ?? '' };
    hits.push(hit);
    const answer = () =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ node: hit.node }));
    if (hit.node === 'Hit' && state.holding) {
      const h = { res, lost: false, run: hit.run };
      res.once('close', () => {
        if (!res.writableEnded) h.lost = true;
      });
      held.push(h);
      return;
    }
    if (hit.node === 'L') {
      // A slow API: long enough for runs to overlap if the limit let them.
      state.inL++;
      state.mostL = Math.max(state.mostL, state.inL);
      setTimeout(() => {
        state.inL--;
        answer();
      }, 25);
      return;
    }
    answer();
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closeCounter = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  const release = () => {
    state.holding = false;
    for (const h of held.splice(0))
      if (!h.lost) h.res.writeHead(200, { 'content-type': 'application/json' }).end('{"node":"Hit"}');
  };
  const count = (run: string, node: string) => hits.filter((h) => h.run === run && h.node === node).length;
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    held,
    state,
    release,
    count,
  };
}

function hitNode(id: string, name: string, base: string, x: number) {
  return {
    id,
    name,
    type: 'httpRequest',
    typeVersion: 4.2,
    position: [x, 0] as [number, number],
    parameters: { method: 'GET', url: `=${base}/hit?run={{ $execution.id }}&node=${name}` },
  };
}

function webhook(path: string, responseMode: 'lastNode' | 'onReceived') {
  return {
    id: 'w',
    name: 'Webhook',
    type: 'webhook',
    typeVersion: 2,
    position: [0, 0] as [number, number],
    parameters: {
      path,
      httpMethod: 'POST',
      responseMode,
      ...(responseMode === 'onReceived' && { immediateResponse: 'runId' }),
    },
  };
}

function workflows(base: string): Record<string, WorkflowInput> {
  return {
    load: {
      name: 'load',
      nodes: [webhook('load', 'lastNode'), hitNode('h', 'Hit', base, 200)],
      connections: [{ from: 'Webhook', to: 'Hit' }],
    },
    events: {
      name: 'events',
      nodes: [
        { id: 't', name: 'On event', type: 'eventTrigger', parameters: { eventType: 'load.event' } },
        hitNode('e', 'E', base, 200),
      ],
      connections: [{ from: 'On event', to: 'E' }],
    },
    limited: {
      name: 'limited',
      nodes: [webhook('limited', 'onReceived'), hitNode('l', 'L', base, 200)],
      connections: [{ from: 'Webhook', to: 'L' }],
      settings: { concurrency: { max: 2 } },
    },
    waits: {
      name: 'waits',
      nodes: [
        webhook('waits', 'onReceived'),
        hitNode('a', 'A', base, 200),
        {
          id: 'p',
          name: 'Wait',
          type: 'wait',
          typeVersion: 1.1,
          position: [400, 0],
          parameters: { resume: 'timeInterval', amount: 3, unit: 'seconds' },
        },
        hitNode('b', 'B', base, 600),
      ],
      connections: [
        { from: 'Webhook', to: 'A' },
        { from: 'A', to: 'Wait' },
        { from: 'Wait', to: 'B' },
      ],
    },
  };
}

test('one ingress + workers under load: SIGKILLed workers lose no run and double none', {
  skip,
  timeout: 120_000,
}, async () => {
  const started = Date.now();
  cluster.dataDir = await mkdtemp(join(tmpdir(), 'relais-cluster-'));
  const counter = await startCounter();
  store = await openStore({ databaseUrl: DATABASE, schema: cluster.schema });
  for (const [id, doc] of Object.entries(workflows(counter.url))) {
    await store.workflows.saveWorkflow(id, workflowSchema.parse(doc));
    await store.workflows.setActive(id, true);
  }
  const port = await freePort();
  const ingress = await relais(cluster, ['start', '--no-worker'], /Relais is running on (\S+)/, {
    RELAIS_PORT: String(port),
    RELAIS_OWNER_EMAIL: OWNER.email,
    RELAIS_OWNER_PASSWORD: OWNER.password,
    // The test polls /healthz; webhooks are never rate-limited anyway.
    RELAIS_RATE_ANONYMOUS: '0',
  });
  const url = /on (\S+)/.exec(ingress.line)![1];
  const worker = () =>
    relais(cluster, ['worker', '--concurrency', String(PER_WORKER)], /Relais worker is running/);
  const [w1, w2] = await Promise.all([worker(), worker()]);

  const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const runIds = async (workflowId: string) =>
    (await store!.db
      .selectFrom('runs')
      .select(['id', 'status'])
      .where('workflow_id', '=', workflowId)
      .execute()) as {
      id: string;
      status: string;
    }[];
  const waitsCreated = async (n: number) =>
    pool(n, 8, async (i) => {
      const r = await post('/webhook/waits', { i });
      assert.equal(r.status, 202, JSON.stringify(r.body));
      return r.body.runId as string;
    });

  // 1. Runs that pause 3 s, falling due during the load (and the kill) below.
  const firstWaits = await waitsCreated(WAITS);

  // 2. The load; a worker dies with runs inside Hit.
  let answered = 0;
  const loadAnswers: Promise<{ status: number; body: Record<string, unknown> }[]> = pool(
    LOAD,
    CLIENTS,
    async (i) => {
      const r = await post('/webhook/load', { i });
      answered++;
      return r;
    },
  );
  await untilStep('a third of the load answered', () => answered >= LOAD / 3);
  counter.state.holding = true;
  await untilStep('both workers full, inside Hit', () => counter.held.length === 2 * PER_WORKER);
  await kill(w1.proc, 'SIGKILL');
  await untilStep(
    'the killed worker’s calls dropped',
    () => counter.held.filter((h) => h.lost).length === PER_WORKER,
  );
  const interrupted = new Set(counter.held.filter((h) => h.lost).map((h) => h.run));
  counter.release();
  const w3 = await worker();
  console.log(`cluster test: worker killed and replaced at ${Date.now() - started} ms`);

  // 3. Events and limited runs, beside the end of the load.
  const token = (await post('/api/auth/login', { email: OWNER.email, password: OWNER.password })).body
    .accessToken as string;
  const [events, limited] = await Promise.all([
    pool(EVENTS, 8, async (i) =>
      post('/api/events', { type: 'load.event', data: { i } }, { authorization: `Bearer ${token}` }),
    ),
    pool(LIMITED, 8, async (i) => post('/webhook/limited', { i })),
  ]);
  for (const e of events) assert.equal(e.status, 202, JSON.stringify(e.body));
  for (const l of limited) assert.equal(l.status, 202, JSON.stringify(l.body));
  const loads = await loadAnswers;
  for (const r of loads)
    assert.deepEqual(r, { status: 200, body: { node: 'Hit' } }, 'the last node answered every caller');

  console.log(`cluster test: load, events and limited runs done at ${Date.now() - started} ms`);
  // 4. Waits due while no worker lives.
  const secondWaits = await waitsCreated(WAITS);
  const waiting = async () =>
    (await runIds('waits')).filter((r) => secondWaits.includes(r.id) && r.status === 'waiting').length;
  await untilStep('the second waits all wait', async () => (await waiting()) === WAITS);
  await Promise.all([kill(w2.proc, 'SIGKILL'), kill(w3.proc, 'SIGKILL')]);
  // A job whose worker died before BullMQ heard it end stays `active` until a live worker's stall
  // check: waiting + active counts the jobs of every second-wave run.
  const queued = async () => {
    const health = (await (await fetch(`${url}/healthz`)).json()) as {
      queue?: { waiting: number; active: number };
    };
    assert.ok(health.queue, `healthz shows the queue: ${JSON.stringify(health)}`);
    return health.queue.waiting + health.queue.active;
  };
  try {
    await untilWithin(
      'their waits fell due: their jobs wait in Redis for a worker',
      async () => (await queued()) >= WAITS,
      { timeoutMs: 15_000, everyMs: 50 },
    );
  } catch (error) {
    const timers = await store.db.selectFrom('timers').selectAll().execute();
    const health = await (await fetch(`${url}/healthz`)).json();
    console.log(JSON.stringify({ health, timers: timers.length, sample: timers.slice(0, 3) }));
    throw error;
  }
  await worker();

  const expected = { load: LOAD, events: EVENTS, limited: LIMITED, waits: 2 * WAITS };
  for (const [workflowId, n] of Object.entries(expected)) {
    try {
      await untilStep(
        `every ${workflowId} run succeeded`,
        async () => (await runIds(workflowId)).filter((r) => r.status === 'succeeded').length === n,
      );
    } catch (error) {
      // What a rare failure needs to be understood: where the other runs stand, and the queue.
      const others = await store.db
        .selectFrom('runs')
        .select(['id', 'status', 'current_node', 'version', 'wait_till'])
        .where('workflow_id', '=', workflowId)
        .where('status', '!=', 'succeeded')
        .execute();
      // (None left when the count is off the other way: a run doubled.)
      const timers =
        others.length === 0
          ? []
          : await store.db
              .selectFrom('timers')
              .selectAll()
              .where(
                'run_id',
                'in',
                others.map((r) => r.id),
              )
              .execute();
      const health = await (await fetch(`${url}/healthz`)).json();
      console.log(
        JSON.stringify({ workflowId, others: others.slice(0, 10), count: others.length, timers, health }),
      );
      throw error;
    }
    assert.equal((await runIds(workflowId)).length, n, `${workflowId}: no run doubled nor lost`);
  }

  // Side effects: once per run and node; twice only for the runs inside Hit on the killed worker.
  const nodes: Record<string, string[]> = { load: ['Hit'], events: ['E'], limited: ['L'], waits: ['A', 'B'] };
  for (const [workflowId, names] of Object.entries(nodes)) {
    for (const { id: run } of await runIds(workflowId)) {
      for (const node of names) {
        const times = workflowId === 'load' && interrupted.has(run) ? 2 : 1;
        assert.equal(counter.count(run, node), times, `${node} of ${workflowId} run ${run}`);
      }
    }
  }
  assert.equal(interrupted.size, PER_WORKER);
  for (const run of interrupted) assert.ok((await runIds('load')).some((r) => r.id === run));
  // One step per node in the store, whatever the takeovers.
  const steps = await store.db
    .selectFrom('steps')
    .innerJoin('runs', 'runs.id', 'steps.run_id')
    .select(['runs.workflow_id', 'steps.run_id', 'steps.node_name', 'steps.status'])
    .execute();
  const perRun = new Map<string, string[]>();
  for (const s of steps)
    perRun.set(s.run_id, [...(perRun.get(s.run_id) ?? []), `${s.node_name}:${s.status}`]);
  for (const run of [...firstWaits, ...secondWaits])
    assert.deepEqual(perRun.get(run)?.sort(), [
      'A:succeeded',
      'B:succeeded',
      'Wait:succeeded',
      'Wait:waiting',
      'Webhook:succeeded',
    ]);
  for (const { id: run } of await runIds('load'))
    assert.deepEqual(perRun.get(run)?.sort(), ['Hit:succeeded', 'Webhook:succeeded']);
  assert.ok(counter.state.mostL <= 2, `the limit held across workers (saw ${counter.state.mostL} at once)`);
  assert.equal(counter.state.mostL, 2, 'two limited runs did run at once');
  await kill(ingress.proc, 'SIGTERM');
  assert.equal(ingress.proc.exitCode, 0);
  console.log(`cluster test: ${LOAD + EVENTS + LIMITED + 2 * WAITS} runs in ${Date.now() - started} ms`);
});
