/** AuditStore conformance: append, filters, time range, pages, retention. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { AuditRecord } from '../audit-store.js';
import { at } from './builders.js';
import { type StoreFixture, withStore } from './fixtures.js';

function entry(id: string, ms: number, overrides: Partial<AuditRecord> = {}): AuditRecord {
  return {
    id,
    at: at(ms),
    actorType: 'user',
    actorId: 'u1',
    actorLabel: 'alice@example.com',
    ip: '127.0.0.1',
    action: 'automation.created',
    entityType: 'automation',
    entityId: 'wf1',
    details: null,
    ...overrides,
  };
}

export function auditTests(fixture: StoreFixture): void {
  it('appends entries and reads them back newest first, details included', () =>
    withStore(fixture, async ({ audit }) => {
      const first = entry('a1', 0, { details: { name: 'Import', nested: { n: 1 } } });
      const second = entry('a2', 5, { actorType: 'anonymous', actorId: null, actorLabel: null, ip: null });
      await audit.append(first);
      await audit.append(second);
      assert.deepEqual((await audit.list({ limit: 10 })).items, [second, first]);
    }));

  it('filters by actor, action, entity and time, and pages through the result', () =>
    withStore(fixture, async ({ audit }) => {
      await audit.append(entry('a1', 0));
      await audit.append(
        entry('a2', 1, { actorId: 'u2', action: 'user.created', entityType: 'user', entityId: 'u9' }),
      );
      await audit.append(entry('a3', 2, { entityId: 'wf2' }));
      await audit.append(entry('a4', 3, { action: 'automation.deleted' }));
      const ids = async (q: Parameters<typeof audit.list>[0]) => (await audit.list(q)).items.map((e) => e.id);
      assert.deepEqual(await ids({ limit: 10, actorId: 'u2' }), ['a2']);
      assert.deepEqual(await ids({ limit: 10, action: 'automation.created' }), ['a3', 'a1']);
      assert.deepEqual(await ids({ limit: 10, entityType: 'automation', entityId: 'wf1' }), ['a4', 'a1']);
      assert.deepEqual(await ids({ limit: 10, from: at(1), to: at(3) }), ['a3', 'a2']);

      const page1 = await audit.list({ limit: 2, entityType: 'automation' });
      assert.deepEqual(
        page1.items.map((e) => e.id),
        ['a4', 'a3'],
      );
      const page2 = await audit.list({ limit: 2, entityType: 'automation', cursor: page1.nextCursor });
      assert.deepEqual(
        page2.items.map((e) => e.id),
        ['a1'],
      );
      assert.equal(page2.nextCursor, null);
    }));

  it('prunes entries older than a date', () =>
    withStore(fixture, async ({ audit }) => {
      await audit.append(entry('a1', 0));
      await audit.append(entry('a2', 10));
      assert.equal(await audit.prune(at(10)), 1);
      assert.deepEqual(
        (await audit.list({ limit: 10 })).items.map((e) => e.id),
        ['a2'],
      );
    }));
}
