import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JsonObject } from '../../engine/items.js';
import { runNode } from '../../testing/run-node.js';
import { validateNode } from '../validate.node.js';
import { schemaProblems, validateAgainstSchema } from './json-schema.js';

async function validate(parameters: Record<string, unknown>, items: unknown[], onError?: 'continue') {
  const { json, outputs } = await runNode(validateNode, { parameters, items, onError });
  const [valid, invalid, summary] = json;
  return {
    valid,
    invalid,
    summary: summary[0] as { validCount: number; discardedCount: number; errors: JsonObject[] },
    outputs,
  };
}

test('jsonSchema mode: types, required, nested properties, items, bounds, formats', async () => {
  const schema = {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    required: ['nom', 'email'],
    properties: {
      nom: { type: 'string', minLength: 1, maxLength: 50 },
      email: { type: 'string', format: 'email' },
      age: { type: 'integer', minimum: 0, maximum: 130 },
      naissance: { type: 'string', format: 'date' },
      creeLe: { type: 'string', format: 'date-time' },
      statut: { enum: ['actif', 'inactif'] },
      code: { type: 'string', pattern: '^[A-Z]{3}$' },
      tags: { type: 'array', items: { type: 'string' }, maxItems: 2 },
      adresse: { type: 'object', properties: { cp: { type: 'string' } }, additionalProperties: false },
    },
  };
  const good = {
    nom: 'A',
    email: 'a@b.fr',
    age: 30,
    naissance: '1996-02-29',
    creeLe: '2026-01-15T10:00:00Z',
    statut: 'actif',
    code: 'ABC',
    tags: ['vip'],
    adresse: { cp: '75011' },
  };
  const bad = {
    nom: '',
    age: 30.5,
    naissance: '1997-02-29',
    creeLe: '2026-01-15 10:00',
    statut: 'x',
    code: 'abc',
    tags: ['a', 2, 'c'],
    adresse: { cp: '1', ville: 'Paris' },
  };
  const { valid, invalid } = await validate({ mode: 'jsonSchema', schema }, [good, bad]);
  assert.deepEqual(valid, [good]);
  assert.deepEqual(
    (invalid[0]._errors as JsonObject[]).map((e) => [e.field, e.rule]),
    [
      ['email', 'required'],
      ['nom', 'minLength'],
      ['age', 'type'],
      ['naissance', 'format'],
      ['creeLe', 'format'],
      ['statut', 'enum'],
      ['code', 'pattern'],
      ['tags', 'maxItems'],
      ['tags[1]', 'type'],
      ['adresse.ville', 'additionalProperties'],
    ],
  );
  assert.deepEqual((invalid[0]._errors as JsonObject[])[2], {
    field: 'age',
    rule: 'type',
    message: "Field 'age' must be of type integer (got number)",
  });
});

test('jsonSchema mode: the schema may be JSON text; minimum/maximum messages', async () => {
  const schema = JSON.stringify({
    type: 'object',
    properties: { n: { type: 'number', minimum: 1, exclusiveMaximum: 10 } },
  });
  const { invalid } = await validate({ mode: 'jsonSchema', schema }, [{ n: 0 }, { n: 10 }, { n: 5 }]);
  assert.deepEqual(
    invalid.map((j) => j._errors),
    [
      [{ field: 'n', rule: 'minimum', message: "Field 'n' must be >= 1" }],
      [{ field: 'n', rule: 'exclusiveMaximum', message: "Field 'n' must be < 10" }],
    ],
  );
});

test('boolean schemas, type lists, null, const, multipleOf', () => {
  assert.deepEqual(validateAgainstSchema(true, { a: 1 }), []);
  assert.deepEqual(validateAgainstSchema(false, 1), [
    { field: '(item)', rule: 'false', message: "Field '(item)' is not allowed" },
  ]);
  assert.deepEqual(validateAgainstSchema({ type: ['string', 'null'] }, null), []);
  assert.equal(
    validateAgainstSchema({ type: ['string', 'null'] }, 1)[0].message,
    "Field '(item)' must be of type string or null (got integer)",
  );
  assert.deepEqual(validateAgainstSchema({ type: 'number' }, 3), []);
  assert.equal(validateAgainstSchema({ const: { a: [1] } }, { a: [1] }).length, 0);
  assert.equal(validateAgainstSchema({ const: 'x' }, 'y')[0].rule, 'const');
  assert.equal(validateAgainstSchema({ multipleOf: 0.01 }, 12.34).length, 0);
  assert.equal(validateAgainstSchema({ multipleOf: 0.01 }, 12.345)[0].rule, 'multipleOf');
});

test('additionalProperties as a schema; time, uri and phone formats; string lengths in code points', () => {
  const schema = {
    type: 'object',
    properties: { id: { type: 'integer' } },
    additionalProperties: { type: 'string' },
  };
  assert.deepEqual(validateAgainstSchema(schema, { id: 1, note: 'x' }), []);
  assert.deepEqual(
    validateAgainstSchema(schema, { id: 1, extra: 2 }).map((i) => [i.field, i.rule]),
    [['extra', 'type']],
  );
  assert.equal(validateAgainstSchema({ format: 'time' }, '10:30:00').length, 0);
  assert.equal(validateAgainstSchema({ format: 'time' }, '25:30:00')[0].rule, 'format');
  assert.equal(validateAgainstSchema({ format: 'uri' }, 'mailto:a@b.fr').length, 0);
  assert.equal(validateAgainstSchema({ format: 'uri' }, 'pas une uri')[0].rule, 'format');
  assert.equal(validateAgainstSchema({ format: 'phone' }, '+33 6 12 34 56 78').length, 0);
  assert.equal(validateAgainstSchema({ maxLength: 2 }, '😀😀').length, 0);
  // Formats and string keywords do not apply to other types (JSON Schema semantics).
  assert.equal(validateAgainstSchema({ format: 'email', minLength: 3 }, 12).length, 0);
});

test('schemaProblems lists what is not supported, and accepts annotations', () => {
  assert.deepEqual(
    schemaProblems({
      title: 'Patient',
      description: 'd',
      $id: 'x',
      default: {},
      examples: [],
      type: 'object',
    }),
    [],
  );
  assert.deepEqual(
    schemaProblems({ properties: { a: { $ref: '#/x' } }, allOf: [] }).map((p) => p.path.join('.')),
    ['properties.a.$ref', 'allOf'],
  );
  assert.deepEqual(schemaProblems('x'), [{ path: [], message: 'a schema must be an object or a boolean' }]);
  assert.equal(schemaProblems({ pattern: '(' })[0].path.join('.'), 'pattern');
  assert.equal(schemaProblems({ minimum: '1' })[0].message, 'must be a number');
  assert.equal(schemaProblems({ required: [1] })[0].message, 'must be a list of property names');
});
