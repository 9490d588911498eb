/**
 * Pending waits (issue "Durable execution": a million pending waits cost disk, not memory): for
 * 100,000 and 1,000,000 runs paused on a Wait node (`RELAIS_BENCH_WAITS=100000,1000000`):
 *
 * - time to create them: run rows in `waiting`, their steps and payloads, their timer rows, written
 *   in batches of 500 waits per transaction into a SQLite file (temp dir, deleted after), and into
 *   a PostgreSQL schema of their own (dropped after) when RELAIS_TEST_DATABASE_URL is set;
 * - `relais start` on that store: time from spawn to listening (start-up recovery reads the waiting
 *   runs once, through the anti-join for missing timers), RSS idle (5 s of timer-loop polling) and
 *   its peak;
 * - the lag between due time and resume when 10,000 of them fall due at once
 *   (`RELAIS_BENCH_WAITS_DUE`): the bench moves their timers to "now + 3 s" in the store; lag = the
 *   run's `finished_at` (the tiny workflow after the wait: claim, transition, continue, finish)
 *   minus that due time; real clock, bounded to 5 minutes. Three bursts in turn, 10,000 other
 *   waits each (`RELAIS_BENCH_WAITS_BURSTS`), on the same server: one burst's p99 moved by a
 *   quarter from run to run on a shared 2-vCPU machine, so the table gives the median burst (by
 *   p99) and every burst's p99. Enough waits are created that `pending waits` are still pending
 *   when the last burst falls due.
 *
 * The waits are clones of one run paused by the real engine (Manual Trigger → Wait 30 days → No
 * Op), so the resumed runs go through exactly what a real resume does.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Insertable, sql } from 'kysely';
import { ManualClock } from '../src/engine/clock.js';
import { Engine, resumeTimer } from '../src/engine/engine.js';
import type { RunRecord, StepRecord } from '../src/engine/ports.js';
import { type Workflow, workflowSchema } from '../src/engine/workflow.js';
import { createRegistry } from '../src/nodes/registry.js';
import { postgresCodec } from '../src/store/dialects/postgres.js';
import { sqliteCodec } from '../src/store/dialects/sqlite.js';
import type { ValueCodec } from '../src/store/dialects/types.js';
import { openStore, type Store } from '../src/store/index.js';
import { runToRow, stepToRows } from '../src/store/run-rows.js';
import type { Database } from '../src/store/schema.js';
import { cpuMs, freePort, memory, profileFlags } from './kit.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WORKFLOW_ID = 'bench-waits';
const BATCH = 500;
const DUE_IN_MS = 3000;
const LAG_LIMIT_MS = 300_000;

export const waitWorkflow: Workflow = workflowSchema.parse({
  name: 'bench-waits',
  nodes: [
    { id: '1', name: 'Start', type: 'manualTrigger', position: [0, 0] },
    {
      id: '2',
      name: 'Wait',
      type: 'wait',
      typeVersion: 1.1,
      position: [200, 0],
      parameters: { resume: 'timeInterval', amount: 30, unit: 'days' },
    },
    { id: '3', name: 'Done', type: 'noOp', position: [400, 0] },
  ],
  connections: [
    { from: 'Start', to: 'Wait' },
    { from: 'Wait', to: 'Done' },
  ],
});

/** One run paused by the real engine on its Wait node: the shape every clone copies. */
async function template(): Promise<{ run: RunRecord; steps: StepRecord[] }> {
  const store = await openStore({ memory: true });
  try {
    const engine = new Engine({ runs: store.runs, registry: createRegistry(), clock: new ManualClock() });
    const { run } = await engine.start({
      workflow: waitWorkflow,
      workflowId: WORKFLOW_ID,
      workflowVersion: 1,
      mode: 'webhook',
      triggerItems: [{ orderId: 'A-1042', email: 'client@example.com' }],
    });
    // The record as stored: the outcome's copy does not carry the checkpoint written at the pause.
    const stored = await store.runs.getRun(run.id);
    if (stored?.status !== 'waiting') throw new Error(`template run is ${stored?.status}`);
    return { run: stored, steps: await store.runs.listSteps(run.id) };
  } finally {
    await store.close();
  }
}

const codecOf = (store: Store): ValueCodec => (store.dialect === 'postgres' ? postgresCodec : sqliteCodec);

const pad = (i: number) => String(i).padStart(7, '0');

/** The ids of burst `b`'s waits start with this; `…-` to `….` is their range. */
const burstPrefix = (b: number) => `due${b}`;

/**
 * Inserts `count` waits: ids `due<b>-…` for `bursts` groups of `due` of them (burst b's), `idle-…`
 * for the rest.
 */
export async function createWaits(store: Store, count: number, due: number, bursts: number): Promise<void> {
  const { run, steps } = await template();
  const codec = codecOf(store);
  const created = Date.now();
  const farAway = new Date(created + 30 * 86_400_000);
  const db = store.db;
  for (let start = 0; start < count; start += BATCH) {
    const runs: Insertable<Database['runs']>[] = [];
    const stepRows: Insertable<Database['steps']>[] = [];
    const data: Insertable<Database['step_data']>[] = [];
    const timers: Insertable<Database['timers']>[] = [];
    for (let i = start; i < Math.min(count, start + BATCH); i++) {
      const id = i < due * bursts ? `${burstPrefix(Math.floor(i / due))}-${pad(i)}` : `idle-${pad(i)}`;
      const createdAt = new Date(created + i);
      runs.push(runToRow(codec, { ...run, id, createdAt, startedAt: createdAt, waitTill: farAway }));
      for (const step of steps) {
        const rows = stepToRows(codec, {
          ...step,
          runId: id,
          startedAt: createdAt,
          finishedAt: createdAt,
        });
        stepRows.push(rows.meta);
        if (rows.data) data.push(rows.data);
      }
      const timer = resumeTimer(id, run.version, farAway);
      timers.push({
        id: timer.id,
        run_id: id,
        kind: timer.kind,
        due_at: codec.date(farAway),
        payload: '{}',
        claimed_by: null,
        claimed_until: null,
        created_at: codec.date(createdAt),
      });
    }
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('runs').values(runs).execute();
      await trx.insertInto('steps').values(stepRows).execute();
      await trx.insertInto('step_data').values(data).execute();
      await trx.insertInto('timers').values(timers).execute();
    });
  }
}

/** `relais start` on the data dir; resolves with the process and ms from spawn to listening. */
async function startRelais(
  storeEnv: Record<string, string>,
): Promise<{ proc: ChildProcess; startMs: number }> {
  const port = await freePort();
  const t0 = performance.now();
  const proc = spawn(process.execPath, [...profileFlags(), 'bin/relais.js', 'start'], {
    cwd: ROOT,
    env: {
      ...process.env,
      ...storeEnv,
      RELAIS_HOST: '127.0.0.1',
      RELAIS_PORT: String(port),
      RELAIS_LOG_LEVEL: 'warn',
      RELAIS_ENCRYPTION_KEY: 'bench-bench-bench-bench-bench-bench-00',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    proc.stdout!.on('data', (chunk: Buffer) => {
      out += chunk;
      if (out.includes('Relais is running')) resolve();
    });
    proc.once('exit', (code) => reject(new Error(`relais exited (${code}) before listening`)));
  });
  return { proc, startMs: performance.now() - t0 };
}

async function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

interface Burst {
  p50: number;
  p99: number;
  max: number;
  resumed: number;
}

interface Row {
  waits: number;
  /** Waits created (and timed): those pending, plus those the bursts after the first resume. */
  created: number;
  createS: number;
  repairMs: number;
  dbMb: number;
  startMs: number;
  idleRss: number;
  peakRss: number;
  /** The median burst (by p99; `resumed` counts them all), and every burst's p99 in turn. */
  lag: (Burst & { cpuPerResume: number; p99s: number[] }) | null;
  afterRss: number;
}

/** Where the waits live: a SQLite file in a temp dir, or a fresh schema of a PostgreSQL database. */
interface Target {
  label: string;
  open(): Promise<Store>;
  /** The variables that point `relais start` at it. */
  env: Record<string, string>;
  sizeMb(store: Store): Promise<number>;
  drop(): Promise<void>;
}

function sqliteTarget(): Target {
  const dataDir = mkdtempSync(join(tmpdir(), 'relais-bench-waits-'));
  const file = join(dataDir, 'relais.db');
  return {
    label: 'SQLite',
    open: () => openStore({ dataDir }),
    env: { RELAIS_DATA_DIR: dataDir },
    sizeMb: async () =>
      (statSync(file).size + (statSync(`${file}-wal`, { throwIfNoEntry: false })?.size ?? 0)) / 1024 ** 2,
    drop: async () => rmSync(dataDir, { recursive: true, force: true }),
  };
}

function postgresTarget(databaseUrl: string): Target {
  const schema = `bench_waits_${process.pid}_${Date.now()}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'relais-bench-waits-'));
  return {
    label: 'PostgreSQL',
    open: () => openStore({ databaseUrl, schema }),
    env: { RELAIS_DATABASE_URL: databaseUrl, RELAIS_DATABASE_SCHEMA: schema, RELAIS_DATA_DIR: dataDir },
    sizeMb: async (store) => {
      const { rows } = await sql<{ bytes: string }>`select sum(pg_total_relation_size(c.oid))::text as bytes
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = ${schema} and c.relkind = 'r'`.execute(store.db);
      return Number(rows[0].bytes) / 1024 ** 2;
    },
    drop: async () => {
      const store = await openStore({ databaseUrl, schema });
      try {
        await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(store.db);
      } finally {
        await store.close();
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
}

/**
 * Moves burst `b`'s timers (and their runs' `wait_till`) to a few seconds from now, in the store
 * the running process reads, and waits for their runs to finish.
 */
async function burst(target: Target, b: number, due: number): Promise<Burst | null> {
  const store = await target.open();
  try {
    const [from, to] = [`${burstPrefix(b)}-`, `${burstPrefix(b)}.`];
    const dueAt = Date.now() + DUE_IN_MS;
    const dueValue = codecOf(store).date(new Date(dueAt)) as number;
    await store.db
      .updateTable('timers')
      .set({ due_at: dueValue })
      .where('run_id', '>=', from)
      .where('run_id', '<', to)
      .execute();
    await store.db
      .updateTable('runs')
      .set({ wait_till: dueValue })
      .where('id', '>=', from)
      .where('id', '<', to)
      .execute();
    const finished = async () =>
      (await store.db
        .selectFrom('runs')
        .select('finished_at')
        .where('id', '>=', from)
        .where('id', '<', to)
        .where('status', '=', 'succeeded')
        .execute()) as { finished_at: number }[];
    let done: { finished_at: number }[] = [];
    const deadline = dueAt + LAG_LIMIT_MS;
    while (Date.now() < deadline) {
      await sleep(250);
      done = await finished();
      if (done.length >= due) break;
    }
    if (done.length === 0) return null;
    const lags = done.map((r) => Number(r.finished_at) - dueAt).sort((x, y) => x - y);
    return {
      p50: percentile(lags, 50),
      p99: percentile(lags, 99),
      max: lags[lags.length - 1],
      resumed: lags.length,
    };
  } finally {
    await store.close();
  }
}

async function measure(target: Target, count: number, due: number, bursts: number): Promise<Row> {
  let proc: ChildProcess | undefined;
  try {
    let store = await target.open();
    await store.workflows.saveWorkflow(WORKFLOW_ID, waitWorkflow);
    const t0 = performance.now();
    // Each burst resumes its waits: `count` are still pending when the last one falls due.
    const created = count + due * (bursts - 1);
    await createWaits(store, created, due, bursts);
    const createS = (performance.now() - t0) / 1000;
    // What autovacuum does within a minute of such a load on a server that holds these waits
    // for days. Right after a bulk load PostgreSQL has no statistics and plans the burst's small
    // reads as parallel scans, whose worker start-up (~4 ms, ~30 ms under load) is most of each.
    if (store.dialect === 'postgres') await sql`analyze`.execute(store.db);
    await store.close();
    // What start-up recovery reads: one pass of the anti-join over every waiting run (cold file).
    store = await target.open();
    const t1 = performance.now();
    let missing = 0;
    for (let page = await store.runs.listWaitsWithoutTimer(1000); ; ) {
      missing += page.length;
      if (page.length < 1000) break;
      page = await store.runs.listWaitsWithoutTimer(1000, page[page.length - 1]);
    }
    const repairMs = performance.now() - t1;
    if (missing !== 0) throw new Error(`${missing} waits without a timer`);
    const dbMb = await target.sizeMb(store);
    await store.close();

    const started = await startRelais(target.env);
    proc = started.proc;
    await sleep(5000);
    const idle = memory(proc.pid!);

    // 10,000 fall due at once, a few seconds from now; then the next 10,000, once those are done.
    const cpu0 = cpuMs(proc.pid!);
    const measured: Burst[] = [];
    for (let b = 0; b < bursts; b++) {
      const result = await burst(target, b, due);
      if (!result) break;
      measured.push(result);
    }
    const after = memory(proc.pid!);
    const cpu = cpuMs(proc.pid!) - cpu0;
    const resumed = measured.reduce((n, m) => n + m.resumed, 0);
    const median = [...measured].sort((x, y) => x.p99 - y.p99)[Math.floor((measured.length - 1) / 2)];
    return {
      waits: count,
      created,
      createS,
      repairMs,
      dbMb,
      startMs: started.startMs,
      idleRss: idle.rss,
      peakRss: Math.max(idle.peak, after.peak),
      lag: median
        ? { ...median, resumed, cpuPerResume: cpu / resumed, p99s: measured.map((m) => m.p99) }
        : null,
      afterRss: after.rss,
    };
  } finally {
    if (proc) await stop(proc);
    await target.drop();
  }
}

export async function waitsBench(): Promise<void> {
  const sizes = (process.env.RELAIS_BENCH_WAITS ?? '100000,1000000').split(',').map(Number);
  const due = Number(process.env.RELAIS_BENCH_WAITS_DUE ?? 10_000);
  const bursts = Math.max(1, Number(process.env.RELAIS_BENCH_WAITS_BURSTS ?? 3));
  // PostgreSQL too when a database is given (a schema of its own, dropped after);
  // `RELAIS_BENCH_WAITS_STORES=postgres` (or `sqlite`) measures one store only.
  const postgresUrl = process.env.RELAIS_TEST_DATABASE_URL;
  const stores = (process.env.RELAIS_BENCH_WAITS_STORES ?? 'sqlite,postgres').split(',');
  const targets: (() => Target)[] = [
    ...(stores.includes('sqlite') ? [sqliteTarget] : []),
    ...(postgresUrl && stores.includes('postgres') ? [() => postgresTarget(postgresUrl)] : []),
  ];
  // `relais start` as `npm start` runs it: the bundle, rebuilt from the current sources.
  const built = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'inherit' });
  if (built.status !== 0) throw new Error('npm run build failed');
  console.log('\n## Pending waits — `relais start` holding them, real clock');
  console.log(
    '| store | pending waits | create (batches of 500) | size on disk | timer repair pass | start → listening | RSS idle | RSS peak | ' +
      `${due.toLocaleString('en')} due at once, median of ${bursts} bursts: lag p50 | p99 | max | p99 of each burst | resumed | server CPU per resume | RSS after |`,
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const makeTarget of targets) {
    for (const size of sizes) {
      const target = makeTarget();
      const r = await measure(target, size, Math.min(due, size), bursts);
      const rate = Math.round(r.created / r.createS).toLocaleString('en');
      const lag = r.lag
        ? `${Math.round(r.lag.p50)} ms | ${Math.round(r.lag.p99)} ms | ${Math.round(r.lag.max)} ms | ` +
          `${r.lag.p99s.map((p) => Math.round(p).toLocaleString('en')).join(' / ')} ms | ` +
          `${r.lag.resumed.toLocaleString('en')} | ${r.lag.cpuPerResume.toFixed(2)} ms`
        : '— | — | — | — | 0 | —';
      console.log(
        `| ${target.label} | ${r.waits.toLocaleString('en')} | ${r.createS.toFixed(1)} s for ${r.created.toLocaleString('en')} (${rate}/s) | ${r.dbMb.toFixed(0)} MB | ` +
          `${Math.round(r.repairMs)} ms | ${Math.round(r.startMs)} ms | ${r.idleRss.toFixed(0)} MB | ${r.peakRss.toFixed(0)} MB | ` +
          `${lag} | ${r.afterRss.toFixed(0)} MB |`,
      );
    }
  }
}
