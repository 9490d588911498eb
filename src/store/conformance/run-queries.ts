/** What the API reads from runs: filters, deletion, automation stats and dashboard aggregates. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { RunStatus } from '../../engine/run-state.js';
import type { Store } from '../index.js';
import { at, checkpoint, newRun, step, T0, workflow } from './builders.js';
import { type StoreFixture, withStore } from './fixtures.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Creates a run and moves it to `status` (failed runs carry an error). */
async function seedRun(
  store: Store,
  id: string,
  status: RunStatus,
  opts: { workflowId?: string; createdAt?: Date; isTest?: boolean; mode?: 'manual' | 'webhook' } = {},
): Promise<void> {
  const created = await store.runs.createRun(
    newRun(id, {
      workflowId: opts.workflowId ?? 'wf-1',
      createdAt: opts.createdAt ?? T0,
      isTest: opts.isTest ?? false,
      mode: opts.mode ?? 'manual',
    }),
  );
  let version = created.version;
  const path: RunStatus[] =
    status === 'queued'
      ? []
      : status === 'canceled'
        ? ['canceled']
        : status === 'running'
          ? ['running']
          : ['running', status];
  for (const to of path) {
    const result = await store.runs.transition(
      id,
      version,
      to,
      to === 'failed' ? { error: { message: `${id} broke` } } : {},
    );
    assert.ok(result.ok, `${id} → ${to}`);
    version = result.version;
  }
}

export function runQueryTests(fixture: StoreFixture): void {
  it('filters run history by mode, creation window and test flag', () =>
    withStore(fixture, async (store) => {
      await seedRun(store, 'r0', 'succeeded', { createdAt: at(0), mode: 'webhook' });
      await seedRun(store, 'r1', 'failed', { createdAt: at(1000) });
      await seedRun(store, 'r2', 'succeeded', { createdAt: at(2000), isTest: true });
      await seedRun(store, 'r3', 'queued', { createdAt: at(3000), mode: 'webhook' });
      const ids = async (q: Partial<Parameters<typeof store.runs.listRuns>[0]>) =>
        (await store.runs.listRuns({ limit: 10, ...q })).items.map((r) => r.id);
      assert.deepEqual(await ids({ modes: ['webhook'] }), ['r3', 'r0']);
      assert.deepEqual(await ids({ modes: [] }), []);
      assert.deepEqual(
        await ids({ from: at(1000), to: at(3000) }),
        ['r2', 'r1'],
        'from inclusive, to exclusive',
      );
      assert.deepEqual(await ids({ isTest: true }), ['r2']);
      assert.deepEqual(await ids({ isTest: false, statuses: ['succeeded', 'failed'] }), ['r1', 'r0']);
    }));

  it('deletes a finished or waiting run with its steps and timers, never a queued or running one', () =>
    withStore(fixture, async (store) => {
      await store.runs.createRun(newRun('w', { status: 'running' }));
      assert.ok((await store.runs.recordStep('w', 1, step('w', 0), checkpoint())).ok);
      assert.ok((await store.runs.transition('w', 2, 'waiting')).ok);
      await store.timers.schedule({ kind: 'resume', runId: 'w', dueAt: at(DAY) });
      await seedRun(store, 'q', 'queued');
      await seedRun(store, 'r', 'running');

      assert.deepEqual(await store.runs.deleteRun('q'), { ok: false, reason: 'in_flight', status: 'queued' });
      assert.deepEqual(await store.runs.deleteRun('r'), {
        ok: false,
        reason: 'in_flight',
        status: 'running',
      });
      assert.deepEqual(await store.runs.deleteRun('w'), { ok: true });
      assert.equal(await store.runs.getRun('w'), null);
      assert.deepEqual(await store.runs.listSteps('w'), []);
      assert.equal(await store.timers.countPending(), 0);
      assert.deepEqual(await store.runs.deleteRun('w'), { ok: false, reason: 'not_found' });
      assert.ok(await store.runs.getRun('q'));
    }));

  it('computes automation stats for many workflows in one call, without test runs', () =>
    withStore(fixture, async (store) => {
      await seedRun(store, 'a0', 'succeeded', { workflowId: 'A', createdAt: at(0) });
      await seedRun(store, 'a1', 'failed', { workflowId: 'A', createdAt: at(10) });
      await seedRun(store, 'a2', 'failed', { workflowId: 'A', createdAt: at(20) });
      await seedRun(store, 'a3', 'succeeded', { workflowId: 'A', createdAt: at(30) });
      await seedRun(store, 'a4', 'failed', { workflowId: 'A', createdAt: at(40), isTest: true });
      await seedRun(store, 'b0', 'canceled', { workflowId: 'B', createdAt: at(5) });
      await seedRun(store, 'c0', 'succeeded', { workflowId: 'C', createdAt: at(5) });
      const stats = await store.runs.workflowStats(['A', 'B', 'none']);
      assert.deepEqual(Object.fromEntries(stats), {
        A: { totalRuns: 4, successfulRuns: 2, failedRuns: 2, lastRunAt: at(30), lastError: 'a2 broke' },
        B: { totalRuns: 1, successfulRuns: 0, failedRuns: 0, lastRunAt: at(5), lastError: null },
      });
      assert.equal((await store.runs.workflowStats([])).size, 0);
    }));

  it('counts runs per hour and day bucket, per workflow and in flight', () =>
    withStore(fixture, async (store) => {
      await store.workflows.saveWorkflow('A', workflow('Alpha'));
      const day0 = new Date('2025-03-04T00:00:00.000Z');
      const t = (ms: number) => new Date(day0.getTime() + ms);
      await seedRun(store, 'r0', 'succeeded', { workflowId: 'A', createdAt: t(10 * HOUR + 1) });
      await seedRun(store, 'r1', 'failed', { workflowId: 'A', createdAt: t(10 * HOUR + 59 * 60_000) });
      await seedRun(store, 'r2', 'succeeded', { workflowId: 'A', createdAt: t(11 * HOUR) });
      await seedRun(store, 'r3', 'succeeded', { workflowId: 'gone', createdAt: t(DAY + 5) });
      await seedRun(store, 'r4', 'running', { workflowId: 'A', createdAt: t(DAY + 6) });
      await seedRun(store, 'r5', 'succeeded', { workflowId: 'A', createdAt: t(DAY + 7), isTest: true });
      await seedRun(store, 'r6', 'succeeded', { workflowId: 'A', createdAt: t(2 * DAY) });
      const window = { from: day0, to: t(2 * DAY) };

      const hours = await store.runs.countRunsByBucket(window, HOUR);
      assert.deepEqual(hours, [
        { start: t(10 * HOUR), status: 'failed', count: 1 },
        { start: t(10 * HOUR), status: 'succeeded', count: 1 },
        { start: t(11 * HOUR), status: 'succeeded', count: 1 },
        { start: t(DAY), status: 'running', count: 1 },
        { start: t(DAY), status: 'succeeded', count: 1 },
      ]);
      const days = await store.runs.countRunsByBucket(window, DAY);
      assert.deepEqual(days, [
        { start: day0, status: 'failed', count: 1 },
        { start: day0, status: 'succeeded', count: 2 },
        { start: t(DAY), status: 'running', count: 1 },
        { start: t(DAY), status: 'succeeded', count: 1 },
      ]);
      assert.deepEqual(await store.runs.countRunsByWorkflow(window), [
        { workflowId: 'A', name: 'Alpha', counts: { failed: 1, succeeded: 2, running: 1 } },
        { workflowId: 'gone', name: null, counts: { succeeded: 1 } },
      ]);
      assert.deepEqual(await store.runs.countRunsByStatus(['queued', 'running', 'waiting']), { running: 1 });
      await assert.rejects(store.runs.countRunsByBucket(window, 0), RangeError);
    }));
}
