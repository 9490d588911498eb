import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { NodeError } from '../engine/errors.js';
import { runNode } from '../testing/run-node.js';
import { ifNode } from './if.node.js';

/** The Fixture items of the conformance cases if-number, if-string-or-ignorecase, if-exists-loose, if-array-contains. */
const MARIE = {
  nom: 'Dumitru',
  prenom: 'Marie',
  email: 'marie.dumitru@example.com',
  age: 34,
  telephone: '0612345678',
  tags: ['vip', 'cap'],
};
const JULIETTE = {
  nom: 'Rimbo',
  prenom: 'Juliette',
  email: 'juliette.rimbo@example.com',
  age: 17,
  telephone: '',
  tags: [],
};
const JEAN = { nom: 'martin', prenom: 'jean', email: 'not-an-email', age: 52, tags: ['cap'] };
const MARIE_VIP = { ...MARIE, tags: ['vip'] };
const FIXTURE = [MARIE, JULIETTE, JEAN, MARIE_VIP];

const STORED = { caseSensitive: true, leftValue: '', typeValidation: 'strict', version: 2 };

function conditions(list: unknown[], combinator = 'and', options: Record<string, unknown> = STORED) {
  return { options, conditions: list, combinator };
}

describe('IF conformance cases (n8n 2.41 output)', () => {
  test('if-number: age >= 18', async () => {
    const { json } = await runNode(ifNode, {
      items: FIXTURE,
      parameters: {
        conditions: conditions([
          {
            id: '00000000-0000-0000-0000-000000000016',
            leftValue: '={{ $json.age }}',
            operator: { type: 'number', operation: 'gte' },
            rightValue: 18,
          },
        ]),
        options: {},
      },
    });
    assert.deepEqual(json, [[MARIE, JEAN, MARIE_VIP], [JULIETTE]]);
  });

  test('if-string-or-ignorecase: nom starts with MAR or email ends with @EXAMPLE.COM, ignoring case', async () => {
    const { json } = await runNode(ifNode, {
      items: FIXTURE,
      parameters: {
        conditions: conditions(
          [
            {
              id: '00000000-0000-0000-0000-00000000001e',
              leftValue: '={{ $json.nom }}',
              operator: { type: 'string', operation: 'startsWith' },
              rightValue: 'MAR',
            },
            {
              id: '00000000-0000-0000-0000-00000000001f',
              leftValue: '={{ $json.email }}',
              operator: { type: 'string', operation: 'endsWith' },
              rightValue: '@EXAMPLE.COM',
            },
          ],
          'or',
          { ...STORED, caseSensitive: false },
        ),
        options: { ignoreCase: true },
      },
    });
    assert.deepEqual(json, [[MARIE, JULIETTE, JEAN, MARIE_VIP], []]);
  });

  test('if-exists-loose: telephone exists, loose types', async () => {
    const { json } = await runNode(ifNode, {
      items: FIXTURE,
      parameters: {
        conditions: conditions(
          [
            {
              id: '00000000-0000-0000-0000-000000000030',
              leftValue: '={{ $json.telephone }}',
              operator: { type: 'string', operation: 'exists', singleValue: true },
              rightValue: '',
            },
          ],
          'and',
          { ...STORED, typeValidation: 'loose' },
        ),
        options: {},
        looseTypeValidation: true,
      },
    });
    assert.deepEqual(json, [[MARIE, JULIETTE, MARIE_VIP], [JEAN]]);
  });

  test('if-array-contains: tags contains vip', async () => {
    const { json } = await runNode(ifNode, {
      items: FIXTURE,
      parameters: {
        conditions: conditions([
          {
            id: '00000000-0000-0000-0000-000000000038',
            leftValue: '={{ $json.tags }}',
            operator: { type: 'array', operation: 'contains', rightType: 'any' },
            rightValue: 'vip',
          },
        ]),
        options: {},
      },
    });
    assert.deepEqual(json, [
      [MARIE, MARIE_VIP],
      [JULIETTE, JEAN],
    ]);
  });
});

const ageAtLeast = (right: unknown, type = 'number') =>
  conditions([{ leftValue: '={{ $json.age }}', rightValue: right, operator: { type, operation: 'gte' } }]);

describe('IF routing', () => {
  test('items pass unchanged, paired with their input index; inputs are not mutated', async () => {
    const items = [{ json: { age: 20 }, pairedItem: { item: 7 } }, { json: { age: 10 } }];
    const { outputs } = await runNode(ifNode, { items, parameters: { conditions: ageAtLeast(18) } });
    assert.deepEqual(outputs, [
      [{ json: { age: 20 }, pairedItem: { item: 0 } }],
      [{ json: { age: 10 }, pairedItem: { item: 1 } }],
    ]);
    assert.equal(outputs[0][0].json, items[0].json);
    assert.deepEqual(items[0].pairedItem, { item: 7 });
  });

  test('no input items: both outputs empty', async () => {
    const { json } = await runNode(ifNode, { items: [], parameters: { conditions: ageAtLeast(18) } });
    assert.deepEqual(json, [[], []]);
  });

  test('an empty condition list is true with and, false with or', async () => {
    const and = await runNode(ifNode, { items: [{ a: 1 }], parameters: { conditions: conditions([]) } });
    assert.deepEqual(and.json, [[{ a: 1 }], []]);
    const or = await runNode(ifNode, { items: [{ a: 1 }], parameters: { conditions: conditions([], 'or') } });
    assert.deepEqual(or.json, [[], [{ a: 1 }]]);
  });

  test('n8n defaults: no parameters at all send every item to true', async () => {
    const { json } = await runNode(ifNode, { items: [{ a: 1 }] });
    assert.deepEqual(json, [[{ a: 1 }], []]);
  });

  test('missing fields are undefined: not existing, not equal', async () => {
    const { json } = await runNode(ifNode, {
      items: [{ nom: 'x' }, {}, { nom: null }],
      parameters: {
        conditions: conditions([
          {
            leftValue: '={{ $json.nom }}',
            rightValue: 'x',
            operator: { type: 'string', operation: 'equals' },
          },
        ]),
      },
    });
    assert.deepEqual(json, [[{ nom: 'x' }], [{}, { nom: null }]]);
  });

  test('options.ignoreCase applies when the conditions carry no options of their own', async () => {
    const parameters = {
      conditions: {
        conditions: [
          {
            leftValue: '={{ $json.s }}',
            rightValue: 'abc',
            operator: { type: 'string', operation: 'equals' },
          },
        ],
      },
    };
    const sensitive = await runNode(ifNode, { items: [{ s: 'ABC' }], parameters });
    assert.deepEqual(sensitive.json, [[], [{ s: 'ABC' }]]);
    const ignoring = await runNode(ifNode, {
      items: [{ s: 'ABC' }],
      parameters: { ...parameters, options: { ignoreCase: true } },
    });
    assert.deepEqual(ignoring.json, [[{ s: 'ABC' }], []]);
  });

  test("the conditions' stored options win over the node's, as in n8n", async () => {
    const { json } = await runNode(ifNode, {
      items: [{ s: 'ABC' }],
      parameters: {
        conditions: conditions([
          {
            leftValue: '={{ $json.s }}',
            rightValue: 'abc',
            operator: { type: 'string', operation: 'equals' },
          },
        ]),
        options: { ignoreCase: true },
      },
    });
    assert.deepEqual(json, [[], [{ s: 'ABC' }]]);
  });
});

describe('IF type validation and failures', () => {
  test('strict: a string where a number is expected stops the node with n8n’s message', async () => {
    await assert.rejects(
      runNode(ifNode, { items: [{ age: 20 }, { age: '17' }], parameters: { conditions: ageAtLeast(18) } }),
      (error: unknown) => {
        assert.ok(error instanceof NodeError);
        assert.equal(
          error.message,
          "Wrong type: '17' is a string but was expecting a number [condition 0, item 1]",
        );
        assert.equal(error.itemIndex, 1);
        assert.match(
          error.description ?? '',
          /Converting the first field to a number by adding <code>.toNumber\(\)<\/code>/,
        );
        return true;
      },
    );
  });

  test('looseTypeValidation converts instead (derived when the conditions carry no typeValidation)', async () => {
    const { json } = await runNode(ifNode, {
      items: [{ age: '20' }, { age: '17' }],
      parameters: {
        conditions: {
          conditions: [
            {
              leftValue: '={{ $json.age }}',
              rightValue: '18',
              operator: { type: 'number', operation: 'gte' },
            },
          ],
        },
        looseTypeValidation: true,
      },
    });
    assert.deepEqual(json, [[{ age: '20' }], [{ age: '17' }]]);
  });

  test('continue on fail: the failing item goes to false, the others are evaluated', async () => {
    const { json } = await runNode(ifNode, {
      items: [{ age: 20 }, { age: 'old' }, { age: 10 }],
      parameters: { conditions: ageAtLeast(18) },
      onError: 'continue',
    });
    assert.deepEqual(json, [[{ age: 20 }], [{ age: 'old' }, { age: 10 }]]);
  });

  test('an invalid regular expression fails with the strict-mode hint', async () => {
    await assert.rejects(
      runNode(ifNode, {
        items: [{ s: 'a' }],
        parameters: {
          conditions: conditions([
            { leftValue: 'a', rightValue: '(', operator: { type: 'string', operation: 'regex' } },
          ]),
        },
      }),
      (error: unknown) => {
        assert.ok(error instanceof NodeError);
        assert.match(error.message, /Invalid regular expression/);
        assert.equal(
          error.description,
          "Try changing the type of comparison. Alternatively you can enable 'Convert types where required'.",
        );
        assert.equal(error.itemIndex, 0);
        return true;
      },
    );
  });

  test('unknown operators are false and logged once', async () => {
    const { json, logs } = await runNode(ifNode, {
      items: [{ a: 1 }, { a: 2 }],
      parameters: {
        conditions: conditions([
          { leftValue: true, rightValue: true, operator: { type: 'boolean', operation: 'equal' } },
        ]),
      },
    });
    assert.deepEqual(json, [[], [{ a: 1 }, { a: 2 }]]);
    assert.deepEqual(logs, ['Warning: Unknown filter parameter operator "boolean:equal"']);
  });

  test('a condition without operator is a parameter error naming it', async () => {
    await assert.rejects(
      runNode(ifNode, {
        items: [{ a: 1 }],
        parameters: { conditions: conditions([{ leftValue: 1, rightValue: 1 }]) },
      }),
      /Invalid parameter 'conditions\.conditions\.0\.operator'/,
    );
  });

  test('a bad combinator is a parameter error naming it', async () => {
    await assert.rejects(
      runNode(ifNode, { items: [{ a: 1 }], parameters: { conditions: conditions([], 'xor') } }),
      /Invalid parameter 'conditions\.combinator'/,
    );
  });
});
