import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CompiledQuery, sql } from 'kysely';
import { openSqlite } from './dialects/sqlite.js';
import type { StoreDialect } from './dialects/types.js';
import { groupCommit } from './group-commit.js';
import { isUniqueViolation } from './unique-violation.js';
import type { BatchWriter } from './write-plan.js';

describe('group commit on SQLite', () => {
  let dialect: StoreDialect;
  let batches: number[];
  let write: ReturnType<typeof groupCommit>;
  const insert = (id: number, v = 'x'): CompiledQuery =>
    sql`insert into t (id, v) values (${id}, ${v}) returning id`.compile(dialect.db);
  const rows = async () =>
    (await sql<{ id: number; v: string }>`select id, v from t order by id`.execute(dialect.db)).rows;

  before(async () => {
    dialect = openSqlite({ memory: true });
    await sql`create table t (id integer primary key, v text not null)`.execute(dialect.db);
    const batchWriter = dialect.batchWriter as BatchWriter;
    write = groupCommit((plans) => {
      batches.push(plans.length);
      return batchWriter(plans);
    }, false);
  });
  after(() => dialect.db.destroy());

  it('writes of one turn share one transaction; a failing one rejects alone', async () => {
    batches = [];
    await sql`delete from t`.execute(dialect.db);
    const outcomes = await Promise.allSettled([
      write({ statements: [insert(1)] }),
      write({ statements: [insert(2)] }),
      write({ statements: [insert(1, 'duplicate')] }),
      write({ statements: [insert(3), insert(4)] }),
      write({ statements: [insert(30), insert(2, 'duplicate')] }),
    ]);
    assert.deepEqual(batches, [5], 'one batch');
    assert.deepEqual(
      outcomes[0],
      { status: 'fulfilled', value: [{ id: 1 }] },
      'the rows of the first statement',
    );
    assert.equal(outcomes[2].status, 'rejected');
    assert.ok(
      isUniqueViolation((outcomes[2] as PromiseRejectedResult).reason),
      'the driver error, as thrown',
    );
    assert.deepEqual(
      (await rows()).map((r) => r.id),
      [1, 2, 3, 4],
    );
    assert.equal((await rows())[0].v, 'x', 'the failed write changed nothing');
    assert.equal(outcomes[4].status, 'rejected', 'a write fails as a whole: its first insert is undone');
  });

  it('skips the rest of a guarded write whose first statement matched nothing', async () => {
    await sql`delete from t`.execute(dialect.db);
    const none = sql`update t set v = 'moved' where id = ${99} returning id`.compile(dialect.db);
    assert.deepEqual(await write({ statements: [none, insert(5)], guarded: true }), []);
    assert.deepEqual(await write({ statements: [none, insert(6)] }), [], 'unguarded, the rest runs');
    assert.deepEqual(
      (await rows()).map((r) => r.id),
      [6],
    );
  });

  it('writes that arrive while a batch is written make the next batch', async () => {
    batches = [];
    await sql`delete from t`.execute(dialect.db);
    const first = write({ statements: [insert(10)] });
    await new Promise((resolve) => setImmediate(resolve)); // the first batch is being written
    const next = [write({ statements: [insert(11)] }), write({ statements: [insert(12)] })];
    await Promise.all([first, ...next]);
    assert.deepEqual(batches, [1, 2]);
  });

  it('waits for a Kysely transaction open on the connection instead of writing inside it', async () => {
    await sql`delete from t`.execute(dialect.db);
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const transaction = dialect.db
      .transaction()
      .execute(async (trx) => {
        await sql`insert into t (id, v) values (20, 'in the transaction')`.execute(trx);
        await held;
        throw new Error('rolled back');
      })
      .catch((error: Error) => error.message);
    await new Promise((resolve) => setImmediate(resolve));
    const grouped = write({ statements: [insert(21)] });
    let settled = false;
    void grouped.then(() => {
      settled = true;
    });
    for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
    assert.equal(settled, false, 'the batch waits for the transaction');
    release();
    assert.equal(await transaction, 'rolled back');
    await grouped;
    assert.deepEqual(
      (await rows()).map((r) => r.id),
      [21],
      'the rollback took only its own write',
    );
  });
});

describe('group commit with concurrent batches (PostgreSQL)', () => {
  it('writes a batch while the one before is still being written', async () => {
    const batches: { size: number; done(): void }[] = [];
    const write = groupCommit(
      (plans) =>
        new Promise((resolve) =>
          batches.push({
            size: plans.length,
            done: () => resolve(plans.map((_, i) => ({ ok: true, rows: [{ i }] }))),
          }),
        ),
      true,
    );
    const plan = { statements: [CompiledQuery.raw('select 1')] };
    const first = [write(plan), write(plan)];
    await new Promise((resolve) => setImmediate(resolve));
    const second = write(plan);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(
      batches.map((b) => b.size),
      [2, 1],
      'the second batch went out before the first was written',
    );
    batches[1].done();
    assert.deepEqual(await second, [{ i: 0 }]);
    batches[0].done();
    assert.deepEqual(await Promise.all(first), [[{ i: 0 }], [{ i: 1 }]]);
  });
});
