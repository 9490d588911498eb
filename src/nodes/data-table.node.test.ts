/**
 * Data Table node on every database, through the real table service handed to the node as a
 * service (`ctx.service(TABLES)`), as the runtime does.
 */
import assert from 'node:assert/strict';
import { describe, it, test } from 'node:test';
import { NonRetryableError } from '../engine/errors.js';
import { TABLES } from '../tables/port.js';
import type { TableService } from '../tables/service.js';
import { tableDatabases, withTables } from '../tables/test-kit.js';
import { runNode } from '../testing/run-node.js';
import { dataTableNode } from './data-table.node.js';
import { isErrorItem } from './sdk.js';

const table = (value: string, mode = 'name') => ({ __rl: true, mode, value });

async function patients(tables: TableService): Promise<void> {
  await tables.create({
    name: 'patients',
    columns: [
      { name: 'nom', type: 'string' },
      { name: 'email', type: 'string' },
      { name: 'age', type: 'number' },
      { name: 'actif', type: 'boolean' },
    ],
  });
}

const run = (
  tables: TableService,
  parameters: Record<string, unknown>,
  items: unknown[] = [{}],
  onError?: 'continue',
) => runNode(dataTableNode, { parameters, items, onError, services: { [TABLES.name]: tables } });

describe('data table node without the service', () => {
  it('fails clearly when the process provides no tables', async () => {
    await assert.rejects(
      runNode(dataTableNode, { parameters: { dataTableId: table('patients') }, items: [{}] }),
      (e: unknown) =>
        e instanceof NonRetryableError && /The 'tables' service is not available/.test(e.message),
    );
  });

  it('does nothing without input items', async () => {
    const { json } = await runNode(dataTableNode, { parameters: {}, items: [] });
    assert.deepEqual(json, [[]]);
  });
});

for (const db of tableDatabases()) {
  if (db.skip) {
    test(`data table node on ${db.name}`, (t) => t.skip(db.skip));
    continue;
  }
  describe(`data table node on ${db.name}`, () => {
    it('inserts mapped columns (expressions) or whole items, stamping the run', () =>
      withTables(db, async ({ tables }) => {
        await patients(tables);
        const items = [
          { name: 'Durand', mail: 'd@x.fr', years: '42' },
          { name: 'Petit', mail: 'p@x.fr', years: 30 },
        ];
        const { outputs } = await run(
          tables,
          {
            dataTableId: table('patients'),
            columns: {
              mappingMode: 'defineBelow',
              value: { nom: '={{ $json.name }}', email: '={{ $json.mail }}', age: '={{ $json.years }}' },
            },
          },
          items,
        );
        assert.deepEqual(
          outputs[0].map((i) => [i.json.nom, i.json.age, i.json._run_id, i.pairedItem]),
          [
            ['Durand', 42, 'run-test', { item: 0 }],
            ['Petit', 30, 'run-test', { item: 1 }],
          ],
        );
        // autoMap: an item read from another Data Table node loses its system columns.
        const auto = await run(
          tables,
          {
            dataTableId: table((await tables.describe('patients')).id, 'id'),
            columns: { mappingMode: 'autoMapInputData' },
          },
          [{ ...outputs[0][0].json, nom: 'Copie' }],
        );
        assert.equal(auto.json[0][0].nom, 'Copie');
        assert.notEqual(auto.json[0][0]._id, outputs[0][0].json._id);
        assert.equal((await tables.get('patients')).rowCount, 3);
      }));

    it('imports 10,000 items in one transaction: one bad item and nothing is written', () =>
      withTables(db, async ({ tables }) => {
        await patients(tables);
        const items = Array.from({ length: 10_000 }, (_, i) => ({ nom: `p${i}`, age: i % 80 }));
        items[6_543] = { nom: 'bad', age: 'quarante' as unknown as number };
        const parameters = { dataTableId: 'patients', columns: { mappingMode: 'autoMapInputData' } };
        await assert.rejects(run(tables, parameters, items), (e: unknown) => {
          assert.ok(e instanceof NonRetryableError);
          assert.equal(e.itemIndex, 6_543);
          assert.match(e.message, /rows\[6543\]\.age: expected a number, got "quarante"/);
          return true;
        });
        assert.equal((await tables.get('patients')).rowCount, 0);
        const failed = await run(tables, parameters, items, 'continue');
        assert.equal(failed.outputs[0].length, 10_000);
        assert.ok(
          failed.outputs[0].every(
            (item, i) => isErrorItem(item) && (item.pairedItem as { item: number }).item === i,
          ),
        );
        assert.equal((await tables.get('patients')).rowCount, 0);

        items[6_543] = { nom: 'good', age: 40 };
        const bulk = await run(tables, { ...parameters, options: { optimizeBulk: true } }, items);
        assert.deepEqual(bulk.json, [[{ success: true, insertedRows: 10_000 }]]);
        assert.equal((await tables.get('patients')).rowCount, 10_000);
      }));

    it('upserts by matching columns or by eq conditions, and refuses without a unique index', () =>
      withTables(db, async ({ tables }) => {
        await patients(tables);
        const items = [
          { email: 'a@x.fr', nom: 'A', age: 1 },
          { email: 'b@x.fr', nom: 'B', age: 2 },
        ];
        const byColumns = {
          dataTableId: 'patients',
          operation: 'upsert',
          columns: { mappingMode: 'autoMapInputData', matchingColumns: ['email'] },
        };
        await assert.rejects(run(tables, byColumns, items), /needs a unique index on exactly these columns/);
        const first = await run(tables, { ...byColumns, options: { createIndex: true } }, items);
        assert.deepEqual(
          first.json[0].map((r) => r.nom),
          ['A', 'B'],
        );
        // n8n's shape: conditions say which row; their values are the keys.
        const byFilter = {
          dataTableId: 'patients',
          operation: 'upsert',
          matchType: 'allConditions',
          filters: { conditions: [{ keyName: 'email', condition: 'eq', keyValue: '={{ $json.mail }}' }] },
          columns: { mappingMode: 'defineBelow', value: { age: '={{ $json.age }}' } },
        };
        const second = await run(tables, byFilter, [
          { mail: 'b@x.fr', age: 20 },
          { mail: 'c@x.fr', age: 30 },
        ]);
        assert.deepEqual(
          second.json[0].map((r) => [r.email, r.nom, r.age]),
          [
            ['b@x.fr', 'B', 20],
            ['c@x.fr', null, 30],
          ],
        );
        assert.deepEqual(
          second.outputs[0].map((i) => i.pairedItem),
          [{ item: 0 }, { item: 1 }],
        );
        assert.equal((await tables.get('patients')).rowCount, 3);
        await assert.rejects(
          run(
            tables,
            { ...byFilter, filters: { conditions: [{ keyName: 'age', condition: 'gt', keyValue: 1 }] } },
            [{}],
          ),
          /conditions must all be 'eq'/,
        );
        await assert.rejects(
          run(tables, { dataTableId: 'patients', operation: 'upsert' }, [{}]),
          /Upsert needs key columns/,
        );
      }));

    it('updates and deletes the rows matching conditions (any by default), one condition at least', () =>
      withTables(db, async ({ tables }) => {
        await patients(tables);
        await tables.insert('patients', [
          { nom: 'A', age: 10 },
          { nom: 'B', age: 20 },
          { nom: 'C', age: 30 },
        ]);
        const updated = await run(tables, {
          dataTableId: 'patients',
          operation: 'update',
          filters: {
            conditions: [
              { keyName: 'nom', condition: 'eq', keyValue: 'A' },
              { keyName: 'age', condition: 'gte', keyValue: '30' },
            ],
          },
          columns: { mappingMode: 'defineBelow', value: { actif: true } },
        });
        assert.deepEqual(
          updated.json[0].map((r) => [r.nom, r.actif, r._run_id]),
          [
            ['A', true, 'run-test'],
            ['C', true, 'run-test'],
          ],
        );
        await assert.rejects(
          run(tables, { dataTableId: 'patients', operation: 'deleteRows' }),
          /at least one condition is required for 'deleteRows'/,
        );
        const deleted = await run(tables, {
          dataTableId: 'patients',
          operation: 'delete',
          filters: { conditions: [{ keyName: 'actif', condition: 'isTrue' }] },
        });
        assert.deepEqual(
          deleted.json[0].map((r) => r.nom),
          ['A', 'C'],
        );
        assert.deepEqual(
          (await tables.query('patients')).items.map((r) => r.nom),
          ['B'],
        );
      }));

    it('gets rows per input item with conditions, order, limit or all, and n8n system column names', () =>
      withTables(db, async ({ tables, clock }) => {
        await patients(tables);
        for (let i = 0; i < 2_500; i++) {
          if (i % 500 === 0) clock.advance(1_000);
          if (i % 500 === 0)
            await tables.insert(
              'patients',
              Array.from({ length: 500 }, (_, k) => ({ nom: `p${i + k}`, age: (i + k) % 100 })),
            );
        }
        const get = (extra: Record<string, unknown>, items?: unknown[]) =>
          run(tables, { dataTableId: 'patients', operation: 'get', ...extra }, items);
        assert.equal((await get({})).json[0].length, 50, "n8n's default limit");
        assert.equal((await get({ returnAll: true })).json[0].length, 2_500);
        const recent = await get({ orderBy: true, limit: 3 });
        assert.deepEqual(
          recent.json[0].map((r) => r.nom),
          ['p2000', 'p2001', 'p2002'],
          'createdAt DESC, then _id',
        );
        const perItem = await get(
          {
            filters: { conditions: [{ keyName: 'age', condition: 'eq', keyValue: '={{ $json.age }}' }] },
            limit: 2,
          },
          [{ age: 7 }, { age: 8 }],
        );
        assert.deepEqual(
          perItem.outputs[0].map((i) => [i.json.nom, i.pairedItem]),
          [
            ['p7', { item: 0 }],
            ['p107', { item: 0 }],
            ['p8', { item: 1 }],
            ['p108', { item: 1 }],
          ],
        );
        const byId = await get({
          filters: { conditions: [{ keyName: 'id', condition: 'lte', keyValue: 2 }] },
          orderBy: true,
          orderByColumn: 'id',
          orderByDirection: 'ASC',
        });
        assert.deepEqual(
          byId.json[0].map((r) => r.nom),
          ['p0', 'p1'],
        );
        const query = await run(tables, {
          dataTableId: 'patients',
          operation: 'query',
          matchType: 'allConditions',
          filters: {
            conditions: [
              { keyName: 'nom', condition: 'like', keyValue: 'p24' },
              { keyName: 'age', condition: 'gte', keyValue: 40 },
              { keyName: 'age', condition: 'lt', keyValue: 45 },
            ],
          },
          returnAll: true,
        });
        assert.deepEqual(
          query.json[0].map((r) => r.nom),
          ['p240', 'p241', 'p242', 'p243', 'p244', 'p2440', 'p2441', 'p2442', 'p2443', 'p2444'],
        );
      }));

    it('passes items on when a row exists (rowExists) or does not (rowNotExists)', () =>
      withTables(db, async ({ tables }) => {
        await patients(tables);
        await tables.insert('patients', [{ email: 'known@x.fr' }]);
        const parameters = {
          dataTableId: 'patients',
          filters: { conditions: [{ keyName: 'email', condition: 'eq', keyValue: '={{ $json.email }}' }] },
        };
        const items = [{ email: 'known@x.fr' }, { email: 'new@x.fr' }];
        const exists = await run(tables, { ...parameters, operation: 'rowExists' }, items);
        assert.deepEqual(exists.outputs[0], [
          { json: { email: 'known@x.fr' }, binary: undefined, pairedItem: { item: 0 } },
        ]);
        const missing = await run(tables, { ...parameters, operation: 'rowNotExists' }, items);
        assert.deepEqual(missing.json[0], [{ email: 'new@x.fr' }]);
      }));

    it('refuses bad parameters, unknown tables and columns without retrying', () =>
      withTables(db, async ({ tables }) => {
        await patients(tables);
        const refused = async (parameters: Record<string, unknown>, message: RegExp) =>
          assert.rejects(
            run(tables, parameters),
            (e: unknown) => e instanceof NonRetryableError && message.test(e.message),
          );
        await refused({}, /Parameter 'dataTableId' is required/);
        await refused({ dataTableId: 'nope' }, /Table 'nope' not found/);
        await refused(
          { dataTableId: 'patients', columns: { value: { nope: 1 } } },
          /rows\[0\]: unknown column "nope"/,
        );
        await refused(
          {
            dataTableId: 'patients',
            operation: 'get',
            filters: { conditions: [{ keyName: 'nom', condition: 'between' }] },
          },
          /unknown condition 'between'/,
        );
        await refused({ dataTableId: 'patients', resource: 'table' }, /only 'row' is supported/);
        await refused(
          { dataTableId: 'patients', operation: 'deleteRows', options: { dryRun: true } },
          /'dryRun' is not supported/,
        );
      }));
  });
}
