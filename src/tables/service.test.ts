/**
 * The table service on every database: creating and altering tables (names, types, indexes),
 * typed writes with errors naming row and column, one transaction per write, upserts.
 *
 *   npm test -- src/tables
 *   RELAIS_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm test -- src/tables
 */
import assert from 'node:assert/strict';
import { describe, it, test } from 'node:test';
import { sql } from 'kysely';
import { TableError } from './port.js';
import { DENTAL_TABLES, tableDatabases, withTables } from './test-kit.js';

const rejects = (work: Promise<unknown>, code: TableError['code'], message: RegExp) =>
  assert.rejects(work, (e: unknown) => {
    assert.ok(e instanceof TableError, `expected a TableError, got ${String(e)}`);
    assert.equal(e.code, code);
    assert.match(e.message, message);
    return true;
  });

const people = {
  name: 'people',
  columns: [
    { name: 'nom', type: 'string' as const },
    { name: 'age', type: 'number' as const },
  ],
};

for (const db of tableDatabases()) {
  if (db.skip) {
    test(`data tables on ${db.name}`, (t) => t.skip(db.skip));
    continue;
  }
  describe(`data tables on ${db.name}`, () => {
    it('creates a real SQL table with system columns, finds it by name (any case) or id, drops it', () =>
      withTables(db, async ({ store, tables }) => {
        const t = await tables.create(people);
        assert.deepEqual(t.columns, people.columns);
        assert.equal((await tables.describe('PEOPLE')).id, t.id);
        assert.equal((await tables.describe(t.id)).name, 'people');
        const physical = `t_${t.id}`;
        const written = await sql`select count(*) as n from ${sql.id(physical)}`.execute(store.db);
        assert.equal(Number((written.rows[0] as { n: unknown }).n), 0);
        await tables.drop('people');
        await rejects(tables.describe('people'), 'not_found', /Table 'people' not found/);
        await assert.rejects(sql`select 1 from ${sql.id(physical)}`.execute(store.db));
      }));

    it('refuses bad, reserved, system and duplicate names, and unknown types', () =>
      withTables(db, async ({ tables }) => {
        for (const name of [
          'select',
          '_secret',
          '1abc',
          'a-b',
          'x"; drop table users; --',
          '',
          'a'.repeat(64),
          'naïve',
        ]) {
          await rejects(tables.create({ name, columns: [] }), 'invalid', /Invalid table name/);
        }
        await rejects(
          tables.create({ name: 't', columns: [{ name: 'from', type: 'string' }] }),
          'invalid',
          /reserved SQL word/,
        );
        await rejects(
          tables.create({ name: 't', columns: [{ name: '_id', type: 'string' }] }),
          'invalid',
          /reserved for system/,
        );
        await rejects(
          tables.create({ name: 't', columns: [{ name: 'a', type: 'text' as never }] }),
          'invalid',
          /unknown column type "text"/,
        );
        await rejects(
          tables.create({
            name: 't',
            columns: [
              { name: 'nom', type: 'string' },
              { name: 'NOM', type: 'number' },
            ],
          }),
          'conflict',
          /already has a column 'NOM'/,
        );
        await tables.create(people);
        await rejects(tables.create({ ...people, name: 'People' }), 'conflict', /named 'People' exists/);
        // Nothing of the refused tables was created.
        assert.equal((await tables.list({ limit: 10 })).items.length, 1);
      }));

    it('alters: add, rename and drop columns, add and drop indexes, rename the table — all or nothing', () =>
      withTables(db, async ({ tables }) => {
        await tables.create(people);
        await tables.insert('people', [{ nom: 'Durand', age: 40 }]);
        const altered = await tables.alter('people', {
          name: 'patients',
          actions: [
            { action: 'addColumn', name: 'email', type: 'string' },
            { action: 'renameColumn', from: 'nom', to: 'lastName' },
            { action: 'addIndex', columns: ['email'], unique: true },
            { action: 'dropColumn', name: 'age' },
          ],
        });
        assert.equal(altered.name, 'patients');
        assert.deepEqual(altered.columns, [
          { name: 'lastName', type: 'string' },
          { name: 'email', type: 'string' },
        ]);
        assert.deepEqual(altered.indexes, [{ name: 'email_key', columns: ['email'], unique: true }]);
        const [row] = (await tables.query('patients')).items;
        assert.equal(row.lastName, 'Durand');
        assert.equal('age' in row, false);

        await rejects(
          tables.alter('patients', { actions: [{ action: 'dropColumn', name: 'email' }] }),
          'conflict',
          /used by index 'email_key'/,
        );
        // A failing action undoes the ones before it.
        await rejects(
          tables.alter('patients', {
            actions: [
              { action: 'addColumn', name: 'phone', type: 'string' },
              { action: 'renameColumn', from: 'missing', to: 'x' },
            ],
          }),
          'not_found',
          /no column "missing"/,
        );
        assert.deepEqual(
          (await tables.describe('patients')).columns.map((c) => c.name),
          ['lastName', 'email'],
        );
        await tables.alter('patients', {
          actions: [
            { action: 'dropIndex', name: 'email_key' },
            { action: 'dropColumn', name: 'email' },
          ],
        });
        assert.deepEqual((await tables.describe('patients')).indexes, []);
      }));

    it('refuses a unique index over duplicate values, and json columns in indexes', () =>
      withTables(db, async ({ tables }) => {
        await tables.create({ ...people, columns: [...people.columns, { name: 'data', type: 'json' }] });
        await tables.insert('people', [{ nom: 'A' }, { nom: 'A' }]);
        await rejects(
          tables.alter('people', { actions: [{ action: 'addIndex', columns: ['nom'], unique: true }] }),
          'conflict',
          /some rows share the same values/,
        );
        await rejects(
          tables.alter('people', { actions: [{ action: 'addIndex', columns: ['data'] }] }),
          'invalid',
          /cannot be indexed/,
        );
        assert.deepEqual((await tables.describe('people')).indexes, []);
      }));

    it('checks and converts values per type, and reads them back as JSON', () =>
      withTables(db, async ({ tables }) => {
        await tables.create({
          name: 'typed',
          columns: [
            { name: 's', type: 'string' },
            { name: 'n', type: 'number' },
            { name: 'b', type: 'boolean' },
            { name: 'd', type: 'date' },
            { name: 'j', type: 'json' },
          ],
        });
        const { rows } = await tables.insert(
          'typed',
          [
            {
              s: 'texte é',
              n: 12.5,
              b: true,
              d: new Date('2024-03-15T09:30:00Z'),
              j: { a: [1, 'x'], z: null, b: 2 },
            },
            { s: 42, n: ' 7 ', b: 'false', d: '2024-03-15', j: 'just text' },
            { s: true, n: '', b: 0, d: 1_710_495_000_000, j: [1, 2] },
            { s: null, n: null, b: null, d: null, j: null },
          ],
          { runId: 'run-1' },
        );
        assert.deepEqual(
          rows.map(({ s, n, b, d, j }) => ({ s, n, b, d, j })),
          [
            {
              s: 'texte é',
              n: 12.5,
              b: true,
              d: '2024-03-15T09:30:00.000Z',
              j: { a: [1, 'x'], z: null, b: 2 },
            },
            { s: '42', n: 7, b: false, d: '2024-03-15T00:00:00.000Z', j: 'just text' },
            { s: 'true', n: null, b: false, d: '2024-03-15T09:30:00.000Z', j: [1, 2] },
            { s: null, n: null, b: null, d: null, j: null },
          ],
        );
        assert.deepEqual(Object.keys(rows[0]), [
          '_id',
          's',
          'n',
          'b',
          'd',
          'j',
          '_created_at',
          '_updated_at',
          '_run_id',
        ]);
        assert.equal(rows[0]._run_id, 'run-1');
        assert.equal(rows[0]._created_at, '2026-01-01T00:00:00.000Z');
        assert.deepEqual((await tables.query('typed')).items, rows, 'reads back what the insert returned');

        await rejects(
          tables.insert('typed', [{ s: 'ok' }, { n: 'douze' }]),
          'invalid',
          /^rows\[1\]\.n: expected a number, got "douze"$/,
        );
        await rejects(
          tables.insert('typed', [{ b: 'maybe' }]),
          'invalid',
          /rows\[0\]\.b: expected true or false/,
        );
        await rejects(
          tables.insert('typed', [{ d: '15/03/2024' }]),
          'invalid',
          /rows\[0\]\.d: expected a date/,
        );
        await rejects(
          tables.insert('typed', [{ s: { x: 1 } }]),
          'invalid',
          /rows\[0\]\.s: expected text, got an object/,
        );
        await rejects(tables.insert('typed', [{ n: Number.NaN }]), 'invalid', /expected a number/);
        await rejects(tables.insert('typed', [{ other: 1 }]), 'invalid', /rows\[0\]: unknown column "other"/);
        await rejects(
          tables.insert('typed', [{ _run_id: 'x' }]),
          'invalid',
          /system columns are set by Relais/,
        );
        assert.equal((await tables.get('typed')).rowCount, 4, 'refused inserts wrote nothing');
      }));

    it('inserts 10,000 rows in one transaction: a failure in the middle leaves nothing', () =>
      withTables(db, async ({ store, tables }) => {
        await tables.create({ ...people, indexes: [{ columns: ['nom'], unique: true }] });
        const rows = Array.from({ length: 10_000 }, (_, i) => ({ nom: `p${i}`, age: i % 90 }));
        // A duplicate key at row 7,000: the database refuses it after 7,000 rows were sent.
        const broken = [...rows.slice(0, 7_000), { nom: 'p10', age: 1 }, ...rows.slice(7_000)];
        await rejects(tables.insert('people', broken), 'conflict', /unique index nom_key \(nom\)/);
        assert.equal((await tables.get('people')).rowCount, 0);

        const result = await tables.insert('people', rows, { runId: 'import' });
        assert.equal(result.count, 10_000);
        assert.equal(result.rows[9_999].nom, 'p9999');
        assert.ok(result.rows.every((r, i) => r.nom === `p${i}` && r._run_id === 'import'));
        const ids = result.rows.map((r) => r._id);
        assert.ok(
          ids.every((id, i) => i === 0 || id > ids[i - 1]),
          'ids follow the input order',
        );
        const { rows: none } = await tables.insert('people', [{ nom: 'q' }], { returnRows: false });
        assert.deepEqual(none, []);
        assert.equal((await tables.get('people')).rowCount, 10_001);
        void store;
      }));

    it('upserts by key columns: updates given columns, keeps the others and _created_at, merges repeated keys', () =>
      withTables(db, async ({ tables, clock }) => {
        await tables.create({
          name: 'finances',
          columns: [
            { name: 'cabinetId', type: 'string' },
            { name: 'periode', type: 'string' },
            { name: 'revenus', type: 'number' },
            { name: 'depenses', type: 'number' },
          ],
        });
        const keys = ['cabinetId', 'periode'];
        await rejects(
          tables.upsert('finances', [{ cabinetId: 'cab_1', periode: '2024-01', revenus: 1 }], { keys }),
          'invalid',
          /needs a unique index on exactly these columns.*addIndex/,
        );
        const first = await tables.upsert(
          'finances',
          [
            { cabinetId: 'cab_1', periode: '2024-01', revenus: 100, depenses: 40 },
            { cabinetId: 'cab_1', periode: '2024-02', revenus: 200, depenses: 50 },
          ],
          { keys, createIndex: true, runId: 'r1' },
        );
        assert.equal(first.count, 2);
        assert.deepEqual((await tables.describe('finances')).indexes, [
          { name: 'cabinetId_periode_key', columns: ['cabinetId', 'periode'], unique: true },
        ]);
        clock.advance(60_000);
        const second = await tables.upsert(
          'finances',
          [
            { cabinetId: 'cab_1', periode: '2024-02', revenus: 250 },
            { cabinetId: 'cab_2', periode: '2024-02', revenus: 10, depenses: 5 },
            { cabinetId: 'cab_1', periode: '2024-02', depenses: 60 },
          ],
          { keys: ['periode', 'cabinetId'], runId: 'r2' },
        );
        assert.equal(second.count, 2, 'two distinct keys');
        assert.equal(second.rows.length, 3, 'one row per input row');
        assert.equal(second.rows[0]._id, second.rows[2]._id);
        const all = (await tables.query('finances', { sort: [{ column: '_id', direction: 'asc' }] })).items;
        assert.deepEqual(
          all.map(({ cabinetId, periode, revenus, depenses, _run_id, _created_at, _updated_at }) => ({
            cabinetId,
            periode,
            revenus,
            depenses,
            _run_id,
            _created_at,
            _updated_at,
          })),
          [
            {
              cabinetId: 'cab_1',
              periode: '2024-01',
              revenus: 100,
              depenses: 40,
              _run_id: 'r1',
              _created_at: '2026-01-01T00:00:00.000Z',
              _updated_at: '2026-01-01T00:00:00.000Z',
            },
            {
              cabinetId: 'cab_1',
              periode: '2024-02',
              revenus: 250,
              depenses: 60,
              _run_id: 'r2',
              _created_at: '2026-01-01T00:00:00.000Z',
              _updated_at: '2026-01-01T00:01:00.000Z',
            },
            {
              cabinetId: 'cab_2',
              periode: '2024-02',
              revenus: 10,
              depenses: 5,
              _run_id: 'r2',
              _created_at: '2026-01-01T00:01:00.000Z',
              _updated_at: '2026-01-01T00:01:00.000Z',
            },
          ],
        );
        await rejects(
          tables.upsert('finances', [{ periode: '2024-03', revenus: 1 }], { keys }),
          'invalid',
          /rows\[0\]\.cabinetId: the key column needs a value/,
        );
        await rejects(
          tables.upsert('finances', [{ revenus: 1 }], { keys: ['nope'] }),
          'invalid',
          /keys\[0\]: unknown column "nope"/,
        );
      }));

    it('updates and deletes by filter, stamping the run that wrote', () =>
      withTables(db, async ({ tables }) => {
        await tables.create(people);
        await tables.insert(
          'people',
          [
            { nom: 'A', age: 10 },
            { nom: 'B', age: 20 },
            { nom: 'C', age: 30 },
          ],
          { runId: 'r1' },
        );
        const updated = await tables.update(
          'people',
          { conditions: [{ column: 'age', op: 'gte', value: '20' }] },
          { nom: 'grand' },
          { runId: 'r2' },
        );
        assert.deepEqual(
          updated.rows.map((r) => [r.nom, r.age, r._run_id]),
          [
            ['grand', 20, 'r2'],
            ['grand', 30, 'r2'],
          ],
        );
        await rejects(tables.update('people', { conditions: [] }, {}), 'invalid', /at least one column/);
        const deleted = await tables.delete('people', {
          match: 'any',
          conditions: [
            { column: 'age', op: 'lt', value: 15 },
            { column: 'age', op: 'gt', value: 25 },
          ],
        });
        assert.deepEqual(
          deleted.rows.map((r) => r.age),
          [10, 30],
        );
        assert.deepEqual(
          (await tables.query('people')).items.map((r) => r.age),
          [20],
        );
      }));

    it("holds the dental practice's five tables (seeds/000) and imports a sync batch", () =>
      withTables(db, async ({ tables }) => {
        for (const t of DENTAL_TABLES) await tables.create(t);
        assert.equal((await tables.list({ limit: 10 })).items.length, 5);
        await tables.insert('patients', [
          {
            nom: 'Martin',
            prenom: 'Julie',
            email: 'julie.martin@example.fr',
            telephone: '0601020304',
            cabinetId: 'cab_1',
            source: 'n8n-import',
            createdAt: '2026-01-01T08:00:00Z',
          },
          {
            nom: 'Bernard',
            prenom: 'Luc',
            email: 'luc.bernard@example.fr',
            telephone: 601020305,
            cabinetId: 'cab_1',
            source: 'n8n-import',
          },
        ]);
        await tables.upsert(
          'donnees_cabinet',
          [
            {
              cabinetId: 'cab_1',
              periode: '2025-10',
              chiffreAffaires: 42000,
              revenus: 42000,
              depenses: 18000,
              source: 'n8n-import',
            },
            {
              cabinetId: 'cab_1',
              periode: '2025-11',
              chiffreAffaires: 48000,
              revenus: 48000,
              depenses: 19000,
              source: 'n8n-import',
            },
          ],
          { keys: ['cabinetId', 'periode'] },
        );
        await tables.insert('rendezvous', [
          {
            cabinetId: 'cab_1',
            patientNom: 'Martin',
            date: '2026-01-12',
            heure: '09:30',
            praticien: 'Dr Petit',
            type: 'détartrage',
          },
        ]);
        await tables.insert('webhook_logs', [
          {
            type: 'patients',
            cabinetId: 'cab_1',
            recordsProcessed: 2,
            success: true,
            details: { discarded: 0 },
            timestamp: new Date(),
          },
        ]);
        const finances = await tables.query('donnees_cabinet', {
          filter: { conditions: [{ column: 'chiffreAffaires', op: 'gt', value: 45000 }] },
        });
        assert.deepEqual(
          finances.items.map((r) => r.periode),
          ['2025-11'],
        );
        const luc = await tables.query('patients', {
          filter: { conditions: [{ column: 'telephone', op: 'eq', value: '601020305' }] },
        });
        assert.equal(luc.items[0].prenom, 'Luc');
        const logs = await tables.query('webhook_logs', {
          filter: { conditions: [{ column: 'success', op: 'eq', value: 'true' }] },
        });
        assert.deepEqual(logs.items[0].details, { discarded: 0 });
      }));
  });
}
