/**
 * Run slot and recovery queries on every database (SQLite file and memory; PostgreSQL when
 * RELAIS_TEST_DATABASE_URL is set): concurrency groups on the run row and the slots they take,
 * keyset pages of runs to resume, and the anti-join finding timed waits without a timer.
 */
import assert from 'node:assert/strict';
import { describe, it, test } from 'node:test';
import { sql } from 'kysely';
import type { RunStatus } from '../engine/run-state.js';
import { at, newRun } from './conformance/builders.js';
import { allFixtures, withStore } from './conformance/fixtures.js';
import type { Store } from './index.js';

async function runAt(store: Store, id: string, status: RunStatus, createdMs: number, workflowId = 'wf') {
  await store.runs.createRun(newRun(id, { workflowId, createdAt: at(createdMs) }));
  if (status === 'queued') return;
  let run = (await store.runs.getRun(id))!;
  const running = await store.runs.transition(id, run.version, 'running', { startedAt: at(createdMs) });
  assert.ok(running.ok);
  if (status === 'running') return;
  run = (await store.runs.getRun(id))!;
  const patch = status === 'waiting' ? { waitTill: at(createdMs + 1000) } : { finishedAt: at(createdMs + 1) };
  assert.ok((await store.runs.transition(id, run.version, status, patch)).ok);
}

for (const fixture of allFixtures()) {
  if (fixture.skip) {
    test(`run slots: ${fixture.name}`, (t) => t.skip(fixture.skip));
    continue;
  }
  describe(`run slots: ${fixture.name}`, () => {
    it('counts the slots of a group from the store: running runs, and waiting runs that hold theirs', () =>
      withStore(fixture, async (store) => {
        const group = async (id: string, key: string, hold: boolean, status: RunStatus) => {
          await runAt(store, id, 'queued', 0);
          await store.runs.setConcurrencyGroup(id, { key, hold });
          const run = (await store.runs.getRun(id))!;
          if (status === 'queued') return;
          await store.runs.transition(id, run.version, 'running', { startedAt: at(0) });
          if (status === 'running') return;
          const again = (await store.runs.getRun(id))!;
          await store.runs.transition(id, again.version, status, { waitTill: at(5), finishedAt: at(5) });
        };
        await group('r1', 'a', true, 'running');
        await group('w1', 'a', true, 'waiting');
        await group('w2', 'a', false, 'waiting');
        await group('q1', 'a', true, 'queued');
        await group('s1', 'a', true, 'succeeded');
        await group('r2', 'b', false, 'running');
        assert.equal(await store.runs.countTakenSlots('wf', 'a'), 2);
        assert.equal(await store.runs.countTakenSlots('wf', 'b'), 1);
        assert.equal(await store.runs.countTakenSlots('wf', 'c'), 0);
        assert.equal(await store.runs.countTakenSlots('other', 'a'), 0);
        assert.deepEqual(await store.runs.listHeldRuns(['wf', 'other']), [
          { id: 'w1', workflowId: 'wf', key: 'a' },
        ]);
        assert.deepEqual(await store.runs.listHeldRuns([]), []);
      }));

    it('pages queued and running runs oldest first, by position', () =>
      withStore(fixture, async (store) => {
        await runAt(store, 'c', 'queued', 2);
        await runAt(store, 'a', 'running', 1);
        await runAt(store, 'b', 'queued', 1);
        await runAt(store, 'w', 'waiting', 0);
        await runAt(store, 'd', 'succeeded', 0);
        const first = await store.runs.pageRunIds(['queued', 'running'], 2);
        assert.deepEqual(
          first.map((r) => r.id),
          ['a', 'b'],
        );
        const next = await store.runs.pageRunIds(['queued', 'running'], 2, first[1]);
        assert.deepEqual(
          next.map((r) => r.id),
          ['c'],
        );
        assert.deepEqual(next[0].createdAt, at(2));
      }));

    it('finds timed waits without a timer in bounded pages, and nothing once repaired', () =>
      withStore(fixture, async (store) => {
        for (let i = 0; i < 5; i++) await runAt(store, `w${i}`, 'waiting', i);
        await runAt(store, 'r', 'running', 9);
        await store.timers.schedule({ id: 't1', runId: 'w1', kind: 'resume', dueAt: at(1000) });
        // A webhook wait without a time limit needs no timer.
        await store.runs.createRun(newRun('hook', { createdAt: at(3), status: 'running' }));
        assert.ok((await store.runs.transition('hook', 1, 'waiting', { waitTill: null })).ok);

        const first = await store.runs.listWaitsWithoutTimer(2);
        assert.deepEqual(
          first.map((w) => w.id),
          ['w0', 'w2'],
        );
        assert.deepEqual(first[0].waitTill, at(1000));
        assert.equal(first[0].version, 3);
        const rest = await store.runs.listWaitsWithoutTimer(2, first[1]);
        assert.deepEqual(
          rest.map((w) => w.id),
          ['w3', 'w4'],
        );
        assert.deepEqual(await store.runs.listWaitsWithoutTimer(2, rest[1]), []);
        for (const w of [...first, ...rest])
          await store.timers.schedule({ id: `t-${w.id}`, runId: w.id, kind: 'resume', dueAt: w.waitTill });
        assert.deepEqual(await store.runs.listWaitsWithoutTimer(10), []);
      }));

    it('counts slots through runs_concurrency, which holds only runs of limited workflows', () =>
      withStore(fixture, async (store) => {
        await runAt(store, 'free', 'running', 0);
        await runAt(store, 'limited', 'running', 0);
        await store.runs.setConcurrencyGroup('limited', { key: 'a', hold: false });
        assert.equal(await store.runs.countTakenSlots('wf', 'a'), 1);
        if (store.dialect !== 'sqlite') return; // PostgreSQL scans tables this small, whatever the index.
        const plan = await sql<{ detail: string }>`explain query plan select count(*) from runs
          where workflow_id = ${'wf'} and concurrency_key = ${'a'} and status = 'running'`.execute(store.db);
        assert.match(plan.rows.map((r) => r.detail).join('\n'), /USING COVERING INDEX runs_concurrency/);
        // Partial: a run without a concurrency key has no entry to rewrite when its status changes.
        const index = await sql<{
          sql: string;
        }>`select sql from sqlite_master where name = 'runs_concurrency'`.execute(store.db);
        assert.match(index.rows[0].sql, /where concurrency_key is not null$/i);
      }));
  });
}
