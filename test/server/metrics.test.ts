/**
 * `/metrics`: Prometheus text with runs started/finished by workflow and status, step durations by
 * node type, webhook latency, pending timers and process metrics; `stats:read` unless
 * RELAIS_METRICS_PUBLIC=true.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.js';
import type { RunRecord, StepRecord } from '../../src/engine/ports.js';
import { combineHooks, Metrics } from '../../src/server/metrics.js';
import { startTestServer, type TestServer } from '../../src/testing/server.js';
import {
  createAutomation,
  expectStatus,
  failingWorkflow,
  greetWorkflow,
  waitingWorkflow,
  webhookWorkflow,
} from './api-kit.js';

/** The value of one sample line, e.g. `relais_timers_pending` or `name{a="b"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('metrics endpoint', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.stop());

  it('exposes runs, step durations, webhook latency, pending timers and process metrics', async () => {
    const greet = await createAutomation(server, greetWorkflow());
    const fails = await createAutomation(server, failingWorkflow('boom'));
    const waits = await createAutomation(server, waitingWorkflow());
    const hook = await createAutomation(server, webhookWorkflow('metrics-hook'));
    expectStatus(await server.request('POST', `/api/automations/${greet}/run`, { as: 'editor' }), 200);
    expectStatus(await server.request('POST', `/api/automations/${greet}/test`, { as: 'editor' }), 200);
    expectStatus(await server.request('POST', `/api/automations/${fails}/run`, { as: 'editor' }), 200);
    const waiting = await server.request('POST', `/api/automations/${waits}/run`, { as: 'editor' });
    expectStatus(waiting, 200);
    expectStatus(await server.request('PATCH', `/api/automations/${hook}/toggle`, { as: 'editor' }), 200);
    const called = await server.request('POST', '/webhook/metrics-hook', { json: { ok: true } });
    assert.ok(called.status < 300, called.text);

    const res = await server.request('GET', '/metrics', { as: 'viewer' });
    expectStatus(res, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = res.text;
    assert.equal(sample(text, `relais_runs_started_total{workflow_id="${greet}",mode="manual"}`), 1);
    assert.equal(sample(text, `relais_runs_started_total{workflow_id="${greet}",mode="test"}`), 1);
    assert.equal(
      sample(text, `relais_runs_finished_total{workflow_id="${greet}",mode="manual",status="succeeded"}`),
      1,
    );
    assert.equal(
      sample(text, `relais_runs_finished_total{workflow_id="${fails}",mode="manual",status="failed"}`),
      1,
    );
    assert.equal(
      sample(text, `relais_runs_finished_total{workflow_id="${waits}",mode="manual",status="waiting"}`),
      undefined,
      'a paused run has not finished',
    );
    assert.equal(sample(text, 'relais_step_duration_seconds_count{node_type="set",status="succeeded"}'), 2);
    assert.equal(
      sample(text, 'relais_step_duration_seconds_count{node_type="stopAndError",status="failed"}'),
      1,
    );
    assert.equal(
      sample(text, 'relais_step_duration_seconds_bucket{le="0.001",node_type="set",status="succeeded"}'),
      2,
    );
    assert.equal(sample(text, 'relais_timers_pending'), 1);
    assert.match(
      text,
      /relais_webhook_duration_seconds_count\{method="POST",status_code="\d+",kind="production"\} 1/,
    );
    assert.match(text, /^process_resident_memory_bytes \d+/m);
    assert.match(text, /# TYPE relais_step_duration_seconds histogram/);

    // Canceled outside the engine (a waiting run) still counts as finished; its timer goes.
    expectStatus(
      await server.request('POST', `/api/automation-runs/${waiting.body.id}/cancel`, { as: 'editor' }),
      200,
    );
    const after = (await server.request('GET', '/metrics', { as: 'viewer' })).text;
    assert.equal(
      sample(after, `relais_runs_finished_total{workflow_id="${waits}",mode="manual",status="canceled"}`),
      1,
    );
    assert.equal(sample(after, 'relais_timers_pending'), 0);
  });

  it('needs stats:read by default', async () => {
    expectStatus(await server.request('GET', '/metrics', { as: 'anonymous' }), 401);
    expectStatus(await server.request('GET', '/metrics', { as: { apiKey: 'viewer' } }), 200);
  });
});

describe('metrics endpoint with RELAIS_METRICS_PUBLIC=true', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ config: { metricsPublic: true }, seed: false });
  });
  after(() => server.stop());

  it('answers without authentication', async () => {
    const res = await server.request('GET', '/metrics');
    expectStatus(res, 200);
    assert.match(res.text, /relais_timers_pending 0/);
  });

  it('is read from the environment', () => {
    assert.equal(loadConfig({ RELAIS_METRICS_PUBLIC: 'true' }).metricsPublic, true);
    assert.equal(loadConfig({}).metricsPublic, false);
    assert.throws(() => loadConfig({ RELAIS_METRICS_PUBLIC: 'perhaps' }), /RELAIS_METRICS_PUBLIC/);
  });
});

describe('Metrics', () => {
  const run = (over: Partial<RunRecord> = {}) =>
    ({ workflowId: 'w', mode: 'webhook', status: 'succeeded', currentNode: null, ...over }) as RunRecord;

  it('counts a run started once, not again when it resumes, and observes steps and webhooks', async () => {
    const metrics = new Metrics({ timers: { countPending: async () => 7 }, processMetrics: false });
    const hooks = metrics.engineHooks();
    hooks.onRunStart?.(run());
    hooks.onRunStart?.(run({ currentNode: 'Wait' }));
    const step = {
      nodeType: 'code',
      status: 'succeeded',
      startedAt: new Date(0),
      finishedAt: new Date(2500),
    };
    hooks.onStepFinish?.(run(), step as StepRecord);
    hooks.onRunFinish?.(run({ status: 'failed' }));
    metrics.observeWebhook({ method: 'post', statusCode: 202, kind: 'test', seconds: 0.004 });
    const text = await metrics.render();
    assert.equal(sample(text, 'relais_runs_started_total{workflow_id="w",mode="webhook"}'), 1);
    assert.equal(
      sample(text, 'relais_runs_finished_total{workflow_id="w",mode="webhook",status="failed"}'),
      1,
    );
    assert.equal(sample(text, 'relais_step_duration_seconds_sum{node_type="code",status="succeeded"}'), 2.5);
    assert.equal(
      sample(text, 'relais_step_duration_seconds_bucket{le="1",node_type="code",status="succeeded"}'),
      0,
    );
    assert.equal(
      sample(
        text,
        'relais_webhook_duration_seconds_bucket{le="0.005",method="POST",status_code="202",kind="test"}',
      ),
      1,
    );
    assert.equal(sample(text, 'relais_timers_pending'), 7);
    assert.doesNotMatch(text, /process_/);
  });

  it('keeps answering when the store cannot count timers', async () => {
    const errors: unknown[] = [];
    const metrics = new Metrics({
      timers: { countPending: async () => Promise.reject(new Error('db down')) },
      processMetrics: false,
      onError: (e) => errors.push(e),
    });
    assert.match(await metrics.render(), /relais_timers_pending 0/);
    assert.equal(errors.length, 1);
  });

  it('combines hook sets, calling each in order', () => {
    const calls: string[] = [];
    const hooks = combineHooks(
      { onRunFinish: () => calls.push('a') },
      { onRunFinish: () => calls.push('b'), onRunStart: () => calls.push('start') },
    );
    hooks.onRunFinish?.(run());
    hooks.onRunStart?.(run());
    hooks.onStepFinish?.(run(), {} as StepRecord);
    assert.deepEqual(calls, ['a', 'b', 'start']);
  });
});
