/**
 * The deduplication history store (src/dedup/port.ts) on every database: SQLite always, PostgreSQL
 * when RELAIS_TEST_DATABASE_URL is set. What Remove Duplicates does with it is in
 * src/nodes/remove-duplicates/history.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it, test } from 'node:test';
import type { DedupDocument } from '../dedup/port.js';
import { workflow } from './conformance/builders.js';
import { allFixtures, withStore } from './conformance/fixtures.js';

const scope = { workflowId: 'w1', context: 'n:node-1' };
const list = (doc: DedupDocument | undefined) => (doc?.ids as string[] | undefined) ?? [];

for (const fixture of allFixtures()) {
  if (fixture.skip) {
    test(`dedup history store: ${fixture.name}`, (t) => t.skip(fixture.skip));
    continue;
  }
  describe(`dedup history store: ${fixture.name}`, () => {
    it('update reads the document, writes what the change returns; a throwing change writes nothing', () =>
      withStore(fixture, async ({ dedup }) => {
        assert.equal(await dedup.update(scope, (doc) => ({ result: doc })), undefined);
        assert.equal(
          await dedup.update(scope, (doc) => ({ result: doc })),
          undefined,
          'a read creates nothing',
        );
        await dedup.update(scope, () => ({ doc: { ids: ['a'] }, result: null }));
        await assert.rejects(
          dedup.update(scope, () => {
            throw new Error('refused');
          }),
          /refused/,
        );
        assert.deepEqual(await dedup.update(scope, (doc) => ({ result: doc })), { ids: ['a'] });
        assert.equal(
          await dedup.update({ ...scope, context: '' }, (doc) => ({ result: doc })),
          undefined,
          'another context is another history',
        );
        await dedup.clear(scope);
        assert.equal(await dedup.update(scope, (doc) => ({ result: doc })), undefined);
      }));

    it('concurrent updates of one scope each see the one before: none is lost', () =>
      withStore(fixture, async (store, database) => {
        // Two connections where the database allows it (two processes); one otherwise.
        const other = database.parallelTransactions ? await database.open() : store;
        const ids = Array.from({ length: 24 }, (_, i) => `r${i}`);
        await Promise.all(
          ids.map((id, i) =>
            (i % 2 ? other : store).dedup.update(scope, (doc) => ({
              doc: { ids: [...list(doc), id] },
              result: id,
            })),
          ),
        );
        const final = await store.dedup.update(scope, (doc) => ({ result: list(doc) }));
        assert.deepEqual([...final].sort(), [...ids].sort());
      }));

    it('deleting a workflow deletes its histories, and only them', () =>
      withStore(fixture, async ({ dedup, workflows }) => {
        await workflows.saveWorkflow('w1', workflow('w1'));
        await dedup.update(scope, () => ({ doc: { ids: ['a'] }, result: null }));
        await dedup.update({ workflowId: 'w1', context: '' }, () => ({ doc: { ids: ['b'] }, result: null }));
        await dedup.update({ workflowId: 'w2', context: '' }, () => ({ doc: { ids: ['c'] }, result: null }));
        assert.equal(await workflows.deleteWorkflow('w1'), true);
        assert.equal(await dedup.update(scope, (doc) => ({ result: doc })), undefined);
        assert.equal(
          await dedup.update({ workflowId: 'w1', context: '' }, (doc) => ({ result: doc })),
          undefined,
        );
        assert.deepEqual(await dedup.update({ workflowId: 'w2', context: '' }, (doc) => ({ result: doc })), {
          ids: ['c'],
        });
      }));
  });
}
