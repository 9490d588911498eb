/**
 * Webhook throughput: Webhook (responseNode) → Set → Respond to Webhook over loopback, with
 * autocannon at 10 and 50 connections (15 s each; `RELAIS_BENCH_SECONDS` shortens), beside a bare
 * `node:http` server that parses and echoes the same JSON, and a bare Fastify route doing the same:
 * what the framework alone costs, so that the gap to the bare server shows as Relais' own work (a
 * run created, its nodes executed, its steps recorded). A third reference, the bare server saving
 * each request as Relais saves a run (a run row and a row per node, in a SQLite file in WAL mode, one
 * transaction per event-loop turn, answered once committed), is the floor of "every run saved": what
 * durability alone costs on this machine, with no engine at all. Every server is its own child
 * process; autocannon runs here.
 *
 *   relais · saving on   `relais start` itself: SQLite file store, every run and step written
 *   relais · saving off  the same runtime (same code: the bundle under `npm run bench`) with an
 *                        in-memory run store that keeps no steps and forgets a run once it has
 *                        succeeded (the engine always records steps, so "off" is measured as in
 *                        bench/engine.bench.ts)
 *
 * Also: time from spawning `relais start` to the first webhook answered, its RSS when idle and
 * after the load.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import Fastify from 'fastify';
import { workflowSchema } from '../src/engine/workflow.js';
import { openStore } from '../src/store/index.js';
import {
  autocannon,
  type CannonResult,
  cpuMs,
  freePort,
  memory as processMemory,
  profileFlags,
} from './kit.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** This same code again, as a child: the bundle (`npm run bench`) or the sources through tsx. */
const self = [...process.execArgv, process.argv[1]];
const BODY = JSON.stringify({ name: 'Marie', entiteId: 'DUMI15091992', n: 1 });
const PATH = '/webhook/bench';
const BARE = 'bare node:http';

export const benchWorkflow = workflowSchema.parse({
  name: 'bench-webhook',
  nodes: [
    {
      id: '1',
      name: 'Webhook',
      type: 'webhook',
      parameters: { path: 'bench', httpMethod: 'POST', responseMode: 'responseNode' },
    },
    {
      id: '2',
      name: 'Set',
      type: 'set',
      position: [200, 0],
      parameters: {
        assignments: {
          assignments: [{ id: 'g', name: 'greeting', type: 'string', value: '=Hello {{ $json.body.name }}' }],
        },
      },
    },
    {
      id: '3',
      name: 'Respond',
      type: 'respondToWebhook',
      position: [400, 0],
      parameters: { respondWith: 'firstIncomingItem' },
    },
  ],
  connections: [
    { from: 'Webhook', to: 'Set' },
    { from: 'Set', to: 'Respond' },
  ],
});

/** Saves the bench workflow, active, into a data dir (what `relais start` activates at start). */
async function seed(dataDir: string): Promise<void> {
  const store = await openStore({ dataDir });
  try {
    await store.workflows.saveWorkflow('bench', benchWorkflow);
    await store.workflows.setActive('bench', true);
  } finally {
    await store.close();
  }
}

const env = (dataDir: string, port: number) => ({
  ...process.env,
  RELAIS_DATA_DIR: dataDir,
  RELAIS_HOST: '127.0.0.1',
  RELAIS_PORT: String(port),
  RELAIS_LOG_LEVEL: 'warn',
  RELAIS_ENCRYPTION_KEY: 'bench-bench-bench-bench-bench-bench-00',
});

function child(args: string[], childEnv: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, args, { cwd: ROOT, env: childEnv, stdio: ['ignore', 'ignore', 'inherit'] });
}

async function stopChild(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

async function post(url: string): Promise<Response> {
  return fetch(url, { method: 'POST', body: BODY, headers: { 'content-type': 'application/json' } });
}

/** Polls until the webhook answers 200 with the expected JSON; returns ms since `since`. */
async function firstAnswer(
  url: string,
  since: bigint,
  proc: ChildProcess,
  limitMs = 60_000,
): Promise<number> {
  for (;;) {
    if (proc.exitCode !== null || proc.signalCode !== null)
      throw new Error(`the server for ${url} exited (${proc.exitCode ?? proc.signalCode})`);
    try {
      const res = await post(url);
      const body = (await res.json()) as { greeting?: string };
      if (res.status === 200 && body.greeting === 'Hello Marie')
        return Number(process.hrtime.bigint() - since) / 1e6;
    } catch {
      // not listening yet
    }
    if (Number(process.hrtime.bigint() - since) / 1e6 > limitMs) throw new Error(`no answer from ${url}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

async function load(url: string, connections: number, seconds: number, pid: number): Promise<Measured> {
  const opts = {
    url,
    method: 'POST',
    body: BODY,
    headers: { 'content-type': 'application/json' },
    connections,
  };
  await autocannon({ ...opts, duration: Math.min(2, seconds) }); // warm-up, not counted
  const cpu0 = cpuMs(pid);
  const result = await autocannon({ ...opts, duration: seconds });
  return { result, cpuPerRequest: (cpuMs(pid) - cpu0) / Math.max(result.requests.total, 1) };
}

interface Measured {
  result: CannonResult;
  /** Server CPU ms per answered request (robust to a busy machine, unlike req/s). */
  cpuPerRequest: number;
}

interface Row extends Measured {
  server: string;
  connections: number;
}

export async function webhookBench(): Promise<void> {
  const seconds = Number(process.env.RELAIS_BENCH_SECONDS ?? 15);
  const dataDir = mkdtempSync(join(tmpdir(), 'relais-bench-webhook-'));
  const memDir = mkdtempSync(join(tmpdir(), 'relais-bench-webhook-mem-'));
  const rows: Row[] = [];
  const procs: ChildProcess[] = [];
  try {
    await seed(dataDir);
    await seed(memDir);

    // `relais start` as `npm start` runs it (the bundle, rebuilt first): time to the first webhook
    // answered, idle RSS.
    const built = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'inherit' });
    if (built.status !== 0) throw new Error('npm run build failed');
    const port = await freePort();
    const url = `http://127.0.0.1:${port}${PATH}`;
    const t0 = process.hrtime.bigint();
    const relais = child([...profileFlags(), 'bin/relais.js', 'start'], env(dataDir, port));
    procs.push(relais);
    const startMs = await firstAnswer(url, t0, relais);
    await new Promise((r) => setTimeout(r, 1000));
    const idle = processMemory(relais.pid!).rss;

    const barePort = await freePort();
    const bare = child(self, { ...process.env, RELAIS_BENCH_CHILD: 'bare', RELAIS_PORT: String(barePort) });
    procs.push(bare);
    await firstAnswer(`http://127.0.0.1:${barePort}/`, process.hrtime.bigint(), bare);

    const savingPort = await freePort();
    const saving = child(self, {
      ...process.env,
      RELAIS_BENCH_CHILD: 'bare-saving',
      RELAIS_PORT: String(savingPort),
      RELAIS_DATA_DIR: memDir,
    });
    procs.push(saving);
    await firstAnswer(`http://127.0.0.1:${savingPort}/`, process.hrtime.bigint(), saving);

    const fastifyPort = await freePort();
    const fastify = child(self, {
      ...process.env,
      RELAIS_BENCH_CHILD: 'fastify',
      RELAIS_PORT: String(fastifyPort),
    });
    procs.push(fastify);
    await firstAnswer(`http://127.0.0.1:${fastifyPort}${PATH}`, process.hrtime.bigint(), fastify);

    const memPort = await freePort();
    const memory = child(self, { ...env(memDir, memPort), RELAIS_BENCH_CHILD: 'memory' });
    procs.push(memory);
    await firstAnswer(`http://127.0.0.1:${memPort}${PATH}`, process.hrtime.bigint(), memory);

    const servers = [
      { server: BARE, url: `http://127.0.0.1:${barePort}/`, pid: bare.pid! },
      {
        server: 'bare node:http saving each request (SQLite file)',
        url: `http://127.0.0.1:${savingPort}/`,
        pid: saving.pid!,
      },
      { server: 'bare Fastify route', url: `http://127.0.0.1:${fastifyPort}${PATH}`, pid: fastify.pid! },
      { server: 'relais, saving on (SQLite file)', url, pid: relais.pid! },
      {
        server: 'relais, saving off (in-memory runs)',
        url: `http://127.0.0.1:${memPort}${PATH}`,
        pid: memory.pid!,
      },
    ];
    for (const connections of [10, 50]) {
      for (const s of servers)
        rows.push({ server: s.server, connections, ...(await load(s.url, connections, seconds, s.pid)) });
    }
    const loaded = processMemory(relais.pid!).rss;

    const [load1] = readFileSync('/proc/loadavg', 'utf8').split(' ');
    console.log(
      `\n## Webhook throughput — Webhook (responseNode) → Set → Respond to Webhook, loopback, ${seconds} s per run (load average ${load1})`,
    );
    console.log(
      '| server | conns | req/s | p50 ms | p99 ms | req/s vs bare | p99 vs bare | server CPU ms/req | errors/non-2xx |',
    );
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
    // autocannon records whole milliseconds: a latency under 1 ms shows as 0, and a ratio to it is none.
    const ms = (value: number) => (value < 1 ? '<1' : String(value));
    for (const row of rows) {
      const base = rows.find((r) => r.connections === row.connections && r.server === BARE)!.result;
      const r = row.result;
      const p99Ratio = base.latency.p99 < 1 ? '—' : `${(r.latency.p99 / base.latency.p99).toFixed(2)}×`;
      console.log(
        `| ${row.server} | ${row.connections} | ${Math.round(r.requests.average).toLocaleString('en')} | ${ms(r.latency.p50)} | ${ms(r.latency.p99)} | ` +
          `${(r.requests.average / base.requests.average).toFixed(2)}× | ${p99Ratio} | ` +
          `${row.cpuPerRequest.toFixed(2)} | ${r.errors + r.timeouts}/${r.non2xx} |`,
      );
    }
    console.log('\n| `relais start` | value |');
    console.log('|---|---:|');
    console.log(`| spawn → first webhook answered | ${Math.round(startMs)} ms |`);
    console.log(`| RSS idle (1 s after the first answer) | ${idle.toFixed(0)} MB |`);
    console.log(`| RSS after the load above | ${loaded.toFixed(0)} MB |`);
  } finally {
    for (const p of procs) await stopChild(p);
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(memDir, { recursive: true, force: true });
  }
}

/** The request's JSON body, and the answer the workflow gives to it; null when it is not JSON. */
function echo(req: IncomingMessage, then: (body: string, answer: string | null) => void): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    try {
      const parsed = JSON.parse(body) as { name?: string };
      then(body, JSON.stringify({ greeting: `Hello ${parsed.name}` }));
    } catch {
      then(body, null);
    }
  });
}

function answer(res: ServerResponse, out: string | null): void {
  if (out === null) res.writeHead(400).end();
  else
    res
      .writeHead(200, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(out),
      })
      .end(out);
}

/** Child: a bare node:http server that parses the JSON and answers the same JSON as the workflow. */
function serveBare(port: number): void {
  createServer((req, res) => echo(req, (_, out) => answer(res, out))).listen(port, '127.0.0.1');
}

/**
 * Child: the bare server, saving each request before it answers, as Relais saves a run: a run row
 * and a row per node with its output, in a SQLite file (WAL, synchronous NORMAL: Relais' settings),
 * the requests of one event-loop turn in one transaction. No engine, no framework: the floor.
 */
function serveBareSaving(port: number, dataDir: string): void {
  const db = new BetterSqlite3(join(dataDir, 'bare-saving.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(`create table runs (id text primary key, status text not null, trigger_items text not null,
             started_at integer not null, finished_at integer not null);
           create table steps (run_id text not null, seq integer not null, node_name text not null,
             finished_at integer not null, output text not null, primary key (run_id, seq));`);
  const insertRun = db.prepare('insert into runs values (?, ?, ?, ?, ?)');
  const insertStep = db.prepare('insert into steps values (?, ?, ?, ?, ?)');
  type Saved = { body: string; out: string; at: number; res: ServerResponse };
  const saveAll = db.transaction((batch: Saved[]) => {
    for (const { body, out, at } of batch) {
      const id = randomUUID();
      insertRun.run(id, 'succeeded', body, at, at);
      [body, out, out].forEach((output, seq) => {
        insertStep.run(id, seq, ['Webhook', 'Set', 'Respond'][seq], at, output);
      });
    }
  });
  let turn: Saved[] = [];
  const commit = () => {
    const batch = turn;
    turn = [];
    saveAll(batch);
    for (const saved of batch) answer(saved.res, saved.out);
  };
  createServer((req, res) =>
    echo(req, (body, out) => {
      if (out === null) return answer(res, null);
      if (turn.push({ body, out, at: Date.now(), res }) === 1) setImmediate(commit);
    }),
  ).listen(port, '127.0.0.1');
}

/** Child: a Fastify route (Relais' HTTP framework, default options) answering the same JSON. */
async function serveFastify(port: number): Promise<void> {
  const app = Fastify();
  app.post<{ Body: { name?: string } }>(PATH, async (request) => ({
    greeting: `Hello ${request.body.name}`,
  }));
  await app.listen({ port, host: '127.0.0.1' });
}

/** Child: the `relais start` runtime with runs kept in memory and no step kept ("saving off"). */
async function serveMemory(): Promise<void> {
  const { loadConfig } = await import('../src/config.js');
  const { startRuntime } = await import('../src/server/runtime.js');
  const { MemoryRunStore } = await import('../src/testing/memory-run-store.js');
  const runtime = await startRuntime(loadConfig(), { runStore: new MemoryRunStore(false) });
  process.once('SIGTERM', () => void runtime.stop().then(() => process.exit(0)));
}

// A child started by `webhookBench` (from the bundle, or from the sources through tsx): it serves
// until SIGTERM and never returns, so the benchmark runner that imported this module never starts.
const role = process.env.RELAIS_BENCH_CHILD;
if (role === 'bare' || role === 'bare-saving' || role === 'fastify' || role === 'memory') {
  if (role === 'bare') serveBare(Number(process.env.RELAIS_PORT));
  else if (role === 'bare-saving')
    serveBareSaving(Number(process.env.RELAIS_PORT), process.env.RELAIS_DATA_DIR!);
  else if (role === 'fastify') await serveFastify(Number(process.env.RELAIS_PORT));
  else await serveMemory();
  await new Promise(() => {});
}
