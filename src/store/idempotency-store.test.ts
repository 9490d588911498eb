/**
 * Idempotency store conformance (webhook keys and seen signatures) on every database: SQLite
 * always, PostgreSQL when RELAIS_TEST_DATABASE_URL is set.
 */
import assert from 'node:assert/strict';
import { describe, it, test } from 'node:test';
import { allFixtures, withStore } from './conformance/fixtures.js';

const T0 = new Date('2026-01-01T00:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const answer = {
  status: 202,
  headers: { 'content-type': 'application/json' },
  body: Buffer.from('{"runId":"r1"}').toString('base64'),
};

for (const fixture of allFixtures()) {
  if (fixture.skip) {
    test(`idempotency store: ${fixture.name}`, (t) => t.skip(fixture.skip));
    continue;
  }
  describe(`idempotency store: ${fixture.name}`, () => {
    it('the first claim wins; a duplicate sees the first run and its answer once stored', () =>
      withStore(fixture, async ({ idempotency }) => {
        assert.deepEqual(
          await idempotency.claim('idem:w', 'k', { runId: 'r1', now: T0, expiresAt: at(60_000) }),
          { claimed: true },
        );
        const dup = await idempotency.claim('idem:w', 'k', {
          runId: 'r2',
          now: at(1),
          expiresAt: at(60_001),
        });
        assert.equal(dup.claimed, false);
        if (dup.claimed) return;
        assert.equal(dup.existing.runId, 'r1');
        assert.equal(dup.existing.response, null);
        assert.deepEqual(dup.existing.expiresAt, at(60_000));
        await idempotency.complete('idem:w', 'k', answer);
        const again = await idempotency.claim('idem:w', 'k', {
          runId: 'r3',
          now: at(2),
          expiresAt: at(60_002),
        });
        assert.ok(!again.claimed && again.existing.runId === 'r1');
        assert.deepEqual(!again.claimed && again.existing.response, answer);
        // Scopes are independent.
        assert.deepEqual(
          await idempotency.claim('idem:other', 'k', { runId: 'r4', now: T0, expiresAt: at(1) }),
          { claimed: true },
        );
      }));

    it('stores an answer given with the claim', () =>
      withStore(fixture, async ({ idempotency }) => {
        await idempotency.claim('s', 'k', { runId: 'r1', response: answer, now: T0, expiresAt: at(10) });
        const dup = await idempotency.claim('s', 'k', { now: T0, expiresAt: at(10) });
        assert.deepEqual(!dup.claimed && dup.existing.response, answer);
      }));

    it('an expired key can be claimed again; pruning removes expired keys only', () =>
      withStore(fixture, async ({ idempotency }) => {
        await idempotency.claim('s', 'old', { runId: 'r1', now: T0, expiresAt: at(100) });
        await idempotency.claim('s', 'new', { runId: 'r2', now: T0, expiresAt: at(10_000) });
        assert.deepEqual(
          await idempotency.claim('s', 'old', { runId: 'r3', now: at(100), expiresAt: at(200) }),
          { claimed: true },
        );
        const dup = await idempotency.claim('s', 'old', { now: at(150), expiresAt: at(250) });
        assert.ok(!dup.claimed && dup.existing.runId === 'r3');
        assert.equal(await idempotency.pruneExpired(at(300)), 1);
        assert.equal(await idempotency.pruneExpired(at(300)), 0);
        const kept = await idempotency.claim('s', 'new', { now: at(300), expiresAt: at(400) });
        assert.ok(!kept.claimed && kept.existing.runId === 'r2');
      }));

    it('release gives a key back', () =>
      withStore(fixture, async ({ idempotency }) => {
        await idempotency.claim('s', 'k', { runId: 'r1', now: T0, expiresAt: at(100) });
        await idempotency.release('s', 'k');
        assert.deepEqual(await idempotency.claim('s', 'k', { runId: 'r2', now: T0, expiresAt: at(100) }), {
          claimed: true,
        });
      }));

    it('of many concurrent claims of one key exactly one wins, also across connections', () =>
      withStore(fixture, async (store, database) => {
        const stores = database.parallelTransactions
          ? [store, await database.open(), await database.open()]
          : [store];
        const results = await Promise.all(
          Array.from({ length: 12 }, (_, i) =>
            stores[i % stores.length].idempotency.claim('s', 'race', {
              runId: `r${i}`,
              now: T0,
              expiresAt: at(1000),
            }),
          ),
        );
        assert.equal(results.filter((r) => r.claimed).length, 1);
        const winners = new Set(results.flatMap((r) => (r.claimed ? [] : [r.existing.runId])));
        assert.equal(winners.size, 1, 'every loser sees the same winner');
      }));
  });
}
