import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openStore } from './index.js';
import { insertStatement } from './insert-statement.js';
import { oneParameterQuery } from './one-parameter-query.js';

test('a one-parameter query is compiled once and binds each value; other shapes are refused', async () => {
  const store = await openStore({ memory: true });
  try {
    const byId = oneParameterQuery((id) =>
      store.db.selectFrom('workflows').select('name').where('id', '=', id),
    );
    assert.deepEqual((await store.db.executeQuery(byId('nope'))).rows, []);
    assert.throws(
      () =>
        oneParameterQuery((id) =>
          store.db.selectFrom('workflows').select('name').where('id', '=', id).where('name', '=', 'x'),
        ),
      /has 2 parameters/,
    );
    assert.throws(
      () =>
        oneParameterQuery(() => store.db.selectFrom('workflows').select('name').where('id', '=', 'fixed')),
      /has 1 parameters/,
      'the one parameter must be the placeholder',
    );
  } finally {
    await store.close();
  }
});

test('an insert statement binds every listed column in order, compiled once per row count; unlisted columns are refused', async () => {
  const store = await openStore({ memory: true });
  try {
    const insert = insertStatement(store.db, 'step_data', ['run_id', 'seq', 'input', 'output']);
    const one = insert([{ output: 'o', seq: 1, run_id: 'a', input: 'i' }]);
    assert.deepEqual(one.parameters, ['a', 1, 'i', 'o'], 'in the listed order');
    const two = insert([
      { run_id: 'b', seq: 2, input: null, output: 'x' },
      { run_id: 'c', seq: 3, output: 'y' },
    ]);
    assert.deepEqual(two.parameters, ['b', 2, null, 'x', 'c', 3, null, 'y']);
    assert.match(two.sql, /values \(\?, \?, \?, \?\), \(\?, \?, \?, \?\)$/);
    assert.equal(
      insert([{ run_id: 'd', seq: 4, input: null, output: null }]).sql,
      one.sql,
      'compiled once per count',
    );
    assert.throws(
      () => insert([{ run_id: 'e', seq: 5, input: null, output: null, extra: 1 } as never]),
      /'extra' is not listed/,
    );
  } finally {
    await store.close();
  }
});
