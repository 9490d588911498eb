/** CredentialStore conformance: ciphertext kept as given, unique (type, name), listing, updates. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { InvalidCursorError } from '../cursor.js';
import { at, T0 } from './builders.js';
import { type StoreFixture, withStore } from './fixtures.js';

const cred = (id: string, name: string, type = 'smtp', now = T0) => ({
  id,
  name,
  type,
  data: `v1.k.${id}-ciphertext`,
  fields: ['host', 'password'],
  now,
});

export function credentialTests(fixture: StoreFixture): void {
  it('creates, reads back by id and by (type, name), updates and deletes', () =>
    withStore(fixture, async ({ credentials }) => {
      const created = await credentials.create(cred('c1', 'Mail'));
      assert.ok(created.ok);
      const expected = {
        id: 'c1',
        name: 'Mail',
        type: 'smtp',
        data: 'v1.k.c1-ciphertext',
        fields: ['host', 'password'],
        createdAt: T0,
        updatedAt: T0,
      };
      assert.deepEqual(created.credential, expected);
      assert.deepEqual(await credentials.get('c1'), expected);
      assert.deepEqual(await credentials.findByTypeAndName('smtp', 'Mail'), expected);
      assert.equal(await credentials.findByTypeAndName('postgres', 'Mail'), null);
      assert.equal(await credentials.get('missing'), null);

      const updated = await credentials.update('c1', { data: 'v1.k.new', fields: ['host'], now: at(5) });
      assert.ok(updated.ok);
      assert.deepEqual(updated.credential, {
        ...expected,
        data: 'v1.k.new',
        fields: ['host'],
        updatedAt: at(5),
      });
      assert.deepEqual(await credentials.update('missing', { name: 'x', now: T0 }), {
        ok: false,
        reason: 'not_found',
      });
      assert.equal(await credentials.delete('c1'), true);
      assert.equal(await credentials.delete('c1'), false);
      assert.equal(await credentials.get('c1'), null);
    }));

  it('refuses a second credential with the same type and name, on create and on rename', () =>
    withStore(fixture, async ({ credentials }) => {
      assert.ok((await credentials.create(cred('c1', 'Main'))).ok);
      assert.deepEqual(await credentials.create(cred('c2', 'Main')), { ok: false, reason: 'duplicate' });
      assert.ok((await credentials.create(cred('c3', 'Main', 'postgres'))).ok, 'same name, other type');
      assert.ok((await credentials.create(cred('c4', 'Other'))).ok);
      assert.deepEqual(await credentials.update('c4', { name: 'Main', now: T0 }), {
        ok: false,
        reason: 'duplicate',
      });
      assert.equal((await credentials.get('c4'))?.name, 'Other', 'a refused update changes nothing');
    }));

  it('pages newest first, filters by type and by name, case-insensitively and literally', () =>
    withStore(fixture, async ({ credentials }) => {
      const names = ['Mail Pro', 'mail_perso', 'DB', 'Mail 100%', 'Twilio'];
      for (const [i, name] of names.entries()) {
        await credentials.create(cred(`c${i}`, name, i === 2 ? 'postgres' : 'smtp', at(i)));
      }
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: Awaited<ReturnType<typeof credentials.list>> = await credentials.list({
          limit: 2,
          cursor,
        });
        seen.push(...page.items.map((c) => c.id));
        cursor = page.nextCursor;
      } while (cursor);
      assert.deepEqual(seen, ['c4', 'c3', 'c2', 'c1', 'c0']);
      const ids = async (q: { type?: string; search?: string }) =>
        (await credentials.list({ limit: 10, ...q })).items.map((c) => c.id);
      assert.deepEqual(await ids({ type: 'postgres' }), ['c2']);
      assert.deepEqual(await ids({ search: 'MAIL' }), ['c3', 'c1', 'c0']);
      assert.deepEqual(await ids({ search: '_' }), ['c1'], 'LIKE wildcards are literal');
      assert.deepEqual(await ids({ search: '%' }), ['c3']);
      assert.deepEqual(await ids({ search: 'mail', type: 'postgres' }), []);
      await assert.rejects(credentials.list({ limit: 2, cursor: 'garbage' }), InvalidCursorError);
    }));
}
