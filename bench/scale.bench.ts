/**
 * Scale-out throughput (issue 7): runs/s of the pipeline workflow (Webhook (responseNode) → Set →
 * Respond to Webhook, as bench/webhook.bench.ts) answered through
 *   - `relais start` on SQLite (embedded queue, one process);
 *   - `relais start --no-worker` + 1 `relais worker` on PostgreSQL + Redis (BullMQ);
 *   - the same with 2 workers.
 * autocannon at 50 connections for RELAIS_BENCH_SECONDS (default 10) per setup, after a warm-up.
 * Every process is a child on this machine (2 CPUs here: the workers share them with the ingress,
 * PostgreSQL and Redis, so this measures the cost of the extra hops more than scaling). Needs
 * RELAIS_TEST_DATABASE_URL and RELAIS_TEST_REDIS_URL for the scale-out rows; skips them loudly.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { openStore, type StoreOptions } from '../src/store/index.js';
import { autocannon, type CannonResult, freePort } from './kit.js';
import { benchWorkflow } from './webhook.bench.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BODY = JSON.stringify({ name: 'Marie', entiteId: 'DUMI15091992', n: 1 });
const CONNECTIONS = 50;

/** Spawns `relais <args>` and resolves once its stdout says it runs. */
function relais(args: string[], env: Record<string, string>, ready: RegExp): Promise<ChildProcess> {
  const proc = spawn(process.execPath, ['bin/relais.js', ...args], {
    cwd: ROOT,
    env: { ...process.env, RELAIS_HOST: '127.0.0.1', RELAIS_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`relais ${args[0]} did not start: ${out}`)), 60_000);
    proc.stdout!.on('data', (chunk: Buffer) => {
      out += chunk;
      if (ready.test(out)) {
        clearTimeout(timer);
        resolve(proc);
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`relais ${args[0]} exited (${code}): ${out}`));
    });
  });
}

async function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

async function seed(opts: StoreOptions): Promise<void> {
  const store = await openStore(opts);
  try {
    await store.workflows.saveWorkflow('bench', benchWorkflow);
    await store.workflows.setActive('bench', true);
  } finally {
    await store.close();
  }
}

async function measure(url: string, seconds: number): Promise<CannonResult> {
  const opts = {
    url,
    method: 'POST',
    body: BODY,
    headers: { 'content-type': 'application/json' },
    connections: CONNECTIONS,
  };
  // Until the first answer (activation), then a warm-up, then the measure.
  for (let i = 0; i < 600; i++) {
    const res = await fetch(url, {
      method: 'POST',
      body: BODY,
      headers: { 'content-type': 'application/json' },
    });
    if (res.status === 200) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  await autocannon({ ...opts, duration: Math.min(2, seconds) });
  return autocannon({ ...opts, duration: seconds });
}

interface Row {
  setup: string;
  result: CannonResult;
}

async function embedded(seconds: number): Promise<Row> {
  const dataDir = mkdtempSync(join(tmpdir(), 'relais-bench-scale-'));
  const procs: ChildProcess[] = [];
  try {
    await seed({ dataDir });
    const port = await freePort();
    procs.push(
      await relais(['start'], { RELAIS_DATA_DIR: dataDir, RELAIS_PORT: String(port) }, /Relais is running/),
    );
    const result = await measure(`http://127.0.0.1:${port}/webhook/bench`, seconds);
    return { setup: '`relais start`, SQLite, embedded queue', result };
  } finally {
    for (const p of procs) await stop(p);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function scaleOut(workers: number, seconds: number, database: string, redisUrl: string): Promise<Row> {
  const dataDir = mkdtempSync(join(tmpdir(), 'relais-bench-scale-'));
  const schema = `bench_scale_${randomUUID().replaceAll('-', '').slice(0, 10)}`;
  const prefix = `relais-bench-${randomUUID().slice(0, 8)}`;
  const procs: ChildProcess[] = [];
  const env = {
    RELAIS_DATA_DIR: dataDir,
    RELAIS_DATABASE_URL: database,
    RELAIS_DATABASE_SCHEMA: schema,
    RELAIS_REDIS_URL: redisUrl,
    RELAIS_QUEUE_PREFIX: prefix,
    RELAIS_ENCRYPTION_KEY: 'bench-bench-bench-bench-bench-bench-00',
    RELAIS_PRUNE_MAX_AGE: '0',
    RELAIS_PRUNE_MAX_RUNS: '0',
  };
  try {
    await seed({ databaseUrl: database, schema });
    const port = await freePort();
    procs.push(
      await relais(['start', '--no-worker'], { ...env, RELAIS_PORT: String(port) }, /Relais is running/),
    );
    for (let i = 0; i < workers; i++)
      procs.push(await relais(['worker', '--concurrency', '16'], env, /Relais worker is running/));
    const result = await measure(`http://127.0.0.1:${port}/webhook/bench`, seconds);
    return { setup: `\`start --no-worker\` + ${workers} \`worker\`, PostgreSQL + Redis`, result };
  } finally {
    for (const p of procs) await stop(p);
    const store = await openStore({ databaseUrl: database, schema });
    await store.db.schema.dropSchema(schema).ifExists().cascade().execute();
    await store.close();
    const redis = new Redis(redisUrl);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function scaleBench(): Promise<void> {
  const seconds = Number(process.env.RELAIS_BENCH_SECONDS ?? 10);
  const database = process.env.RELAIS_TEST_DATABASE_URL;
  const redis = process.env.RELAIS_TEST_REDIS_URL;
  const rows: Row[] = [await embedded(seconds)];
  if (database && redis) {
    rows.push(await scaleOut(1, seconds, database, redis));
    rows.push(await scaleOut(2, seconds, database, redis));
  } else {
    console.warn(
      '\n*** SKIPPED scale-out rows of bench scale: set RELAIS_TEST_DATABASE_URL and RELAIS_TEST_REDIS_URL ***\n',
    );
  }
  console.log(
    `\n## Scale-out — Webhook (responseNode) → Set → Respond to Webhook, ${CONNECTIONS} connections, ${seconds} s each`,
  );
  console.log('| setup | runs/s | p50 ms | p99 ms | errors/non-2xx |');
  console.log('|---|---:|---:|---:|---:|');
  for (const { setup, result: r } of rows) {
    console.log(
      `| ${setup} | ${Math.round(r.requests.average).toLocaleString('en')} | ${r.latency.p50} | ${r.latency.p99} | ${r.errors + r.timeouts}/${r.non2xx} |`,
    );
  }
}
