import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Item } from '../engine/items.js';
import { runNode } from '../testing/run-node.js';
import { splitOutNode } from './split-out.node.js';

const pairs = (items: Item[]) => items.map((item) => item.pairedItem);
const split = (parameters: Record<string, unknown>, items: unknown[]) =>
  runNode(splitOutNode, { parameters, items });

test('conformance split-out: a list of objects becomes one item per object', async () => {
  const { json, outputs } = await split({ fieldToSplitOut: 'data', options: {} }, [
    { type: 'patients', cabinetId: 'cab_1', data: [{ nom: 'A' }, { nom: 'B' }, { nom: 'C' }] },
  ]);
  assert.deepEqual(json, [[{ nom: 'A' }, { nom: 'B' }, { nom: 'C' }]]);
  assert.deepEqual(pairs(outputs[0]), [{ item: 0 }, { item: 0 }, { item: 0 }]);
});

test('a list of primitives goes under the field name; pairing follows each input item', async () => {
  const { json, outputs } = await split({ fieldToSplitOut: 'tags' }, [{ tags: ['a', 'b'] }, { tags: ['c'] }]);
  assert.deepEqual(json, [[{ tags: 'a' }, { tags: 'b' }, { tags: 'c' }]]);
  assert.deepEqual(pairs(outputs[0]), [{ item: 0 }, { item: 0 }, { item: 1 }]);
});

test('dotted paths, $json. prefix, destination field name', async () => {
  const items = [{ order: { lines: [{ sku: 'x' }, { sku: 'y' }] } }];
  assert.deepEqual((await split({ fieldToSplitOut: '$json.order.lines' }, items)).json, [
    [{ sku: 'x' }, { sku: 'y' }],
  ]);
  const named = await split(
    { fieldToSplitOut: 'order.lines', options: { destinationFieldName: 'line' } },
    items,
  );
  assert.deepEqual(named.json, [[{ line: { sku: 'x' } }, { line: { sku: 'y' } }]]);
  // n8n sets the destination as one key (`json[fieldName] = element`), dots and all: no nesting.
  const dotted = await split(
    { fieldToSplitOut: 'order.lines', options: { destinationFieldName: 'line.item' } },
    items,
  );
  assert.deepEqual(dotted.json, [[{ 'line.item': { sku: 'x' } }, { 'line.item': { sku: 'y' } }]]);
  const literal = await split({ fieldToSplitOut: 'order.lines', options: { disableDotNotation: true } }, [
    { 'order.lines': [1, 2] },
  ]);
  assert.deepEqual(literal.json, [[{ 'order.lines': 1 }, { 'order.lines': 2 }]]);
});

test('objects split into their values; a single value into one item; null too', async () => {
  assert.deepEqual((await split({ fieldToSplitOut: 'm' }, [{ m: { a: 1, b: 2 } }])).json, [
    [{ m: 1 }, { m: 2 }],
  ]);
  assert.deepEqual((await split({ fieldToSplitOut: 'v' }, [{ v: 'solo' }])).json, [[{ v: 'solo' }]]);
  assert.deepEqual((await split({ fieldToSplitOut: 'v' }, [{ v: null }])).json, [[{ v: null }]]);
});

test('a missing field gives no item and a step-log hint, like n8n', async () => {
  const { json, logs } = await split({ fieldToSplitOut: 'nope' }, [{ a: 1 }, { a: 2 }]);
  assert.deepEqual(json, [[]]);
  assert.deepEqual(logs, ["The field 'nope' wasn't found in any input item"]);
});

test('include all other fields, without the split field', async () => {
  const items = [{ id: 1, meta: { keep: true, rows: [{ r: 1 }, { r: 2 }] } }];
  const { json } = await split({ fieldToSplitOut: 'meta.rows', include: 'allOtherFields' }, items);
  assert.deepEqual(json, [
    [
      { id: 1, meta: { keep: true }, 'meta.rows': { r: 1 } },
      { id: 1, meta: { keep: true }, 'meta.rows': { r: 2 } },
    ],
  ]);
  assert.deepEqual(items[0].meta.rows, [{ r: 1 }, { r: 2 }], 'input untouched');
});

test('include selected other fields, which must be given', async () => {
  const items = [{ id: 1, name: 'n', secret: 's', rows: [{ r: 1 }] }];
  const { json } = await split(
    { fieldToSplitOut: 'rows', include: 'selectedOtherFields', fieldsToInclude: 'id, name' },
    items,
  );
  assert.deepEqual(json, [[{ rows: { r: 1 }, id: 1, name: 'n' }]]);
  await assert.rejects(
    split({ fieldToSplitOut: 'rows', include: 'selectedOtherFields' }, items),
    /No fields specified/,
  );
  const nothingSplit = await split({ fieldToSplitOut: 'rows', include: 'selectedOtherFields' }, [
    { rows: [] },
  ]);
  assert.deepEqual(nothingSplit.json, [[]], 'asked for only once there is an item to fill, as n8n');
});

test('the field list drops empty entries and may be an array, as n8n prepareFieldsArray', async () => {
  const items = [{ items: [{ a: 1 }, { a: 2 }] }];
  const expected = [[{ a: 1 }, { a: 2 }]];
  assert.deepEqual((await split({ fieldToSplitOut: 'items,' }, items)).json, expected, 'a trailing comma');
  assert.deepEqual((await split({ fieldToSplitOut: ['items'] }, items)).json, expected);
  await assert.rejects(split({ fieldToSplitOut: ' , ' }, items), /Parameter 'fieldToSplitOut' is required/);
});

test('several fields split side by side; destinations must match in number', async () => {
  const items = [{ a: [1, 2], b: ['x'] }];
  assert.deepEqual((await split({ fieldToSplitOut: 'a, b' }, items)).json, [[{ a: 1, b: 'x' }, { a: 2 }]]);
  await assert.rejects(
    split({ fieldToSplitOut: 'a, b', options: { destinationFieldName: 'only' } }, items),
    /same number of destination fields/,
  );
});

test('binary: kept with includeBinary, or split out with $binary', async () => {
  const f1 = { data: 'MQ==', mimeType: 'text/plain' };
  const f2 = { data: 'Mg==', mimeType: 'text/plain' };
  const items = [{ json: { rows: [1] }, binary: { f1, f2 } }];
  const kept = await split({ fieldToSplitOut: 'rows', options: { includeBinary: true } }, items);
  assert.deepEqual(kept.outputs[0][0].binary, { f1, f2 });
  const dropped = await split({ fieldToSplitOut: 'rows' }, items);
  assert.equal(dropped.outputs[0][0].binary, undefined);
  const files = await split({ fieldToSplitOut: '$binary' }, items);
  assert.deepEqual(
    files.outputs[0].map((item) => item.binary),
    [{ f1 }, { f2 }],
  );
});

test('empty input, and missing or bad parameters', async () => {
  assert.deepEqual((await split({ fieldToSplitOut: 'a' }, [])).json, [[]]);
  await assert.rejects(split({}, [{ a: [1] }]), /Parameter 'fieldToSplitOut' is required/);
  await assert.rejects(
    split({ fieldToSplitOut: 'a', include: 'some' }, [{ a: [1] }]),
    /Invalid parameter 'include'/,
  );
  for (const destinationFieldName of ['__proto__', 'constructor', 'meta.prototype'])
    await assert.rejects(
      split({ fieldToSplitOut: 'a', options: { destinationFieldName } }, [{ a: [{ x: 1 }] }]),
      /Invalid destination field name/,
    );
});
