/**
 * `GET /api/stats` on a known set of runs (SQLite, and PostgreSQL when RELAIS_TEST_DATABASE_URL is
 * set: the bucketing SQL differs per dialect): counts per hour and day, totals, in flight,
 * success rate per automation, recent runs; test runs left out; window checks.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ManualClock } from '../../src/engine/clock.js';
import { startTestServer, type TestServer, testDatabases } from '../../src/testing/server.js';
import {
  createAutomation,
  expectStatus,
  failingWorkflow,
  greetWorkflow,
  waitingWorkflow,
} from './api-kit.js';

const zero = { queued: 0, running: 0, waiting: 0, succeeded: 0, failed: 0, canceled: 0 };

for (const database of testDatabases()) {
  describe(`stats API (${database})`, () => {
    let server: TestServer;
    const ids: Record<'greet' | 'fails' | 'waits', string> = { greet: '', fails: '', waits: '' };
    const runIds: string[] = [];
    const start = async (id: string, kind: 'run' | 'test' = 'run') => {
      const res = await server.request('POST', `/api/automations/${id}/${kind}`, { as: 'editor' });
      expectStatus(res, 200);
      if (kind === 'run') runIds.push(res.body.id);
    };

    before(async () => {
      server = await startTestServer({ database });
      const clock = server.clock as ManualClock;
      ids.greet = await createAutomation(server, greetWorkflow('Import'));
      ids.fails = await createAutomation(server, failingWorkflow('boom', 'Relance'));
      ids.waits = await createAutomation(server, waitingWorkflow('Rappel'));
      clock.set('2026-01-01T00:10:00.000Z');
      await start(ids.greet);
      await start(ids.greet);
      clock.set('2026-01-01T01:30:00.000Z');
      await start(ids.fails);
      await start(ids.greet, 'test'); // left out of every count
      clock.set('2026-01-02T05:00:00.000Z');
      await start(ids.greet);
      clock.set('2026-01-02T05:00:01.000Z');
      await start(ids.waits);
      clock.set('2026-01-02T05:20:00.000Z');
    });
    after(() => server.stop());

    it('counts runs per status per hour and per day, with totals and what is in flight', async () => {
      const res = await server.request(
        'GET',
        '/api/stats?from=2026-01-01T00:00:00.000Z&to=2026-01-03T00:00:00.000Z',
        { as: 'viewer' },
      );
      expectStatus(res, 200);
      const s = res.body;
      assert.equal(s.from, '2026-01-01T00:00:00.000Z');
      assert.equal(s.to, '2026-01-03T00:00:00.000Z');
      assert.deepEqual(s.totals, { ...zero, succeeded: 3, failed: 1, waiting: 1, total: 5 });
      assert.deepEqual(s.inFlight, { queued: 0, running: 0, waiting: 1 });

      assert.equal(s.hourly.length, 48);
      assert.equal(s.hourly[0].start, '2026-01-01T00:00:00.000Z');
      const nonEmpty = s.hourly.filter((h: { counts: Record<string, number> }) =>
        Object.values(h.counts).some((n) => n > 0),
      );
      assert.deepEqual(nonEmpty, [
        { start: '2026-01-01T00:00:00.000Z', counts: { ...zero, succeeded: 2 } },
        { start: '2026-01-01T01:00:00.000Z', counts: { ...zero, failed: 1 } },
        { start: '2026-01-02T05:00:00.000Z', counts: { ...zero, succeeded: 1, waiting: 1 } },
      ]);
      assert.deepEqual(s.daily, [
        { start: '2026-01-01T00:00:00.000Z', counts: { ...zero, succeeded: 2, failed: 1 } },
        { start: '2026-01-02T00:00:00.000Z', counts: { ...zero, succeeded: 1, waiting: 1 } },
      ]);
    });

    it('gives each automation its success rate, and the latest runs', async () => {
      const res = await server.request(
        'GET',
        '/api/stats?from=2026-01-01T00:00:00Z&to=2026-01-03T00:00:00Z&recent=2',
        {
          as: 'viewer',
        },
      );
      expectStatus(res, 200);
      const byId = Object.fromEntries(res.body.automations.map((a: { id: string }) => [a.id, a]));
      assert.deepEqual(byId[ids.greet], {
        id: ids.greet,
        name: 'Import',
        total: 3,
        succeeded: 3,
        failed: 0,
        successRate: 1,
      });
      assert.deepEqual(byId[ids.fails], {
        id: ids.fails,
        name: 'Relance',
        total: 1,
        succeeded: 0,
        failed: 1,
        successRate: 0,
      });
      assert.deepEqual(byId[ids.waits], {
        id: ids.waits,
        name: 'Rappel',
        total: 1,
        succeeded: 0,
        failed: 0,
        successRate: null,
      });
      assert.equal(res.body.automations[0].id, ids.greet, 'busiest first');
      assert.deepEqual(
        res.body.recentRuns.map((r: { id: string; automationName: string }) => [r.id, r.automationName]),
        [
          [runIds[4], 'Rappel'],
          [runIds[3], 'Import'],
        ],
      );
    });

    it('defaults to the 7 days up to the end of the current hour', async () => {
      const res = await server.request('GET', '/api/stats', { as: 'viewer' });
      expectStatus(res, 200);
      assert.equal(res.body.to, '2026-01-02T06:00:00.000Z');
      assert.equal(res.body.from, '2025-12-26T06:00:00.000Z');
      assert.equal(res.body.hourly.length, 7 * 24);
      assert.equal(res.body.daily.length, 8, 'partial first day, then whole days');
      assert.equal(res.body.totals.total, 5);
      assert.equal(res.body.recentRuns.length, 5);
    });

    it('refuses a window upside down, too long or unreadable; needs stats:read', async () => {
      for (const query of [
        'from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z',
        'from=2025-01-01T00:00:00Z&to=2026-01-01T00:00:00Z',
        'from=yesterday',
        'recent=500',
      ]) {
        const res = await server.request('GET', `/api/stats?${query}`, { as: 'viewer' });
        expectStatus(res, 400);
        assert.equal(res.body.error.code, 'invalid_request');
      }
      expectStatus(await server.request('GET', '/api/stats', { as: 'anonymous' }), 401);
    });
  });
}
