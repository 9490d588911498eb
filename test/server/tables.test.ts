/**
 * `/api/tables` over HTTP, route by route, with roles, on SQLite and (when
 * RELAIS_TEST_DATABASE_URL is set) PostgreSQL: tables (create, list, get, alter, drop), rows
 * (filters, sort, keyset pages, insert/upsert in one transaction, update, delete), injection
 * attempts, audit entries. permissions.test.ts checks every route against the permission table.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DENTAL_TABLES } from '../../src/tables/test-kit.js';
import { type Caller, startTestServer, type TestServer, testDatabases } from '../../src/testing/server.js';
import { expectStatus } from './api-kit.js';

const PATIENTS = {
  name: 'patients',
  columns: [
    { name: 'nom', type: 'string' },
    { name: 'email', type: 'string' },
    { name: 'age', type: 'number' },
    { name: 'actif', type: 'boolean' },
    { name: 'rdv', type: 'date' },
  ],
  indexes: [{ columns: ['email'], unique: true }],
};

for (const database of testDatabases()) {
  describe(`tables API (${database})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer({ database });
    });
    after(() => server.stop());

    const call = (method: string, path: string, as: Caller = 'editor', json?: unknown) =>
      server.request(method, path, { as, json });
    const audited = async (action: string) => {
      const res = await call('GET', `/api/audit-log?action=${action}`, 'owner');
      expectStatus(res, 200);
      return res.body.items as {
        actor: { id: string };
        entityId: string;
        details: Record<string, unknown>;
      }[];
    };

    it('creates a table (editor, API key), refuses viewers, bad names and duplicates', async () => {
      const created = await call('POST', '/api/tables', 'editor', PATIENTS);
      expectStatus(created, 201);
      assert.equal(created.body.name, 'patients');
      assert.deepEqual(created.body.indexes, [{ name: 'email_key', columns: ['email'], unique: true }]);
      assert.equal(created.body.createdAt, '2026-01-01T00:00:00.000Z');

      assert.equal((await call('POST', '/api/tables', 'viewer', { ...PATIENTS, name: 'x' })).status, 403);
      assert.equal((await call('POST', '/api/tables', 'anonymous', { ...PATIENTS, name: 'x' })).status, 401);
      const dup = await call('POST', '/api/tables', 'admin', { ...PATIENTS, name: 'PATIENTS' });
      expectStatus(dup, 409);
      assert.equal(dup.body.error.code, 'conflict');
      const bad = await call('POST', '/api/tables', 'editor', {
        name: 'p"; drop table users; --',
        columns: [],
      });
      expectStatus(bad, 400);
      assert.match(bad.body.error.message, /Invalid table name/);
      const badType = await call('POST', '/api/tables', 'editor', {
        name: 'x',
        columns: [{ name: 'a', type: 'varchar' }],
      });
      expectStatus(badType, 400);
      const byKey = await server.request('POST', '/api/tables', {
        as: { apiKey: 'editor' },
        json: { name: 'keyed', columns: [] },
      });
      expectStatus(byKey, 201);

      const entries = await audited('table.created');
      assert.deepEqual(entries.map((e) => e.details.name).sort(), ['keyed', 'patients']);
      assert.equal(entries.find((e) => e.details.name === 'patients')?.entityId, created.body.id);
    });

    it('lists (viewer may read), searches, pages, and gets a table by name or id with its row count', async () => {
      const list = await call('GET', '/api/tables?limit=1', 'viewer');
      expectStatus(list, 200);
      assert.equal(list.body.items.length, 1);
      assert.ok(list.body.nextCursor);
      const next = await call('GET', `/api/tables?limit=1&cursor=${list.body.nextCursor}`, 'viewer');
      assert.notEqual(next.body.items[0].id, list.body.items[0].id);
      const found = await call('GET', '/api/tables?search=PAT', 'viewer');
      assert.deepEqual(
        found.body.items.map((t: { name: string }) => t.name),
        ['patients'],
      );
      const byName = await call('GET', '/api/tables/Patients', 'viewer');
      expectStatus(byName, 200);
      assert.equal(byName.body.rowCount, 0);
      expectStatus(await call('GET', `/api/tables/${byName.body.id}`, 'viewer'), 200);
      const missing = await call('GET', '/api/tables/nope', 'viewer');
      expectStatus(missing, 404);
      assert.equal(missing.body.error.code, 'not_found');
    });

    it('inserts rows in one transaction: a bad value names its row and column and writes nothing', async () => {
      const bad = await call('POST', '/api/tables/patients/rows', 'editor', {
        rows: [
          { nom: 'A', email: 'a@x.fr', age: 30 },
          { nom: 'B', email: 'b@x.fr', age: 'trente' },
        ],
      });
      expectStatus(bad, 400);
      assert.equal(bad.body.error.message, 'rows[1].age: expected a number, got "trente"');
      assert.deepEqual(bad.body.error.details, [{ row: 1, column: 'age', message: bad.body.error.message }]);
      const dup = await call('POST', '/api/tables/patients/rows', 'editor', {
        rows: [
          { nom: 'A', email: 'same@x.fr' },
          { nom: 'B', email: 'same@x.fr' },
        ],
      });
      expectStatus(dup, 409);
      assert.match(dup.body.error.message, /unique index email_key \(email\)/);
      assert.equal((await call('GET', '/api/tables/patients')).body.rowCount, 0);

      const rows = [
        { nom: 'Durand', email: 'durand@x.fr', age: 42, actif: true, rdv: '2026-02-01T09:00:00Z' },
        { nom: 'Martin', email: 'martin@x.fr', age: 17, actif: false, rdv: '2026-01-15T10:00:00Z' },
        { nom: "O'Brien", email: 'obrien@x.fr', age: 65, actif: true },
        { nom: 'Petit', email: 'petit@x.fr', age: 30, actif: false, rdv: '2026-01-20T14:00:00Z' },
        { nom: 'Zoé', email: 'zoe@x.fr' },
      ];
      const ok = await call('POST', '/api/tables/patients/rows', 'editor', { rows });
      expectStatus(ok, 201);
      assert.equal(ok.body.count, 5);
      assert.deepEqual(ok.body.items[0], {
        _id: ok.body.items[0]._id,
        nom: 'Durand',
        email: 'durand@x.fr',
        age: 42,
        actif: true,
        rdv: '2026-02-01T09:00:00.000Z',
        _created_at: '2026-01-01T00:00:00.000Z',
        _updated_at: '2026-01-01T00:00:00.000Z',
        _run_id: null,
      });
      assert.equal((await call('POST', '/api/tables/patients/rows', 'viewer', { rows })).status, 403);
      assert.equal((await audited('table.rows.inserted'))[0].details.count, 5);
    });

    it('upserts by key columns (needs the unique index)', async () => {
      const up = await call('POST', '/api/tables/patients/rows', 'editor', {
        rows: [
          { email: 'petit@x.fr', age: 31 },
          { email: 'new@x.fr', nom: 'Nouveau' },
        ],
        upsert: { keys: ['email'] },
      });
      expectStatus(up, 201);
      assert.deepEqual(
        up.body.items.map((r: { nom: string; age: number }) => [r.nom, r.age]),
        [
          ['Petit', 31],
          ['Nouveau', null],
        ],
      );
      const noIndex = await call('POST', '/api/tables/patients/rows', 'editor', {
        rows: [{ nom: 'x' }],
        upsert: { keys: ['nom'] },
      });
      expectStatus(noIndex, 400);
      assert.match(noIndex.body.error.message, /needs a unique index/);
      await call('DELETE', '/api/tables/patients/rows?filter[email]=new@x.fr', 'editor');
    });

    it('reads rows with filters, JSON filters, sort and keyset pages', async () => {
      const get = async (query: string, as: Caller = 'viewer') => {
        const res = await call('GET', `/api/tables/patients/rows?${query}`, as);
        expectStatus(res, 200);
        return res.body as { items: { nom: string }[]; nextCursor: string | null };
      };
      const noms = async (query: string) => (await get(query)).items.map((r) => r.nom);
      assert.deepEqual(await noms('filter[age][gte]=30&sort=-age'), ["O'Brien", 'Durand', 'Petit']);
      assert.deepEqual(await noms('filter[nom]=Durand'), ['Durand']);
      assert.deepEqual(await noms('filter[actif][eq]=false'), ['Martin', 'Petit']);
      assert.deepEqual(await noms('filter[rdv][isNull]=true'), ["O'Brien", 'Zoé']);
      assert.deepEqual(await noms(`filter[nom][in]=${encodeURIComponent('Zoé,Martin')}`), ['Martin', 'Zoé']);
      assert.deepEqual(await noms('filter[nom][ilike]=RT'), ['Martin']);
      assert.deepEqual(await noms('filter[age][lt]=20&filter[age][gt]=60&match=any'), ['Martin', "O'Brien"]);
      assert.deepEqual(
        await noms(`filter=${encodeURIComponent('{"age":{"gt":20,"lte":42}}')}&sort=nom:desc`),
        ['Petit', 'Durand'],
      );
      assert.deepEqual(await noms('sort=rdv'), ['Martin', 'Petit', 'Durand', "O'Brien", 'Zoé']);
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await get(`limit=2&sort=-age${cursor ? `&cursor=${cursor}` : ''}`);
        seen.push(...page.items.map((r) => r.nom));
        cursor = page.nextCursor;
      } while (cursor);
      assert.deepEqual(seen, ["O'Brien", 'Durand', 'Petit', 'Martin', 'Zoé']);

      for (const [query, message] of [
        ['filter[nope][eq]=1', /unknown column "nope"/],
        ['filter[age][eq]=abc', /expected a number/],
        ['filter[age][drop]=1', /unknown operator "drop"/],
        [`sort=${encodeURIComponent('nom;drop table users')}`, /unknown column "nom;drop table users"/],
        ['cursor=garbage', /Invalid page cursor/],
        [`filter=${encodeURIComponent('{nope')}`, /not valid JSON/],
      ] as const) {
        const res = await call('GET', `/api/tables/patients/rows?${query}`, 'viewer');
        expectStatus(res, 400);
        assert.match(res.body.error.message, message);
      }
      expectStatus(await call('GET', '/api/tables/nope/rows', 'viewer'), 404);
    });

    it('updates and deletes rows matching a filter, never all rows by accident', async () => {
      const upd = await call('PATCH', '/api/tables/patients/rows', 'editor', {
        filter: { age: { gte: 60 } },
        set: { actif: false },
      });
      expectStatus(upd, 200);
      assert.deepEqual(
        upd.body.items.map((r: { nom: string; actif: boolean }) => [r.nom, r.actif]),
        [["O'Brien", false]],
      );
      const noFilter = await call('PATCH', '/api/tables/patients/rows', 'editor', { set: { actif: true } });
      expectStatus(noFilter, 400);
      assert.match(noFilter.body.error.message, /set all=true/);
      const badSet = await call('PATCH', '/api/tables/patients/rows', 'editor', {
        filter: { nom: 'Zoé' },
        set: { age: 'old' },
      });
      expectStatus(badSet, 400);
      assert.equal(
        (await call('PATCH', '/api/tables/patients/rows', 'viewer', { all: true, set: { age: 1 } })).status,
        403,
      );

      expectStatus(await call('DELETE', '/api/tables/patients/rows', 'editor'), 400);
      const del = await call(
        'DELETE',
        `/api/tables/patients/rows?filter[nom]=${encodeURIComponent("' or '1'='1")}`,
        'editor',
      );
      expectStatus(del, 200);
      assert.equal(del.body.count, 0, 'a quote is a value, not SQL');
      const del2 = await call(
        'DELETE',
        '/api/tables/patients/rows?filter[age][lt]=20&returnRows=false',
        'editor',
      );
      assert.deepEqual(del2.body, { count: 1, items: [] });
      assert.equal((await call('GET', '/api/tables/patients')).body.rowCount, 4);
      assert.equal((await audited('table.rows.deleted')).length, 3);
    });

    it('alters tables: columns and indexes, all or nothing; conflicts and unknown names', async () => {
      const altered = await call('PATCH', '/api/tables/patients', 'editor', {
        actions: [
          { action: 'addColumn', name: 'ville', type: 'string' },
          { action: 'renameColumn', from: 'nom', to: 'lastName' },
          { action: 'addIndex', columns: ['ville', 'lastName'] },
        ],
      });
      expectStatus(altered, 200);
      assert.deepEqual(
        altered.body.columns.map((c: { name: string }) => c.name),
        ['lastName', 'email', 'age', 'actif', 'rdv', 'ville'],
      );
      assert.equal(altered.body.indexes[1].name, 'ville_lastName_idx');
      const rows = await call('GET', '/api/tables/patients/rows?filter[lastName]=Durand', 'viewer');
      assert.equal(rows.body.items.length, 1);

      const conflict = await call('PATCH', '/api/tables/patients', 'editor', {
        actions: [{ action: 'dropColumn', name: 'email' }],
      });
      expectStatus(conflict, 409);
      const partial = await call('PATCH', '/api/tables/patients', 'editor', {
        actions: [
          { action: 'dropIndex', name: 'ville_lastName_idx' },
          { action: 'dropColumn', name: 'nope' },
        ],
      });
      expectStatus(partial, 404);
      assert.equal(
        (await call('GET', '/api/tables/patients')).body.indexes.length,
        2,
        'the first action was undone',
      );
      const badAction = await call('PATCH', '/api/tables/patients', 'editor', {
        actions: [{ action: 'truncate' }],
      });
      expectStatus(badAction, 400);
      const renamed = await call('PATCH', '/api/tables/patients', 'admin', { name: 'clients' });
      expectStatus(renamed, 200);
      expectStatus(await call('GET', '/api/tables/clients', 'viewer'), 200);
      assert.equal((await call('PATCH', '/api/tables/clients', 'viewer', { name: 'x' })).status, 403);
      const alters = await audited('table.altered');
      assert.deepEqual(alters[0].details, { name: 'clients', renamedTo: 'clients', actions: [] });
    });

    it('drops a table', async () => {
      assert.equal((await call('DELETE', '/api/tables/clients', 'viewer')).status, 403);
      expectStatus(await call('DELETE', '/api/tables/clients', 'editor'), 204);
      expectStatus(await call('GET', '/api/tables/clients', 'viewer'), 404);
      expectStatus(await call('DELETE', '/api/tables/clients', 'editor'), 404);
      assert.equal((await audited('table.deleted'))[0].details.name, 'clients');
    });

    it("serves the dental practice's tables (seeds/000): a sync import, then the dashboard's reads", async () => {
      for (const t of DENTAL_TABLES) expectStatus(await call('POST', '/api/tables', 'editor', t), 201);
      const patients = Array.from({ length: 3 }, (_, i) => ({
        nom: `Nom${i}`,
        prenom: `Prénom${i}`,
        email: `p${i}@cabinet.fr`,
        telephone: `06000000${i}`,
        cabinetId: 'cab_1',
        source: 'n8n-import',
        createdAt: '2026-01-05T10:00:00Z',
      }));
      expectStatus(await call('POST', '/api/tables/patients/rows', 'editor', { rows: patients }), 201);
      const finances = [
        {
          cabinetId: 'cab_1',
          periode: '2025-11',
          chiffreAffaires: 40000,
          revenus: 40000,
          depenses: 15000,
          source: 'n8n-import',
        },
        {
          cabinetId: 'cab_1',
          periode: '2025-12',
          chiffreAffaires: 50000,
          revenus: 50000,
          depenses: 17000,
          source: 'n8n-import',
        },
        { cabinetId: 'cab_1', periode: '2025-12', chiffreAffaires: 45000 },
      ];
      const up = await call('POST', '/api/tables/donnees_cabinet/rows', 'editor', {
        rows: finances,
        upsert: { keys: ['cabinetId', 'periode'] },
      });
      expectStatus(up, 201);
      assert.equal(up.body.count, 2);
      expectStatus(
        await call('POST', '/api/tables/webhook_logs/rows', 'editor', {
          rows: [
            {
              type: 'patients',
              cabinetId: 'cab_1',
              recordsProcessed: 3,
              success: true,
              details: { validCount: 3, discardedCount: 0 },
              timestamp: '2026-01-05T10:00:01Z',
            },
          ],
        }),
        201,
      );
      const dec = await call('GET', '/api/tables/donnees_cabinet/rows?filter[periode]=2025-12', 'viewer');
      assert.deepEqual([dec.body.items[0].chiffreAffaires, dec.body.items[0].depenses], [45000, 17000]);
      const recent = await call('GET', '/api/tables/webhook_logs/rows?sort=-timestamp&limit=10', 'viewer');
      assert.deepEqual(recent.body.items[0].details, { validCount: 3, discardedCount: 0 });
      assert.equal((await call('GET', '/api/tables/patients', 'viewer')).body.rowCount, 3);
    });
  });
}
