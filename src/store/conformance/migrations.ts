/** Migrations: re-running them is a no-op, and two processes starting at once do not collide. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { workflow } from './builders.js';
import { type StoreFixture, withStore } from './fixtures.js';

const CHILD = fileURLToPath(new URL('./open-store-child.ts', import.meta.url));

/** Opens (and migrates) a store in a separate Node process; resolves with its exit code and stderr. */
function openInChild(options: object): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(options)], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

export function migrationTests(fixture: StoreFixture): void {
  it('opens an already migrated database again without change', (t) =>
    withStore(fixture, async (store, database) => {
      if (!database.options) return t.skip('an in-memory database cannot be reopened');
      await store.workflows.saveWorkflow('wf', workflow('Kept'));
      const again = await database.open();
      assert.equal((await again.workflows.getWorkflow('wf'))?.name, 'Kept');
    }));

  it('survives two processes migrating a fresh database at the same time', async (t) => {
    const database = await fixture.database();
    try {
      if (!database.options) return t.skip('an in-memory database belongs to one process');
      const children = await Promise.all([openInChild(database.options), openInChild(database.options)]);
      for (const child of children) assert.equal(child.code, 0, child.stderr);
      const store = await database.open();
      assert.equal(await store.workflows.getWorkflow('none'), null);
    } finally {
      await database.dispose();
    }
  });
}
