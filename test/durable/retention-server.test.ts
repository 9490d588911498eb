/**
 * Retention through the real server (SQLite, and PostgreSQL when RELAIS_TEST_DATABASE_URL is set):
 * `saveData` seen by API clients once a run ended, and pruning by the configured age with the
 * server's clock moved days ahead. Also the configuration variables of limits and retention.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it, test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import type { ManualClock } from '../../src/engine/clock.js';
import { startTestServer, type TestServer, testDatabases } from '../../src/testing/server.js';
import { createAutomation, expectStatus, greetWorkflow } from '../server/api-kit.js';

const DAY = 86_400_000;

for (const database of testDatabases()) {
  describe(`retention through the server (${database})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer({ database });
    });
    after(() => server.stop());

    const runOnce = async (id: string, name: string) => {
      const res = await server.request('POST', `/api/automations/${id}/run`, {
        as: 'editor',
        json: { items: { name } },
      });
      expectStatus(res, 200);
      return res.body;
    };

    it("saveData 'none' keeps the run and its stats, not its steps; 'all' keeps everything", async () => {
      const none = await createAutomation(server, {
        ...greetWorkflow('Forget'),
        settings: { saveData: 'none' },
      });
      const all = await createAutomation(server, greetWorkflow('Remember'));
      const forgotten = await runOnce(none, 'Zoé');
      const kept = await runOnce(all, 'Zoé');
      assert.equal(forgotten.status, 'succeeded');

      const shown = await server.request('GET', `/api/automation-runs/${forgotten.id}`, { as: 'viewer' });
      expectStatus(shown, 200);
      assert.equal(shown.body.status, 'succeeded');
      assert.deepEqual(shown.body.executionLog, []);
      const stats = await server.request('GET', `/api/automations/${none}`, { as: 'viewer' });
      assert.equal(stats.body.stats.successfulRuns, 1);

      const full = await server.request('GET', `/api/automation-runs/${kept.id}`, { as: 'viewer' });
      assert.match(JSON.stringify(full.body), /Hello Zoé/);
    });

    it('prunes finished runs older than RELAIS_PRUNE_MAX_AGE (14 days by default)', async () => {
      const id = await createAutomation(server, greetWorkflow('Old'));
      const old = await runOnce(id, 'old');
      (server.clock as ManualClock).advance(15 * DAY);
      const recent = await runOnce(id, 'recent');
      const pruned = await server.runtime.retention.prune();
      assert.ok(pruned.byAge >= 1, JSON.stringify(pruned));
      expectStatus(await server.request('GET', `/api/automation-runs/${old.id}`, { as: 'viewer' }), 404);
      expectStatus(await server.request('GET', `/api/automation-runs/${recent.id}`, { as: 'viewer' }), 200);
    });
  });
}

test('limits and retention settings come from the environment, with documented defaults', () => {
  const defaults = loadConfig({});
  assert.equal(defaults.maxConcurrentRuns, 100, 'SQLite');
  const postgres = 'postgres://relais@db.example/relais';
  assert.equal(loadConfig({ RELAIS_DATABASE_URL: postgres }).maxConcurrentRuns, 500, 'PostgreSQL');
  assert.equal(
    loadConfig({ RELAIS_DATABASE_URL: postgres, RELAIS_MAX_CONCURRENT_RUNS: '50' }).maxConcurrentRuns,
    50,
  );
  assert.deepEqual(defaults.retention, {
    maxAgeMs: 14 * DAY,
    maxRunsPerWorkflow: 10_000,
    intervalMs: 3_600_000,
  });
  const set = loadConfig({
    RELAIS_MAX_CONCURRENT_RUNS: '4',
    RELAIS_PRUNE_MAX_AGE: '36h',
    RELAIS_PRUNE_MAX_RUNS: '0',
    RELAIS_PRUNE_INTERVAL: '90s',
  });
  assert.equal(set.maxConcurrentRuns, 4);
  assert.deepEqual(set.retention, { maxAgeMs: 36 * 3_600_000, maxRunsPerWorkflow: null, intervalMs: 90_000 });
  assert.equal(
    loadConfig({ RELAIS_PRUNE_MAX_AGE: '0' }).retention?.maxAgeMs,
    null,
    '0 keeps runs whatever their age',
  );
  assert.throws(() => loadConfig({ RELAIS_PRUNE_MAX_AGE: 'two weeks' }), /RELAIS_PRUNE_MAX_AGE: a duration/);
  assert.throws(() => loadConfig({ RELAIS_MAX_CONCURRENT_RUNS: '0' }), /RELAIS_MAX_CONCURRENT_RUNS/);
});
