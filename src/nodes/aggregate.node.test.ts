import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runNode } from '../testing/run-node.js';
import { aggregateNode } from './aggregate.node.js';

// Fixture items of the aggregate-all conformance case.
const rows = [
  { praticien: 'Dr Martin', periode: '2026-01', heures: 120, actes: 300, revenus: 45000.5 },
  { praticien: 'Dr Leroy', periode: '2026-01', heures: 100, actes: 210, revenus: 38000 },
  { praticien: 'Dr Martin', periode: '2026-02', heures: 110, actes: 280, revenus: 41000.25 },
];

const aggregate = (parameters: Record<string, unknown>, items: unknown[]) =>
  runNode(aggregateNode, { parameters, items });
const fields = (...list: Record<string, unknown>[]) => ({ fieldsToAggregate: { fieldToAggregate: list } });

test('conformance aggregate-all: every item json in one list under the destination field', async () => {
  const { json, outputs } = await aggregate(
    { aggregate: 'aggregateAllItemData', destinationFieldName: 'rows', options: {} },
    rows,
  );
  assert.deepEqual(json, [[{ rows }]]);
  assert.deepEqual(outputs[0][0].pairedItem, [{ item: 0 }, { item: 1 }, { item: 2 }]);
});

test('all item data: default destination "data", specified fields, all fields except', async () => {
  assert.deepEqual((await aggregate({ aggregate: 'aggregateAllItemData' }, [{ a: 1 }])).json, [
    [{ data: [{ a: 1 }] }],
  ]);
  const only = await aggregate(
    { aggregate: 'aggregateAllItemData', include: 'specifiedFields', fieldsToInclude: 'praticien, heures' },
    rows.slice(0, 2),
  );
  assert.deepEqual(only.json, [
    [
      {
        data: [
          { praticien: 'Dr Martin', heures: 120 },
          { praticien: 'Dr Leroy', heures: 100 },
        ],
      },
    ],
  ]);
  const except = await aggregate(
    { aggregate: 'aggregateAllItemData', include: 'allFieldsExcept', fieldsToExclude: 'x' },
    [{ x: 1 }, { x: 2, y: 3 }],
  );
  assert.deepEqual(except.json, [[{ data: [{ y: 3 }] }]], 'items left empty are dropped');
  assert.deepEqual(except.outputs[0][0].pairedItem, [{ item: 1 }]);
});

test('individual fields: one list per field, renamed or under the last path segment', async () => {
  const { json, outputs } = await aggregate(
    fields(
      { fieldToAggregate: 'praticien' },
      { fieldToAggregate: 'revenus', renameField: true, outputFieldName: 'ca' },
    ),
    rows,
  );
  assert.deepEqual(json, [
    [{ praticien: ['Dr Martin', 'Dr Leroy', 'Dr Martin'], ca: [45000.5, 38000, 41000.25] }],
  ]);
  assert.deepEqual(outputs[0][0].pairedItem, [{ item: 0 }, { item: 1 }, { item: 2 }]);
  const nested = await aggregate(fields({ fieldToAggregate: 'user.name' }), [
    { user: { name: 'a' } },
    { user: { name: 'b' } },
  ]);
  assert.deepEqual(nested.json, [[{ name: ['a', 'b'] }]]);
  const literal = await aggregate(
    { ...fields({ fieldToAggregate: 'user.name' }), options: { disableDotNotation: true } },
    [{ 'user.name': 'a' }],
  );
  assert.deepEqual(literal.json, [[{ 'user.name': ['a'] }]]);
});

test('missing and null values are skipped unless keepMissing; lists merged with mergeLists', async () => {
  const items = [{ v: 1, l: [1, null] }, { v: null, l: [2] }, { l: null }];
  const plain = await aggregate(fields({ fieldToAggregate: 'v' }, { fieldToAggregate: 'l' }), items);
  assert.deepEqual(plain.json, [[{ v: [1], l: [[1], [2]] }]]);
  const keep = await aggregate(
    { ...fields({ fieldToAggregate: 'v' }), options: { keepMissing: true } },
    items,
  );
  assert.deepEqual(keep.json, [[{ v: [1, null, null] }]]);
  const merged = await aggregate(
    { ...fields({ fieldToAggregate: 'l' }), options: { mergeLists: true } },
    items,
  );
  assert.deepEqual(merged.json, [[{ l: [1, 2] }]]);
});

test('a field found nowhere gives an empty list and a hint', async () => {
  const { json, logs } = await aggregate(fields({ fieldToAggregate: 'nope' }), [{ a: 1 }]);
  assert.deepEqual(json, [[{ nope: [] }]]);
  assert.deepEqual(logs, ["The field 'nope' wasn't found in any input item"]);
});

test('binaries of every aggregated item, suffixed on clashes, optionally unique', async () => {
  const file = { data: 'MQ==', mimeType: 'text/plain', fileSize: 1 };
  const items = [
    { json: { a: 1 }, binary: { file } },
    { json: { a: 2 }, binary: { file } },
  ];
  const all = await aggregate(
    { ...fields({ fieldToAggregate: 'a' }), options: { includeBinaries: true } },
    items,
  );
  assert.deepEqual(all.outputs[0][0].binary, { file, file_1: file });
  const unique = await aggregate(
    { ...fields({ fieldToAggregate: 'a' }), options: { includeBinaries: true, keepOnlyUnique: true } },
    items,
  );
  assert.deepEqual(unique.outputs[0][0].binary, { file });
});

test('defaults, empty input and bad parameters', async () => {
  assert.deepEqual(
    (await aggregate({}, [{ a: 1 }])).json,
    [[{}]],
    'the default field is empty: nothing gathered',
  );
  assert.deepEqual((await aggregate({}, [])).json, [[]]);
  await assert.rejects(aggregate(fields(), [{ a: 1 }]), /No fields specified/);
  await assert.rejects(
    aggregate(fields({ fieldToAggregate: 'a' }, { fieldToAggregate: 'a' }), [{ a: 1 }]),
    /The 'a' output field is used more than once/,
  );
  await assert.rejects(aggregate({ aggregate: 'everything' }, [{ a: 1 }]), /Invalid parameter 'aggregate'/);
});
