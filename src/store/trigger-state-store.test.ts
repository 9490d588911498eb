/**
 * TriggerStateStore on every database (SQLite file and memory; PostgreSQL when
 * RELAIS_TEST_DATABASE_URL is set): compare-and-set timer replacement, exactly-once key recording,
 * one-time claims and event waits.
 */
import assert from 'node:assert/strict';
import { describe, it, test } from 'node:test';
import { at, newRun } from './conformance/builders.js';
import { allFixtures, type StoreFixture } from './conformance/fixtures.js';
import type { Store } from './index.js';
import type { KeyCandidate } from './trigger-state-store.js';

const timer = (id: string, dueMs: number) => ({ id, kind: 'schedule', dueAt: at(dueMs), payload: { id } });
const base = { workflowId: 'wf', nodeId: 'n1', kind: 'schedule' };
const candidate = (key: string, fire = true): KeyCandidate => ({
  hash: `h-${key}`,
  key,
  runId: fire ? `run-${key}` : null,
  item: { key },
});

/**
 * PostgreSQL errors of Kysely's migration introspection, which reads the catalog of every schema
 * and fails when another test drops or creates its schema or tables at that moment: schema (3F000),
 * table (42P01), column (42703) "does not exist". Test infrastructure, not the code under test.
 */
const CATALOG_RACE = new Set(['3F000', '42P01', '42703']);

/** `withStore`, retrying the catalog race above at open. */
async function withStore(fixture: StoreFixture, fn: (store: Store) => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const database = await fixture.database();
    let store: Store;
    try {
      store = await database.open();
    } catch (error) {
      await database.dispose().catch(() => {});
      if (CATALOG_RACE.has(String((error as { code?: string }).code)) && attempt < 5) continue;
      throw error;
    }
    try {
      return await fn(store);
    } finally {
      await database.dispose();
    }
  }
}

for (const fixture of allFixtures()) {
  if (fixture.skip) {
    test(`trigger state: ${fixture.name}`, (t) => t.skip(fixture.skip));
    continue;
  }
  describe(`trigger state: ${fixture.name}`, () => {
    it('advance replaces the timer only for the caller holding it', () =>
      withStore(fixture, async ({ triggers, timers }) => {
        assert.equal(
          await triggers.advance({
            ...base,
            expectedTimerId: 'x',
            next: timer('t1', 10),
            state: {},
            now: at(0),
          }),
          false,
          'no row yet: a caller expecting a timer is stale',
        );
        assert.ok(await triggers.advance({ ...base, next: timer('t1', 10), state: { a: 1 }, now: at(0) }));
        assert.ok(
          await triggers.advance({
            ...base,
            expectedTimerId: 't1',
            next: timer('t2', 20),
            state: { a: 2 },
            now: at(1),
          }),
        );
        assert.equal(
          await triggers.advance({
            ...base,
            expectedTimerId: 't1',
            next: timer('t3', 30),
            state: {},
            now: at(2),
          }),
          false,
          'a second delivery of t1 is refused',
        );
        const state = await triggers.get('wf', 'n1');
        assert.equal(state?.timerId, 't2');
        assert.deepEqual(state?.state, { a: 2 });
        assert.equal(await triggers.timerExists('t1'), false, 'the replaced timer is gone');
        assert.equal(await triggers.timerExists('t3'), false, 'nothing written by the stale caller');
        assert.equal(await timers.countPending(), 1);

        // Unconditional (activation) twice with the same next tick: still one timer.
        await triggers.advance({ ...base, next: timer('t4', 40), state: {}, now: at(3) });
        await triggers.advance({ ...base, next: timer('t4', 40), state: {}, now: at(3) });
        assert.equal(await timers.countPending(), 1);
        const [due] = await timers.claimDue(at(40), 10, 'me', 1000);
        assert.deepEqual([due.id, due.kind, due.payload], ['t4', 'schedule', { id: 't4' }]);

        await triggers.advance({
          workflowId: 'wf',
          nodeId: 'n2',
          kind: 'poll',
          next: timer('p1', 5),
          state: {},
          now: at(3),
        });
        assert.equal(await triggers.clearTimers('wf'), 2);
        assert.equal(await timers.countPending(), 0);
        assert.deepEqual(
          (await triggers.list('wf')).map((s) => [s.nodeId, s.kind, s.timerId]),
          [
            ['n1', 'schedule', null],
            ['n2', 'poll', null],
          ],
        );
      }));

    it('recordKeys inserts only new keys, up to the limit, with the cursor, all or nothing', () =>
      withStore(fixture, async ({ triggers }) => {
        const poll = { ...base, kind: 'poll' };
        const first = await triggers.recordKeys(
          [candidate('a', false), candidate('b', false)],
          100,
          { ...poll, expectedTimerId: null, next: timer('p1', 10), now: at(0) },
          () => ({ cursor: 'c1' }),
        );
        assert.deepEqual(
          first?.recorded.map((c) => c.key),
          ['a', 'b'],
        );
        assert.deepEqual(
          await triggers.pendingKeys('wf', 'n1', 10),
          [],
          'recorded without runs: nothing to start',
        );

        const second = await triggers.recordKeys(
          [candidate('a'), candidate('c'), candidate('c'), candidate('d'), candidate('e')],
          2,
          { ...poll, expectedTimerId: 'p1', next: timer('p2', 20), now: at(1) },
          (r) => ({ cursor: r.capped ? 'c1' : 'c2', recorded: r.recorded.length }),
        );
        assert.deepEqual(
          second?.recorded.map((c) => c.key),
          ['c', 'd'],
        );
        assert.equal(second?.capped, true);
        assert.deepEqual(
          (await triggers.pendingKeys('wf', 'n1', 10)).map((c) => [c.key, c.runId, c.item]),
          [
            ['c', 'run-c', { key: 'c' }],
            ['d', 'run-d', { key: 'd' }],
          ],
        );
        await triggers.markStarted('wf', 'n1', ['h-c']);
        assert.deepEqual(
          (await triggers.pendingKeys('wf', 'n1', 10)).map((c) => c.key),
          ['d'],
        );

        const stale = await triggers.recordKeys(
          [candidate('z')],
          10,
          { ...poll, expectedTimerId: 'p1', next: timer('p3', 30), now: at(2) },
          () => ({}),
        );
        assert.equal(stale, null);
        assert.equal(await triggers.countKeys('wf', 'n1'), 4, 'the stale poll recorded nothing');
        assert.deepEqual(
          (await triggers.get('wf', 'n1'))?.state,
          { cursor: 'c1', recorded: 2 },
          'capped: the cursor stays',
        );
      }));

    it('claimOnce lets one caller take a key and replays its answer', () =>
      withStore(fixture, async ({ triggers }) => {
        const results = await Promise.all(
          [1, 2, 3].map((n) => triggers.claimOnce('event:order.paid', 'k1', { n }, at(0))),
        );
        assert.equal(results.filter((r) => r.claimed).length, 1);
        await triggers.setAnswer('event:order.paid', 'k1', { runs: ['r1'] });
        assert.deepEqual(await triggers.claimOnce('event:order.paid', 'k1', {}, at(1)), {
          claimed: false,
          answer: { runs: ['r1'] },
        });
        assert.deepEqual(await triggers.claimOnce('event:order.shipped', 'k1', {}, at(1)), { claimed: true });
      }));

    it('event waits: found by type and key (or any key), claimed once with their delivery timer', () =>
      withStore(fixture, async (store) => {
        const { triggers, timers } = store;
        for (const id of ['r1', 'r2', 'r3']) await store.runs.createRun(newRun(id));
        await triggers.addEventWait({
          runId: 'r1',
          type: 'order.paid',
          key: '42',
          waitVersion: 3,
          createdAt: at(0),
        });
        await triggers.addEventWait({
          runId: 'r2',
          type: 'order.paid',
          key: null,
          waitVersion: 3,
          createdAt: at(1),
        });
        await triggers.addEventWait({
          runId: 'r3',
          type: 'order.paid',
          key: '7',
          waitVersion: 3,
          createdAt: at(2),
        });
        assert.deepEqual(
          (await triggers.findEventWaits('order.paid', '42', 10)).map((w) => w.runId),
          ['r1', 'r2'],
        );
        assert.deepEqual(
          (await triggers.findEventWaits('order.paid', null, 10)).map((w) => w.runId),
          ['r2'],
        );
        assert.deepEqual(await triggers.findEventWaits('order.shipped', '42', 10), []);

        const delivery = { id: 'event:r1', runId: 'r1', kind: 'event', dueAt: at(5), payload: {} };
        const claims = await Promise.all([
          triggers.claimEventWait('r1', delivery, at(3)),
          triggers.claimEventWait('r1', delivery, at(3)),
        ]);
        assert.deepEqual(claims.sort(), [false, true]);
        assert.equal(await timers.countPending(), 1);
        assert.equal(await triggers.removeEventWait('r1'), false);
        assert.equal(await triggers.removeEventWait('r3'), true);
      }));
  });
}
