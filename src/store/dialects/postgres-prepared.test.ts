/**
 * Prepared statements on a real PostgreSQL (RELAIS_TEST_DATABASE_URL; skipped loudly without):
 * what gets prepared, and that every failure a prepared statement brings is retried unnamed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { PostgresPoolClient } from 'kysely';
import pg from 'pg';
import { preparedStatements } from './postgres-prepared.js';

const url = process.env.RELAIS_TEST_DATABASE_URL;
if (!url) console.warn('\n*** PostgreSQL prepared statements: skipped (set RELAIS_TEST_DATABASE_URL) ***\n');

const schema = `prepared_${process.pid}_${Date.now()}`;

describe('PostgreSQL prepared statements', {
  skip: url ? false : 'RELAIS_TEST_DATABASE_URL is not set',
}, () => {
  let admin: pg.Pool;
  let pool: pg.Pool;
  let client: PostgresPoolClient;
  let checks = 0;

  before(async () => {
    admin = new pg.Pool({ connectionString: url, max: 1 });
    await admin.query(`create schema ${schema}`);
    pool = new pg.Pool({ connectionString: url, max: 1, options: `-c search_path=${schema}` });
    client = await preparedStatements(pool).connect();
  });
  after(async () => {
    client?.release();
    await pool?.end();
    await admin?.query(`drop schema if exists ${schema} cascade`);
    await admin?.end();
  });

  /** The texts this connection's session holds prepared (a text of its own each time: never prepared). */
  async function prepared(): Promise<string[]> {
    const { rows } = await client.query<{ statement: string }>(
      `select statement from pg_prepared_statements order by statement -- check ${++checks}`,
      [],
    );
    return rows.map((r) => r.statement);
  }

  test('a text sent again is prepared; one-offs stay unnamed', async () => {
    assert.deepEqual((await client.query('select $1::int as n', [1])).rows, [{ n: 1 }]);
    assert.deepEqual(await prepared(), [], 'the first send is unnamed');
    assert.deepEqual((await client.query('select $1::int as n', [2])).rows, [{ n: 2 }]);
    assert.deepEqual(await prepared(), ['select $1::int as n']);
    assert.deepEqual((await client.query('select $1::int as n', [3])).rows, [{ n: 3 }], 'and reused');
  });

  test('nothing is prepared inside a transaction, savepoints included', async () => {
    const before = await prepared();
    await client.query('begin', []);
    await client.query('savepoint s', []);
    await client.query('rollback to savepoint s', []);
    for (let i = 0; i < 3; i++) await client.query('select $1::text as inside', ['x']);
    assert.deepEqual(await prepared(), before);
    await client.query('commit', []);
    await client.query('select $1::text as inside', ['x']);
    assert.ok(
      (await prepared()).includes('select $1::text as inside'),
      'prepared once the transaction ended',
    );
  });

  test('a statement whose result changed shape is retried unnamed, then sent unnamed', async () => {
    await client.query('create table shapes (a int)', []);
    await client.query('insert into shapes values (1)', []);
    for (let i = 0; i < 2; i++)
      assert.deepEqual((await client.query('select * from shapes', [])).rows, [{ a: 1 }]);
    assert.ok((await prepared()).includes('select * from shapes'));
    // Another process migrates the table.
    await admin.query(`alter table ${schema}.shapes add column b int default 2`);
    assert.deepEqual((await client.query('select * from shapes', [])).rows, [{ a: 1, b: 2 }]);
    assert.deepEqual((await client.query('select * from shapes', [])).rows, [{ a: 1, b: 2 }]);
  });

  test('behind a pooler (its prepared statements gone) it retries unnamed and prepares nothing more', async () => {
    for (let i = 0; i < 2; i++) await client.query('select $1::int + 1 as m', [i]);
    // What a pooler in transaction mode does: the next transaction runs on another session.
    await client.query('deallocate all', []);
    assert.deepEqual((await client.query('select $1::int + 1 as m', [41])).rows, [{ m: 42 }]);
    for (let i = 0; i < 3; i++) await client.query('select $1::int * 2 as d', [i]);
    assert.deepEqual(await prepared(), [], 'this connection prepares nothing more');
  });

  test('other errors of a prepared statement are the caller’s', async () => {
    const own = new pg.Pool({ connectionString: url, max: 1 });
    const fresh = await preparedStatements(own).connect();
    try {
      const divide = (n: number) => fresh.query('select 10 / $1::int as q', [n]);
      assert.deepEqual((await divide(2)).rows, [{ q: 5 }]);
      await assert.rejects(divide(0), (error: { code?: string }) => error.code === '22012');
      assert.deepEqual((await divide(5)).rows, [{ q: 2 }]);
    } finally {
      fresh.release();
      await own.end();
    }
  });
});
