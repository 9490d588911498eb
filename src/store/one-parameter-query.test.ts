import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openStore } from './index.js';
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
