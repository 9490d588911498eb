/**
 * EmailTemplateStore on every database (SQLite file and memory; PostgreSQL when
 * RELAIS_TEST_DATABASE_URL is set): the defaults of the migration, unique names, filters, pages,
 * partial updates and deletes.
 */
import assert from 'node:assert/strict';
import { describe, it, test } from 'node:test';
import { DEFAULT_TEMPLATES } from '../email/defaults.js';
import { at } from './conformance/builders.js';
import { allFixtures, withStore } from './conformance/fixtures.js';
import type { NewEmailTemplate } from './email-template-store.js';

const template = (id: string, name: string, over: Partial<NewEmailTemplate> = {}): NewEmailTemplate => ({
  id,
  name,
  subject: `Sujet {{customer.firstName}} ${name}`,
  body: '<p>Bonjour {{customer.firstName}}</p>',
  text: null,
  availableVariables: [{ name: 'customer.firstName', description: 'Prénom' }],
  category: 'customer',
  isActive: true,
  now: at(1000),
  ...over,
});

for (const fixture of allFixtures()) {
  if (fixture.skip) {
    test(`email templates: ${fixture.name}`, (t) => t.skip(fixture.skip));
    continue;
  }
  describe(`email templates: ${fixture.name}`, () => {
    it('starts with the default templates, active, with their variables', () =>
      withStore(fixture, async ({ emailTemplates }) => {
        const page = await emailTemplates.list({ limit: 50 });
        assert.deepEqual(page.items.map((t) => t.name).sort(), DEFAULT_TEMPLATES.map((t) => t.name).sort());
        assert.equal(page.nextCursor, null);
        for (const t of page.items) {
          assert.equal(t.isActive, true);
          assert.ok(t.availableVariables.length > 0);
          assert.ok(t.createdAt instanceof Date && !Number.isNaN(t.createdAt.getTime()));
        }
        const reminder = await emailTemplates.findByName('Rappel de rendez-vous');
        assert.equal(reminder?.category, 'customer');
        assert.match(reminder?.subject ?? '', /\{\{reminder\.when\}\}/);
      }));

    it('creates, reads by id and by name, refuses a second template with the same name', () =>
      withStore(fixture, async ({ emailTemplates }) => {
        const created = await emailTemplates.create(
          template('t1', 'Bienvenue', { text: 'Bonjour {{customer.firstName}}' }),
        );
        assert.ok(created.ok);
        const read = await emailTemplates.get('t1');
        assert.deepEqual(read, {
          id: 't1',
          name: 'Bienvenue',
          subject: 'Sujet {{customer.firstName}} Bienvenue',
          body: '<p>Bonjour {{customer.firstName}}</p>',
          text: 'Bonjour {{customer.firstName}}',
          availableVariables: [{ name: 'customer.firstName', description: 'Prénom' }],
          category: 'customer',
          isActive: true,
          createdAt: at(1000),
          updatedAt: at(1000),
        });
        assert.deepEqual(created.ok && created.template, read);
        assert.equal((await emailTemplates.findByName('Bienvenue'))?.id, 't1');
        assert.equal(await emailTemplates.findByName('bienvenue'), null, 'names are compared exactly');
        assert.equal(await emailTemplates.get('missing'), null);
        assert.deepEqual(await emailTemplates.create(template('t2', 'Bienvenue')), {
          ok: false,
          reason: 'duplicate',
        });
        assert.equal(await emailTemplates.get('t2'), null);
      }));

    it('filters by category, active flag and part of the name; pages newest first', () =>
      withStore(fixture, async ({ emailTemplates }) => {
        for (let i = 0; i < 5; i++) {
          const result = await emailTemplates.create(
            template(`p${i}`, `Promo ${i}`, {
              category: 'invoice',
              isActive: i % 2 === 0,
              now: at(10_000 + i),
            }),
          );
          assert.ok(result.ok);
        }
        const invoices = await emailTemplates.list({ limit: 50, category: 'invoice' });
        assert.deepEqual(
          invoices.items.map((t) => t.id),
          ['p4', 'p3', 'p2', 'p1', 'p0'],
        );
        const inactive = await emailTemplates.list({ limit: 50, isActive: false });
        assert.deepEqual(
          inactive.items.map((t) => t.id),
          ['p3', 'p1'],
        );
        const active = await emailTemplates.list({ limit: 50, isActive: true, category: 'invoice' });
        assert.deepEqual(
          active.items.map((t) => t.id),
          ['p4', 'p2', 'p0'],
        );
        const search = await emailTemplates.list({ limit: 50, search: 'PROMO 3' });
        assert.deepEqual(
          search.items.map((t) => t.id),
          ['p3'],
        );
        assert.equal(
          (await emailTemplates.list({ limit: 50, search: '%' })).items.length,
          0,
          'LIKE wildcards are literal',
        );

        const first = await emailTemplates.list({ limit: 2, category: 'invoice' });
        assert.deepEqual(
          first.items.map((t) => t.id),
          ['p4', 'p3'],
        );
        assert.ok(first.nextCursor);
        const second = await emailTemplates.list({ limit: 2, category: 'invoice', cursor: first.nextCursor });
        const third = await emailTemplates.list({ limit: 2, category: 'invoice', cursor: second.nextCursor });
        assert.deepEqual(
          [...second.items, ...third.items].map((t) => t.id),
          ['p2', 'p1', 'p0'],
        );
        assert.equal(third.nextCursor, null);
      }));

    it('updates the given fields only, removes the text with null, refuses a taken name', () =>
      withStore(fixture, async ({ emailTemplates }) => {
        assert.ok((await emailTemplates.create(template('a', 'A', { text: 'texte' }))).ok);
        assert.ok((await emailTemplates.create(template('b', 'B'))).ok);
        const updated = await emailTemplates.update('a', {
          subject: 'Nouveau sujet',
          isActive: false,
          availableVariables: [],
          now: at(5000),
        });
        assert.ok(updated.ok);
        const a = await emailTemplates.get('a');
        assert.equal(a?.subject, 'Nouveau sujet');
        assert.equal(a?.isActive, false);
        assert.deepEqual(a?.availableVariables, []);
        assert.equal(a?.name, 'A');
        assert.equal(a?.body, '<p>Bonjour {{customer.firstName}}</p>');
        assert.equal(a?.text, 'texte');
        assert.deepEqual(a?.createdAt, at(1000));
        assert.deepEqual(a?.updatedAt, at(5000));
        assert.deepEqual(updated.ok && updated.template, a);

        assert.ok((await emailTemplates.update('a', { text: null, category: 'project', now: at(6000) })).ok);
        assert.equal((await emailTemplates.get('a'))?.text, null);
        assert.equal((await emailTemplates.get('a'))?.category, 'project');

        assert.deepEqual(await emailTemplates.update('a', { name: 'B', now: at(7000) }), {
          ok: false,
          reason: 'duplicate',
        });
        assert.equal((await emailTemplates.get('a'))?.name, 'A');
        assert.deepEqual(await emailTemplates.update('zz', { name: 'C', now: at(7000) }), {
          ok: false,
          reason: 'not_found',
        });
      }));

    it('deletes once', () =>
      withStore(fixture, async ({ emailTemplates }) => {
        assert.ok((await emailTemplates.create(template('d', 'D'))).ok);
        assert.equal(await emailTemplates.delete('d'), true);
        assert.equal(await emailTemplates.delete('d'), false);
        assert.equal(await emailTemplates.get('d'), null);
        // The name is free again.
        assert.ok((await emailTemplates.create(template('d2', 'D'))).ok);
      }));
  });
}
