import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runNode } from '../testing/run-node.js';
import { limitNode } from './limit.node.js';

// Fixture items of the limit-last conformance case.
const rows = [
  { praticien: 'Dr Martin', periode: '2026-01', heures: 120, actes: 300, revenus: 45000.5 },
  { praticien: 'Dr Leroy', periode: '2026-01', heures: 100, actes: 210, revenus: 38000 },
  { praticien: 'Dr Martin', periode: '2026-02', heures: 110, actes: 280, revenus: 41000.25 },
  { praticien: 'Dr Leroy', periode: '2026-02', heures: 95, actes: 190, revenus: 36500 },
  { praticien: 'Dr Aubert', periode: '2026-02', heures: 80, actes: 150, revenus: 29999.99 },
];

const limit = (parameters: Record<string, unknown>, items: unknown[]) =>
  runNode(limitNode, { parameters, items });

test('conformance limit-last: keeps the last two items, paired with their input index', async () => {
  const { json, outputs } = await limit({ maxItems: 2, keep: 'lastItems' }, rows);
  assert.deepEqual(json, [[rows[3], rows[4]]]);
  assert.deepEqual(
    outputs[0].map((item) => item.pairedItem),
    [{ item: 3 }, { item: 4 }],
  );
});

test('defaults keep the first item only', async () => {
  const { json, outputs } = await limit({}, rows);
  assert.deepEqual(json, [[rows[0]]]);
  assert.deepEqual(outputs[0][0].pairedItem, { item: 0 });
});

test('more room than items keeps them all; zero keeps none; empty input', async () => {
  assert.deepEqual((await limit({ maxItems: 10, keep: 'lastItems' }, rows)).json, [rows]);
  assert.deepEqual((await limit({ maxItems: 0 }, rows)).json, [[]]);
  assert.deepEqual((await limit({ maxItems: 3 }, [])).json, [[]]);
  assert.deepEqual(
    (await limit({ maxItems: '2' }, rows)).json,
    [rows.slice(0, 2)],
    'a numeric string is accepted',
  );
});

test('bad parameters name the parameter', async () => {
  await assert.rejects(limit({ maxItems: -1 }, rows), /Invalid parameter 'maxItems'/);
  await assert.rejects(limit({ maxItems: 'lots' }, rows), /Invalid parameter 'maxItems'/);
  await assert.rejects(limit({ keep: 'middle' }, rows), /Invalid parameter 'keep'/);
});
