/**
 * Scale-out with real processes (issue 7): one `relais start --no-worker` (webhooks, API, timers)
 * and two `relais worker` on the real PostgreSQL (one schema for this test) and Redis (one BullMQ
 * prefix). Webhook runs (Webhook → A → Slow → Wait 1 s → B) are spread over both workers; one
 * worker is SIGKILLed while its runs are inside Slow. The other takes them over after the lease
 * (1 s here) and continues them from their checkpoint; the waits fall due and are resumed by the
 * surviving worker. Every run succeeds once; A and B ran once per run, Slow twice only for the
 * runs of the killed worker.
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
import { workflowSchema } from '../../src/engine/workflow.js';
import { openStore, type Store } from '../../src/store/index.js';
import { until } from '../../src/testing/until.js';
import { CRASH_PATH, crashWorkflow } from '../durable/fixtures/crash-workflow.js';
import { type Cluster, freePort, kill, relais as spawnRelais } from './process-kit.js';

const REDIS = process.env.RELAIS_TEST_REDIS_URL;
const DATABASE = process.env.RELAIS_TEST_DATABASE_URL;
const skip = !REDIS || !DATABASE;
if (skip) {
  console.warn(
    '\n*** SKIPPED test/scale/processes.test.ts: set RELAIS_TEST_REDIS_URL and RELAIS_TEST_DATABASE_URL to run the multi-process scale-out test ***\n',
  );
}

const PREFIX = `relais-test-${randomUUID().slice(0, 8)}`;
const SCHEMA = `scalep_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
const RUNS = 6;
const PER_WORKER = 2;
const STEP_TIMEOUT_MS = 40_000;
const untilStep = (what: string, predicate: () => boolean | Promise<boolean>) =>
  until(what, predicate, { timeoutMs: STEP_TIMEOUT_MS, everyMs: 25 });

let cluster: Cluster | undefined;
let store: Store | undefined;
let closeCounter: (() => Promise<void>) | undefined;

after(async () => {
  for (const c of cluster?.children ?? [])
    if (c.exitCode === null && c.signalCode === null) await kill(c, 'SIGKILL');
  await closeCounter?.();
  if (REDIS) {
    const redis = new Redis(REDIS);
    const keys = await redis.keys(`${PREFIX}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  }
  await store?.db.schema.dropSchema(SCHEMA).ifExists().cascade().execute();
  await store?.close();
  if (cluster) await rm(cluster.dataDir, { recursive: true, force: true });
});

interface Held {
  run: string;
  res: ServerResponse;
  /** The caller went away (its worker was killed) before it was answered. */
  lost: boolean;
}

/** Counts every node's call per run; holds Slow calls while `holding`. */
async function startCounter() {
  const hits: { run: string; node: string }[] = [];
  const held: Held[] = [];
  const state = { holding: true };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const run = url.searchParams.get('run') ?? '';
    const node = url.searchParams.get('node') ?? '';
    hits.push({ run, node });
    if (node === 'Slow' && state.holding) {
      const h: Held = { run, res, lost: false };
      res.once('close', () => {
        if (!res.writableEnded) h.lost = true;
      });
      held.push(h);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closeCounter = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  const release = () => {
    state.holding = false;
    for (const h of held) if (!h.lost) h.res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  };
  const of = (run: string) => hits.filter((h) => h.run === run).map((h) => h.node);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits, held, release, of };
}

test('one ingress + two workers: a SIGKILLed worker loses no run and doubles none', {
  skip,
  timeout: 120_000,
}, async () => {
  cluster = {
    dataDir: await mkdtemp(join(tmpdir(), 'relais-scale-')),
    database: DATABASE!,
    schema: SCHEMA,
    redis: REDIS!,
    prefix: PREFIX,
    children: [],
    startTimeoutMs: STEP_TIMEOUT_MS,
  };
  const relais = (args: string[], ready: RegExp, extra: Record<string, string>) =>
    spawnRelais(cluster!, args, ready, extra);
  const counter = await startCounter();
  store = await openStore({ databaseUrl: DATABASE, schema: SCHEMA });
  await store.workflows.saveWorkflow('scale', workflowSchema.parse(crashWorkflow(counter.url, 1)));
  await store.workflows.setActive('scale', true);

  const port = await freePort();
  const ingress = await relais(['start', '--no-worker'], /Relais is running on (\S+)/, {
    RELAIS_PORT: String(port),
  });
  const url = /on (\S+)/.exec(ingress.line)![1];
  const workerPorts = [await freePort(), await freePort()];
  const [w1, w2] = await Promise.all(
    workerPorts.map((workerPort) =>
      relais(['worker', '--concurrency', String(PER_WORKER)], /Relais worker is running/, {
        RELAIS_WORKER_PORT: String(workerPort),
      }),
    ),
  );

  const runIds: string[] = [];
  for (let i = 0; i < RUNS; i++) {
    const res = await fetch(`${url}/webhook/${CRASH_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ order: i }),
    });
    assert.equal(res.status, 202, await res.clone().text());
    runIds.push(((await res.json()) as { runId: string }).runId);
  }
  // Both workers full: 2 runs each inside Slow, the others queued in Redis.
  await untilStep('4 runs inside Slow', () => counter.held.length === 2 * PER_WORKER);
  const health = (await (await fetch(`${url}/healthz`)).json()) as {
    role: string;
    queue: { waiting: number };
  };
  assert.equal(health.role, 'start');
  assert.equal(health.queue.waiting, RUNS - 2 * PER_WORKER, 'the other runs wait in the queue');

  await kill(w1.proc, 'SIGKILL');
  await untilStep(
    'the killed worker’s calls dropped',
    () => counter.held.filter((h) => h.lost).length === PER_WORKER,
  );
  const killed = new Set(counter.held.filter((h) => h.lost).map((h) => h.run));
  counter.release();

  const status = async () =>
    (await store!.db
      .selectFrom('runs')
      .select(['id', 'status'])
      .where('workflow_id', '=', 'scale')
      .execute()) as {
      id: string;
      status: string;
    }[];
  await untilStep(
    'every run succeeded',
    async () => (await status()).filter((r) => r.status === 'succeeded').length === RUNS,
  );
  assert.equal((await status()).length, RUNS, 'no run doubled');

  for (const run of runIds) {
    const expected = killed.has(run) ? ['A', 'Slow', 'Slow', 'B'] : ['A', 'Slow', 'B'];
    assert.deepEqual(counter.of(run), expected, `side effects of run ${run}`);
    const steps = await store.db
      .selectFrom('steps')
      .select(['node_name', 'status'])
      .where('run_id', '=', run)
      .orderBy('seq')
      .execute();
    assert.deepEqual(
      steps.map((s) => `${s.node_name}:${s.status}`),
      ['Webhook:succeeded', 'A:succeeded', 'Slow:succeeded', 'Wait:waiting', 'Wait:succeeded', 'B:succeeded'],
      `steps of run ${run}`,
    );
  }
  // A worker's only HTTP: its health (role, queue) and its metrics.
  const workerUrl = `http://127.0.0.1:${workerPorts[1]}`;
  const workerHealth = (await (await fetch(`${workerUrl}/healthz`)).json()) as {
    role: string;
    queue: object;
  };
  assert.equal(workerHealth.role, 'worker');
  assert.ok('leases' in workerHealth.queue);
  const metrics = await (await fetch(`${workerUrl}/metrics`)).text();
  assert.match(metrics, /relais_process_role\{role="worker"\} 1/);
  assert.match(metrics, /relais_runs_finished_total/);
  assert.equal((await fetch(`${workerUrl}/api/automations`)).status, 404, 'no API on a worker');
  await kill(w2.proc, 'SIGTERM');
  assert.equal(w2.proc.exitCode, 0, 'graceful worker stop');
  await kill(ingress.proc, 'SIGTERM');
  assert.equal(ingress.proc.exitCode, 0, 'graceful ingress stop');
});
