/**
 * The store conformance suite (STYLE practice 6): the same tests against every adapter. SQLite
 * (temp file and in-memory) always runs; PostgreSQL runs when RELAIS_TEST_DATABASE_URL is set,
 * each database in a fresh schema dropped afterwards.
 *
 *   npm test -- src/store
 *   RELAIS_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm test -- src/store
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import { checkpoint, items, newRun, step } from './conformance/builders.js';
import { credentialTests } from './conformance/credentials.js';
import { allFixtures, sqliteFileFixture, withStore } from './conformance/fixtures.js';
import { migrationTests } from './conformance/migrations.js';
import { payloadTests } from './conformance/payloads.js';
import { runQueryTests } from './conformance/run-queries.js';
import { runTests } from './conformance/runs.js';
import { timerTests } from './conformance/timers.js';
import { workflowQueryTests } from './conformance/workflow-queries.js';
import { workflowTests } from './conformance/workflows.js';
import { openStore } from './index.js';

for (const fixture of allFixtures()) {
  if (fixture.skip) {
    console.warn(`\n*** ${fixture.skip} ***\n`);
    test(`store conformance: ${fixture.name}`, (t) => t.skip(fixture.skip));
    continue;
  }
  describe(`store conformance: ${fixture.name}`, () => {
    describe('migrations', () => migrationTests(fixture));
    describe('runs', () => runTests(fixture));
    describe('step payloads', () => payloadTests(fixture));
    describe('workflows', () => workflowTests(fixture));
    describe('timers', () => timerTests(fixture));
    describe('run queries', () => runQueryTests(fixture));
    describe('workflow queries', () => workflowQueryTests(fixture));
    describe('credentials', () => credentialTests(fixture));
  });
}

// SQLite only: file settings that have no PostgreSQL counterpart.
describe('sqlite file settings', () => {
  it('uses WAL, foreign keys and incremental auto-vacuum, and gives pruned space back', () =>
    withStore(sqliteFileFixture, async (store) => {
      const pragma = async (name: string) =>
        Object.values((await sql.raw(`pragma ${name}`).execute(store.db)).rows[0] as object)[0];
      assert.equal(String(await pragma('journal_mode')), 'wal');
      assert.equal(await pragma('foreign_keys'), 1);
      assert.equal(await pragma('auto_vacuum'), 2, 'INCREMENTAL must be set before the first table');

      await store.runs.createRun(newRun('r', { status: 'running' }));
      const big = step('r', 0, { output: items(20_000) });
      assert.ok((await store.runs.recordStep('r', 1, big, checkpoint())).ok);
      await store.db.deleteFrom('runs').execute(); // steps and step_data go by cascade
      const freed = Number(await pragma('freelist_count'));
      assert.ok(freed > 512, `${freed} free pages: more than two turns of 256`);
      // Returned a few hundred pages a turn: work queued meanwhile runs before it is done.
      let interleaved = false;
      const reclaiming = store.reclaimSpace();
      setImmediate(() => {
        interleaved = true;
      });
      await reclaiming;
      assert.equal(interleaved, true, 'other work ran between the turns');
      assert.equal(await pragma('freelist_count'), 0);
    }));

  it('leaves the free pages of a file made before incremental auto-vacuum, and returns', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'relais-store-'));
    try {
      // A database file whose first table predates the auto_vacuum setting keeps auto_vacuum=NONE.
      const old = new BetterSqlite3(join(dataDir, 'relais.db'));
      old.exec('create table legacy (x text)');
      old.close();
      const store = await openStore({ dataDir });
      try {
        const pragma = async (name: string) =>
          Number(Object.values((await sql.raw(`pragma ${name}`).execute(store.db)).rows[0] as object)[0]);
        assert.equal(await pragma('auto_vacuum'), 0);
        await store.runs.createRun(newRun('r', { status: 'running' }));
        assert.ok(
          (await store.runs.recordStep('r', 1, step('r', 0, { output: items(5_000) }), checkpoint())).ok,
        );
        await store.db.deleteFrom('runs').execute();
        const freed = await pragma('freelist_count');
        assert.ok(freed > 0);
        await store.reclaimSpace(); // would never return if it waited for the freelist to empty
        assert.equal(await pragma('freelist_count'), freed);
      } finally {
        await store.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
