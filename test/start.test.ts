/**
 * `relais start` as `npm start` runs it: `bin/relais.js`, so the bundle `dist/relais.js` (built by
 * `npm test`'s pretest) with the packages bundled into it and those it loads on first use
 * (scripts/build.mjs, src/lazy-import.ts). The other tests run the sources; this one checks that
 * the bundle serves what they test: an active webhook with a Code node (QuickJS, loaded on first
 * use), the API with a login (jose, argon2), a Handlebars preview, /docs and its OpenAPI document
 * (Swagger UI, set up on first request), /metrics with Node's process metrics, and a clean stop.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { workflowSchema } from '../src/engine/workflow.js';
import { openStore } from '../src/store/index.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

const workflow = workflowSchema.parse({
  name: 'start-smoke',
  nodes: [
    {
      id: '1',
      name: 'Webhook',
      type: 'webhook',
      parameters: { path: 'smoke', httpMethod: 'POST', responseMode: 'lastNode' },
    },
    {
      id: '2',
      name: 'Code',
      type: 'code',
      position: [200, 0],
      parameters: { jsCode: "return [{ json: { greeting: 'Hello ' + $input.first().json.body.name } }];" },
    },
  ],
  connections: [{ from: 'Webhook', to: 'Code' }],
});

let dataDir: string;
let child: ChildProcess | undefined;
let output = '';

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'relais-start-'));
  const store = await openStore({ dataDir });
  await store.workflows.saveWorkflow('smoke', workflow);
  await store.workflows.setActive('smoke', true);
  await store.close();
});

after(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await rm(dataDir, { recursive: true, force: true });
});

/** Spawns `relais start` on an ephemeral port; resolves with its URL once it says it listens. */
function start(): Promise<string> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith('RELAIS_')) delete env[name];
  Object.assign(env, {
    RELAIS_DATA_DIR: dataDir,
    RELAIS_HOST: '127.0.0.1',
    RELAIS_PORT: '0',
    RELAIS_LOG_LEVEL: 'warn',
    RELAIS_ENCRYPTION_KEY: 'start-test-start-test-start-test-00',
  });
  const proc = spawn(process.execPath, [join(ROOT, 'bin', 'relais.js'), 'start'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child = proc;
  return new Promise((resolve, reject) => {
    proc.stdout!.on('data', (chunk: Buffer) => {
      output += chunk;
      const m = /Relais is running on (\S+)/.exec(output);
      if (m) resolve(m[1]);
    });
    proc.stderr!.on('data', (chunk: Buffer) => {
      output += chunk;
    });
    proc.once('exit', (code, signal) => reject(new Error(`relais exited (${code ?? signal}):\n${output}`)));
  });
}

// biome-ignore lint/suspicious/noExplicitAny: the test reads arbitrary reply shapes.
async function json(url: string, init: RequestInit = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(url, {
    ...init,
    headers: { 'content-type': 'application/json', ...init.headers },
  });
  return { status: res.status, body: await res.json() };
}

test('the bundle serves webhooks, the API, /docs and /metrics, and stops on SIGTERM', {
  timeout: 60_000,
}, async () => {
  const url = await start();

  const hook = await json(`${url}/webhook/smoke`, { method: 'POST', body: '{"name":"Ada"}' });
  assert.deepEqual(hook, { status: 200, body: { greeting: 'Hello Ada' } }, output);

  const setup = await json(`${url}/api/setup`, {
    method: 'POST',
    body: JSON.stringify({ email: 'owner@relais.test', password: 'correct horse battery staple' }),
  });
  assert.equal(setup.status, 201, JSON.stringify(setup.body));
  const auth = { authorization: `Bearer ${setup.body.accessToken}` };
  const me = await json(`${url}/api/auth/me`, { headers: auth });
  assert.deepEqual([me.status, me.body.kind, me.body.role], [200, 'user', 'owner']);
  const templates = await json(`${url}/api/email-templates`, { headers: auth });
  const preview = await json(`${url}/api/email-templates/${templates.body.items[0].id}/preview`, {
    method: 'POST',
    headers: auth,
    body: JSON.stringify({ data: {} }),
  });
  assert.equal(preview.status, 200, JSON.stringify(preview.body));
  assert.equal(typeof preview.body.html, 'string');

  const page = await fetch(`${url}/docs`);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /swagger-initializer\.js/);
  const doc = await json(`${url}/docs/json`);
  assert.match(doc.body.openapi, /^3\./);
  assert.ok(doc.body.paths['/api/auth/login'], 'the document lists the API');

  const metrics = await (await fetch(`${url}/metrics`, { headers: auth })).text();
  assert.match(metrics, /^relais_runs_finished_total\{[^}]*status="succeeded"[^}]*\} 1$/m);
  assert.match(metrics, /^process_cpu_user_seconds_total /m);

  const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
  child!.kill('SIGTERM');
  assert.equal(await exited, 0, output);
});
