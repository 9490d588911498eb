/**
 * The store conformance suite (STYLE practice 6): the same tests against every adapter. SQLite
 * (temp file and in-memory) always runs; PostgreSQL runs when RELAIS_TEST_DATABASE_URL is set,
 * each database in a fresh schema dropped afterwards.
 *
 *   npm test -- src/store
 *   RELAIS_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm test -- src/store
 */
import assert from 'node:assert/strict';
import { describe, it, test } from 'node:test';
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
      assert.ok(Number(await pragma('freelist_count')) > 100);
      await store.reclaimSpace();
      assert.equal(await pragma('freelist_count'), 0);
    }));
});
