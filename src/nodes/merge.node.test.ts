import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../engine/clock.js';
import { Engine } from '../engine/engine.js';
import type { Item } from '../engine/items.js';
import { workflowSchema } from '../engine/workflow.js';
import { MemoryRunStore } from '../testing/memory-run-store.js';
import { runNode } from '../testing/run-node.js';
import { mergeNode } from './merge.node.js';
import { createRegistry } from './registry.js';

// Fixture items of the merge-* conformance cases (Code nodes A and B in workflow.json).
const o1 = { orderId: 'o1', customerId: 'c1', total: 120 };
const o2 = { orderId: 'o2', customerId: 'c2', total: 80 };
const o3 = { orderId: 'o3', customerId: 'c9', total: 15 };
const o4 = { orderId: 'o4', customerId: 'c1', total: 42 };
const ana = { customerId: 'c1', firstName: 'Ana', email: 'ana@example.com' };
const bo = { customerId: 'c2', firstName: 'Bo', email: 'bo@example.com' };
const cy = { customerId: 'c3', firstName: 'Cy', email: 'cy@example.com' };

const pairs = (items: Item[]) => items.map((item) => item.pairedItem);
const merge = (parameters: Record<string, unknown>, inputs: unknown[][]) =>
  runNode(mergeNode, { parameters, inputs });

test('conformance merge-append: default parameters append input 1 then input 2', async () => {
  const { json, outputs } = await merge({}, [
    [o1, o2],
    [ana, bo],
  ]);
  assert.deepEqual(json, [[o1, o2, ana, bo]]);
  assert.deepEqual(pairs(outputs[0]), [
    { item: 0 },
    { item: 1 },
    { item: 0, input: 1 },
    { item: 1, input: 1 },
  ]);
});

test('conformance merge-by-position: item i of each input merged, unpaired dropped', async () => {
  const { json, outputs } = await merge({ mode: 'combine', combineBy: 'combineByPosition', options: {} }, [
    [o1, o2, o3],
    [ana, bo],
  ]);
  assert.deepEqual(json, [
    [
      { orderId: 'o1', customerId: 'c1', total: 120, firstName: 'Ana', email: 'ana@example.com' },
      { orderId: 'o2', customerId: 'c2', total: 80, firstName: 'Bo', email: 'bo@example.com' },
    ],
  ]);
  assert.deepEqual(pairs(outputs[0]), [
    [{ item: 0 }, { item: 0, input: 1 }],
    [{ item: 1 }, { item: 1, input: 1 }],
  ]);
});

test('conformance merge-keep-matches: inner join on customerId, every match kept', async () => {
  const { json, outputs } = await merge({ mode: 'combine', fieldsToMatchString: 'customerId', options: {} }, [
    [o1, o2, o3, o4],
    [ana, bo, cy],
  ]);
  assert.deepEqual(json, [
    [
      { ...o1, firstName: 'Ana', email: 'ana@example.com' },
      { ...o2, firstName: 'Bo', email: 'bo@example.com' },
      { ...o4, firstName: 'Ana', email: 'ana@example.com' },
    ],
  ]);
  assert.deepEqual(pairs(outputs[0]), [
    [{ item: 0 }, { item: 0, input: 1 }],
    [{ item: 1 }, { item: 1, input: 1 }],
    [{ item: 3 }, { item: 0, input: 1 }],
  ]);
});

test('append with three inputs and an input that received nothing', async () => {
  const { json, outputs } = await merge({ numberInputs: 3 }, [[{ a: 1 }], [], [{ c: 3 }]]);
  assert.deepEqual(json, [[{ a: 1 }, { c: 3 }]]);
  assert.deepEqual(pairs(outputs[0]), [{ item: 0 }, { item: 0, input: 2 }]);
  assert.equal(mergeNode.inputs instanceof Function && mergeNode.inputs({ numberInputs: 3 } as never), 3);
});

const byFields = (extra: Record<string, unknown>) => ({
  mode: 'combine',
  fieldsToMatchString: 'customerId',
  ...extra,
});

test('keepNonMatches: unmatched of both inputs tagged with _source, or of one input', async () => {
  const inputs = [
    [o1, o3],
    [ana, cy],
  ];
  const both = await merge(byFields({ joinMode: 'keepNonMatches' }), inputs);
  assert.deepEqual(both.json, [
    [
      { ...o3, _source: 'input1' },
      { ...cy, _source: 'input2' },
    ],
  ]);
  assert.deepEqual(pairs(both.outputs[0]), [{ item: 1 }, { item: 1, input: 1 }]);
  const only2 = await merge(byFields({ joinMode: 'keepNonMatches', outputDataFrom: 'input2' }), inputs);
  assert.deepEqual(only2.json, [[cy]]);
});

test('keepEverything: matches merged, then the unmatched of input 1 and input 2', async () => {
  const { json } = await merge(byFields({ joinMode: 'keepEverything' }), [
    [o1, o3],
    [ana, cy],
  ]);
  assert.deepEqual(json, [[{ ...o1, firstName: 'Ana', email: 'ana@example.com' }, o3, cy]]);
});

test('enrichInput1 and enrichInput2: left and right joins', async () => {
  const left = await merge(byFields({ joinMode: 'enrichInput1' }), [
    [o1, o3],
    [ana, cy],
  ]);
  assert.deepEqual(left.json, [[{ ...o1, firstName: 'Ana', email: 'ana@example.com' }, o3]]);
  const right = await merge(byFields({ joinMode: 'enrichInput2' }), [
    [o1, o3],
    [{ ...ana, total: 1 }, cy],
  ]);
  // enrichInput2 prefers input 1's values on clashes
  assert.deepEqual(right.json, [[{ ...ana, orderId: 'o1', total: 120 }, cy]]);
});

test('keepMatches with output from one input, and first match only', async () => {
  const inputs = [
    [o1, o4],
    [ana, { ...ana, firstName: 'Ana2' }],
  ];
  const from1 = await merge(byFields({ outputDataFrom: 'input1' }), inputs);
  assert.deepEqual(from1.json, [[o1, o4]]);
  const from2 = await merge(byFields({ outputDataFrom: 'input2' }), inputs);
  assert.deepEqual(from2.json, [[ana, { ...ana, firstName: 'Ana2' }]]);
  const first = await merge(byFields({ options: { multipleMatches: 'first' } }), inputs);
  assert.deepEqual(first.json, [
    [
      { ...o1, firstName: 'Ana', email: 'ana@example.com' },
      { ...o4, firstName: 'Ana', email: 'ana@example.com' },
    ],
  ]);
});

test('fields with different names, nested paths, fuzzy compare', async () => {
  const advanced = await merge(
    { mode: 'combine', advanced: true, mergeByFields: { values: [{ field1: 'ref.id', field2: 'id' }] } },
    [
      [{ ref: { id: 2 } }, { ref: { id: 3 } }],
      [
        { id: '2', name: 'two' },
        { id: 3, name: 'three' },
      ],
    ],
  );
  assert.deepEqual(advanced.json, [[{ ref: { id: 3 }, id: 3, name: 'three' }]]);
  const fuzzy = await merge(
    {
      mode: 'combine',
      advanced: true,
      mergeByFields: { values: [{ field1: 'ref.id', field2: 'id' }] },
      options: { fuzzyCompare: true },
    },
    [[{ ref: { id: 2 } }], [{ id: '2', name: 'two' }]],
  );
  assert.deepEqual(fuzzy.json, [[{ ref: { id: 2 }, id: '2', name: 'two' }]]);
});

test('clash handling: prefer input 1, add suffixes, shallow merge, minimize empty fields', async () => {
  const inputs = [[{ id: 1, name: 'one', meta: { a: 1 } }], [{ id: 1, name: '', meta: { b: 2 } }]];
  const clash = (values: Record<string, unknown>) => byFieldsId({ options: { clashHandling: { values } } });
  const byFieldsId = (extra: Record<string, unknown>) => ({
    mode: 'combine',
    fieldsToMatchString: 'id',
    ...extra,
  });
  assert.deepEqual((await merge(byFieldsId({}), inputs)).json, [[{ id: 1, name: '', meta: { a: 1, b: 2 } }]]);
  assert.deepEqual((await merge(clash({ resolveClash: 'preferInput1' }), inputs)).json, [
    [{ id: 1, name: 'one', meta: { b: 2, a: 1 } }],
  ]);
  assert.deepEqual((await merge(clash({ resolveClash: 'addSuffix' }), inputs)).json, [
    [{ id_1: 1, name_1: 'one', meta_1: { a: 1 }, id_2: 1, name_2: '', meta_2: { b: 2 } }],
  ]);
  assert.deepEqual(
    (await merge(clash({ resolveClash: 'preferLast', mergeMode: 'shallowMerge' }), inputs)).json,
    [[{ id: 1, name: '', meta: { b: 2 } }]],
  );
  assert.deepEqual(
    (await merge(clash({ resolveClash: 'preferLast', mergeMode: 'deepMerge', overrideEmpty: true }), inputs))
      .json,
    [[{ id: 1, name: 'one', meta: { a: 1, b: 2 } }]],
  );
  assert.deepEqual(inputs[0][0], { id: 1, name: 'one', meta: { a: 1 } }, 'inputs are not mutated');
});

test('deep merge merges arrays index by index, as lodash merge', async () => {
  const { json } = await merge({ mode: 'combine', combineBy: 'combineByPosition' }, [
    [{ list: [1, 2, 3] }],
    [{ list: [9] }],
  ]);
  assert.deepEqual(json, [[{ list: [9, 2, 3] }]]);
});

test('combine by matching fields with an empty input: keepMatches gives nothing, others pass data on', async () => {
  assert.deepEqual((await merge(byFields({}), [[o1], []])).json, [[]]);
  const everything = await merge(byFields({ joinMode: 'keepEverything' }), [[o1], []]);
  assert.deepEqual(everything.json, [[o1]]);
  assert.deepEqual((await merge(byFields({ joinMode: 'enrichInput2' }), [[o1], []])).json, [[]]);
});

test('combine by matching fields without fields names the problem', async () => {
  await assert.rejects(merge({ mode: 'combine' }, [[o1], [ana]]), /define at least one pair of fields/);
  await assert.rejects(
    merge({ mode: 'combine', advanced: true, mergeByFields: { values: [{ field1: 'a', field2: '' }] } }, [
      [o1],
      [ana],
    ]),
    /define both fields in "Fields to Match" for pair 1/,
  );
});

test('combine by position: include unpaired, prefer input 1, three inputs', async () => {
  const unpaired = await merge(
    { mode: 'combine', combineBy: 'combineByPosition', options: { includeUnpaired: true } },
    [[{ a: 1 }, { a: 2 }], [{ b: 1 }]],
  );
  assert.deepEqual(unpaired.json, [[{ a: 1, b: 1 }, { a: 2 }]]);
  assert.deepEqual(pairs(unpaired.outputs[0]), [[{ item: 0 }, { item: 0, input: 1 }], [{ item: 1 }]]);
  const prefer1 = await merge(
    {
      mode: 'combine',
      combineBy: 'combineByPosition',
      options: { clashHandling: { values: { resolveClash: 'preferInput1' } } },
    },
    [[{ v: 1 }], [{ v: 2 }]],
  );
  assert.deepEqual(prefer1.json, [[{ v: 1 }]]);
  const three = await merge({ mode: 'combine', combineBy: 'combineByPosition', numberInputs: 3 }, [
    [{ a: 1 }],
    [{ b: 2 }],
    [{ c: 3 }],
  ]);
  assert.deepEqual(three.json, [[{ a: 1, b: 2, c: 3 }]]);
  assert.deepEqual(pairs(three.outputs[0]), [[{ item: 0 }, { item: 0, input: 1 }, { item: 0, input: 2 }]]);
});

test('combine by position with addSuffix keeps the last input unsuffixed too, as n8n does', async () => {
  const { json } = await merge(
    {
      mode: 'combine',
      combineBy: 'combineByPosition',
      options: { clashHandling: { values: { resolveClash: 'addSuffix' } } },
    },
    [[{ v: 1 }], [{ v: 2 }]],
  );
  assert.deepEqual(json, [[{ v_1: 1, v_2: 2, v: 2 }]]);
});

test('combine all: every pairing, input 2 winning clashes unless input 1 is preferred', async () => {
  const { json, outputs } = await merge({ mode: 'combine', combineBy: 'combineAll' }, [
    [
      { x: 1, k: 'a' },
      { x: 2, k: 'a' },
    ],
    [{ y: 1, k: 'b' }],
  ]);
  assert.deepEqual(json, [
    [
      { x: 1, k: 'b', y: 1 },
      { x: 2, k: 'b', y: 1 },
    ],
  ]);
  assert.deepEqual(pairs(outputs[0]), [
    [{ item: 0 }, { item: 0, input: 1 }],
    [{ item: 1 }, { item: 0, input: 1 }],
  ]);
  const prefer1 = await merge(
    {
      mode: 'combine',
      combineBy: 'combineAll',
      options: { clashHandling: { values: { resolveClash: 'preferInput1' } } },
    },
    [[{ k: 'a' }], [{ k: 'b' }]],
  );
  assert.deepEqual(prefer1.json, [[{ k: 'a' }]]);
});

test('choose branch: data of the chosen input, or one empty item paired with both inputs', async () => {
  const chosen = await merge({ mode: 'chooseBranch', useDataOfInput: 2 }, [[{ a: 1 }], [{ b: 2 }]]);
  assert.deepEqual(chosen.json, [[{ b: 2 }]]);
  assert.deepEqual(pairs(chosen.outputs[0]), [{ item: 0, input: 1 }]);
  const defaults = await merge({ mode: 'chooseBranch' }, [[{ a: 1 }], [{ b: 2 }]]);
  assert.deepEqual(defaults.json, [[{ a: 1 }]]);
  const empty = await merge({ mode: 'chooseBranch', output: 'empty' }, [[{ a: 1 }], [{ b: 2 }]]);
  assert.deepEqual(empty.outputs, [[{ json: {}, pairedItem: [{ item: 0 }, { item: 0, input: 1 }] }]]);
  await assert.rejects(
    merge({ mode: 'chooseBranch', useDataOfInput: 3 }, [[{ a: 1 }], [{ b: 2 }]]),
    /Input 3 doesn't exist/,
  );
  assert.deepEqual(mergeNode.requiredInputs?.({ mode: 'chooseBranch' } as never), [0, 1]);
  assert.deepEqual(mergeNode.requiredInputs?.({ mode: 'append' } as never), []);
});

test('SQL mode is refused clearly; bad parameters name the parameter', async () => {
  await assert.rejects(
    merge({ mode: 'combineBySql', query: 'SELECT * FROM input1' }, [[{}], [{}]]),
    /SQL Query.*not supported/,
  );
  await assert.rejects(merge({ mode: 'zip' }, [[{}], [{}]]), /Invalid parameter 'mode'/);
  await assert.rejects(merge({ joinMode: 'sideways' }, [[{}], [{}]]), /Invalid parameter 'joinMode'/);
});

test('no data on any input gives no items', async () => {
  assert.deepEqual((await merge({}, [[], []])).json, [[]]);
});

test("$('A').item after a Merge follows the { item, input } lineage (engine run)", async () => {
  const registry = createRegistry();
  const engine = new Engine({
    runs: new MemoryRunStore(),
    registry,
    clock: new ManualClock('2026-03-01T10:00:00Z'),
  });
  const field = (name: string, value: string) => ({
    assignments: { assignments: [{ id: name, name, value, type: 'string' }] },
  });
  const workflow = workflowSchema.parse({
    name: 'merge-lineage',
    nodes: [
      { id: 'Start', name: 'Start', type: 'manualTrigger', position: [0, 0] },
      {
        id: 'A',
        name: 'A',
        type: 'set',
        typeVersion: 3.4,
        position: [200, 0],
        parameters: field('a', '={{ "A" + $itemIndex }}'),
      },
      {
        id: 'B',
        name: 'B',
        type: 'set',
        typeVersion: 3.4,
        position: [200, 200],
        parameters: field('b', '={{ "B" + $itemIndex }}'),
      },
      {
        id: 'Merge',
        name: 'Merge',
        type: 'merge',
        typeVersion: 3.2,
        position: [400, 0],
        parameters: { mode: 'combine', combineBy: 'combineByPosition' },
      },
      {
        id: 'After',
        name: 'After',
        type: 'set',
        typeVersion: 3.4,
        position: [600, 0],
        parameters: {
          assignments: {
            assignments: [
              { id: '1', name: 'fromA', value: "={{ $('A').item.json.a }}", type: 'string' },
              { id: '2', name: 'fromB', value: "={{ $('B').item.json.b }}", type: 'string' },
            ],
          },
        },
      },
    ],
    connections: [
      { from: 'Start', to: 'A' },
      { from: 'Start', to: 'B' },
      { from: 'A', to: 'Merge', input: 0 },
      { from: 'B', to: 'Merge', input: 1 },
      { from: 'Merge', to: 'After' },
    ],
  });
  const { run, runData } = await engine.start({
    workflow,
    workflowId: 'wf',
    mode: 'manual',
    triggerItems: [{}, {}],
  });
  assert.equal(run.status, 'succeeded', run.error?.message);
  assert.deepEqual(
    runData.output('After').map((item) => item.json),
    [
      { fromA: 'A0', fromB: 'B0' },
      { fromA: 'A1', fromB: 'B1' },
    ],
  );
});
