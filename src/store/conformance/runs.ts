/** RunStore conformance: creation, the transition table, stale callers, steps and listing. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { RunStore } from '../../engine/ports.js';
import { canTransition, RUN_STATUSES, type RunStatus } from '../../engine/run-state.js';
import { at, checkpoint, newRun, step, T0 } from './builders.js';
import { type StoreFixture, withStore } from './fixtures.js';

/** A valid path from a new queued run to each status. */
const PATH_TO: Record<RunStatus, RunStatus[]> = {
  queued: [],
  running: ['running'],
  waiting: ['running', 'waiting'],
  succeeded: ['running', 'succeeded'],
  failed: ['running', 'failed'],
  canceled: ['canceled'],
};

async function runIn(runs: RunStore, id: string, status: RunStatus): Promise<number> {
  let version = (await runs.createRun(newRun(id))).version;
  for (const to of PATH_TO[status]) {
    const result = await runs.transition(id, version, to);
    assert.ok(result.ok, `setting up ${id}: → ${to}`);
    version = result.version;
  }
  return version;
}

export function runTests(fixture: StoreFixture): void {
  it('creates a run and reads it back field for field, dates to the millisecond', () =>
    withStore(fixture, async ({ runs }) => {
      const created = await runs.createRun(
        newRun('r1', {
          isTest: true,
          retryOf: 'r0',
          mode: 'webhook',
          createdAt: new Date('1969-07-20T20:17:40.123Z'),
        }),
      );
      assert.equal(created.version, 1);
      assert.equal(created.status, 'queued');
      assert.deepEqual(await runs.getRun('r1'), created);
      assert.equal(await runs.getRun('missing'), null);
      const running = await runs.createRun(
        newRun('r2', { status: 'running', checkpoint: checkpoint('Trigger') }),
      );
      assert.deepEqual(running.checkpoint, checkpoint('Trigger'));
      assert.deepEqual(running.startedAt, T0);
      assert.deepEqual(await runs.getRun('r2'), running);
    }));

  it('allows exactly the transitions of the state machine, and names every refusal', () =>
    withStore(fixture, async ({ runs }) => {
      for (const from of RUN_STATUSES) {
        for (const to of RUN_STATUSES) {
          const id = `${from}-${to}`;
          const version = await runIn(runs, id, from);
          const result = await runs.transition(id, version, to);
          if (canTransition(from, to)) {
            assert.deepEqual(result, { ok: true, version: version + 1 }, `${from} → ${to}`);
            assert.equal((await runs.getRun(id))?.status, to);
          } else {
            assert.deepEqual(
              result,
              { ok: false, reason: 'invalid_transition', status: from },
              `${from} → ${to}`,
            );
            const run = await runs.getRun(id);
            assert.equal(run?.status, from);
            assert.equal(run?.version, version, 'a refused transition leaves the version alone');
          }
        }
      }
    }));

  it('writes only the patch fields given: undefined keeps, null clears', () =>
    withStore(fixture, async ({ runs }) => {
      await runs.createRun(newRun('r'));
      const started = await runs.transition('r', 1, 'running', {
        startedAt: at(1),
        checkpoint: checkpoint(),
      });
      assert.ok(started.ok);
      const waiting = await runs.transition('r', started.version, 'waiting', {
        waitTill: at(86_400_000),
        error: { message: 'kept' },
      });
      assert.ok(waiting.ok);
      let run = await runs.getRun('r');
      assert.deepEqual(run?.startedAt, at(1));
      assert.deepEqual(run?.waitTill, at(86_400_000));
      assert.deepEqual(run?.checkpoint, checkpoint());
      assert.deepEqual(run?.error, { message: 'kept' });
      const failed = await runs.transition('r', waiting.version, 'failed', {
        waitTill: null,
        error: null,
        finishedAt: at(2),
      });
      assert.ok(failed.ok);
      run = await runs.getRun('r');
      assert.equal(run?.waitTill, null);
      assert.equal(run?.error, null);
      assert.deepEqual(run?.finishedAt, at(2));
      assert.deepEqual(run?.checkpoint, checkpoint(), 'checkpoint untouched when not in the patch');
    }));

  it('refuses a stale transition and reports the current status; not_found for an unknown run', () =>
    withStore(fixture, async ({ runs }) => {
      await runs.createRun(newRun('r'));
      const first = await runs.transition('r', 1, 'running');
      assert.deepEqual(first, { ok: true, version: 2 });
      assert.deepEqual(await runs.transition('r', 1, 'canceled'), {
        ok: false,
        reason: 'stale',
        status: 'running',
      });
      assert.deepEqual(await runs.transition('nope', 1, 'running'), { ok: false, reason: 'not_found' });
      assert.deepEqual(await runs.recordStep('nope', 1, step('nope', 0), checkpoint()), {
        ok: false,
        reason: 'not_found',
      });
    }));

  it('lets only one of two concurrent callers at the same version win', (t) =>
    withStore(fixture, async (store, database) => {
      // Two stores on one database are two connections, as two processes would have.
      const other = database.parallelTransactions ? await database.open() : store;
      if (other === store)
        t.diagnostic('SQLite: both callers race on one connection (see parallelTransactions)');
      await store.runs.createRun(newRun('r', { status: 'running' }));
      const results = await Promise.all([
        store.runs.recordStep('r', 1, step('r', 0), checkpoint('A')),
        other.runs.recordStep('r', 1, step('r', 0, { nodeName: 'Other' }), checkpoint('B')),
      ]);
      assert.equal(results.filter((r) => r.ok).length, 1);
      assert.deepEqual(
        results.find((r) => !r.ok),
        { ok: false, reason: 'stale', status: 'running' },
      );
      assert.equal((await store.runs.listSteps('r')).length, 1);
      const transitions = await Promise.all([
        store.runs.transition('r', 2, 'succeeded'),
        other.runs.transition('r', 2, 'failed'),
      ]);
      assert.equal(transitions.filter((r) => r.ok).length, 1);
    }));

  it('records a step and its checkpoint atomically, and a refused step writes nothing', () =>
    withStore(fixture, async ({ runs }) => {
      await runs.createRun(newRun('r', { status: 'running' }));
      const ok = await runs.recordStep('r', 1, step('r', 0), checkpoint('A'));
      assert.deepEqual(ok, { ok: true, version: 2 });
      let run = await runs.getRun('r');
      assert.equal(run?.currentNode, 'Node 0');
      assert.deepEqual(run?.checkpoint, checkpoint('A'));

      const stale = await runs.recordStep('r', 1, step('r', 1), checkpoint('B'));
      assert.deepEqual(stale, { ok: false, reason: 'stale', status: 'running' });
      run = await runs.getRun('r');
      assert.equal(run?.version, 2);
      assert.deepEqual(run?.checkpoint, checkpoint('A'));
      assert.equal(run?.currentNode, 'Node 0');
      assert.deepEqual(
        (await runs.listSteps('r')).map((s) => s.seq),
        [0],
      );

      // Steps are recorded only while the run is running (a caller at the right version but
      // acting on a waiting or finished run is confused, not stale).
      const waiting = await runs.transition('r', 2, 'waiting');
      assert.ok(waiting.ok);
      assert.deepEqual(await runs.recordStep('r', waiting.version, step('r', 1), checkpoint()), {
        ok: false,
        reason: 'invalid_transition',
        status: 'waiting',
      });
      assert.equal((await runs.listSteps('r')).length, 1);
    }));

  it('hands out each run read ahead once, until this store writes it; a second read is a read', () =>
    withStore(fixture, async ({ runs, db }) => {
      await runs.createRun(newRun('ahead', { status: 'running' }));
      await runs.recordStep('ahead', 1, step('ahead', 0), checkpoint('A'));
      await runs.createRun(newRun('other'));
      await runs.prefetch(['ahead', 'missing', 'ahead']);
      // Changed behind the store's back: what was read ahead is what it answers now.
      await db.updateTable('runs').set({ current_node: 'Elsewhere' }).where('id', '=', 'ahead').execute();
      await db.updateTable('steps').set({ node_name: 'Elsewhere' }).where('run_id', '=', 'ahead').execute();
      const first = (await runs.getRun('ahead'))!;
      assert.equal(first.currentNode, 'Node 0', 'served from what was read ahead');
      const steps = await runs.listSteps('ahead');
      assert.deepEqual(
        steps.map((s) => s.nodeName),
        ['Node 0'],
      );
      first.checkpoint!.stack.length = 0;
      const created = first.createdAt.getTime();
      first.createdAt.setTime(0);
      steps[0].output = null;
      // Handed out already: read from the database, never the record its first taker changed.
      const again = await runs.getRun('ahead');
      assert.equal(again?.currentNode, 'Elsewhere', 'read again');
      assert.deepEqual(again?.checkpoint, checkpoint('A'), 'never shared');
      assert.equal(again?.createdAt.getTime(), created, 'dates neither');
      const stepsAgain = await runs.listSteps('ahead');
      assert.deepEqual(
        stepsAgain.map((s) => [s.nodeName, s.output !== null]),
        [['Elsewhere', true]],
      );
      assert.equal(await runs.getRun('missing'), null);
      assert.equal((await runs.getRun('other'))?.status, 'queued', 'not read ahead: read as usual');

      // Written through the store (refused or not), the run is read from the database again.
      await runs.prefetch(['ahead']);
      const waiting = await runs.transition('ahead', 2, 'waiting');
      assert.ok(waiting.ok);
      const fresh = await runs.getRun('ahead');
      assert.equal(fresh?.status, 'waiting');
      await db.updateTable('steps').set({ node_name: 'Later' }).where('run_id', '=', 'ahead').execute();
      assert.deepEqual(
        (await runs.listSteps('ahead')).map((s) => s.nodeName),
        ['Later'],
      );
      await runs.prefetch(['ahead']);
      assert.equal((await runs.transition('ahead', 1, 'running')).ok, false, 'stale');
      await db.updateTable('runs').set({ current_node: 'Again' }).where('id', '=', 'ahead').execute();
      assert.equal((await runs.getRun('ahead'))?.currentNode, 'Again', 'a refused write forgets too');
    }));

  it('lists steps in seq order with their payloads, metadata and errors', () =>
    withStore(fixture, async ({ runs }) => {
      await runs.createRun(newRun('r', { status: 'running' }));
      const steps = [
        step('r', 0),
        step('r', 1, {
          status: 'failed',
          error: { message: 'boom', node: 'Node 1', httpStatus: 503, itemIndex: 2 },
          logs: ['line 1', 'ligne 2 é'],
          outputCounts: [0, 0],
          sources: [null, { node: 'A', output: 1, run: 2 }],
          output: null,
        }),
        step('r', 2, { status: 'waiting', input: null, output: null, runIndex: 3 }),
      ];
      let version = 1;
      for (const s of steps) {
        const result = await runs.recordStep('r', version, s, checkpoint());
        assert.ok(result.ok);
        version = result.version;
      }
      assert.deepEqual(await runs.listSteps('r'), steps);
      assert.deepEqual(await runs.listSteps('other'), []);
    }));

  it('commits many steps at once, with and without payloads, and a refused commit writes none', () =>
    withStore(fixture, async ({ runs }) => {
      await runs.createRun(newRun('r', { status: 'running' }));
      // Mixed: a step without payloads between two with (a waiting step records none).
      const three = [
        step('r', 0),
        step('r', 1, { status: 'waiting', input: null, output: null }),
        step('r', 2, { error: { message: 'partial', node: 'Node 2' }, logs: ['é'] }),
      ];
      const first = await runs.commit('r', 1, {
        from: 'running',
        to: 'running',
        steps: three,
        checkpoint: checkpoint('A'),
      });
      assert.deepEqual(first, { ok: true, version: 2 });
      assert.deepEqual(await runs.listSteps('r'), three);

      // Refused at a stale version: neither the steps nor their payloads are written.
      const stale = await runs.commit('r', 1, {
        from: 'running',
        to: 'succeeded',
        steps: [step('r', 3)],
        checkpoint: checkpoint('B'),
        patch: { finishedAt: at(99) },
      });
      assert.deepEqual(stale, { ok: false, reason: 'stale', status: 'running' });
      assert.equal((await runs.listSteps('r')).length, 3);

      // More steps than one INSERT carries (a long loop finishing in one commit), then the end.
      const many = Array.from({ length: 450 }, (_, i) =>
        step('r', 3 + i, i % 3 === 0 ? { output: null } : {}),
      );
      const last = await runs.commit('r', 2, {
        from: 'running',
        to: 'succeeded',
        steps: many,
        checkpoint: checkpoint('C'),
        patch: { finishedAt: at(9999) },
      });
      assert.deepEqual(last, { ok: true, version: 3 });
      const stored = await runs.listSteps('r');
      assert.equal(stored.length, 453);
      assert.deepEqual(stored.slice(3), many);
      const run = await runs.getRun('r');
      assert.equal(run?.status, 'succeeded');
      assert.equal(run?.currentNode, 'Node 452');
      assert.deepEqual(run?.checkpoint, checkpoint('C'));
    }));

  it('commits of many runs in one turn each move or fail alone, as they would one by one', () =>
    withStore(fixture, async ({ runs }) => {
      const ids = ['a', 'b', 'c', 'd', 'e', 'f'];
      for (const id of ids) await runs.createRun(newRun(id, { status: 'running' }));
      await runs.recordStep('d', 1, step('d', 0), checkpoint());
      // Text that JSON, SQL and array literals each escape: quotes, backslashes, braces, NUL.
      const tricky = { q: 'say "hi" \\ {a,b} \u0000 Zoë ✓', nested: [null, { 'k"': 'v' }] };
      const ending = (id: string, seq: number) => ({
        from: 'running' as const,
        to: 'succeeded' as const,
        steps: [step(id, seq, { output: [[{ json: tricky }]], error: null, logs: ['é "x"'] })],
        checkpoint: checkpoint(`after ${id}`),
        patch: { finishedAt: at(1000 + seq) },
      });
      const outcomes = await Promise.allSettled([
        runs.commit('a', 1, ending('a', 0)),
        runs.commit('b', 7, ending('b', 0)), // stale
        runs.commit('c', 1, ending('c', 0)),
        runs.commit('d', 2, ending('d', 0)), // its step 0 exists: the write fails
        runs.commit('e', 1, { ...ending('e', 0), to: 'waiting', patch: { waitTill: at(5000) } }),
        runs.commit('a', 1, ending('a', 1)), // the same run twice in a turn: one of the two wins
        // A value JSON cannot hold: its commit fails, and it alone.
        runs.commit('f', 1, {
          ...ending('f', 0),
          steps: [step('f', 0, { output: [[{ json: { n: 1n } }]] })],
        }),
      ]);
      const value = (i: number) => (outcomes[i] as PromiseFulfilledResult<unknown>).value;
      assert.deepEqual(value(1), { ok: false, reason: 'stale', status: 'running' });
      assert.deepEqual(value(2), { ok: true, version: 2 });
      assert.equal(outcomes[3].status, 'rejected', 'a step already written fails its commit');
      assert.deepEqual(value(4), { ok: true, version: 2 });
      assert.match(String((outcomes[6] as PromiseRejectedResult).reason), /BigInt/);
      assert.deepEqual(await runs.listSteps('f'), []);
      assert.equal((await runs.getRun('f'))?.version, 1);
      const a = [value(0), value(5)] as { ok: boolean }[];
      assert.equal(a.filter((r) => r.ok).length, 1, 'one commit of run a wins, the other is stale');

      const c = await runs.getRun('c');
      assert.equal(c?.status, 'succeeded');
      assert.equal(c?.finishedAt?.getTime(), at(1000).getTime());
      assert.deepEqual(c?.checkpoint, checkpoint('after c'));
      assert.deepEqual(await runs.listSteps('c'), ending('c', 0).steps, 'payloads exactly as given');
      const e = await runs.getRun('e');
      assert.equal(e?.status, 'waiting');
      assert.equal(e?.waitTill?.getTime(), at(5000).getTime());
      assert.deepEqual(await runs.listSteps('b'), [], 'a refused commit writes no step');
      assert.equal((await runs.getRun('b'))?.status, 'running');
      assert.deepEqual(
        (await runs.listSteps('d')).map((s) => s.nodeName),
        ['Node 0'],
        'the failed commit wrote nothing',
      );
      assert.equal((await runs.getRun('d'))?.version, 2);
      assert.equal((await runs.listSteps('a')).length, 1);
      assert.equal((await runs.getRun('a'))?.version, 2);
    }));

  it('lists runs by status oldest first, with a limit', () =>
    withStore(fixture, async ({ runs }) => {
      const order = [3, 1, 4, 0, 2];
      for (const i of order) await runs.createRun(newRun(`r${i}`, { createdAt: at(i * 1000) }));
      await runs.transition('r1', 1, 'running');
      await runs.transition('r4', 1, 'canceled');
      const resumable = await runs.listRunsByStatus(['queued', 'running'], 10);
      assert.deepEqual(
        resumable.map((r) => r.id),
        ['r0', 'r1', 'r2', 'r3'],
      );
      assert.deepEqual(
        (await runs.listRunsByStatus(['queued', 'running'], 2)).map((r) => r.id),
        ['r0', 'r1'],
      );
      assert.deepEqual(await runs.listRunsByStatus([], 10), []);
    }));

  it('pages through run history newest first, by workflow and status', () =>
    withStore(fixture, async ({ runs }) => {
      for (let i = 0; i < 5; i++) {
        await runs.createRun(newRun(`a${i}`, { workflowId: 'A', createdAt: at(i) }));
        await runs.createRun(newRun(`b${i}`, { workflowId: 'B', createdAt: at(i) }));
      }
      await runs.transition('a3', 1, 'canceled');
      const ids: string[] = [];
      let cursor: string | null = null;
      do {
        const page: Awaited<ReturnType<typeof runs.listRuns>> = await runs.listRuns({
          workflowId: 'A',
          limit: 2,
          cursor,
        });
        ids.push(...page.items.map((r) => r.id));
        cursor = page.nextCursor;
      } while (cursor);
      assert.deepEqual(ids, ['a4', 'a3', 'a2', 'a1', 'a0']);
      const queued = await runs.listRuns({ workflowId: 'A', statuses: ['queued'], limit: 10 });
      assert.deepEqual(
        queued.items.map((r) => r.id),
        ['a4', 'a2', 'a1', 'a0'],
      );
      assert.equal(queued.nextCursor, null);
      assert.equal((await runs.listRuns({ limit: 100 })).items.length, 10);
    }));
}
