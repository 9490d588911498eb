import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runNode } from '../testing/run-node.js';
import { sortNode } from './sort.node.js';

// Fixture items of the sort-two-keys conformance case.
const rows = [
  { praticien: 'Dr Martin', periode: '2026-01', heures: 120, actes: 300, revenus: 45000.5 },
  { praticien: 'Dr Leroy', periode: '2026-01', heures: 100, actes: 210, revenus: 38000 },
  { praticien: 'Dr Martin', periode: '2026-02', heures: 110, actes: 280, revenus: 41000.25 },
  { praticien: 'Dr Leroy', periode: '2026-02', heures: 95, actes: 190, revenus: 36500 },
  { praticien: 'Dr Aubert', periode: '2026-02', heures: 80, actes: 150, revenus: 29999.99 },
];

const sort = (parameters: Record<string, unknown>, items: unknown[]) =>
  runNode(sortNode, { parameters, items });
const by = (...sortField: Record<string, unknown>[]) => ({ sortFieldsUi: { sortField }, options: {} });

test('conformance sort-two-keys: ascending name, then descending revenue', async () => {
  const { json, outputs } = await sort(
    by({ fieldName: 'praticien' }, { fieldName: 'revenus', order: 'descending' }),
    rows,
  );
  assert.deepEqual(json, [[rows[4], rows[1], rows[3], rows[0], rows[2]]]);
  assert.deepEqual(
    outputs[0].map((item) => item.pairedItem),
    [{ item: 4 }, { item: 1 }, { item: 3 }, { item: 0 }, { item: 2 }],
  );
});

test('strings compare without case; equal keys keep their order', async () => {
  const { json } = await sort(by({ fieldName: 'n' }), [
    { n: 'b', i: 0 },
    { n: 'A', i: 1 },
    { n: 'a', i: 2 },
  ]);
  assert.deepEqual(json, [
    [
      { n: 'A', i: 1 },
      { n: 'a', i: 2 },
      { n: 'b', i: 0 },
    ],
  ]);
});

test('numbers, numeric strings, nested paths', async () => {
  const { json } = await sort(by({ fieldName: 'x.v' }), [
    { x: { v: 10 } },
    { x: { v: '9' } },
    { x: { v: 2 } },
  ]);
  assert.deepEqual(json, [[{ x: { v: 2 } }, { x: { v: '9' } }, { x: { v: 10 } }]]);
  const literal = await sort({ ...by({ fieldName: 'x.v' }), options: { disableDotNotation: true } }, [
    { 'x.v': 2 },
    { 'x.v': 1 },
  ]);
  assert.deepEqual(literal.json, [[{ 'x.v': 1 }, { 'x.v': 2 }]]);
});

test('a missing value never sorts before anything: n8n comparator, same engine sort, same order', async () => {
  // lodash lt(x, undefined) and lt(undefined, x) are both false, so the comparator says "after"
  // both ways; V8's insertion sort then leaves these three items where they were, as in n8n.
  const { json } = await sort(by({ fieldName: 'n' }), [{ n: 2 }, {}, { n: 1 }]);
  assert.deepEqual(json, [[{ n: 2 }, {}, { n: 1 }]]);
  const present = await sort(by({ fieldName: 'n' }), [{ n: 3 }, { n: null }, { n: 1 }]);
  assert.deepEqual(
    present.json,
    [[{ n: null }, { n: 1 }, { n: 3 }]],
    'null counts as 0, as lodash toNumber makes it',
  );
});

test('random type keeps every item once', async () => {
  const { json } = await sort({ type: 'random' }, [{ a: 1 }, { a: 2 }, { a: 3 }]);
  assert.deepEqual(json[0].map((row) => row.a).sort(), [1, 2, 3]);
});

test('errors: no field, a field found nowhere, code type, bad order', async () => {
  await assert.rejects(sort({}, [{ a: 1 }]), /No sorting specified/);
  await assert.rejects(
    sort(by({ fieldName: 'zz' }), [{ a: 1 }]),
    /Couldn't find the field 'zz' in the input data/,
  );
  await assert.rejects(
    sort({ ...by({ fieldName: 'a.b' }), options: { disableDotNotation: true } }, [{ a: { b: 1 } }]),
    (error: Error & { description?: string }) => /disable dot notation/.test(error.description ?? ''),
  );
  await assert.rejects(
    sort({ type: 'code', code: 'return 0' }, [{ a: 1 }]),
    /Sort type 'code' is not supported/,
  );
  await assert.rejects(
    sort(by({ fieldName: 'a', order: 'up' }), [{ a: 1 }]),
    /Invalid parameter 'sortFieldsUi.sortField.0.order'/,
  );
});

test('empty input gives no items; input items are not mutated', async () => {
  assert.deepEqual((await sort(by({ fieldName: 'a' }), [])).json, [[]]);
  const items = [
    { json: { a: 2 }, pairedItem: { item: 5 } },
    { json: { a: 1 }, pairedItem: { item: 6 } },
  ];
  await sort(by({ fieldName: 'a' }), items);
  assert.deepEqual(items[0].pairedItem, { item: 5 });
});
