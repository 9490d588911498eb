/**
 * Flow mappers (IF, Filter, Switch, Merge, Split In Batches): old typeVersions converted, with their
 * outputs re-wired, and run through the engine.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Links, n8nWorkflow, outputsOf, runN8n } from '../../test/helpers/n8n.js';
import { itemsNode, mapOne } from '../../test/helpers/n8n-map.js';
import type { JsonObject } from '../engine/items.js';
import { convertN8nWorkflow } from './convert.js';
import type { N8nNode } from './types.js';

const noOp = (name: string): Partial<N8nNode> => ({ name, type: 'n8n-nodes-base.noOp', typeVersion: 1 });

async function runFlow(items: JsonObject[], nodes: Partial<N8nNode>[], links: Links) {
  const result = await runN8n(n8nWorkflow(items, nodes, links));
  assert.equal(result.status, 'succeeded', result.error);
  return result;
}

/** The values of `field` in a node's first output. */
function values(run: Awaited<ReturnType<typeof runFlow>>, node: string, field = 'n'): unknown[] {
  return (outputsOf(run, node)[0] ?? []).map((i) => i[field]);
}

const numbers = [{ n: 1 }, { n: 5 }, { n: 10 }, { n: 20 }];

describe('IF v1 → 2.2', () => {
  it('conditions by type with combineOperation any; outputs kept', async () => {
    const run = await runFlow(
      [...numbers, { n: 3, s: 'hello' }],
      [
        {
          name: 'If',
          type: 'n8n-nodes-base.if',
          typeVersion: 1,
          parameters: {
            conditions: {
              number: [{ value1: '={{ $json.n }}', operation: 'largerEqual', value2: 10 }],
              string: [{ value1: '={{ $json.s }}', operation: 'contains', value2: 'ell' }],
            },
            combineOperation: 'any',
          },
        },
        noOp('True'),
        noOp('False'),
      ],
      [
        ['Fixture', 0, 'If'],
        ['If', 0, 'True'],
        ['If', 1, 'False'],
      ],
    );
    assert.deepEqual(values(run, 'True'), [10, 20, 3]);
    assert.deepEqual(values(run, 'False'), [1, 5]);
    assert.ok(run.report.changed.some((c) => c.node === 'If' && /loose type conversion/.test(c.why)));
  });

  it('defaults of the old editor: number smaller than 0, all conditions', () => {
    const { node } = mapOne('if', 1, {
      conditions: { number: [{}], boolean: [{ value1: true, value2: true }] },
    });
    const filter = node.parameters.conditions as {
      conditions: { leftValue: unknown; rightValue: unknown; operator: unknown }[];
      combinator: string;
    };
    assert.equal(filter.combinator, 'and');
    assert.deepEqual(
      filter.conditions.map((c) => [c.leftValue, c.operator, c.rightValue]),
      [
        [true, { type: 'boolean', operation: 'equals' }, true],
        [0, { type: 'number', operation: 'lt' }, 0],
      ],
    );
  });

  it('isEmpty and regex; v1 equals v2.2 on typed values', async () => {
    const items = [{ s: '' }, { s: 'abc123' }, { s: 'abc' }];
    const v1 = await runFlow(
      items,
      [
        {
          name: 'If',
          type: 'n8n-nodes-base.if',
          typeVersion: 1,
          parameters: {
            conditions: { string: [{ value1: '={{ $json.s }}', operation: 'regex', value2: '/\\d+$/' }] },
          },
        },
        noOp('True'),
      ],
      [
        ['Fixture', 0, 'If'],
        ['If', 0, 'True'],
      ],
    );
    assert.deepEqual(values(v1, 'True', 's'), ['abc123']);
    const empty = await runFlow(
      items,
      [
        {
          name: 'If',
          type: 'n8n-nodes-base.if',
          typeVersion: 1,
          parameters: { conditions: { string: [{ value1: '={{ $json.s }}', operation: 'isEmpty' }] } },
        },
        noOp('True'),
      ],
      [
        ['Fixture', 0, 'If'],
        ['If', 0, 'True'],
      ],
    );
    assert.deepEqual(values(empty, 'True', 's'), ['']);
  });

  it('2.0: options.looseTypeValidation moves up; filter version 1 written', () => {
    const { node } = mapOne('if', 2, {
      conditions: {
        conditions: [],
        combinator: 'and',
        options: { caseSensitive: true, leftValue: '', typeValidation: 'strict' },
      },
      options: { looseTypeValidation: true },
    });
    assert.equal(node.parameters.looseTypeValidation, true);
    assert.equal((node.parameters.conditions as { options: { version: number } }).options.version, 1);
    const latest = mapOne('if', 2.2, {
      conditions: { conditions: [], options: { version: 2 } },
      looseTypeValidation: false,
    });
    assert.deepEqual(latest.node.parameters, {
      conditions: { conditions: [], options: { version: 2 } },
      looseTypeValidation: false,
    });
  });
});

describe('Filter v1 → 2.2', () => {
  it('combineConditions OR; the n8n error output is the Relais error output', async () => {
    const run = await runFlow(
      numbers,
      [
        {
          name: 'Filter',
          type: 'n8n-nodes-base.filter',
          typeVersion: 1,
          parameters: {
            conditions: {
              number: [
                { value1: '={{ $json.n }}', operation: 'smaller', value2: 2 },
                { value1: '={{ $json.n }}', operation: 'larger', value2: 15 },
              ],
            },
            combineConditions: 'OR',
          },
        },
        noOp('Kept'),
      ],
      [
        ['Fixture', 0, 'Filter'],
        ['Filter', 0, 'Kept'],
      ],
    );
    assert.deepEqual(values(run, 'Kept'), [1, 20]);
    const { workflow } = convertN8nWorkflow(
      {
        name: 'e',
        nodes: [
          {
            name: 'Filter',
            type: 'n8n-nodes-base.filter',
            typeVersion: 2,
            onError: 'continueErrorOutput',
            parameters: {},
          },
          { name: 'Ok', type: 'n8n-nodes-base.noOp' },
          { name: 'Err', type: 'n8n-nodes-base.noOp' },
        ],
        connections: {
          Filter: {
            main: [[{ node: 'Ok', type: 'main', index: 0 }], [{ node: 'Err', type: 'main', index: 0 }]],
          },
        },
      },
      {},
    );
    assert.deepEqual(
      workflow.connections?.map((c) => [c.from, c.output, c.to]),
      [
        ['Filter', 0, 'Ok'],
        ['Filter', 'error', 'Err'],
      ],
    );
  });
});

describe('Switch v1/v2/v3.0 → 3.2', () => {
  const items = [{ n: 1 }, { n: 2 }, { n: 7 }, { n: 50 }];

  it('v1 rules: four outputs, rules sharing an output, fallback output re-wired', async () => {
    const run = await runFlow(
      items,
      [
        {
          name: 'Switch',
          type: 'n8n-nodes-base.switch',
          typeVersion: 1,
          parameters: {
            value1: '={{ $json.n }}',
            rules: {
              rules: [
                { operation: 'equal', value2: 1 }, // output 0 by default
                { operation: 'equal', value2: 2, output: 2 },
                { operation: 'larger', value2: 40, output: 2 },
              ],
            },
            fallbackOutput: 3,
          },
        },
        noOp('Zero'),
        noOp('Two'),
        noOp('Three'),
      ],
      [
        ['Fixture', 0, 'Switch'],
        ['Switch', 0, 'Zero'],
        ['Switch', 2, 'Two'],
        ['Switch', 3, 'Three'],
      ],
    );
    assert.deepEqual(values(run, 'Zero'), [1]);
    assert.deepEqual(values(run, 'Two'), [2, 50]);
    assert.deepEqual(values(run, 'Three'), [7]);
  });

  it('v1: a fallback output that a rule also uses reuses that rule’s output', () => {
    const { node } = mapOne('switch', 1, {
      dataType: 'string',
      value1: '={{ $json.s }}',
      rules: { rules: [{ operation: 'startsWith', value2: 'a', output: 1 }] },
      fallbackOutput: 1,
    });
    assert.equal((node.parameters.options as { fallbackOutput: number }).fallbackOutput, 0);
    const rules = (
      node.parameters.rules as { values: { conditions: { conditions: { operator: unknown }[] } }[] }
    ).values;
    assert.deepEqual(rules[0].conditions.conditions[0].operator, { type: 'string', operation: 'startsWith' });
  });

  it('v2 rules: one output per rule, fallback a rule index, output keys kept', async () => {
    const run = await runFlow(
      items,
      [
        {
          name: 'Switch',
          type: 'n8n-nodes-base.switch',
          typeVersion: 2,
          parameters: {
            dataType: 'number',
            value1: '={{ $json.n }}',
            rules: {
              rules: [
                { operation: 'smaller', value2: 2, outputKey: 'small' },
                { operation: 'largerEqual', value2: 10 },
              ],
            },
            fallbackOutput: 1,
          },
        },
        noOp('Small'),
        noOp('Big'),
      ],
      [
        ['Fixture', 0, 'Switch'],
        ['Switch', 0, 'Small'],
        ['Switch', 1, 'Big'],
      ],
    );
    assert.deepEqual(values(run, 'Small'), [1]);
    assert.deepEqual(values(run, 'Big'), [2, 7, 50]);
  });

  it('v1 expression mode: the output number chooses among four', async () => {
    const run = await runFlow(
      items,
      [
        {
          name: 'Switch',
          type: 'n8n-nodes-base.switch',
          typeVersion: 1,
          parameters: { mode: 'expression', output: '={{ $json.n > 5 ? 3 : 0 }}' },
        },
        noOp('Zero'),
        noOp('Three'),
      ],
      [
        ['Fixture', 0, 'Switch'],
        ['Switch', 0, 'Zero'],
        ['Switch', 3, 'Three'],
      ],
    );
    assert.deepEqual(values(run, 'Zero'), [1, 2]);
    assert.deepEqual(values(run, 'Three'), [7, 50]);
  });

  it('3.0: loose flag moved, filter version 1 on every rule', () => {
    const { node } = mapOne('switch', 3, {
      rules: { values: [{ conditions: { conditions: [], combinator: 'and' } }] },
      options: { looseTypeValidation: true, fallbackOutput: 'extra' },
    });
    assert.equal(node.parameters.looseTypeValidation, true);
    assert.deepEqual((node.parameters.rules as { values: unknown[] }).values, [
      { conditions: { conditions: [], combinator: 'and', options: { version: 1 } } },
    ]);
  });
});

describe('Merge v1/v2 → 3.2', () => {
  const merge = (parameters: Record<string, unknown>, typeVersion = 1): Partial<N8nNode> => ({
    name: 'Merge',
    type: 'n8n-nodes-base.merge',
    typeVersion,
    parameters,
  });

  async function runMerge(
    parameters: Record<string, unknown>,
    input1: JsonObject[],
    input2: JsonObject[],
    typeVersion = 1,
  ) {
    const run = await runFlow(
      [{}],
      [itemsNode('A', input1), itemsNode('B', input2), merge(parameters, typeVersion)],
      [
        ['Fixture', 0, 'A'],
        ['Fixture', 0, 'B'],
        ['A', 0, 'Merge', 0],
        ['B', 0, 'Merge', 1],
      ],
    );
    return { out: outputsOf(run, 'Merge')[0] ?? [], report: run.report };
  }

  it('append (the default mode)', async () => {
    const { out } = await runMerge({}, [{ a: 1 }], [{ b: 1 }]);
    assert.deepEqual(out, [{ a: 1 }, { b: 1 }]);
  });

  it('mergeByIndex: inner, outer and left (input 2 wins on clashes)', async () => {
    const one = [
      { a: 1, same: 'x' },
      { a: 2, same: 'y' },
    ];
    const two = [{ b: 1, same: 'z' }];
    assert.deepEqual((await runMerge({ mode: 'mergeByIndex', join: 'inner' }, one, two)).out, [
      { a: 1, same: 'z', b: 1 },
    ]);
    assert.deepEqual((await runMerge({ mode: 'mergeByIndex', join: 'outer' }, one, two)).out, [
      { a: 1, same: 'z', b: 1 },
      { a: 2, same: 'y' },
    ]);
    const left = await runMerge({ mode: 'mergeByIndex' }, one, two);
    assert.deepEqual(left.out, [
      { a: 1, same: 'z', b: 1 },
      { a: 2, same: 'y' },
    ]);
    assert.ok(left.report.changed.some((c) => c.parameter === 'join'));
  });

  it('multiplex: every pair', async () => {
    const { out } = await runMerge({ mode: 'multiplex' }, [{ a: 1 }, { a: 2 }], [{ b: 1 }, { b: 2 }]);
    assert.deepEqual(out, [
      { a: 1, b: 1 },
      { a: 1, b: 2 },
      { a: 2, b: 1 },
      { a: 2, b: 2 },
    ]);
  });

  it('keepKeyMatches / removeKeyMatches compare keys as text', async () => {
    const one = [
      { id: 1, v: 'a' },
      { id: 2, v: 'b' },
    ];
    const two = [{ key: '1' }];
    const params = { propertyName1: 'id', propertyName2: 'key' };
    assert.deepEqual((await runMerge({ mode: 'keepKeyMatches', ...params }, one, two)).out, [
      { id: 1, v: 'a' },
    ]);
    assert.deepEqual((await runMerge({ mode: 'removeKeyMatches', ...params }, one, two)).out, [
      { id: 2, v: 'b' },
    ]);
  });

  it('mergeByKey: input-2 values overwrite (always) or fill blanks', async () => {
    const one = [
      { id: 1, x: 'a', e: '' },
      { id: 2, x: 'b' },
    ];
    const two = [{ id: 1, x: 'z', e: 'filled', y: 1 }];
    const params = { mode: 'mergeByKey', propertyName1: 'id', propertyName2: 'id' };
    assert.deepEqual((await runMerge(params, one, two)).out, [
      { id: 1, x: 'z', e: 'filled', y: 1 },
      { id: 2, x: 'b' },
    ]);
    assert.deepEqual((await runMerge({ ...params, overwrite: 'blank' }, one, two)).out, [
      { id: 1, x: 'a', e: 'filled', y: 1 },
      { id: 2, x: 'b' },
    ]);
  });

  it('passThrough and wait', async () => {
    assert.deepEqual(
      (await runMerge({ mode: 'passThrough', output: 'input2' }, [{ a: 1 }], [{ b: 1 }])).out,
      [{ b: 1 }],
    );
    assert.deepEqual((await runMerge({ mode: 'passThrough' }, [{ a: 1 }], [{ b: 1 }])).out, [{ a: 1 }]);
    const wait = await runMerge({ mode: 'wait' }, [{ a: 1 }], [{ b: 1 }]);
    assert.deepEqual(wait.out, [{}]);
    assert.ok(wait.report.changed.some((c) => /waits for both inputs/.test(c.why)));
  });

  it('v2 enrichInput2: input 2’s values win on clashes, as in v2', async () => {
    const { out } = await runMerge(
      {
        mode: 'combine',
        mergeByFields: { values: [{ field1: 'id', field2: 'id' }] },
        joinMode: 'enrichInput2',
      },
      [{ id: 1, v: 'one', only1: true }],
      [
        { id: 1, v: 'two' },
        { id: 2, v: 'x' },
      ],
      2.1,
    );
    assert.deepEqual(out, [
      { id: 1, v: 'two', only1: true },
      { id: 2, v: 'x' },
    ]);
  });

  it('v2 chooseBranch and multiplex shapes', () => {
    assert.deepEqual(mapOne('merge', 2, { mode: 'combine', combinationMode: 'multiplex' }).node.parameters, {
      mode: 'combine',
      combineBy: 'combineAll',
      options: {},
    });
    assert.equal(
      mapOne('merge', 2, { mode: 'chooseBranch', output: 'input2' }).node.parameters.useDataOfInput,
      2,
    );
  });
});

describe('Split In Batches v1/v2 → v3 (Loop Over Items)', () => {
  const sib = (typeVersion: number): Partial<N8nNode> => ({
    name: 'Split In Batches',
    type: 'n8n-nodes-base.splitInBatches',
    typeVersion,
    parameters: { batchSize: 2 },
  });
  const items = [{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }, { n: 5 }];

  it('v1 loop ended by an IF on noItemsLeft: the IF always loops, its exit follows `done`', async () => {
    // The pattern of n8n's own SplitInBatches v1 test workflow.
    const run = await runFlow(
      items,
      [
        sib(1),
        {
          name: 'Process',
          type: 'n8n-nodes-base.set',
          typeVersion: 1,
          parameters: { values: { boolean: [{ name: 'seen', value: true }] } },
        },
        {
          name: 'IF',
          type: 'n8n-nodes-base.if',
          typeVersion: 1,
          parameters: {
            conditions: {
              boolean: [{ value1: '={{$node["Split In Batches"].context["noItemsLeft"]}}', value2: true }],
            },
          },
        },
        noOp('Done'),
      ],
      [
        ['Fixture', 0, 'Split In Batches'],
        ['Split In Batches', 0, 'Process'],
        ['Process', 0, 'IF'],
        ['IF', 0, 'Done'],
        ['IF', 1, 'Split In Batches'],
      ],
    );
    assert.deepEqual(values(run, 'Done'), [1, 2, 3, 4, 5]);
    assert.deepEqual(values(run, 'Done', 'seen'), [true, true, true, true, true]);
    assert.ok(run.report.changed.some((c) => c.node === 'IF' && /noItemsLeft/.test(c.why)));
    assert.deepEqual(run.report.warnings, []);
  });

  it('v2: outputs [loop, done] become v3’s [done, loop]; batch size default 10', async () => {
    const run = await runFlow(
      items,
      [sib(2), noOp('Body'), noOp('Done')],
      [
        ['Fixture', 0, 'Split In Batches'],
        ['Split In Batches', 0, 'Body'],
        ['Split In Batches', 1, 'Done'],
        ['Body', 0, 'Split In Batches'],
      ],
    );
    assert.deepEqual(values(run, 'Done'), [1, 2, 3, 4, 5]);
    assert.deepEqual(mapOne('splitInBatches', 1, {}).node.parameters, { batchSize: 10, options: {} });
  });

  it('an IF testing noItemsLeft in another way is left alone and warned about', () => {
    const { report } = convertN8nWorkflow({
      name: 'w',
      nodes: [
        { name: 'SIB', type: 'n8n-nodes-base.splitInBatches', typeVersion: 1, parameters: {} },
        {
          name: 'IF',
          type: 'n8n-nodes-base.if',
          typeVersion: 1,
          parameters: {
            conditions: {
              boolean: [{ value1: '={{ $node.SIB.context.noItemsLeft }}', value2: true }],
              number: [{ value1: 1, value2: 2 }],
            },
          },
        },
      ],
      connections: {},
    });
    assert.match(
      report.warnings.map((w) => w.message).join('\n'),
      /noItemsLeft in a way Relais cannot rewrite/,
    );
  });
});
