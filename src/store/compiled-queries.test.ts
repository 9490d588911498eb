import assert from 'node:assert/strict';
import { test } from 'node:test';
import { namedParameterQuery, oneParameterQuery } from './compiled-query.js';
import { openStore } from './index.js';
import { insertStatement } from './insert-statement.js';

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

test('a named-parameter query binds each name where it was placed, keeps compiled-in values, and refuses unused names', async () => {
  const store = await openStore({ memory: true });
  try {
    const rename = namedParameterQuery(['name', 'id'], (parameter) =>
      store.db
        .updateTable('workflows')
        .set((eb) => ({ name: parameter('name'), version: eb('version', '+', 1) }))
        .where('id', '=', parameter('id'))
        .returning(['name', 'version']),
    );
    const query = rename({ id: 'w1', name: 'Renamed' });
    assert.deepEqual(query.parameters, ['Renamed', 1, 'w1'], 'the +1 stays as compiled');
    assert.deepEqual(rename({ name: 'Again', id: 'w2' }).parameters, ['Again', 1, 'w2']);
    assert.deepEqual((await store.db.executeQuery(query)).rows, [], 'no such workflow: nothing updated');
    assert.throws(
      () =>
        namedParameterQuery(['id', 'name'], (parameter) =>
          store.db.deleteFrom('workflows').where('id', '=', parameter('id')),
        ),
      /parameters name not used/,
    );
  } finally {
    await store.close();
  }
});
