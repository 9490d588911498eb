/**
 * RetentionStore on every database (SQLite file and memory; PostgreSQL when
 * RELAIS_TEST_DATABASE_URL is set): saveData on one run, pruning by age and by count in batches,
 * never a queued, running or waiting run; what goes with a deleted run or step.
 */
import assert from 'node:assert/strict';
import { describe, it, test } from 'node:test';
import type { RunStatus } from '../engine/run-state.js';
import { at, checkpoint, newRun, step } from './conformance/builders.js';
import { allFixtures, withStore } from './conformance/fixtures.js';
import type { Store } from './index.js';

/** A run moved to `status`, with two steps (payloads and logs) and, when waiting, a timer. */
async function seed(store: Store, id: string, status: RunStatus, createdMs: number, workflowId = 'wf-1') {
  await store.runs.createRun(newRun(id, { workflowId, status: 'running', createdAt: at(createdMs) }));
  let version = 1;
  for (const seq of [0, 1]) {
    const r = await store.runs.recordStep(id, version, step(id, seq, { logs: [`log ${seq}`] }), checkpoint());
    assert.ok(r.ok);
    version = r.version;
  }
  if (status === 'running') return;
  const waitTill = status === 'waiting' ? at(createdMs + 60_000) : null;
  const moved = await store.runs.transition(id, version, status, {
    finishedAt: status === 'waiting' ? undefined : at(createdMs + 1),
    waitTill,
  });
  assert.ok(moved.ok, `${id} → ${status}`);
  if (waitTill) await store.timers.schedule({ id: `t-${id}`, runId: id, kind: 'resume', dueAt: waitTill });
}

async function ids(store: Store): Promise<string[]> {
  const rows = await store.db.selectFrom('runs').select('id').orderBy('id').execute();
  return rows.map((r) => r.id);
}

async function count(store: Store, table: 'steps' | 'step_data' | 'timers'): Promise<number> {
  const row = await store.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

for (const fixture of allFixtures()) {
  if (fixture.skip) {
    test(`retention store: ${fixture.name}`, (t) => t.skip(fixture.skip));
    continue;
  }
  describe(`retention store: ${fixture.name}`, () => {
    it("'payloads' drops a succeeded run's data and keeps its steps and row", () =>
      withStore(fixture, async (store) => {
        await seed(store, 'ok', 'succeeded', 0);
        assert.equal(await store.retention.dropRunData('ok', 'payloads'), true);
        const run = await store.runs.getRun('ok');
        assert.equal(run?.status, 'succeeded');
        assert.deepEqual(run?.triggerItems, []);
        assert.equal(run?.checkpoint, null);
        assert.deepEqual(run?.finishedAt, at(1), 'timings stay');
        const steps = await store.runs.listSteps('ok');
        assert.equal(steps.length, 2);
        for (const s of steps) {
          assert.equal(s.output, null);
          assert.equal(s.input, null);
          assert.deepEqual(s.logs, []);
          assert.deepEqual(s.outputCounts, [1], 'metadata stays');
        }
        assert.equal(await count(store, 'step_data'), 0);
        assert.equal(await store.retention.dropRunData('ok', 'payloads'), true, 'idempotent');
      }));

    it("'steps' drops the steps too; failed and in-flight runs are refused", () =>
      withStore(fixture, async (store) => {
        await seed(store, 'ok', 'succeeded', 0);
        await seed(store, 'bad', 'failed', 0);
        await seed(store, 'live', 'running', 0);
        assert.equal(await store.retention.dropRunData('ok', 'steps'), true);
        assert.deepEqual(await store.runs.listSteps('ok'), []);
        assert.equal((await store.runs.getRun('ok'))?.status, 'succeeded', 'the row stays for stats');
        assert.equal((await store.runs.workflowStats(['wf-1'])).get('wf-1')?.successfulRuns, 1);
        assert.equal(await store.retention.dropRunData('bad', 'steps'), false);
        assert.equal(await store.retention.dropRunData('live', 'steps'), false);
        assert.equal(await store.retention.dropRunData('gone', 'steps'), false);
        assert.equal((await store.runs.listSteps('bad')).length, 2);
        assert.equal((await store.runs.listSteps('live')).length, 2);
      }));

    it('a deleted run takes its steps and payloads along, a deleted step its payload (keys or triggers)', () =>
      withStore(fixture, async (store) => {
        await seed(store, 'gone', 'succeeded', 0);
        await seed(store, 'kept', 'succeeded', 1);
        await store.db.deleteFrom('steps').where('run_id', '=', 'kept').where('seq', '=', 0).execute();
        assert.equal(await count(store, 'step_data'), 3, "the deleted step's payload went with it");
        await store.db.deleteFrom('runs').where('id', '=', 'gone').execute();
        assert.equal(await count(store, 'steps'), 1);
        assert.equal(await count(store, 'step_data'), 1);
        assert.deepEqual(
          (await store.runs.listSteps('kept')).map((s) => s.seq),
          [1],
        );
      }));

    it('prunes finished runs older than the cutoff in batches, never queued, running or waiting ones', () =>
      withStore(fixture, async (store) => {
        await seed(store, 'a-old-ok', 'succeeded', 0);
        await seed(store, 'b-old-failed', 'failed', 1);
        await seed(store, 'c-old-canceled', 'canceled', 2);
        await seed(store, 'd-old-waiting', 'waiting', 3);
        await seed(store, 'e-old-running', 'running', 4);
        await store.runs.createRun(newRun('f-old-queued', { createdAt: at(5) }));
        await seed(store, 'g-new-ok', 'succeeded', 10_000);
        assert.equal(await store.retention.pruneOlderThan(at(5_000), 2), 2, 'one batch of 2');
        assert.equal(await store.retention.pruneOlderThan(at(5_000), 2), 1);
        assert.equal(await store.retention.pruneOlderThan(at(5_000), 2), 0);
        assert.deepEqual(await ids(store), ['d-old-waiting', 'e-old-running', 'f-old-queued', 'g-new-ok']);
        assert.equal(await count(store, 'steps'), 6, 'steps went with their runs');
        assert.equal(await count(store, 'step_data'), 6);
        assert.equal(await count(store, 'timers'), 1, "the waiting run's timer stays");
      }));

    it('keeps the newest finished runs of each workflow and prunes the older ones', () =>
      withStore(fixture, async (store) => {
        for (let i = 0; i < 5; i++)
          await seed(store, `a${i}`, i === 1 ? 'failed' : 'succeeded', i * 10, 'wf-a');
        await seed(store, 'a-wait', 'waiting', 1, 'wf-a');
        for (let i = 0; i < 2; i++) await seed(store, `b${i}`, 'succeeded', i * 10, 'wf-b');
        assert.deepEqual(await store.retention.workflowsOverCount(5), []);
        const over = await store.retention.workflowsOverCount(2);
        assert.deepEqual(over, [{ workflowId: 'wf-a', keepFrom: { createdAt: at(30), id: 'a3' } }]);
        assert.equal(await store.retention.pruneWorkflowBefore('wf-a', over[0].keepFrom, 2), 2);
        assert.equal(await store.retention.pruneWorkflowBefore('wf-a', over[0].keepFrom, 2), 1);
        assert.deepEqual(await ids(store), ['a-wait', 'a3', 'a4', 'b0', 'b1']);
      }));
  });
}
