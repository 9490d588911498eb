import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runNode } from '../testing/run-node.js';
import { normalizeFieldName, summarizeNode } from './summarize.node.js';

// The input of n8n's own Summarize test workflow (`Summarize/test/workflow.summarize.json`).
const n8nItems = [
  {
    category: 'red',
    text: 'foo',
    char: 'a',
    value: 1,
    'params.interval': '1 day',
    params: { interval: '1 day' },
  },
  { category: 'blue', text: 'spam', char: 'b', value: 2, params: { interval: '1 hour' } },
  { category: 'green', text: 'bar', char: 'c', value: 3 },
  { category: 'red', text: 'foo', char: 'a', value: 4 },
  { category: 'red', text: 'bar', char: 'a', value: 5, params: { interval: '1 minute' } },
  { category: 'blue', text: 'foo', char: 'a', value: 6 },
  { category: 'blue', text: 'foo', char: 'a', value: 7, params: { interval: '1 second' } },
];

const charAggregations = {
  values: [
    { aggregation: 'append', field: 'char' },
    { field: 'char' },
    { aggregation: 'countUnique', field: 'char' },
    { aggregation: 'concatenate', field: 'char', separateBy: ', ' },
  ],
};

test('n8n test workflow Summarize1: split by two fields, one item per split', async () => {
  const { json, outputs } = await runNode(summarizeNode, {
    parameters: { fieldsToSummarize: charAggregations, fieldsToSplitBy: 'category, text', options: {} },
    items: n8nItems,
  });
  const row = (category: string, text: string, chars: string[]) => ({
    category,
    text,
    appended_char: chars,
    count_char: chars.length,
    unique_count_char: 1,
    concatenated_char: chars.join(', '),
  });
  assert.deepEqual(json[0], [
    row('red', 'foo', ['a', 'a']),
    row('red', 'bar', ['a']),
    row('blue', 'spam', ['b']),
    row('blue', 'foo', ['a', 'a']),
    row('green', 'bar', ['c']),
  ]);
  assert.deepEqual(outputs[0][0].pairedItem, [{ item: 0 }, { item: 3 }]);
});

test('n8n test workflow Summarize2: singleItem output nests the splits', async () => {
  const { json, outputs } = await runNode(summarizeNode, {
    parameters: {
      fieldsToSummarize: charAggregations,
      fieldsToSplitBy: 'category, text',
      options: { outputFormat: 'singleItem' },
    },
    items: n8nItems,
  });
  const agg = (chars: string[]) => ({
    appended_char: chars,
    count_char: chars.length,
    unique_count_char: 1,
    concatenated_char: chars.join(', '),
  });
  assert.deepEqual(json, [
    [
      {
        red: { foo: agg(['a', 'a']), bar: agg(['a']) },
        blue: { spam: agg(['b']), foo: agg(['a', 'a']) },
        green: { bar: agg(['c']) },
      },
    ],
  ]);
  assert.equal((outputs[0][0].pairedItem as unknown[]).length, 7);
});

test('n8n test workflow Summarize3: numeric aggregations; a repeated aggregation keeps one key', async () => {
  const { json } = await runNode(summarizeNode, {
    parameters: {
      fieldsToSummarize: {
        values: [
          { aggregation: 'average', field: 'value' },
          { aggregation: 'max', field: 'value' },
          { aggregation: 'min', field: 'value' },
          { aggregation: 'max', field: 'value' },
          { aggregation: 'sum', field: 'value' },
          { aggregation: 'append', field: 'value' },
        ],
      },
      fieldsToSplitBy: 'category',
    },
    items: n8nItems,
  });
  assert.deepEqual(json[0], [
    {
      category: 'red',
      average_value: 10 / 3,
      max_value: 5,
      min_value: 1,
      sum_value: 10,
      appended_value: [1, 4, 5],
    },
    {
      category: 'blue',
      average_value: 5,
      max_value: 7,
      min_value: 2,
      sum_value: 15,
      appended_value: [2, 6, 7],
    },
    { category: 'green', average_value: 3, max_value: 3, min_value: 3, sum_value: 3, appended_value: [3] },
  ]);
});

test('n8n test workflow: dot notation, and disabled dot notation', async () => {
  const fieldsToSummarize = { values: [{ aggregation: 'append', field: 'params.interval' }] };
  const dotted = await runNode(summarizeNode, { parameters: { fieldsToSummarize }, items: n8nItems });
  assert.deepEqual(dotted.json, [
    [{ appended_params_interval: ['1 day', '1 hour', '1 minute', '1 second'] }],
  ]);
  const literal = await runNode(summarizeNode, {
    parameters: { fieldsToSummarize, options: { disableDotNotation: true } },
    items: n8nItems,
  });
  assert.deepEqual(literal.json, [[{ appended_params_interval: ['1 day'] }]]);
});

test("a path goes through a string's own properties, as lodash get does (s.length)", async () => {
  const { json } = await runNode(summarizeNode, {
    parameters: {
      fieldsToSummarize: {
        values: [
          { aggregation: 'max', field: 's.length' },
          { aggregation: 'append', field: 's[0]' },
          { aggregation: 'append', field: 's.toString' },
        ],
      },
    },
    items: [{ s: 'abc' }, { s: 'ab' }],
  });
  assert.deepEqual(json, [[{ max_s_length: 3, appended_s0: ['a', 'a'], appended_s_toString: [] }]]);
});

test('n8n test workflow countWithEmpty: count and countUnique, with and without empty values', async () => {
  const reviews = [
    { review: 'Great product!' },
    { review: '' },
    { review: null },
    { review: null },
    { review: 'Bad product' },
    {},
    {},
  ];
  const run = async (values: unknown[]) =>
    (await runNode(summarizeNode, { parameters: { fieldsToSummarize: { values } }, items: reviews }))
      .json[0][0];
  assert.deepEqual(await run([{ field: 'review' }]), { count_review: 2 });
  assert.deepEqual(await run([{ aggregation: 'countUnique', field: 'review' }]), { unique_count_review: 2 });
  assert.deepEqual(await run([{ field: 'review', includeEmpty: true }]), { count_review: 7 });
  assert.deepEqual(await run([{ aggregation: 'countUnique', field: 'review', includeEmpty: true }]), {
    unique_count_review: 5,
  });

  const sales = [
    { region: 'North', sales: 100 },
    { region: 'North', sales: 200 },
    { region: 'South', sales: null },
    { region: '', sales: 300 },
    { region: 'East' },
    { region: 'West', sales: 400 },
  ];
  const { json } = await runNode(summarizeNode, {
    parameters: {
      fieldsToSummarize: { values: [{ aggregation: 'countUnique', field: 'region' }, { field: 'sales' }] },
    },
    items: sales,
  });
  assert.deepEqual(json[0][0], { unique_count_region: 4, count_sales: 4 });
});

test('the practice dashboard: revenue per practitioner (sum_revenus, count, average)', async () => {
  const production = [
    { praticien: 'Dr Martin', periode: '2026-01', heures: 120, revenus: 45000.5 },
    { praticien: 'Dr Leroy', periode: '2026-01', heures: 100, revenus: 38000 },
    { praticien: 'Dr Martin', periode: '2026-02', heures: 110, revenus: 41000.25 },
  ];
  const { json } = await runNode(summarizeNode, {
    parameters: {
      fieldsToSummarize: {
        values: [
          { aggregation: 'sum', field: 'revenus' },
          { aggregation: 'count', field: 'periode' },
          { aggregation: 'average', field: 'heures' },
        ],
      },
      fieldsToSplitBy: 'praticien',
    },
    items: production,
  });
  assert.deepEqual(json[0], [
    { praticien: 'Dr Martin', sum_revenus: 86000.75, count_periode: 2, average_heures: 115 },
    { praticien: 'Dr Leroy', sum_revenus: 38000, count_periode: 1, average_heures: 100 },
  ]);
});

test('sum/average ignore non-numbers; min/max compare what is there; empty average is null', async () => {
  const items = [{ v: 5 }, { v: '7' }, { v: null }, { v: '' }, { v: 2 }];
  const { json } = await runNode(summarizeNode, {
    parameters: {
      fieldsToSummarize: {
        values: [
          { aggregation: 'sum', field: 'v' },
          { aggregation: 'average', field: 'v' },
          { aggregation: 'min', field: 'v' },
          { aggregation: 'max', field: 'v' },
          { aggregation: 'average', field: 'missing' },
          { aggregation: 'min', field: 'missing' },
        ],
      },
    },
    items,
  });
  assert.deepEqual(json[0][0], {
    sum_v: 7,
    average_v: 3.5,
    min_v: 2,
    max_v: '7',
    average_missing: null,
    min_missing: null,
  });
});

test('concatenate: separators, custom separator, objects as JSON, includeEmpty', async () => {
  const items = [{ t: 'a' }, { t: { x: 1 } }, { t: '' }, { t: 3 }];
  const run = async (entry: Record<string, unknown>) =>
    (
      await runNode(summarizeNode, {
        parameters: { fieldsToSummarize: { values: [{ aggregation: 'concatenate', field: 't', ...entry }] } },
        items,
      })
    ).json[0][0].concatenated_t;
  assert.equal(await run({}), 'a,{"x":1},3');
  assert.equal(await run({ separateBy: '\n' }), 'a\n{"x":1}\n3');
  assert.equal(await run({ separateBy: 'other', customSeparator: ' | ' }), 'a | {"x":1} | 3');
  assert.equal(await run({ separateBy: '', includeEmpty: true }), 'a{"x":1}3');
});

test('split values keep their type (v1.1); skipEmptySplitFields drops empty groups', async () => {
  const items = [
    { k: 1, v: 1 },
    { k: '1', v: 2 },
    { k: '', v: 3 },
    { k: null, v: 4 },
    { k: 0, v: 5 },
    { v: 6 },
  ];
  const values = [{ aggregation: 'sum', field: 'v' }];
  const all = await runNode(summarizeNode, {
    parameters: { fieldsToSummarize: { values }, fieldsToSplitBy: 'k' },
    items,
  });
  assert.deepEqual(all.json[0], [
    { k: 1, sum_v: 1 },
    { k: '1', sum_v: 2 },
    { k: '', sum_v: 3 },
    { k: null, sum_v: 4 },
    { k: 0, sum_v: 5 },
    { k: undefined, sum_v: 6 },
  ]);
  const skipped = await runNode(summarizeNode, {
    parameters: {
      fieldsToSummarize: { values },
      fieldsToSplitBy: 'k',
      options: { skipEmptySplitFields: true },
    },
    items,
  });
  assert.deepEqual(skipped.json[0], [
    { k: 1, sum_v: 1 },
    { k: '1', sum_v: 2 },
    { k: 0, sum_v: 5 },
  ]);
});

test('a field found in no item does not fail (v1.1) but is logged on the step', async () => {
  const { json, logs } = await runNode(summarizeNode, {
    parameters: { fieldsToSummarize: { values: [{ aggregation: 'sum', field: 'nope' }] } },
    items: [{ a: 1 }],
  });
  assert.deepEqual(json, [[{ sum_nope: 0 }]]);
  assert.deepEqual(logs, ["The field 'nope' does not exist in any items"]);
});

test('empty input gives one summary item', async () => {
  const { json } = await runNode(summarizeNode, {
    parameters: { fieldsToSummarize: { values: [{ field: 'x' }, { aggregation: 'sum', field: 'y' }] } },
    items: [],
  });
  assert.deepEqual(json, [[{ count_x: 0, sum_y: 0 }]]);
});

test('field names are normalised as in n8n', () => {
  assert.equal(normalizeFieldName('sum_a.b c'), 'sum_a_b_c');
  assert.equal(normalizeFieldName('count_a["b"][0]'), 'count_ab0');
});

test('no field to summarize is refused with the parameter named', async () => {
  await assert.rejects(
    runNode(summarizeNode, { items: [{ a: 1 }] }),
    /Invalid parameter 'fieldsToSummarize'/,
  );
  await assert.rejects(
    runNode(summarizeNode, {
      parameters: { fieldsToSummarize: { values: [{ aggregation: 'median', field: 'a' }] } },
      items: [{ a: 1 }],
    }),
    /Invalid parameter 'fieldsToSummarize.values.0.aggregation'/,
  );
});
