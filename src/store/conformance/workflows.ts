/** WorkflowStore conformance: versions, listing with cursors, activation, deletion. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { InvalidCursorError } from '../cursor.js';
import { at, T0, workflow } from './builders.js';
import { type StoreFixture, withStore } from './fixtures.js';

export function workflowTests(fixture: StoreFixture): void {
  it('keeps every saved version and serves the current one', () =>
    withStore(fixture, async ({ workflows }) => {
      const v1 = await workflows.saveWorkflow('wf', workflow('First'), { now: T0 });
      assert.deepEqual(
        { version: v1.version, active: v1.active, name: v1.name },
        { version: 1, active: false, name: 'First' },
      );
      assert.deepEqual(v1.createdAt, T0);
      const v2 = await workflows.saveWorkflow('wf', workflow('Second', 3), { now: at(5) });
      assert.equal(v2.version, 2);
      assert.deepEqual(v2.createdAt, T0, 'creation time is kept across saves');
      assert.deepEqual(v2.updatedAt, at(5));

      assert.deepEqual(await workflows.getWorkflow('wf'), v2);
      assert.deepEqual(await workflows.getWorkflowVersion('wf', 1), workflow('First'));
      assert.deepEqual(await workflows.getWorkflowVersion('wf', 2), workflow('Second', 3));
      assert.equal(await workflows.getWorkflowVersion('wf', 3), null);
      assert.equal(await workflows.getWorkflow('missing'), null);
    }));

  it('reads heads (no document) of several workflows in one turn, each as it is now', () =>
    withStore(fixture, async ({ workflows }) => {
      await workflows.saveWorkflow('a', workflow('A'), { now: T0 });
      const b = await workflows.saveWorkflow('b', workflow('B'), { now: at(1) });
      await workflows.setActive('a', true);
      const [headA, headB, again, missing] = await Promise.all([
        workflows.getWorkflowHead('a'),
        workflows.getWorkflowHead('b'),
        workflows.getWorkflowHead('a'),
        workflows.getWorkflowHead('missing'),
      ]);
      assert.deepEqual(
        { id: headA?.id, active: headA?.active, version: headA?.version, createdAt: headA?.createdAt },
        { id: 'a', active: true, version: 1, createdAt: T0 },
      );
      const { workflow: _document, ...withoutDocument } = b;
      assert.deepEqual(headB, withoutDocument);
      assert.equal('workflow' in (headB ?? {}), false);
      assert.deepEqual(again, headA);
      assert.equal(missing, null);
    }));

  it('gives concurrent saves distinct versions', () =>
    withStore(fixture, async ({ workflows }) => {
      await workflows.saveWorkflow('wf', workflow('Base'));
      const saved = await Promise.all(
        [1, 2, 3, 4].map((i) => workflows.saveWorkflow('wf', workflow(`W${i}`))),
      );
      assert.deepEqual(saved.map((w) => w.version).sort(), [2, 3, 4, 5]);
    }));

  it('activates without a new version, and keeps the flag across saves', () =>
    withStore(fixture, async ({ workflows }) => {
      await workflows.saveWorkflow('wf', workflow('W'), { now: T0 });
      const active = await workflows.setActive('wf', true, { now: at(9) });
      assert.deepEqual({ active: active?.active, version: active?.version }, { active: true, version: 1 });
      assert.deepEqual(active?.updatedAt, at(9));
      assert.equal((await workflows.saveWorkflow('wf', workflow('W2'))).active, true);
      assert.equal(await workflows.setActive('missing', true), null);
    }));

  it('deletes a workflow with its versions', () =>
    withStore(fixture, async ({ workflows }) => {
      await workflows.saveWorkflow('wf', workflow('W'));
      await workflows.saveWorkflow('wf', workflow('W'));
      assert.equal(await workflows.deleteWorkflow('wf'), true);
      assert.equal(await workflows.getWorkflow('wf'), null);
      assert.equal(await workflows.getWorkflowVersion('wf', 1), null);
      assert.equal(await workflows.deleteWorkflow('wf'), false);
      // The id can be reused from version 1.
      assert.equal((await workflows.saveWorkflow('wf', workflow('Again'))).version, 1);
    }));

  it('pages through workflows newest first with an opaque cursor', () =>
    withStore(fixture, async ({ workflows }) => {
      // Two share a creation time: the id breaks the tie, so no row is skipped or repeated.
      const created = [0, 1, 1, 2, 3];
      for (const [i, ms] of created.entries())
        await workflows.saveWorkflow(`wf${i}`, workflow(`W${i}`), { now: at(ms) });
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: Awaited<ReturnType<typeof workflows.listWorkflows>> = await workflows.listWorkflows({
          limit: 2,
          cursor,
        });
        assert.ok(page.items.length <= 2);
        seen.push(...page.items.map((w) => w.id));
        cursor = page.nextCursor;
      } while (cursor);
      assert.deepEqual(seen, ['wf4', 'wf3', 'wf2', 'wf1', 'wf0']);
      await assert.rejects(workflows.listWorkflows({ limit: 2, cursor: 'not-a-cursor' }), InvalidCursorError);
    }));
}
