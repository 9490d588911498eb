/**
 * Data mappers (Set, Code / Function / Function Item, Item Lists, Remove Duplicates, Date & Time,
 * Summarize): each old typeVersion is converted, run through the engine, and compared with what
 * n8n gives (from the node's source) or with the latest-version form of the same node.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { n8nWorkflow, outputsOf, runN8n } from '../../test/helpers/n8n.js';
import { mapOne } from '../../test/helpers/n8n-map.js';
import type { JsonObject } from '../engine/items.js';
import { FUNCTION_DEFAULT_CODE } from './mappers/code.js';
import { momentToLuxon } from './mappers/date-time.js';

/** Output 0 of node `Node` after running `node` on `items`. */
async function run(
  items: JsonObject[],
  type: string,
  typeVersion: number,
  parameters: Record<string, unknown>,
) {
  const result = await runN8n(
    n8nWorkflow(
      items,
      [{ name: 'Node', type: `n8n-nodes-base.${type}`, typeVersion, parameters }],
      [['Fixture', 0, 'Node']],
    ),
  );
  assert.equal(result.status, 'succeeded', result.error);
  return { out: outputsOf(result, 'Node')[0] ?? [], report: result.report };
}

describe('Set v1/v2 → 3.4', () => {
  const items = [{ a: 1, b: 'x', num: '12' }];

  it('v1: values by type, other fields kept, dot notation, booleans by JavaScript truthiness', async () => {
    const { out, report } = await run(items, 'set', 1, {
      values: {
        string: [
          { name: 's', value: '={{ $json.b }}!' },
          { name: 'deep.key', value: 'v' },
        ],
        number: [
          { name: 'n', value: 5 },
          { name: 'copy', value: '={{ $json.num }}' },
        ],
        boolean: [{ name: 't', value: true }, { name: 'truthy', value: '={{ $json.b }}' }, { name: 'f' }],
      },
    });
    // v1 wrote booleans, then numbers, then strings; an expression's value is kept as it is (v1 numbers too).
    assert.deepEqual(out, [
      {
        a: 1,
        b: 'x',
        num: '12',
        t: true,
        truthy: true,
        f: false,
        n: 5,
        copy: '12',
        s: 'x!',
        deep: { key: 'v' },
      },
    ]);
    assert.deepEqual(report.unsupported, []);
  });

  it('v2 converts numeric text in number fields; keepOnlySet; dotNotation off', async () => {
    const { out } = await run(items, 'set', 2, {
      keepOnlySet: true,
      values: {
        number: [
          { name: 'copy', value: '={{ $json.num }}' },
          { name: 'bad', value: '={{ $json.b }}' },
        ],
        string: [{ name: 'a.b', value: 'v' }],
      },
      options: { dotNotation: false },
    });
    assert.deepEqual(out, [{ copy: 12, bad: 'x', 'a.b': 'v' }]);
  });

  it('v1 and 3.4 give the same items', async () => {
    const v1 = await run(items, 'set', 1, {
      keepOnlySet: true,
      values: { string: [{ name: 'name', value: '={{ $json.b }}' }] },
    });
    const v34 = await run(items, 'set', 3.4, {
      mode: 'manual',
      assignments: { assignments: [{ id: '1', name: 'name', value: '={{ $json.b }}', type: 'string' }] },
      options: {},
    });
    assert.deepEqual(v1.out, v34.out);
  });

  it('3.0–3.2: fields.values with typed keys, include none', async () => {
    const { out, report } = await run(items, 'set', 3.2, {
      fields: {
        values: [
          { name: 'n', type: 'numberValue', numberValue: '7' },
          { name: 'ok', type: 'booleanValue', booleanValue: 'false' },
          { name: 'o', type: 'objectValue', objectValue: '{"k": 1}' },
          { name: 's', stringValue: '={{ $json.b }}' },
        ],
      },
      include: 'none',
      options: { includeBinary: false },
    });
    assert.deepEqual(out, [{ n: 7, ok: false, o: { k: 1 }, s: 'x' }]);
    assert.deepEqual(report.changed, []);
  });

  it('3.0/3.1 string expressions are reported (null handling changed in 3.2)', () => {
    const { node, report } = mapOne('set', 3, {
      fields: { values: [{ name: 's', stringValue: '={{ $json.missing }}' }] },
    });
    assert.deepEqual(node.parameters, {
      mode: 'manual',
      assignments: {
        assignments: [{ id: 'n1-0', name: 's', value: '={{ $json.missing }}', type: 'string' }],
      },
      includeOtherFields: true,
      include: 'all',
      options: { stripBinary: false },
    });
    assert.match(report.changed[0].why, /wrote the text 'null'/);
  });

  it('3.3: options.includeBinary becomes stripBinary', () => {
    const { node } = mapOne('set', 3.3, {
      mode: 'manual',
      assignments: { assignments: [] },
      options: { includeBinary: false },
    });
    assert.deepEqual(node.parameters.options, { stripBinary: true });
  });

  it('3.4 is kept as it is', () => {
    const parameters = {
      mode: 'raw',
      jsonOutput: '={{ { a: 1 } }}',
      includeOtherFields: true,
      include: 'except',
      excludeFields: 'x',
      options: {},
    };
    assert.deepEqual(mapOne('set', 3.4, parameters).node.parameters, parameters);
  });
});

describe('Code, Function, Function Item → Code 2', () => {
  it('Code v1 runs as Code 2', async () => {
    const { out } = await run([{ a: 2 }], 'code', 1, {
      jsCode: 'return $input.all().map(i => ({ json: { b: i.json.a * 2 } }));',
    });
    assert.deepEqual(out, [{ b: 4 }]);
  });

  it('Function: functionCode sees `items`; the default code adds myNewField', async () => {
    const { node } = mapOne('function', 1, {});
    assert.deepEqual(node.parameters, {
      mode: 'runOnceForAllItems',
      language: 'javaScript',
      jsCode: FUNCTION_DEFAULT_CODE,
    });
    const { out } = await run([{ a: 1 }, { a: 2 }], 'function', 1, {});
    assert.deepEqual(out, [
      { a: 1, myNewField: 1 },
      { a: 2, myNewField: 1 },
    ]);
    const sum = await run([{ a: 1 }, { a: 2 }], 'function', 1, {
      functionCode:
        'return [{ json: { total: items.reduce((s, i) => s + i.json.a, 0), count: items.length } }];',
    });
    assert.deepEqual(sum.out, [{ total: 3, count: 2 }]);
  });

  it('Function Item: `item` is the JSON, the returned object the new JSON, per item', async () => {
    const { out } = await run([{ a: 1 }, { a: 2 }], 'functionItem', 1, {
      functionCode: 'item.b = item.a * 10;\nreturn item;',
    });
    assert.deepEqual(out, [
      { a: 1, b: 10 },
      { a: 2, b: 20 },
    ]);
    const fresh = await run([{ a: 1 }], 'functionItem', 1, { functionCode: 'return { only: item.a + 1 };' });
    assert.deepEqual(fresh.out, [{ only: 2 }]);
  });

  it('Function Item: nothing returned fails like n8n', async () => {
    const result = await runN8n(
      n8nWorkflow(
        [{ a: 1 }],
        [{ name: 'Node', type: 'n8n-nodes-base.functionItem', parameters: { functionCode: 'item.x = 1;' } }],
        [['Fixture', 0, 'Node']],
      ),
    );
    assert.equal(result.status, 'failed');
    assert.match(result.error ?? '', /No data got returned/);
  });

  it('Function Item: error lines stay the user’s (the wrapper adds no line before the code)', () => {
    const { node } = mapOne('functionItem', 1, { functionCode: 'a\nb' });
    const code = String(node.parameters.jsCode);
    assert.equal(code.split('\n')[0].endsWith('a'), true);
    assert.equal(code.split('\n')[1], 'b');
    assert.equal(node.parameters.mode, 'runOnceForEachItem');
  });
});

describe('Item Lists v1–v3 → Split Out, Aggregate, Remove Duplicates, Sort, Limit, Summarize', () => {
  const people = [
    { name: 'b', age: 3, tags: ['x', 'y'] },
    { name: 'a', age: 1, tags: ['z'] },
    { name: 'b', age: 3, tags: ['x', 'y'] },
  ];

  it('splitOutItems (the default operation)', async () => {
    const { out, report } = await run([people[0]], 'itemLists', 1, { fieldToSplitOut: 'tags' });
    assert.deepEqual(out, [{ tags: 'x' }, { tags: 'y' }]);
    assert.deepEqual(report.mappedTypes, {
      'n8n-nodes-base.manualTrigger': 1,
      'n8n-nodes-base.code': 1,
      'n8n-nodes-base.itemLists': 1,
    });
  });

  it('splitOutItems with fields to include listed v1-style', () => {
    const { node } = mapOne('itemLists', 2, {
      fieldToSplitOut: 'tags',
      include: 'selectedOtherFields',
      fieldsToInclude: { fields: [{ fieldName: 'name' }, { fieldName: 'age' }] },
    });
    assert.equal(node.type, 'splitOut');
    assert.deepEqual(node.parameters, {
      fieldToSplitOut: 'tags',
      include: 'selectedOtherFields',
      fieldsToInclude: 'name,age',
    });
  });

  it('aggregateItems (v1) and concatenateItems (v3)', async () => {
    const v1 = await run(people, 'itemLists', 1, {
      operation: 'aggregateItems',
      fieldsToAggregate: { fieldToAggregate: [{ fieldToAggregate: 'name' }] },
    });
    assert.deepEqual(v1.out, [{ name: ['b', 'a', 'b'] }]);
    const v3 = await run(people.slice(0, 2), 'itemLists', 3, {
      operation: 'concatenateItems',
      aggregate: 'aggregateAllItemData',
    });
    assert.deepEqual(v3.out, [{ data: people.slice(0, 2) }]);
  });

  it('removeDuplicates, sort, limit', async () => {
    // (n8n flattens the items and fails when their fields differ: the same fields each time here.)
    const flat = people.map(({ name, age }) => ({ name, age }));
    const dedup = await run(flat, 'itemLists', 2, { operation: 'removeDuplicates' });
    assert.deepEqual(dedup.out, flat.slice(0, 2));
    const sorted = await run(people, 'itemLists', 3, {
      operation: 'sort',
      sortFieldsUi: { sortField: [{ fieldName: 'name' }] },
    });
    assert.deepEqual(
      sorted.out.map((i) => i.name),
      ['a', 'b', 'b'],
    );
    const limited = await run(people, 'itemLists', 1, { operation: 'limit', maxItems: 2, keep: 'lastItems' });
    assert.deepEqual(limited.out, people.slice(1));
  });

  it('summarize; an operation with no Relais node stays unsupported', async () => {
    const summed = await run(people, 'itemLists', 3, {
      operation: 'summarize',
      fieldsToSummarize: { values: [{ aggregation: 'sum', field: 'age' }] },
    });
    assert.deepEqual(summed.out, [{ sum_age: 7 }]);
    const { node, report } = mapOne('itemLists', 3, { resource: 'itemList', operation: 'manageBinaries' }); // hypothetical
    assert.equal(node.type, 'unsupported');
    assert.match(report.warnings[0].message, /operation 'manageBinaries' has no Relais node/);
  });
});

describe('Remove Duplicates v1/1.1 → v2', () => {
  it('adds the v2 operation and dedupes the same way', async () => {
    const { node } = mapOne('removeDuplicates', 1.1, { compare: 'selectedFields', fieldsToCompare: 'a' });
    assert.deepEqual(node.parameters, {
      compare: 'selectedFields',
      fieldsToCompare: 'a',
      operation: 'removeDuplicateInputItems',
    });
    const { out } = await run(
      [
        { a: 1, b: 1 },
        { a: 1, b: 2 },
        { a: 2, b: 3 },
      ],
      'removeDuplicates',
      1,
      {
        compare: 'selectedFields',
        fieldsToCompare: 'a',
      },
    );
    assert.deepEqual(out, [
      { a: 1, b: 1 },
      { a: 2, b: 3 },
    ]);
  });
});

describe('Summarize 1.0 → 1.1', () => {
  it('reports that a missing field no longer fails the node', () => {
    const { report } = mapOne('summarize', 1, { fieldsToSummarize: { values: [{ field: 'x' }] } });
    assert.equal(report.changed[0].parameter, 'options.continueIfFieldNotFound');
    assert.deepEqual(mapOne('summarize', 1.1, {}).report.changed, []);
  });
});

describe('Date & Time v1 → v2', () => {
  it('translates moment.js formats to Luxon', () => {
    assert.equal(momentToLuxon('MM/DD/YYYY'), 'MM/dd/yyyy');
    assert.equal(momentToLuxon('YYYY-MM-DD HH:mm:ss'), 'yyyy-MM-dd HH:mm:ss');
    assert.equal(momentToLuxon('dddd, MMMM D [at] h:mm A'), "cccc, MMMM d 'at' h:mm a");
    assert.equal(momentToLuxon('Do MMM'), undefined);
  });

  it('format (default action, default MM/DD/YYYY) → formatDate keeping the input fields', async () => {
    const { node, report } = mapOne('dateTime', 1, { value: '={{ $json.when }}', dataPropertyName: 'out' });
    assert.deepEqual(node.parameters, {
      operation: 'formatDate',
      date: '={{ $json.when }}',
      format: 'custom',
      customFormat: 'MM/dd/yyyy',
      outputFieldName: 'out',
      options: { includeInputFields: true },
    });
    assert.equal(report.changed.length, 1);
    const { out } = await run([{ when: '2024-03-05' }], 'dateTime', 1, {
      value: '={{ $json.when }}',
      toFormat: 'DD.MM.YYYY',
    });
    assert.deepEqual(out, [{ when: '2024-03-05', data: '05.03.2024' }]);
  });

  it('calculate → addToDate / subtractFromDate', async () => {
    const { out } = await run([{ when: '2024-03-05T10:00:00.000Z' }], 'dateTime', 1, {
      action: 'calculate',
      value: '={{ $json.when }}',
      operation: 'subtract',
      duration: 2,
      timeUnit: 'hours',
    });
    assert.equal(out[0].when, '2024-03-05T10:00:00.000Z');
    assert.equal(Date.parse(String(out[0].data)), Date.parse('2024-03-05T08:00:00.000Z'));
  });

  it('time-zone conversion and untranslatable formats stay unsupported, with the reason', () => {
    const tz = mapOne('dateTime', 1, { value: 'x', options: { toTimezone: 'Europe/Paris' } });
    assert.equal(tz.node.type, 'unsupported');
    assert.match(tz.report.warnings[0].message, /time-zone conversion/);
    const fmt = mapOne('dateTime', 1, { value: 'x', toFormat: 'Do MMMM' });
    assert.equal(fmt.node.type, 'unsupported');
    assert.equal(fmt.report.activatable, false);
  });

  it('v2 is kept', () => {
    const parameters = { operation: 'getCurrentDate', includeTime: false };
    assert.deepEqual(mapOne('dateTime', 2, parameters).node.parameters, parameters);
  });
});
