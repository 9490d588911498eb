/** What the automation API reads from workflows: filters and the version history. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { InvalidCursorError } from '../cursor.js';
import { at, T0, workflow } from './builders.js';
import { type StoreFixture, withStore } from './fixtures.js';

export function workflowQueryTests(fixture: StoreFixture): void {
  it('filters workflows by active flag and by name, case-insensitively', () =>
    withStore(fixture, async ({ workflows }) => {
      await workflows.saveWorkflow('a', workflow('Import CSV'), { now: at(0) });
      await workflows.saveWorkflow('b', workflow('Relance factures'), { now: at(1) });
      await workflows.saveWorkflow('c', workflow('csv_export 50%'), { now: at(2) });
      await workflows.setActive('b', true);
      const ids = async (q: { active?: boolean; search?: string }) =>
        (await workflows.listWorkflows({ limit: 10, ...q })).items.map((w) => w.id);
      assert.deepEqual(await ids({ active: true }), ['b']);
      assert.deepEqual(await ids({ active: false }), ['c', 'a']);
      assert.deepEqual(await ids({ search: 'CSV' }), ['c', 'a']);
      assert.deepEqual(await ids({ search: '_' }), ['c']);
      assert.deepEqual(await ids({ search: 'csv', active: true }), []);
      assert.deepEqual(Object.fromEntries(await workflows.getNames(['a', 'c', 'a', 'missing'])), {
        a: 'Import CSV',
        c: 'csv_export 50%',
      });
      assert.equal((await workflows.getNames([])).size, 0);
    }));

  it('lists versions newest first with a cursor, and reads one with its save time', () =>
    withStore(fixture, async ({ workflows }) => {
      for (let i = 0; i < 5; i++) await workflows.saveWorkflow('wf', workflow(`V${i + 1}`), { now: at(i) });
      const seen: number[] = [];
      let cursor: string | null = null;
      do {
        const page: Awaited<ReturnType<typeof workflows.listVersions>> = await workflows.listVersions('wf', {
          limit: 2,
          cursor,
        });
        seen.push(...page.items.map((v) => v.version));
        cursor = page.nextCursor;
      } while (cursor);
      assert.deepEqual(seen, [5, 4, 3, 2, 1]);
      const first = await workflows.listVersions('wf', { limit: 1 });
      assert.deepEqual(first.items, [{ version: 5, createdAt: at(4) }]);
      assert.deepEqual(await workflows.getVersionRecord('wf', 2), {
        version: 2,
        createdAt: at(1),
        workflow: workflow('V2'),
      });
      assert.equal(await workflows.getVersionRecord('wf', 9), null);
      assert.deepEqual((await workflows.listVersions('none', { limit: 5 })).items, []);
      await assert.rejects(workflows.listVersions('wf', { limit: 2, cursor: 'nope' }), InvalidCursorError);
      assert.deepEqual((await workflows.getWorkflow('wf'))?.createdAt, T0);
    }));
}
