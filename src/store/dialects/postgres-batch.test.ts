/**
 * Group commits on a real PostgreSQL (RELAIS_TEST_DATABASE_URL; skipped loudly without): how many
 * statements the run commits of one turn take. What they write, and that each fails alone, is in
 * the store conformance suite ("commits of many runs in one turn ...").
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import pg from 'pg';
import type { RunCommit } from '../../engine/ports.js';
import { at, checkpoint, newRun, step } from '../conformance/builders.js';
import { openStore, type Store } from '../index.js';
import { MAX_RUNS_PER_STATEMENT } from './postgres-batch.js';

const url = process.env.RELAIS_TEST_DATABASE_URL;
if (!url) console.warn('\n*** PostgreSQL group commits: skipped (set RELAIS_TEST_DATABASE_URL) ***\n');

const schema = `batch_${process.pid}_${Date.now()}`;

describe('PostgreSQL group commits', { skip: url ? false : 'RELAIS_TEST_DATABASE_URL is not set' }, () => {
  let store: Store;
  let admin: pg.Pool;
  /** Texts the store sent since the last `beforeEach`: the driver's query, spied on (one module). */
  let sent: string[] = [];
  const query = pg.Client.prototype.query;

  before(async () => {
    admin = new pg.Pool({ connectionString: url, max: 1 });
    store = await openStore({ databaseUrl: url, schema });
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      const [config] = args as [string | { text: string }];
      sent.push(typeof config === 'string' ? config : config.text);
      return (query as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof query;
  });
  after(async () => {
    pg.Client.prototype.query = query;
    await store?.close();
    await admin?.query(`drop schema if exists ${schema} cascade`);
    await admin?.end();
  });
  beforeEach(async () => {
    await store.db.deleteFrom('runs').execute();
    sent = [];
  });

  const shared = () => sent.filter((text) => text.startsWith('with "v" as'));
  const alone = () => sent.filter((text) => text.startsWith('with "moved" as'));
  const ending = (id: string, seq = 0): RunCommit => ({
    from: 'running',
    to: 'succeeded',
    steps: [
      step(id, seq, { output: [[{ json: { quote: 'a "b" \\ {c} \u0000 Zoë ✓ 😀', id, none: null } }]] }),
    ],
    checkpoint: checkpoint(id),
    patch: { finishedAt: at(seq) },
  });
  async function running(ids: string[]): Promise<void> {
    await Promise.all(ids.map((id) => store.runs.createRun(newRun(id, { status: 'running' }))));
    sent = [];
  }

  test('the commits of one turn are one statement, their steps and payloads with them', async () => {
    const ids = ['r3', 'r1', 'r2', 'r5', 'r4'];
    await running(ids);
    const results = await Promise.all(ids.map((id) => store.runs.commit(id, 1, ending(id))));
    assert.deepEqual(
      results,
      ids.map(() => ({ ok: true, version: 2 })),
    );
    assert.equal(shared().length, 1);
    assert.equal(alone().length, 0);
    for (const id of ids) {
      assert.deepEqual(await store.runs.listSteps(id), ending(id).steps);
      const run = await store.runs.getRun(id);
      assert.equal(run?.status, 'succeeded');
      assert.deepEqual(run?.checkpoint, checkpoint(id));
      assert.equal(run?.currentNode, 'Node 0');
    }
    // JSON columns go as JSON arrays: a missing value is SQL NULL, a payload its exact text.
    const { rows } = await admin.query(
      `select r.error is null as "runError", s.error is null as "stepError", d.output::text as output
       from ${schema}.runs r join ${schema}.steps s on s.run_id = r.id join ${schema}.step_data d
       on d.run_id = s.run_id and d.seq = s.seq where r.id = 'r1'`,
    );
    assert.deepEqual(rows, [
      { runError: true, stepError: true, output: JSON.stringify(ending('r1').steps[0].output) },
    ]);
  });

  test('the JSON arrays, bound as bytes, read back exactly, the statement unnamed or prepared', async () => {
    // From its third send the statement is a named prepared one (postgres-prepared.ts).
    for (let round = 0; round < 4; round++) {
      const ids = [`x${round}a`, `x${round}b`];
      await running(ids);
      await Promise.all(ids.map((id) => store.runs.commit(id, 1, ending(id))));
      assert.equal(shared().length, 1);
      for (const id of ids) {
        const { rows } = await admin.query(
          `select d.output::text as output from ${schema}.step_data d where d.run_id = $1`,
          [id],
        );
        assert.deepEqual(rows, [{ output: JSON.stringify(ending(id).steps[0].output) }], `round ${round}`);
        assert.deepEqual(await store.runs.listSteps(id), ending(id).steps);
      }
    }
  });

  test('a refused commit among them is still one statement; a failing one makes each go alone', async () => {
    await running(['a', 'b', 'c']);
    const refused = await Promise.all([
      store.runs.commit('a', 1, ending('a')),
      store.runs.commit('b', 9, ending('b')),
    ]);
    assert.deepEqual(refused, [
      { ok: true, version: 2 },
      { ok: false, reason: 'stale', status: 'running' },
    ]);
    assert.equal(shared().length, 1);
    assert.equal(alone().length, 0, 'the refusal is named by a read, not by writing again');

    sent = [];
    await store.runs.createRun(newRun('d', { status: 'running' }));
    await store.runs.recordStep('d', 1, step('d', 0), checkpoint());
    sent = [];
    const failing = await Promise.allSettled([
      store.runs.commit('d', 2, ending('d', 0)), // its step 0 exists: a unique violation
      store.runs.commit('e-missing', 1, ending('e-missing')),
    ]);
    assert.equal(failing[0].status, 'rejected');
    assert.deepEqual((failing[1] as PromiseFulfilledResult<unknown>).value, {
      ok: false,
      reason: 'not_found',
    });
    assert.equal(shared().length, 1, 'tried together first');
    assert.equal(alone().length, 2, 'then each alone');
  });

  test('two processes committing the same runs at once: each run moves once, no write fails', async () => {
    const other = await openStore({ databaseUrl: url, schema });
    try {
      const ids = Array.from({ length: 40 }, (_, i) => `p${String(i).padStart(2, '0')}`);
      await running(ids);
      // Opposite orders: the statements still lock the runs they share in one order (by id).
      const outcomes = await Promise.allSettled([
        ...ids.map((id) => store.runs.commit(id, 1, ending(id))),
        ...[...ids].reverse().map((id) => other.runs.commit(id, 1, ending(id, 1))),
      ]);
      assert.deepEqual(
        outcomes.filter((o) => o.status === 'rejected'),
        [],
      );
      const ok = outcomes.map((o) => (o as PromiseFulfilledResult<{ ok: boolean }>).value.ok);
      for (let i = 0; i < ids.length; i++) {
        assert.equal(Number(ok[i]) + Number(ok[2 * ids.length - 1 - i]), 1, `${ids[i]} moved once`);
        assert.equal((await store.runs.listSteps(ids[i])).length, 1);
      }
      assert.equal(shared().length, 2, 'one statement per process');
      assert.equal(alone().length, 0, 'neither failed (a deadlock would): none was written again alone');
    } finally {
      await other.close();
    }
  });

  test('other shapes, the same run twice and more runs than a statement holds make more statements', async () => {
    const ids = Array.from(
      { length: MAX_RUNS_PER_STATEMENT + 4 },
      (_, i) => `r${String(i).padStart(4, '0')}`,
    );
    await running([...ids, 'w']);
    const results = await Promise.all([
      ...ids.map((id) => store.runs.commit(id, 1, ending(id))),
      store.runs.commit('w', 1, { ...ending('w'), to: 'waiting', patch: { waitTill: at(5) } }),
      store.runs.commit(ids[0], 1, ending(ids[0], 1)),
    ]);
    assert.equal(results.filter((r) => r.ok).length, ids.length + 1);
    assert.equal(
      [results[0], results.at(-1)].filter((r) => r?.ok).length,
      1,
      'of two commits of a run at one version, one wins',
    );
    // The second commit of r0000 cannot share the first's statement: it joins the next one.
    assert.equal(shared().length, 2, `${MAX_RUNS_PER_STATEMENT} runs, then the others`);
    assert.equal(alone().length, 1, 'the waiting run, alone in its shape');
    assert.equal((await store.runs.getRun('w'))?.waitTill?.getTime(), at(5).getTime());
    assert.equal((await store.runs.listSteps(ids[0])).length, 1);
  });
});
