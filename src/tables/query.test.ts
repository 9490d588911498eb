/**
 * Row queries on every database: each filter operator, any/all, sort with NULLs, keyset pages that
 * visit every row once, and SQL injection attempts in names, filters, sorts and values.
 */
import assert from 'node:assert/strict';
import { describe, it, test } from 'node:test';
import { InvalidCursorError } from '../store/cursor.js';
import { filterFromQuery, globPattern, likePattern, parseFilterJson } from './filters.js';
import { type Filter, type SortKey, TableError } from './port.js';
import type { TableService } from './service.js';
import { tableDatabases, withTables } from './test-kit.js';

const ROWS = [
  { nom: 'Durand', ville: 'Lyon', age: 42, actif: true, rdv: '2026-02-01T09:00:00Z' },
  { nom: 'durand', ville: 'Paris', age: 17, actif: false, rdv: '2026-01-15T10:00:00Z' },
  { nom: 'Martin_50%', ville: null, age: null, actif: null, rdv: null },
  { nom: "O'Brien", ville: 'Lyon', age: 65, actif: true, rdv: '2026-03-01T08:00:00Z' },
  { nom: 'Petit', ville: 'Nice', age: 30, actif: false, rdv: '2026-01-20T14:00:00Z' },
];

async function seed(tables: TableService): Promise<void> {
  await tables.create({
    name: 'patients',
    columns: [
      { name: 'nom', type: 'string' },
      { name: 'ville', type: 'string' },
      { name: 'age', type: 'number' },
      { name: 'actif', type: 'boolean' },
      { name: 'rdv', type: 'date' },
      { name: 'extra', type: 'json' },
    ],
  });
  await tables.insert('patients', ROWS);
}

const names = async (tables: TableService, filter: Filter, sort?: SortKey[]) =>
  (await tables.query('patients', { filter, sort, limit: 1000 })).items.map((r) => r.nom);
const one = (column: string, op: Filter['conditions'][number]['op'], value?: unknown): Filter => ({
  conditions: [{ column, op, value }],
});

describe('filter parsing', () => {
  it('reads filter[col][op]=v, filter[col]=v, JSON filters and match', () => {
    assert.deepEqual(
      filterFromQuery({
        'filter[age][gt]': '30',
        'filter[ville]': 'Lyon',
        'filter[nom][in]': 'a,b',
        limit: '5',
        match: 'any',
      }),
      {
        match: 'any',
        conditions: [
          { column: 'age', op: 'gt', value: '30' },
          { column: 'ville', op: 'eq', value: 'Lyon' },
          { column: 'nom', op: 'in', value: ['a', 'b'] },
        ],
      },
    );
    assert.deepEqual(parseFilterJson('{"age":{"gte":18,"lt":65},"ville":"Lyon"}').conditions, [
      { column: 'age', op: 'gte', value: 18 },
      { column: 'age', op: 'lt', value: 65 },
      { column: 'ville', op: 'eq', value: 'Lyon' },
    ]);
    assert.deepEqual(parseFilterJson([{ column: 'rdv', op: 'isNull' }]).conditions, [
      { column: 'rdv', op: 'isNull', value: undefined },
    ]);
    assert.throws(() => parseFilterJson('{bad'), /filter: not valid JSON/);
    assert.throws(() => filterFromQuery({ 'filter[age][drop]': '1' }), /unknown operator "drop"/);
  });

  it('turns a text without % into a literal "contains" pattern, and LIKE patterns into GLOB', () => {
    assert.equal(likePattern('50%'), '50%');
    assert.equal(likePattern('a_b\\'), '%a\\_b\\\\%');
    assert.equal(globPattern('%a\\_b*[%'), '*a_b[*][[]*');
  });
});

for (const db of tableDatabases()) {
  if (db.skip) {
    test(`row queries on ${db.name}`, (t) => t.skip(db.skip));
    continue;
  }
  describe(`row queries on ${db.name}`, () => {
    it('applies every operator with values converted to the column type', () =>
      withTables(db, async ({ tables }) => {
        await seed(tables);
        assert.deepEqual(await names(tables, one('nom', 'eq', 'Durand')), ['Durand']);
        assert.deepEqual(
          await names(tables, one('ville', 'ne', 'Lyon')),
          ['durand', 'Martin_50%', 'Petit'],
          'ne keeps NULLs',
        );
        assert.deepEqual(await names(tables, one('age', 'gt', '42')), ["O'Brien"]);
        assert.deepEqual(await names(tables, one('age', 'gte', 42)), ['Durand', "O'Brien"]);
        assert.deepEqual(await names(tables, one('age', 'lt', 30)), ['durand']);
        assert.deepEqual(await names(tables, one('age', 'lte', 30)), ['durand', 'Petit']);
        assert.deepEqual(await names(tables, one('rdv', 'gt', '2026-01-31')), ['Durand', "O'Brien"]);
        assert.deepEqual(await names(tables, one('actif', 'eq', 'true')), ['Durand', "O'Brien"]);
        assert.deepEqual(await names(tables, one('ville', 'in', ['Nice', 'Paris'])), ['durand', 'Petit']);
        assert.deepEqual(await names(tables, one('ville', 'in', [])), []);
        assert.deepEqual(await names(tables, one('ville', 'isNull')), ['Martin_50%']);
        assert.deepEqual(await names(tables, one('ville', 'isNull', 'false')), [
          'Durand',
          'durand',
          "O'Brien",
          'Petit',
        ]);
        assert.deepEqual(await names(tables, one('age', 'isNotNull')), [
          'Durand',
          'durand',
          "O'Brien",
          'Petit',
        ]);
        assert.deepEqual(await names(tables, one('ville', 'eq', null)), ['Martin_50%']);
        assert.deepEqual(
          await names(tables, one('extra', 'isNull')),
          ROWS.map((r) => r.nom),
        );
        assert.deepEqual(await names(tables, one('_id', 'in', ['1', '5'])), ['Durand', 'Petit']);
      }));

    it('like is case-sensitive, ilike is not; both take % patterns or a literal text', () =>
      withTables(db, async ({ tables }) => {
        await seed(tables);
        assert.deepEqual(await names(tables, one('nom', 'like', 'Dur')), ['Durand']);
        assert.deepEqual(await names(tables, one('nom', 'ilike', 'DUR')), ['Durand', 'durand']);
        assert.deepEqual(await names(tables, one('nom', 'like', 'D%d')), ['Durand']);
        assert.deepEqual(await names(tables, one('nom', 'ilike', '%N\\_5%')), ['Martin_50%']);
        assert.deepEqual(
          await names(tables, one('nom', 'like', '_50')),
          ['Martin_50%'],
          'a text without % is literal',
        );
        assert.deepEqual(await names(tables, one('nom', 'like', "'")), ["O'Brien"]);
        await assert.rejects(
          tables.query('patients', { filter: one('age', 'like', '4') }),
          /operator 'like' does not apply to number column 'age'/,
        );
      }));

    it('combines conditions with all (default) or any', () =>
      withTables(db, async ({ tables }) => {
        await seed(tables);
        const conditions: Filter['conditions'] = [
          { column: 'ville', op: 'eq', value: 'Lyon' },
          { column: 'age', op: 'lt', value: 50 },
        ];
        assert.deepEqual(await names(tables, { conditions }), ['Durand']);
        assert.deepEqual(await names(tables, { match: 'any', conditions }), [
          'Durand',
          'durand',
          "O'Brien",
          'Petit',
        ]);
      }));

    it('sorts with NULLs last either way, and pages through every row exactly once', () =>
      withTables(db, async ({ tables }) => {
        await seed(tables);
        await tables.insert('patients', [
          { nom: 'Zoé', ville: 'Lyon', age: 42 },
          { nom: 'Yves', age: 42 },
        ]);
        const sorts: SortKey[][] = [
          [],
          [{ column: 'age', direction: 'asc' }],
          [{ column: 'age', direction: 'desc' }],
          [
            { column: 'ville', direction: 'asc' },
            { column: 'age', direction: 'desc' },
          ],
          [{ column: 'rdv', direction: 'desc' }],
          [{ column: '_id', direction: 'desc' }],
        ];
        for (const sort of sorts) {
          const all = await names(tables, { conditions: [] }, sort);
          for (const limit of [1, 2, 3]) {
            const seen: string[] = [];
            let cursor: string | null = null;
            do {
              const page: Awaited<ReturnType<TableService['query']>> = await tables.query('patients', {
                sort,
                limit,
                cursor,
              });
              seen.push(...page.items.map((r) => r.nom as string));
              cursor = page.nextCursor;
            } while (cursor);
            assert.deepEqual(seen, all, `sort ${JSON.stringify(sort)} in pages of ${limit}`);
          }
        }
        assert.deepEqual(await names(tables, { conditions: [] }, [{ column: 'age', direction: 'asc' }]), [
          'durand',
          'Petit',
          'Durand',
          'Zoé',
          'Yves',
          "O'Brien",
          'Martin_50%',
        ]);
        assert.deepEqual(await names(tables, { conditions: [] }, [{ column: 'age', direction: 'desc' }]), [
          "O'Brien",
          'Durand',
          'Zoé',
          'Yves',
          'Petit',
          'durand',
          'Martin_50%',
        ]);
        const first = await tables.query('patients', { limit: 2 });
        await assert.rejects(
          tables.query('patients', {
            limit: 2,
            cursor: first.nextCursor,
            sort: [{ column: 'nom', direction: 'asc' }],
          }),
          InvalidCursorError,
          'a cursor only works with the sort it came from',
        );
        await assert.rejects(tables.query('patients', { cursor: 'garbage' }), InvalidCursorError);
        await assert.rejects(
          tables.query('patients', { sort: [{ column: 'extra', direction: 'asc' }] }),
          /cannot be sorted/,
        );
      }));

    it('refuses SQL in names, filters and sorts, and stores SQL in values as plain text', () =>
      withTables(db, async ({ tables }) => {
        await seed(tables);
        const payloads = [
          'nom" = nom or "1',
          'nom; drop table patients; --',
          "nom') or ('1'='1",
          'nom"--',
          'data_tables',
        ];
        for (const column of payloads) {
          await assert.rejects(tables.query('patients', { filter: one(column, 'eq', 'x') }), TableError);
          await assert.rejects(
            tables.query('patients', { sort: [{ column, direction: 'asc' }] }),
            TableError,
          );
          await assert.rejects(tables.insert('patients', [{ [column]: 'x' }]), TableError);
          await assert.rejects(
            tables.update('patients', one('nom', 'eq', 'x'), { [column]: 'x' }),
            TableError,
          );
        }
        await assert.rejects(
          tables.query('patients', { filter: one('age', 'gt', '1 or 1=1') }),
          /expected a number/,
        );
        await assert.rejects(tables.query('patients; drop table data_tables'), /not found/);
        await assert.rejects(
          tables.alter('patients', {
            actions: [{ action: 'addColumn', name: 'x" text); drop table data_tables; --', type: 'string' }],
          }),
          /Invalid column name/,
        );
        const evil = ["' or '1'='1", 'Robert"); DROP TABLE patients;--', '%', '\\'];
        const { rows } = await tables.insert(
          'patients',
          evil.map((nom) => ({ nom })),
        );
        assert.deepEqual(
          rows.map((r) => r.nom),
          evil,
        );
        assert.deepEqual(await names(tables, one('nom', 'eq', "' or '1'='1")), ["' or '1'='1"]);
        assert.deepEqual(
          await names(tables, one('nom', 'like', '%\\%%')),
          ['Martin_50%', '%'],
          'an escaped % is literal',
        );
        assert.equal(
          (await tables.get('patients')).rowCount,
          ROWS.length + evil.length,
          'nothing was dropped',
        );
      }));
  });
}
