import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runNode } from '../testing/run-node.js';
import { canonical, flattenKeys, removeDuplicatesNode } from './remove-duplicates.node.js';

const cases = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'n8n-conformance');

test('conformance remove-duplicates: selected field email keeps the first of each', async () => {
  const workflow = JSON.parse(readFileSync(join(cases, 'remove-duplicates', 'workflow.json'), 'utf8'));
  const expected = JSON.parse(readFileSync(join(cases, 'remove-duplicates', 'expected.json'), 'utf8'));
  const node = workflow.nodes.find((n: { name: string }) => n.name === 'Dedupe');
  const { json, outputs } = await runNode(removeDuplicatesNode, {
    parameters: node.parameters,
    items: expected.nodes.Fixture[0],
  });
  assert.deepEqual(json, expected.nodes.Dedupe);
  assert.deepEqual(
    outputs[0].map((i) => i.pairedItem),
    [{ item: 0 }, { item: 1 }, { item: 2 }],
  );
});

test('allFields (the default) compares every field, nested ones included', async () => {
  const items = [
    { a: 1, b: { c: 'x' } },
    { a: 1, b: { c: 'y' } },
    { a: 1, b: { c: 'x' } },
    { b: { c: 'x' }, a: 1 },
  ];
  const { json } = await runNode(removeDuplicatesNode, { items });
  assert.deepEqual(json, [[items[0], items[1]]]);
});

test('allFields: a field missing from some items fails as in n8n', async () => {
  await assert.rejects(
    runNode(removeDuplicatesNode, { items: [{ a: 1, b: 2 }, { a: 1 }] }),
    /'b' field is missing from some input items/,
  );
  // Arrays flatten to indexed paths, so arrays of different lengths fail too (n8n's flattenKeys).
  await assert.rejects(
    runNode(removeDuplicatesNode, { items: [{ tags: ['a', 'b'] }, { tags: ['a'] }] }),
    /'tags.1' field is missing/,
  );
});

test('null values are allowed and equal to each other', async () => {
  const { json } = await runNode(removeDuplicatesNode, {
    parameters: { compare: 'selectedFields', fieldsToCompare: 'email' },
    items: [
      { email: null, n: 1 },
      { email: null, n: 2 },
      { email: 'a@b.c', n: 3 },
    ],
  });
  assert.deepEqual(json, [
    [
      { email: null, n: 1 },
      { email: 'a@b.c', n: 3 },
    ],
  ]);
});

test('a field of different types across items is refused', async () => {
  await assert.rejects(
    runNode(removeDuplicatesNode, {
      parameters: { compare: 'selectedFields', fieldsToCompare: 'id' },
      items: [{ id: 1 }, { id: '1' }],
    }),
    /'id' isn't always the same type/,
  );
});

test('allFieldsExcept leaves the excluded fields out of the comparison', async () => {
  const items = [
    { nom: 'Dumitru', email: 'm@d.fr', importedAt: 1 },
    { nom: 'Dumitru', email: 'm@d.fr', importedAt: 2 },
    { nom: 'Rimbo', email: 'j@r.fr', importedAt: 3 },
  ];
  const { json } = await runNode(removeDuplicatesNode, {
    parameters: { compare: 'allFieldsExcept', fieldsToExclude: 'importedAt' },
    items,
  });
  assert.deepEqual(json, [[items[0], items[2]]]);
});

test('selectedFields with several fields and dot paths', async () => {
  const items = [
    { p: { nom: 'A', ville: 'Lyon' }, n: 1 },
    { p: { nom: 'A', ville: 'Paris' }, n: 2 },
    { p: { nom: 'A', ville: 'Lyon' }, n: 3 },
  ];
  const { json } = await runNode(removeDuplicatesNode, {
    parameters: { compare: 'selectedFields', fieldsToCompare: 'p.nom, p.ville' },
    items,
  });
  assert.deepEqual(
    json[0].map((j) => j.n),
    [1, 2],
  );
});

test('disableDotNotation reads field names literally', async () => {
  const items = [
    { 'a.b': 1, n: 1 },
    { 'a.b': 1, n: 2 },
  ];
  const { json } = await runNode(removeDuplicatesNode, {
    parameters: { compare: 'selectedFields', fieldsToCompare: 'a.b', options: { disableDotNotation: true } },
    items,
  });
  assert.deepEqual(json, [[items[0]]]);
  await assert.rejects(
    runNode(removeDuplicatesNode, {
      parameters: {
        compare: 'selectedFields',
        fieldsToCompare: 'x.y',
        options: { disableDotNotation: true },
      },
      items: [{ x: { y: 1 } }],
    }),
    (error: Error & { description?: string }) =>
      /'x.y' field is missing/.test(error.message) && /disable dot notation/.test(error.description ?? ''),
  );
});

test('removeOtherFields keeps only the compared fields (nested ones nested)', async () => {
  const { json, outputs } = await runNode(removeDuplicatesNode, {
    parameters: {
      compare: 'selectedFields',
      fieldsToCompare: 'email, p.ville',
      options: { removeOtherFields: true },
    },
    items: [
      { email: 'a@b.c', p: { ville: 'Lyon', cp: '69000' }, n: 1 },
      { email: 'a@b.c', p: { ville: 'Lyon', cp: '69001' }, n: 2 },
      { email: 'x@y.z', p: { ville: 'Lyon', cp: '69000' }, n: 3 },
    ],
  });
  assert.deepEqual(json, [
    [
      { email: 'a@b.c', p: { ville: 'Lyon' } },
      { email: 'x@y.z', p: { ville: 'Lyon' } },
    ],
  ]);
  assert.deepEqual(
    outputs[0].map((i) => i.pairedItem),
    [{ item: 0 }, { item: 2 }],
  );
});

test('deep equality: objects with keys in another order are equal, 1 and "1" are not', () => {
  assert.equal(canonical({ a: 1, b: [1, { c: 2 }] }), canonical({ b: [1, { c: 2 }], a: 1 }));
  assert.notEqual(canonical(1), canonical('1'));
  assert.notEqual(canonical(null), canonical('null'));
  assert.deepEqual(flattenKeys({ a: { b: 1, c: [] }, d: [1, 2], e: null }), ['a.b', 'd.0', 'd.1', 'e']);
});

test('empty input gives empty output', async () => {
  assert.deepEqual((await runNode(removeDuplicatesNode, { items: [] })).json, [[]]);
});

test('missing field lists and blank names are refused', async () => {
  await assert.rejects(
    runNode(removeDuplicatesNode, { parameters: { compare: 'selectedFields' }, items: [{ a: 1 }] }),
    /Invalid parameter 'fieldsToCompare'/,
  );
  await assert.rejects(
    runNode(removeDuplicatesNode, {
      parameters: { compare: 'allFieldsExcept', fieldsToExclude: ' , ' },
      items: [{ a: 1 }],
    }),
    /Invalid parameter 'fieldsToExclude'/,
  );
  await assert.rejects(
    runNode(removeDuplicatesNode, { parameters: { compare: 'some' }, items: [{ a: 1 }] }),
    /Invalid parameter 'compare'/,
  );
});
