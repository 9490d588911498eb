import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runNode } from '../testing/run-node.js';
import { filterNode } from './filter.node.js';

/** The Fixture items of the conformance case filter-basic. */
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

const emailAndAdult = {
  options: { caseSensitive: true, leftValue: '', typeValidation: 'strict', version: 2 },
  conditions: [
    {
      id: '00000000-0000-0000-0000-000000000064',
      leftValue: '={{ $json.email }}',
      operator: { type: 'string', operation: 'contains' },
      rightValue: '@',
    },
    {
      id: '00000000-0000-0000-0000-000000000065',
      leftValue: '={{ $json.age }}',
      operator: { type: 'number', operation: 'gte' },
      rightValue: 18,
    },
  ],
  combinator: 'and',
};

test('filter-basic conformance: email contains @ and age >= 18 (kept, then discarded)', async () => {
  const { json } = await runNode(filterNode, {
    items: [MARIE, JULIETTE, JEAN, MARIE_VIP],
    parameters: { conditions: emailAndAdult, options: {} },
  });
  assert.deepEqual(json, [
    [MARIE, MARIE_VIP],
    [JULIETTE, JEAN],
  ]);
});

test('outputs are kept and discarded; items keep their json and pair with their input', async () => {
  assert.deepEqual(filterNode.outputs, ['kept', 'discarded']);
  const { outputs } = await runNode(filterNode, {
    items: [
      { email: 'a@b', age: 40 },
      { email: 'x', age: 40 },
    ],
    parameters: { conditions: emailAndAdult },
  });
  assert.deepEqual(outputs[0], [{ json: { email: 'a@b', age: 40 }, pairedItem: { item: 0 } }]);
  assert.deepEqual(outputs[1], [{ json: { email: 'x', age: 40 }, pairedItem: { item: 1 } }]);
});

test('no input items: nothing kept, nothing discarded', async () => {
  const { json } = await runNode(filterNode, { items: [], parameters: { conditions: emailAndAdult } });
  assert.deepEqual(json, [[], []]);
});

test('strict types stop the node; continue on fail discards the item instead', async () => {
  const items = [
    { email: 'a@b', age: '40' },
    { email: 'c@d', age: 30 },
  ];
  await assert.rejects(runNode(filterNode, { items, parameters: { conditions: emailAndAdult } }), {
    message: "Wrong type: '40' is a string but was expecting a number [condition 1, item 0]",
  });
  const { json } = await runNode(filterNode, {
    items,
    parameters: { conditions: emailAndAdult },
    onError: 'continue',
  });
  assert.deepEqual(json, [[{ email: 'c@d', age: 30 }], [{ email: 'a@b', age: '40' }]]);
});

test('looseTypeValidation applies when the conditions carry no typeValidation', async () => {
  const { options: _stored, ...withoutOptions } = emailAndAdult;
  const { json } = await runNode(filterNode, {
    items: [{ email: 'a@b', age: '40' }],
    parameters: { conditions: withoutOptions, looseTypeValidation: true },
  });
  assert.deepEqual(json, [[{ email: 'a@b', age: '40' }], []]);
});

test('or keeps an item when one condition passes', async () => {
  const { json } = await runNode(filterNode, {
    items: [
      { email: 'x', age: 40 },
      { email: 'x', age: 1 },
    ],
    parameters: { conditions: { ...emailAndAdult, combinator: 'or' } },
  });
  assert.deepEqual(json, [[{ email: 'x', age: 40 }], [{ email: 'x', age: 1 }]]);
});
