/**
 * Kill -9 (issue "Durable execution", point 1): `relais start` runs as a child process on a SQLite
 * file; the test starts runs through a webhook, kills the process with SIGKILL in the middle of a
 * node and again while every run waits, restarts it each time, and checks from the outside (an HTTP
 * counter that every node calls, and the database file) that every run finished, each completed
 * node ran exactly once, only the node executing at a kill ran once more, and no run was lost or
 * doubled.
 *
 * The workflow (fixtures/crash-workflow.ts): Webhook → A → Slow → Wait 2 s → B.
 *   process 0: 5 runs accepted, 3 driven at once (RELAIS_MAX_CONCURRENT_RUNS=3): their A calls are
 *              answered, their Slow calls never are; the 2 other runs are still queued. SIGKILL.
 *   process 1: the 3 interrupted runs continue at Slow (A is not called again), the 2 queued ones
 *              start; all 5 pause at Wait. SIGKILL while they wait.
 *   process 2: the waits come due; every run goes on to B and succeeds. SIGTERM.
 * Uses the bundle `dist/relais.js` (built by `npm test`'s pretest), or the sources without it.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { workflowSchema } from '../../src/engine/workflow.js';
import { openStore } from '../../src/store/index.js';
import { until } from '../../src/testing/until.js';
import { type CounterServer, startCounterServer } from './fixtures/counter-server.js';
import { CRASH_PATH, crashWorkflow } from './fixtures/crash-workflow.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin', 'relais.js');
const RUNS = 5;
const DRIVEN_AT_ONCE = 3;
const WAIT_SECONDS = 2;
const STEP_TIMEOUT_MS = 30_000;
const untilStep = (what: string, predicate: () => boolean | Promise<boolean>) =>
  until(what, predicate, { timeoutMs: STEP_TIMEOUT_MS, everyMs: 25 });

let dataDir: string;
let counter: CounterServer;
let child: ChildProcess | undefined;

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'relais-crash-'));
  counter = await startCounterServer();
});

after(async () => {
  if (child && child.exitCode === null && child.signalCode === null) await kill(child, 'SIGKILL');
  await counter.close();
  await rm(dataDir, { recursive: true, force: true });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** `relais start` in a child process; resolves once it says it is listening. */
async function startRelais(port: number): Promise<{ proc: ChildProcess; url: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith('RELAIS_')) delete env[name];
  Object.assign(env, {
    RELAIS_DATA_DIR: dataDir,
    RELAIS_HOST: '127.0.0.1',
    RELAIS_PORT: String(port),
    RELAIS_LOG_LEVEL: 'silent',
    RELAIS_ENCRYPTION_KEY: 'crash-test-crash-test-crash-test-00',
    RELAIS_MAX_CONCURRENT_RUNS: String(DRIVEN_AT_ONCE),
  });
  const proc = spawn(process.execPath, [BIN, 'start'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child = proc;
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`relais did not start in time:\n${output}`)),
      STEP_TIMEOUT_MS,
    );
    const onData = (chunk: Buffer) => {
      output += chunk;
      const m = /Relais is running on (\S+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', (chunk: Buffer) => {
      output += chunk;
    });
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`relais exited (${code ?? signal}) before listening:\n${output}`));
    });
  });
  return { proc, url };
}

async function kill(proc: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  proc.kill(signal);
  await exited;
}

test('runs survive SIGKILL mid-node and mid-wait: every run finishes, completed nodes never run twice', {
  timeout: 60_000,
}, async () => {
  const store = await openStore({ dataDir });
  const workflow = workflowSchema.parse(crashWorkflow(counter.url, WAIT_SECONDS));
  await store.workflows.saveWorkflow('crash', workflow);
  await store.workflows.setActive('crash', true);
  await store.close();
  // The test reads the database file beside the child (WAL: readers never block the writer).
  const db = new Database(join(dataDir, 'relais.db'));
  db.pragma('busy_timeout = 5000');
  const statuses = () =>
    db.prepare("select id, status from runs where workflow_id = 'crash' order by id").all() as {
      id: string;
      status: string;
    }[];
  const countIn = (status: string) => statuses().filter((r) => r.status === status).length;
  const port = await freePort();

  // Process 0: runs accepted; 3 of them stuck inside Slow, 2 queued behind them. Then SIGKILL.
  counter.holdIn[0] = ['Slow'];
  const first = await startRelais(port);
  const runIds: string[] = [];
  for (let i = 0; i < RUNS; i++) {
    const res = await fetch(`${first.url}/webhook/${CRASH_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ order: i }),
    });
    assert.equal(res.status, 202, await res.clone().text());
    runIds.push(((await res.json()) as { runId: string }).runId);
  }
  await untilStep(
    '3 runs inside Slow',
    () => counter.hits.filter((h) => h.node === 'Slow').length === DRIVEN_AT_ONCE,
  );
  await kill(first.proc, 'SIGKILL');
  const interrupted = new Set(counter.hits.filter((h) => h.node === 'Slow').map((h) => h.run));
  assert.equal(interrupted.size, DRIVEN_AT_ONCE);
  assert.equal(counter.hits.length, 2 * DRIVEN_AT_ONCE, 'A and Slow of the 3 driven runs, nothing else');

  // Process 1: recovery continues the interrupted runs and starts the queued ones; all pause. SIGKILL.
  counter.epoch = 1;
  const second = await startRelais(port);
  await untilStep('every run waiting', () => countIn('waiting') === RUNS);
  await kill(second.proc, 'SIGKILL');
  assert.equal(counter.hits.filter((h) => h.node === 'B').length, 0, 'killed while every run waits');

  // Process 2: the waits come due (or already are); every run goes on to B.
  counter.epoch = 2;
  const third = await startRelais(port);
  await untilStep('every run succeeded', () => countIn('succeeded') === RUNS);
  await kill(third.proc, 'SIGTERM');
  assert.equal(third.proc.exitCode, 0, 'graceful stop');

  // No run lost or doubled.
  assert.deepEqual(
    statuses(),
    [...runIds].sort().map((id) => ({ id, status: 'succeeded' })),
  );
  // Outside effects: completed nodes ran once; the node executing at the kill ran once more.
  for (const run of runIds) {
    const expected = interrupted.has(run) ? ['A@0', 'Slow@0', 'Slow@1', 'B@2'] : ['A@1', 'Slow@1', 'B@2'];
    assert.deepEqual(counter.of(run), expected, `side effects of run ${run}`);
  }
  // Inside: each node has exactly one finished step per run; the wait ended by time, after its pause.
  const steps = db.prepare('select run_id, node_name, status from steps order by run_id, seq').all() as {
    run_id: string;
    node_name: string;
    status: string;
  }[];
  for (const run of runIds) {
    assert.deepEqual(
      steps.filter((s) => s.run_id === run).map((s) => `${s.node_name}:${s.status}`),
      ['Webhook:succeeded', 'A:succeeded', 'Slow:succeeded', 'Wait:waiting', 'Wait:succeeded', 'B:succeeded'],
      `steps of run ${run}`,
    );
  }
  const timers = db.prepare('select count(*) as n from timers').get() as { n: number };
  assert.equal(timers.n, 0, 'no timer left behind');
  db.close();
});
