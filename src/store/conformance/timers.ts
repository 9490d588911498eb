/** TimerStore conformance: due-time claims, exclusivity between claimers, leases, cancellation. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Store } from '../index.js';
import { at, newRun, T0 } from './builders.js';
import { type StoreFixture, withStore } from './fixtures.js';

const LEASE = 30_000;

export function timerTests(fixture: StoreFixture): void {
  it('schedules timers and claims only the due ones, earliest first, dates exact', () =>
    withStore(fixture, async ({ timers }) => {
      const late = await timers.schedule(
        { kind: 'resume', dueAt: at(2_000), payload: { step: 3 } },
        { now: T0 },
      );
      await timers.schedule({ kind: 'retry', dueAt: at(1_001) });
      await timers.schedule({ kind: 'schedule', dueAt: at(999) });
      assert.equal(late.claimedBy, null);
      assert.deepEqual(late.createdAt, T0);

      const claimed = await timers.claimDue(at(1_001), 10, 'me', LEASE);
      assert.deepEqual(
        claimed.map((t) => t.kind),
        ['schedule', 'retry'],
      );
      assert.deepEqual(claimed[1].dueAt, at(1_001));
      assert.equal(claimed[0].claimedBy, 'me');
      assert.deepEqual(claimed[0].claimedUntil, at(1_001 + LEASE));
      assert.deepEqual(
        await timers.claimDue(at(1_500), 10, 'me', LEASE),
        [],
        'claimed timers are not due again',
      );

      const [resume] = await timers.claimDue(at(2_000), 10, 'me', LEASE);
      assert.deepEqual({ ...resume, claimedBy: null, claimedUntil: null }, late);
      assert.equal(await timers.countPending(), 3, 'claimed is still pending until completed');
    }));

  it('completes several timers at once, tells the next due time of the free ones, and whom it scheduled', () =>
    withStore(fixture, async ({ timers }) => {
      assert.equal(await timers.nextDueAt(), null);
      const heard: Date[] = [];
      const stop = timers.onScheduled((dueAt) => heard.push(dueAt));
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) ids.push((await timers.schedule({ kind: 'k', dueAt: at(100 + i) })).id);
      stop();
      await timers.schedule({ kind: 'k', dueAt: at(50_000) });
      assert.deepEqual(heard, [at(100), at(101), at(102)], 'heard until unsubscribed');
      assert.deepEqual(await timers.nextDueAt(), at(100));
      const claimed = await timers.claimDue(at(101), 10, 'me', LEASE);
      assert.deepEqual(await timers.nextDueAt(), at(102), 'claimed timers are not free');
      assert.equal(
        await timers.complete([...claimed.map((t) => t.id), ids[2]], 'me'),
        2,
        'only what me holds',
      );
      assert.equal(await timers.complete([ids[2], 'no-such-timer']), 1);
      assert.equal(await timers.countPending(), 1);
      assert.equal(await timers.complete([]), 0);
    }));

  it('peeks at the free timers of a window without claiming them, earliest first, within the limit', () =>
    withStore(fixture, async ({ timers }) => {
      for (const [id, due] of [
        ['b', 200],
        ['a', 200],
        ['c', 300],
        ['early', 100],
        ['late', 900],
      ] as const)
        await timers.schedule({ id, kind: 'k', dueAt: at(due), payload: { id } });
      await timers.claimDue(at(100), 10, 'me', LEASE);
      const ids = async (after: number, by: number, limit = 10) =>
        (await timers.peekDue(at(after), at(by), limit)).map((t) => t.id);
      assert.deepEqual(await ids(0, 300), ['a', 'b', 'c'], 'claimed ones left out, ties by id');
      assert.deepEqual(await ids(200, 900), ['c', 'late'], 'after is exclusive, by inclusive');
      assert.deepEqual(await ids(0, 900, 2), ['a', 'b']);
      assert.deepEqual(await ids(0, 900, 0), []);
      const [first] = await timers.peekDue(at(0), at(200), 1);
      assert.deepEqual(first.payload, { id: 'a' });
      assert.equal(first.claimedBy, null);
      assert.deepEqual(await timers.nextDueAt(), at(200), 'nothing was claimed by peeking');
    }));

  it('claims a window ahead: free timers of the kinds asked, earliest first, until the time given', () =>
    withStore(fixture, async ({ timers }) => {
      for (const [id, due, kind] of [
        ['b', 200, 'resume'],
        ['a', 200, 'resume'],
        ['tick', 250, 'schedule'],
        ['c', 300, 'resume'],
        ['early', 100, 'resume'],
        ['late', 900, 'resume'],
      ] as const)
        await timers.schedule({ id, kind, dueAt: at(due), payload: { id } });
      await timers.claimDue(at(100), 10, 'other', LEASE);
      const claimed = await timers.claimAhead(at(100), at(300), ['resume'], 2, 'me', at(60_300));
      assert.deepEqual(
        claimed.map((t) => [t.id, t.claimedBy, t.claimedUntil?.getTime()]),
        [
          ['a', 'me', at(60_300).getTime()],
          ['b', 'me', at(60_300).getTime()],
        ],
        'within the limit, ties by id',
      );
      assert.deepEqual(claimed[0].payload, { id: 'a' });
      assert.deepEqual(
        (await timers.claimAhead(at(100), at(300), ['resume'], 10, 'you', at(60_300))).map((t) => t.id),
        ['c'],
        'claimed ones left out, after exclusive, by inclusive, other kinds left',
      );
      assert.deepEqual(await timers.claimAhead(at(0), at(900), [], 10, 'me', at(60_900)), []);
      assert.deepEqual(await timers.claimAhead(at(0), at(900), ['resume'], 0, 'me', at(60_900)), []);
      assert.deepEqual(await timers.nextDueAt(), at(250), 'the schedule tick is still free');
      assert.deepEqual(
        (await timers.claimDue(at(300), 10, 'them', LEASE)).map((t) => t.id),
        ['tick'],
        'the others are due, but held',
      );
      assert.equal(await timers.complete(['a', 'b'], 'me'), 2);
    }));

  it('gives claims back: an owner its own, or every claim at once', () =>
    withStore(fixture, async ({ timers }) => {
      for (let i = 0; i < 4; i++) await timers.schedule({ id: `t${i}`, kind: 'k', dueAt: at(i) });
      await timers.claimDue(at(1), 10, 'a', LEASE);
      await timers.claimDue(at(3), 10, 'b', LEASE);
      assert.equal(await timers.release({ ids: ['t0', 't2', 'nope'], owner: 'a' }), 1, "only a's, of those");
      assert.deepEqual(
        (await timers.claimDue(at(3), 10, 'c', LEASE)).map((t) => t.id),
        ['t0'],
        'given back: claimed again at once',
      );
      assert.equal(await timers.release({ ids: [], owner: 'a' }), 0);
      assert.equal(await timers.release('all'), 4, 'every claim, whoever holds it');
      assert.deepEqual(
        (await timers.claimDue(at(3), 10, 'd', LEASE)).map((t) => t.id),
        ['t0', 't1', 't2', 't3'],
      );
      assert.equal(await timers.release('all'), 4);
      assert.equal(await timers.release('all'), 0, 'none left');
    }));

  it('honours the limit', () =>
    withStore(fixture, async ({ timers }) => {
      for (let i = 0; i < 5; i++) await timers.schedule({ kind: 'k', dueAt: at(i) });
      assert.equal((await timers.claimDue(at(10), 3, 'me', LEASE)).length, 3);
      assert.equal((await timers.claimDue(at(10), 3, 'me', LEASE)).length, 2);
      assert.deepEqual(await timers.claimDue(at(10), 0, 'me', LEASE), []);
    }));

  it('never hands one timer to two concurrent claimers', () =>
    withStore(fixture, async (store, database) => {
      // Separate stores where the database allows it: separate connections, as separate processes.
      const others: Store[] = database.options
        ? [await database.open(), await database.open()]
        : [store, store];
      const claimers = [store, ...others];
      for (let i = 0; i < 60; i++) await store.timers.schedule({ kind: 'k', dueAt: at(i % 7) });
      const seen: string[] = [];
      for (let round = 0; round < 10; round++) {
        const batches = await Promise.all(
          claimers.map((s, i) => s.timers.claimDue(at(100), 4, `c${i}`, LEASE)),
        );
        seen.push(...batches.flat().map((t) => t.id));
      }
      assert.equal(seen.length, 60);
      assert.equal(new Set(seen).size, 60, 'no timer claimed twice');
    }));

  it('makes a timer claimable again when its lease expires; complete checks the owner', () =>
    withStore(fixture, async ({ timers }) => {
      const timer = await timers.schedule({ kind: 'k', dueAt: T0 });
      assert.equal((await timers.claimDue(T0, 10, 'a', 1_000)).length, 1);
      assert.deepEqual(await timers.claimDue(at(999), 10, 'b', 1_000), [], 'lease still running');
      const [again] = await timers.claimDue(at(1_000), 10, 'b', 1_000);
      assert.equal(again.id, timer.id);
      assert.equal(again.claimedBy, 'b');
      assert.equal(await timers.complete([timer.id], 'a'), 0, 'a lost its lease to b');
      assert.equal(await timers.complete([timer.id], 'b'), 1);
      assert.equal(await timers.complete([timer.id]), 0);
      assert.equal(await timers.countPending(), 0);
    }));

  it('is idempotent on a caller-chosen id', () =>
    withStore(fixture, async ({ timers }) => {
      const first = await timers.schedule({ id: 'run-1:4', kind: 'resume', dueAt: at(10) }, { now: T0 });
      const second = await timers.schedule({ id: 'run-1:4', kind: 'resume', dueAt: at(99) }, { now: at(1) });
      assert.deepEqual(second, first);
      assert.equal(await timers.countPending(), 1);
    }));

  it('cancels the timers of one run only', () =>
    withStore(fixture, async ({ runs, timers }) => {
      await runs.createRun(newRun('r1'));
      await runs.createRun(newRun('r2'));
      await timers.schedule({ kind: 'resume', runId: 'r1', dueAt: at(1) });
      await timers.schedule({ kind: 'timeout', runId: 'r1', dueAt: at(2) });
      await timers.schedule({ kind: 'resume', runId: 'r2', dueAt: at(3) });
      await timers.schedule({ kind: 'schedule', dueAt: at(4) });
      assert.equal(await timers.cancelForRun('r1'), 2);
      assert.equal(await timers.cancelForRun('r1'), 0);
      const left = await timers.claimDue(at(10), 10, 'me', LEASE);
      assert.deepEqual(
        left.map((t) => t.runId),
        ['r2', null],
      );
    }));
}
