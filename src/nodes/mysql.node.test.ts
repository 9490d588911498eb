/**
 * MySQL node against the real MySQL/MariaDB of RELAIS_TEST_MYSQL_URL (tables with a random
 * suffix, dropped afterwards); skipped loudly when it is not set. Failure paths: refused
 * connection, authentication, SQL errors, bad parameters.
 *
 *   RELAIS_TEST_MYSQL_URL=mysql://root@127.0.0.1:3306/test npm test -- mysql.node
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it, test } from 'node:test';
import mysql from 'mysql2/promise';
import { NodeError, NonRetryableError } from '../engine/errors.js';
import { runNode } from '../testing/run-node.js';
import { mySqlNode } from './mysql.node.js';
import { isErrorItem } from './sdk.js';
import { closeSqlPools } from './shared/sql/pools.js';

const url = process.env.RELAIS_TEST_MYSQL_URL;

function credentialOf(mysqlUrl: string) {
  const u = new URL(mysqlUrl);
  return {
    host: u.hostname,
    port: Number(u.port || 3306),
    database: u.pathname.slice(1),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
  };
}

if (!url) {
  console.warn('\n*** RELAIS_TEST_MYSQL_URL not set: MySQL node tests skipped ***\n');
  test('MySQL node against MySQL/MariaDB', (t) => t.skip('RELAIS_TEST_MYSQL_URL not set'));
} else {
  const credential = credentialOf(url);
  const suffix = randomBytes(4).toString('hex');
  const patients = `patients_${suffix}`;
  let admin: mysql.Connection;
  const rows = async (text: string) => (await admin.query(text))[0] as Record<string, unknown>[];
  const run = (
    parameters: Record<string, unknown>,
    items: unknown[] = [{}],
    opts: { onError?: 'continue'; cred?: Record<string, unknown> } = {},
  ) =>
    runNode(mySqlNode, {
      parameters,
      items,
      onError: opts.onError,
      credentials: { mySql: opts.cred ?? credential },
    });
  const table = (name = patients) => ({ table: { __rl: true, mode: 'name', value: name } });
  const count = async () => Number((await rows(`select count(*) as n from ${patients}`))[0].n);

  describe('MySQL node against MySQL/MariaDB', () => {
    before(async () => {
      admin = await mysql.createConnection({ ...credential, timezone: 'Z' });
      await admin.query(`create table ${patients} (
        id int primary key auto_increment, email varchar(100) unique, nom varchar(100) not null, age int,
        actif boolean, notes json, seen_at datetime, total decimal(20,2))`);
    });
    after(async () => {
      await admin.query(`drop table if exists ${patients}`);
      await admin.query(`drop table if exists scratch_${suffix}`);
      await admin.end();
      await closeSqlPools();
    });

    it('executes queries with bound parameters ($n, ?, {{ }}); values never become SQL', async () => {
      const evil = "x'); drop table patients; -- \\";
      const inserted = await run(
        {
          operation: 'executeQuery',
          query: `insert into ${patients} (email, nom, age) values ($1, '{{ $json.nom }}', {{ $json.age }})`,
          options: { queryReplacement: '={{ $json.email }}' },
        },
        [
          { email: 'a@x.fr', nom: evil, age: 41 },
          { email: 'b@x.fr', nom: 'Petit', age: null },
        ],
      );
      assert.deepEqual(inserted.json, [[{ success: true }]]);
      const select = await run({
        operation: 'executeQuery',
        query: `select nom, age from ${patients} where age > ? order by id`,
        options: { queryReplacement: [30] },
      });
      assert.deepEqual(select.json, [[{ nom: evil, age: 41 }]]);
      const none = await run({ operation: 'executeQuery', query: `select * from ${patients} where 1 = 0` });
      assert.deepEqual(none.json, [[]]);
      const names = await run({
        operation: 'executeQuery',
        query: 'select $1:name from $2:name order by 1; select 2 as two',
        options: { queryReplacement: `nom, ${patients}` },
      });
      assert.deepEqual(names.json[0], [{ nom: 'Petit' }, { nom: evil }, { two: 2 }]);
      const legacy = await run({
        operation: 'executeQuery',
        query: 'select $1 as a',
        options: { queryReplacement: { values: [{ value: 'v' }] } },
      });
      assert.deepEqual(legacy.json, [[{ a: 'v' }]]);
    });

    it('inserts every item in one statement (n8n single batching), or one per item; IGNORE on conflict', async () => {
      await admin.query(`truncate table ${patients}`);
      const items = [
        {
          email: 'c@x.fr',
          nom: 'Durand',
          age: 50,
          actif: true,
          notes: { allergies: ['latex'] },
          seen_at: '2026-01-02T03:04:05.000Z',
        },
        { email: 'd@x.fr', nom: 'Martin', age: '' },
      ];
      const single = await run(
        { operation: 'insert', ...table(), options: { replaceEmptyStrings: true } },
        items,
      );
      assert.deepEqual(single.outputs[0], [
        { json: { success: true }, pairedItem: [{ item: 0 }, { item: 1 }] },
      ]);
      const [durand] = await rows(`select * from ${patients} where email = 'c@x.fr'`);
      assert.deepEqual([durand.age, durand.actif, durand.notes], [50, 1, { allergies: ['latex'] }]);
      assert.equal((durand.seen_at as Date).toISOString(), '2026-01-02T03:04:05.000Z');
      assert.equal((await rows(`select age from ${patients} where email = 'd@x.fr'`))[0].age, null);

      const many = Array.from({ length: 9_000 }, (_, i) => ({
        email: `m${i}@x.fr`,
        nom: `m${i}`,
        age: i % 90,
        actif: i % 2 === 0,
      }));
      await run({ operation: 'insert', ...table() }, many);
      assert.equal(
        await count(),
        9_002,
        'more parameters than one prepared statement takes: several statements',
      );

      const each = await run(
        {
          operation: 'insert',
          ...table(),
          dataMode: 'defineBelow',
          valuesToSend: {
            values: [
              { column: 'email', value: '={{ $json.e }}' },
              { column: 'nom', value: 'X' },
            ],
          },
          options: { queryBatching: 'independently', skipOnConflict: true },
        },
        [{ e: 'c@x.fr' }, { e: 'new@x.fr' }],
      );
      assert.deepEqual(
        each.outputs[0].map((i) => i.pairedItem),
        [{ item: 0 }, { item: 1 }],
      );
      assert.equal(
        (await rows(`select nom from ${patients} where email = 'c@x.fr'`))[0].nom,
        'Durand',
        'IGNORE kept the existing row',
      );
      assert.equal(await count(), 9_003);
    });

    it('upserts and updates on the column to match, selects, deletes, truncates and drops', async () => {
      const up = await run({ operation: 'upsert', ...table(), columnToMatchOn: 'email' }, [
        { email: 'c@x.fr', nom: 'Durand', age: 51 },
        { email: 'z@x.fr', nom: 'Zoé', age: 9 },
      ]);
      assert.equal(up.json[0].length, 1);
      assert.deepEqual(
        (
          await rows(`select nom, age from ${patients} where email in ('c@x.fr', 'z@x.fr') order by email`)
        ).map((r) => [r.nom, r.age]),
        [
          ['Durand', 51],
          ['Zoé', 9],
        ],
      );
      await run(
        {
          operation: 'update',
          ...table(),
          columnToMatchOn: 'email',
          dataMode: 'defineBelow',
          valueToMatchOn: '={{ $json.email }}',
          valuesToSend: { values: [{ column: 'age', value: 77 }] },
        },
        [{ email: 'z@x.fr' }],
      );
      assert.equal((await rows(`select age from ${patients} where email = 'z@x.fr'`))[0].age, 77);
      await assert.rejects(
        run({ operation: 'update', ...table(), columnToMatchOn: 'email' }, [{ email: 'z@x.fr' }]),
        /Add values to update/,
      );
      await assert.rejects(
        run({ operation: 'upsert', ...table(), columnToMatchOn: 'email' }, [{ nom: 'sans email' }]),
        /Column to match on not found/,
      );

      const selected = await run({
        operation: 'select',
        ...table(),
        where: {
          values: [
            { column: 'age', condition: '>=', value: 88 },
            { column: 'nom', condition: 'LIKE', value: 'm8%' },
          ],
        },
        sort: { values: [{ column: 'id', direction: 'DESC' }] },
        limit: 2,
        options: { outputColumns: ['nom', 'age'], combineConditions: 'AND' },
      });
      assert.deepEqual(selected.json[0], [
        { nom: 'm8999', age: 89 },
        { nom: 'm8998', age: 88 },
      ]);
      const distinct = await run({
        operation: 'select',
        ...table(),
        returnAll: true,
        options: { outputColumns: ['actif'], selectDistinct: true },
      });
      assert.equal(distinct.json[0].length, 3);

      await run({
        operation: 'deleteTable',
        ...table(),
        deleteCommand: 'delete',
        where: { values: [{ column: 'age', condition: '<', value: 80 }] },
      });
      assert.ok((await count()) < 1_100);
      await run({
        operation: 'delete',
        ...table(),
        where: { values: [{ column: 'age', condition: 'IS NULL' }] },
      });
      await run({ operation: 'deleteTable', ...table() });
      assert.equal(await count(), 0);
      await admin.query(`create table scratch_${suffix} (x int)`);
      await run({ operation: 'deleteTable', ...table(`scratch_${suffix}`), deleteCommand: 'drop' });
      assert.equal((await rows(`show tables like 'scratch_${suffix}'`)).length, 0);
    });

    it('batches: transaction is all or nothing; independently keeps what succeeded', async () => {
      const parameters = (queryBatching: string) => ({
        operation: 'insert',
        ...table(),
        options: { queryBatching },
      });
      const items = [
        { email: 'ok@x.fr', nom: 'OK' },
        { email: 'bad@x.fr' },
        { email: 'ok2@x.fr', nom: 'OK2' },
      ];
      await assert.rejects(run(parameters('transaction'), items), (e: unknown) => {
        assert.ok(e instanceof NonRetryableError);
        assert.equal(e.itemIndex, 1);
        assert.match(e.message, /nom/);
        return true;
      });
      assert.equal(await count(), 0);
      const independent = await run(parameters('independently'), items, { onError: 'continue' });
      assert.deepEqual(
        independent.outputs[0].map((i) => (isErrorItem(i) ? 'error' : 'ok')),
        ['ok', 'error', 'ok'],
      );
      assert.equal(await count(), 2);
    });

    it('reads decimals as text by default, as numbers on request', async () => {
      await admin.query(`insert into ${patients} (nom, total) values ('big', 12345678901234.25)`);
      const query = { operation: 'executeQuery', query: `select total from ${patients} where nom = 'big'` };
      assert.deepEqual((await run(query)).json, [[{ total: '12345678901234.25' }]]);
      assert.deepEqual((await run({ ...query, options: { largeNumbersOutput: 'numbers' } })).json, [
        [{ total: 12345678901234.25 }],
      ]);
    });

    it('fails clearly: refused connection (retryable), authentication, SQL errors, bad parameters', async () => {
      await assert.rejects(
        run({ operation: 'executeQuery', query: 'select 1' }, [{}], { cred: { ...credential, port: 1 } }),
        (e: unknown) =>
          e instanceof NodeError && !(e instanceof NonRetryableError) && e.message === 'Connection refused',
      );
      await assert.rejects(
        run({ operation: 'executeQuery', query: 'select 1' }, [{}], {
          cred: { ...credential, user: 'relais_nobody', password: 'wrong' },
        }),
        (e: unknown) =>
          e instanceof NonRetryableError &&
          e.code === 'AUTH_FAILED' &&
          /Access denied/.test(e.message) &&
          !/wrong/.test(e.message),
      );
      await assert.rejects(run({ operation: 'executeQuery', query: 'select 1;\nselec 2' }), (e: unknown) => {
        assert.ok(e instanceof NonRetryableError);
        assert.equal(e.code, 'ER_PARSE_ERROR');
        assert.match(e.message, /near 'selec 2' at line 1/);
        assert.match(e.description ?? '', /Failed query: selec 2/);
        return true;
      });
      await assert.rejects(
        run({ operation: 'executeQuery', query: `select * from nope_${suffix}` }),
        /doesn't exist/,
      );
      await assert.rejects(
        run({ operation: 'executeQuery', query: 'select ?, ?', options: { queryReplacement: 'a' } }),
        /has no value/,
      );
      await assert.rejects(run({ operation: 'select', table: '' }), /Parameter 'table' is required/);
      await assert.rejects(
        run({ operation: 'select', ...table(), where: { values: [{ column: 'age', condition: 'DROP' }] } }),
        /unknown operator 'DROP'/,
      );
    });
  });
}
