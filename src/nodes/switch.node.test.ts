import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { NodeError } from '../engine/errors.js';
import { runNode } from '../testing/run-node.js';
import { outputNames } from './sdk.js';
import { switchNode, switchOutputs } from './switch.node.js';

const STORED = { caseSensitive: true, leftValue: '', typeValidation: 'strict', version: 2 };

function startsWith(prefix: string) {
  return {
    leftValue: '={{ $json.actionType }}',
    operator: { type: 'string', operation: 'startsWith' },
    rightValue: prefix,
  };
}

function rule(outputKey: string | undefined, conditions: unknown[], combinator = 'and') {
  return {
    conditions: { options: STORED, conditions, combinator },
    ...(outputKey === undefined ? {} : { renameOutput: true, outputKey }),
  };
}

describe('Switch conformance cases (n8n 2.41 output)', () => {
  test('switch-crm-dispatch: renamed rules and a renamed extra fallback', async () => {
    // The Switch's input: the output of the case's Normalise node.
    const a = { actionType: 'RELANCE_CANDIDAT_EMAIL', entiteId: 'DUMI15091992', priorite: 'HAUTE' };
    const b = { actionType: 'RELANCE_PROSPECT_SMS', entiteId: 'P-77', priorite: 'BASSE' };
    const c = { actionType: 'GENERER_DEVIS', entiteId: 'JURI102025', priorite: 'HAUTE' };
    const d = { actionType: 'REFUSER_DOCUMENT', entiteId: '42', priorite: 'MOYENNE' };
    const e = { actionType: 'VALIDER_DOSSIER', entiteId: '43' };
    const f = { actionType: 'PLANIFIER_ENTRETIEN', entiteId: '44' };
    const g = { actionType: 'DEMANDER_DOCUMENTS', entiteId: '45' };
    const h = { actionType: 'ARCHIVER_TOUT', entiteId: '46' };
    const legacy = {
      typeAction: 'RELANCER',
      resultat: 'relance_email',
      entiteId: 'legacy-1',
      actionType: 'RELANCE_CANDIDAT_EMAIL',
    };
    const parameters = {
      rules: {
        values: [
          rule('candidat-relance', [startsWith('RELANCE_CANDIDAT_')]),
          rule('prospect-relance', [startsWith('RELANCE_PROSPECT_')]),
          rule('documents-generation', [startsWith('GENERER_')]),
          rule('validation', [startsWith('VALIDER_'), startsWith('REFUSER_')], 'or'),
          rule('planning', [startsWith('PLANIFIER_')]),
          rule('communication', [startsWith('DEMANDER_')]),
        ],
      },
      options: { fallbackOutput: 'extra', renameFallbackOutput: 'log-erreur' },
    };
    assert.deepEqual(outputNames(switchNode, switchNode.params.parse(parameters)), [
      'candidat-relance',
      'prospect-relance',
      'documents-generation',
      'validation',
      'planning',
      'communication',
      'log-erreur',
    ]);
    const { json } = await runNode(switchNode, { items: [a, b, c, d, e, f, g, h, legacy], parameters });
    assert.deepEqual(json, [[a, legacy], [b], [c], [d, e], [f], [g], [h]]);
  });

  test('switch-expression: the output index comes from an expression', async () => {
    const items = [
      { actionType: 'RELANCE_CANDIDAT_EMAIL', entiteId: 'DUMI15091992', priorite: 'HAUTE' },
      { actionType: 'RELANCE_PROSPECT_SMS', entiteId: 'P-77', priorite: 'BASSE' },
      { actionType: 'GENERER_DEVIS', entiteId: 'JURI102025', priorite: 'HAUTE' },
      { actionType: 'REFUSER_DOCUMENT', entiteId: '42', priorite: 'MOYENNE' },
      { actionType: 'VALIDER_DOSSIER', entiteId: '43' },
    ];
    const { json } = await runNode(switchNode, {
      items,
      parameters: {
        mode: 'expression',
        numberOutputs: 3,
        output: "={{ $json.priorite === 'HAUTE' ? 0 : ($json.priorite === 'BASSE' ? 2 : 1) }}",
      },
    });
    assert.deepEqual(json, [[items[0], items[2]], [items[3], items[4]], [items[1]]]);
  });
});

const byKind = (kind: string) => ({
  leftValue: '={{ $json.kind }}',
  rightValue: kind,
  operator: { type: 'string', operation: 'equals' },
});
const twoRules = { values: [rule(undefined, [byKind('a')]), rule(undefined, [byKind('b')])] };
const ITEMS = [{ kind: 'a' }, { kind: 'b' }, { kind: 'z' }];

describe('Switch rules mode', () => {
  test('output names: outputKey when renamed, else the index; Fallback for the extra output', () => {
    assert.deepEqual(switchOutputs(switchNode.params.parse({ rules: twoRules })), ['0', '1']);
    const renamedOff = { values: [{ ...rule(undefined, []), renameOutput: false, outputKey: 'stale' }] };
    assert.deepEqual(switchOutputs(switchNode.params.parse({ rules: renamedOff })), ['0']);
    assert.deepEqual(
      switchOutputs(switchNode.params.parse({ rules: twoRules, options: { fallbackOutput: 'extra' } })),
      ['0', '1', 'Fallback'],
    );
    assert.deepEqual(switchOutputs(switchNode.params.parse({ mode: 'expression' })), ['0', '1', '2', '3']);
    assert.deepEqual(switchOutputs({}), ['0'], 'omitted rules are n8n’s one default rule');
  });

  test('fallback none (default) drops items matching no rule', async () => {
    const { json, outputs } = await runNode(switchNode, { items: ITEMS, parameters: { rules: twoRules } });
    assert.deepEqual(json, [[{ kind: 'a' }], [{ kind: 'b' }]]);
    assert.deepEqual(outputs[1][0].pairedItem, { item: 1 });
  });

  test('fallback extra sends them to a last output', async () => {
    const { json } = await runNode(switchNode, {
      items: ITEMS,
      parameters: { rules: twoRules, options: { fallbackOutput: 'extra' } },
    });
    assert.deepEqual(json, [[{ kind: 'a' }], [{ kind: 'b' }], [{ kind: 'z' }]]);
  });

  test("fallback to a rule index sends them to that rule's output", async () => {
    const { json } = await runNode(switchNode, {
      items: ITEMS,
      parameters: { rules: twoRules, options: { fallbackOutput: 0 } },
    });
    assert.deepEqual(json, [[{ kind: 'a' }, { kind: 'z' }], [{ kind: 'b' }]]);
  });

  test('a fallback index past the outputs fails with n8n’s message', async () => {
    await assert.rejects(
      runNode(switchNode, { items: ITEMS, parameters: { rules: twoRules, options: { fallbackOutput: 2 } } }),
      {
        message: 'The ouput 2 is not allowed. ',
        description: 'Output indexes are zero based, if you want to use the extra output use 1',
      },
    );
  });

  test('first matching rule only, unless allMatchingOutputs', async () => {
    const rules = { values: [rule(undefined, []), rule(undefined, [byKind('a')])] };
    const first = await runNode(switchNode, { items: [{ kind: 'a' }], parameters: { rules } });
    assert.deepEqual(first.json, [[{ kind: 'a' }], []]);
    const all = await runNode(switchNode, {
      items: [{ kind: 'a' }, { kind: 'b' }],
      parameters: { rules, options: { allMatchingOutputs: true } },
    });
    assert.deepEqual(all.json, [[{ kind: 'a' }, { kind: 'b' }], [{ kind: 'a' }]]);
    assert.notEqual(all.outputs[0][0], all.outputs[1][0], 'each output gets its own item object');
  });

  test('ignoreCase and looseTypeValidation options apply to rules without stored options', async () => {
    const rules = {
      values: [
        { conditions: { conditions: [byKind('A')] } },
        {
          conditions: {
            conditions: [
              { ...byKind('1'), operator: { type: 'number', operation: 'equals' }, rightValue: 1 },
            ],
          },
        },
      ],
    };
    const { json } = await runNode(switchNode, {
      items: [{ kind: 'a' }, { kind: '1' }],
      parameters: { rules, options: { ignoreCase: true }, looseTypeValidation: true },
    });
    assert.deepEqual(json, [[{ kind: 'a' }], [{ kind: '1' }]]);
  });

  test('no rules: every item is dropped', async () => {
    const { json } = await runNode(switchNode, { items: ITEMS, parameters: { rules: { values: [] } } });
    assert.deepEqual(json, []);
  });

  test('omitted rules: n8n’s default rule ("" equals "") takes every item', async () => {
    const { json } = await runNode(switchNode, { items: ITEMS });
    assert.deepEqual(json, [ITEMS]);
  });

  test('no input items: every output empty', async () => {
    const { json } = await runNode(switchNode, {
      items: [],
      parameters: { rules: twoRules, options: { fallbackOutput: 'extra' } },
    });
    assert.deepEqual(json, [[], [], []]);
  });

  test('a type error stops the node; continue on fail puts an error item on the first output', async () => {
    const rules = {
      values: [
        rule(undefined, [
          { leftValue: '={{ $json.n }}', rightValue: 1, operator: { type: 'number', operation: 'equals' } },
        ]),
      ],
    };
    const items = [{ n: 1 }, { n: 'x' }];
    await assert.rejects(runNode(switchNode, { items, parameters: { rules } }), (error: unknown) => {
      assert.ok(error instanceof NodeError);
      assert.equal(
        error.message,
        "Wrong type: 'x' is a string but was expecting a number [condition 0, item 1]",
      );
      assert.equal(error.itemIndex, 1);
      return true;
    });
    const { outputs } = await runNode(switchNode, { items, parameters: { rules }, onError: 'continue' });
    assert.deepEqual(outputs, [
      [
        { json: { n: 1 }, pairedItem: { item: 0 } },
        {
          json: { error: "Wrong type: 'x' is a string but was expecting a number [condition 0, item 1]" },
          pairedItem: { item: 1 },
        },
      ],
    ]);
  });
});

describe('Switch expression mode', () => {
  const run = (output: unknown, items: unknown[] = [{}], numberOutputs = 3) =>
    runNode(switchNode, { items, parameters: { mode: 'expression', numberOutputs, output } });

  test('numeric strings are accepted as indexes', async () => {
    assert.deepEqual((await run('1')).json, [[], [{}], []]);
  });

  test('default number of outputs is 4', async () => {
    const { json } = await runNode(switchNode, {
      items: [{}],
      parameters: { mode: 'expression', output: 3 },
    });
    assert.deepEqual(json, [[], [], [], [{}]]);
  });

  test('the index equal to the number of outputs fails with the zero-based hint', async () => {
    await assert.rejects(run(3), {
      message: 'The ouput 3 is not allowed. ',
      description: 'Output indexes are zero based, if you want to use the extra output use 2',
    });
  });

  test('indexes past the outputs, negative, fractional or missing fail', async () => {
    for (const output of [5, -1, 1.5, undefined]) {
      await assert.rejects(run(output), {
        message: `The ouput ${output} is not allowed`,
        description: 'It has to be between 0 and 2',
      });
    }
  });

  test('a non-numeric index is an invalid input', async () => {
    await assert.rejects(run('abc'), {
      message: "Invalid input for 'Output Index' [item 0]",
      description: "'output' expects a number but we got 'abc'",
    });
  });

  test('the index is evaluated per item', async () => {
    const { json } = await run('={{ $json.to }}', [{ to: 2 }, { to: 0 }]);
    assert.deepEqual(json, [[{ to: 0 }], [], [{ to: 2 }]]);
  });

  test('continue on fail: an out-of-range item becomes an error item on output 0', async () => {
    const { json } = await runNode(switchNode, {
      items: [{ to: 9 }, { to: 1 }],
      parameters: { mode: 'expression', numberOutputs: 2, output: '={{ $json.to }}' },
      onError: 'continue',
    });
    assert.deepEqual(json, [[{ error: 'The ouput 9 is not allowed' }], [{ to: 1 }]]);
  });
});
