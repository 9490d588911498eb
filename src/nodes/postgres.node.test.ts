/**
 * Postgres node against the real PostgreSQL of RELAIS_TEST_DATABASE_URL (a fresh schema, dropped
 * afterwards); skipped loudly when it is not set. Failure paths: refused connection, unknown role,
 * SQL errors with their position, bad parameters.
 *
 *   RELAIS_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm test -- postgres.node
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it, test } from 'node:test';
import pg from 'pg';
import { NodeError, NonRetryableError } from '../engine/errors.js';
import { runNode } from '../testing/run-node.js';
import { postgresNode } from './postgres.node.js';
import { isErrorItem } from './sdk.js';
import { closeSqlPools } from './shared/sql/pools.js';

const url = process.env.RELAIS_TEST_DATABASE_URL;

function credentialOf(databaseUrl: string) {
  const u = new URL(databaseUrl);
  return {
    host: u.hostname,
    port: Number(u.port || 5432),
    database: u.pathname.slice(1),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    ssl: 'disable',
  };
}

if (!url) {
  console.warn('\n*** RELAIS_TEST_DATABASE_URL not set: Postgres node tests skipped ***\n');
  test('Postgres node against PostgreSQL', (t) => t.skip('RELAIS_TEST_DATABASE_URL not set'));
} else {
  const credential = credentialOf(url);
  const schema = `relais_pgnode_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  const sqlText = async (text: string, values: unknown[] = []) => (await admin.query(text, values)).rows;
  const run = (
    parameters: Record<string, unknown>,
    items: unknown[] = [{}],
    opts: { onError?: 'continue'; cred?: Record<string, unknown> } = {},
  ) =>
    runNode(postgresNode, {
      parameters,
      items,
      onError: opts.onError,
      credentials: { postgres: opts.cred ?? credential },
    });
  const tableParams = (table: string) => ({
    schema: { __rl: true, mode: 'name', value: schema },
    table: { __rl: true, mode: 'name', value: table },
  });

  describe('Postgres node against PostgreSQL', () => {
    before(async () => {
      await admin.connect();
      await admin.query(`create schema ${schema}`);
      await admin.query(`create table ${schema}.patients (
        id serial primary key, email text unique, nom text not null, age int, notes jsonb, tags text[], total bigint, seen_at timestamptz)`);
    });
    after(async () => {
      await admin.query(`drop schema ${schema} cascade`);
      await admin.end();
      await closeSqlPools();
    });

    it('executes a query with bound Query Parameters and {{ }} expressions; values never become SQL', async () => {
      const evil = "x'); drop table patients; --";
      const { json } = await run(
        {
          operation: 'executeQuery',
          query: `insert into ${schema}.patients (email, nom, age) values ($1, '{{ $json.nom }}', {{ $json.age }}) returning nom, age`,
          options: { queryReplacement: '={{ $json.email }}' },
        },
        [
          { email: 'a@x.fr', nom: evil, age: 41 },
          { email: 'b@x.fr', nom: 'Petit', age: null },
        ],
      );
      assert.deepEqual(json, [
        [
          { nom: evil, age: 41 },
          { nom: 'Petit', age: null },
        ],
      ]);
      assert.equal((await sqlText(`select count(*)::int as n from ${schema}.patients`))[0].n, 2);

      const select = await run({
        operation: 'executeQuery',
        query: `select nom from ${schema}.patients where age > $1 order by id`,
        options: { queryReplacement: '30' },
      });
      assert.deepEqual(select.json, [[{ nom: evil }]]);
      const none = await run({
        operation: 'executeQuery',
        query: `select * from ${schema}.patients where false`,
      });
      assert.deepEqual(none.json, [[]], 'a SELECT without rows outputs nothing');
      const write = await run({
        operation: 'executeQuery',
        query: `update ${schema}.patients set age = age where false; select 1 where false`,
      });
      assert.deepEqual(write.json, [[{ success: true }]]);
      const names = await run({
        operation: 'executeQuery',
        query: 'select $1:name from $2:name.$3:name order by 1',
        options: { queryReplacement: `nom, ${schema}, patients` },
      });
      assert.deepEqual(
        names.json[0].map((r) => r.nom),
        ['Petit', evil],
      );
    });

    it('inserts items (json, arrays), upserts on matching columns, updates and refuses unknown rows and columns', async () => {
      await sqlText(`truncate ${schema}.patients`);
      const items = [
        { email: 'c@x.fr', nom: 'Durand', age: 50, notes: { allergies: ['latex'] }, tags: ['vip', 'ortho'] },
        { email: 'd@x.fr', nom: 'Martin', age: '', notes: [1, 2] },
      ];
      const inserted = await run(
        {
          operation: 'insert',
          ...tableParams('patients'),
          columns: { mappingMode: 'autoMapInputData' },
          options: { replaceEmptyStrings: true },
        },
        items,
      );
      assert.deepEqual(
        inserted.json[0].map((r) => [r.nom, r.age, r.notes, r.tags]),
        [
          ['Durand', 50, { allergies: ['latex'] }, ['vip', 'ortho']],
          ['Martin', null, [1, 2], null],
        ],
      );
      assert.deepEqual(
        inserted.outputs[0].map((i) => i.pairedItem),
        [{ item: 0 }, { item: 1 }],
      );
      await assert.rejects(
        run(
          { operation: 'insert', ...tableParams('patients'), columns: { mappingMode: 'autoMapInputData' } },
          [{ nom: 'X', nope: 1 }],
        ),
        /Column 'nope' does not exist in selected table/,
      );
      const skipped = await run({
        operation: 'insert',
        ...tableParams('patients'),
        columns: { mappingMode: 'defineBelow', value: { email: 'c@x.fr', nom: 'dup' } },
        options: { skipOnConflict: true },
      });
      assert.deepEqual(skipped.json, [[{ success: true }]]);

      const upserted = await run(
        {
          operation: 'upsert',
          ...tableParams('patients'),
          columns: { mappingMode: 'autoMapInputData', matchingColumns: ['email'] },
          options: { outputColumns: ['email', 'age'] },
        },
        [
          { email: 'c@x.fr', nom: 'Durand', age: 51 },
          { email: 'e@x.fr', nom: 'Nouveau', age: 20 },
        ],
      );
      assert.deepEqual(upserted.json[0], [
        { email: 'c@x.fr', age: 51 },
        { email: 'e@x.fr', age: 20 },
      ]);
      const kept = await sqlText(`select notes from ${schema}.patients where email = 'c@x.fr'`);
      assert.deepEqual(kept[0].notes, { allergies: ['latex'] }, 'columns not given are kept');

      const updated = await run(
        {
          operation: 'update',
          ...tableParams('patients'),
          columns: {
            mappingMode: 'defineBelow',
            value: { email: '={{ $json.email }}', age: 60 },
            matchingColumns: ['email'],
          },
        },
        [{ email: 'e@x.fr' }],
      );
      assert.deepEqual(
        updated.json[0].map((r) => [r.email, r.age]),
        [['e@x.fr', 60]],
      );
      await assert.rejects(
        run(
          {
            operation: 'update',
            ...tableParams('patients'),
            columns: { mappingMode: 'autoMapInputData', matchingColumns: ['email'] },
          },
          [{ email: 'ghost@x.fr', age: 1 }],
        ),
        (e: unknown) =>
          e instanceof NonRetryableError &&
          /doesn't exist/.test(e.message) &&
          /email=ghost@x.fr/.test(e.description ?? ''),
      );
    });

    it('selects with conditions, sort and limit, deletes rows, truncates and drops', async () => {
      await sqlText(`truncate ${schema}.patients`);
      await sqlText(
        `insert into ${schema}.patients (email, nom, age) select 'p' || g || '@x.fr', 'p' || g, g from generate_series(1, 80) g`,
      );
      const select = (extra: Record<string, unknown>) =>
        run({ operation: 'select', ...tableParams('patients'), ...extra });
      assert.equal((await select({})).json[0].length, 50, "n8n's default limit");
      assert.equal((await select({ returnAll: true })).json[0].length, 80);
      const some = await select({
        where: {
          values: [
            { column: 'age', condition: '>=', value: '70' },
            { column: 'nom', condition: 'LIKE', value: 'p7%' },
          ],
        },
        sort: { values: [{ column: 'age', direction: 'DESC' }] },
        limit: 3,
        options: { outputColumns: ['nom', 'age'] },
      });
      assert.deepEqual(some.json[0], [
        { nom: 'p79', age: 79 },
        { nom: 'p78', age: 78 },
        { nom: 'p77', age: 77 },
      ]);
      await assert.rejects(
        select({ where: { values: [{ column: 'age', condition: '>', value: 'abc' }] } }),
        /works with numbers, but value abc is not a number/,
      );
      const deleted = await run({
        operation: 'deleteTable',
        ...tableParams('patients'),
        deleteCommand: 'delete',
        where: { values: [{ column: 'age', condition: '>', value: 10 }] },
      });
      assert.deepEqual(deleted.json, [[{ success: true }]]);
      assert.equal((await sqlText(`select count(*)::int as n from ${schema}.patients`))[0].n, 10);
      await run({ operation: 'deleteTable', ...tableParams('patients') });
      assert.equal((await sqlText(`select count(*)::int as n from ${schema}.patients`))[0].n, 0);
      await sqlText(`create table ${schema}.scratch (x int)`);
      await run({ operation: 'deleteTable', ...tableParams('scratch'), deleteCommand: 'drop' });
      assert.equal((await sqlText(`select to_regclass('${schema}.scratch') as t`))[0].t, null);
    });

    it('batches: single and transaction are all or nothing, independently commits each item', async () => {
      await sqlText(`truncate ${schema}.patients`);
      const parameters = (queryBatching: string) => ({
        operation: 'insert',
        ...tableParams('patients'),
        columns: { mappingMode: 'autoMapInputData' },
        options: { queryBatching },
      });
      const items = [
        { email: 'ok@x.fr', nom: 'OK' },
        { email: 'bad@x.fr' },
        { email: 'ok2@x.fr', nom: 'OK2' },
      ];
      const count = async () => (await sqlText(`select count(*)::int as n from ${schema}.patients`))[0].n;
      await assert.rejects(run(parameters('single'), items), (e: unknown) => {
        assert.ok(e instanceof NonRetryableError);
        assert.equal(e.code, '23502');
        assert.equal(e.itemIndex, 1);
        assert.match(e.message, /null value in column "nom"/);
        return true;
      });
      assert.equal(await count(), 0);
      const tx = await run(parameters('transaction'), items, { onError: 'continue' });
      assert.equal(tx.outputs[0].length, 1);
      assert.ok(isErrorItem(tx.outputs[0][0]));
      assert.equal(await count(), 0);
      const independent = await run(parameters('independently'), items, { onError: 'continue' });
      assert.deepEqual(
        independent.outputs[0].map((i) => (isErrorItem(i) ? 'error' : i.json.nom)),
        ['OK', 'error', 'OK2'],
      );
      assert.equal(await count(), 2);
    });

    it('outputs int8 as text by default, as numbers on request; dates as ISO strings', async () => {
      await sqlText(`truncate ${schema}.patients`);
      await sqlText(
        `insert into ${schema}.patients (nom, total, seen_at) values ('big', 9007199254740993, '2026-01-02T03:04:05Z')`,
      );
      const query = { operation: 'executeQuery', query: `select total, seen_at from ${schema}.patients` };
      assert.deepEqual((await run(query)).json[0][0], {
        total: '9007199254740993',
        seen_at: '2026-01-02T03:04:05.000Z',
      });
      assert.equal(
        typeof (await run({ ...query, options: { largeNumbersOutput: 'numbers' } })).json[0][0].total,
        'number',
      );
    });

    it('fails clearly: refused connection (retryable), unknown role, SQL error with its position, bad parameters', async () => {
      await assert.rejects(
        run({ operation: 'executeQuery', query: 'select 1' }, [{}], { cred: { ...credential, port: 1 } }),
        (e: unknown) =>
          e instanceof NodeError &&
          !(e instanceof NonRetryableError) &&
          e.message === 'Connection refused' &&
          e.code === 'ECONNREFUSED',
      );
      await assert.rejects(
        run({ operation: 'executeQuery', query: 'select 1' }, [{}], {
          cred: { ...credential, user: 'relais_no_such_role' },
        }),
        (e: unknown) =>
          e instanceof NonRetryableError && e.code === 'AUTH_FAILED' && /relais_no_such_role/.test(e.message),
      );
      await assert.rejects(
        run({ operation: 'executeQuery', query: 'select 1,\n  2 fromm patients' }),
        (e: unknown) => {
          assert.ok(e instanceof NonRetryableError);
          assert.equal(e.code, '42601');
          assert.match(
            e.message,
            /syntax error at or near "patients" \(line 2, column 11: 2 fromm patients\)/,
          );
          assert.match(e.description ?? '', /Failed query: select 1,/);
          return true;
        },
      );
      await assert.rejects(
        run({ operation: 'executeQuery', query: 'select $2', options: { queryReplacement: 'a' } }),
        /\$2 has no value/,
      );
      await assert.rejects(run({ operation: 'executeQuery', query: '' }), /Parameter 'query' is required/);
      await assert.rejects(run({ operation: 'insert', table: '' }), /Parameter 'table' is required/);
      await assert.rejects(
        run({ operation: 'insert', ...tableParams('nope') }, [{ a: 1 }]),
        /"nope" does not exist/,
      );
      const failed = await run({ operation: 'executeQuery', query: 'select 1 / 0' }, [{}], {
        onError: 'continue',
      });
      assert.ok(isErrorItem(failed.outputs[0][0]));
      assert.match(String(failed.json[0][0].error), /division by zero/);
    });
  });
}
