import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { JsonObject } from '../engine/items.js';
import { runNode } from '../testing/run-node.js';
import { validateNode } from './validate.node.js';

const cases = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'n8n-conformance');

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

// The dental practice import (seeds/000): one rule set per data type sent by the dashboard.
const practiceRuleSets = {
  patients: [
    { name: 'nom', required: true, type: 'string' },
    { name: 'prenom', required: true, type: 'string' },
    { name: 'email', required: true, type: 'email' },
    { name: 'telephone', type: 'phone' },
  ],
  finances: [
    { name: 'periode', required: true, type: 'date', format: 'YYYY-MM' },
    { name: 'chiffreAffaires', required: true, type: 'number', min: 0 },
    { name: 'revenus', required: true, type: 'number', min: 0 },
    { name: 'depenses', required: true, type: 'number', min: 0 },
  ],
  production: [
    { name: 'praticien', required: true, type: 'string', notEmpty: true },
    { name: 'periode', required: true, type: 'date', format: 'YYYY-MM' },
    { name: 'heures', required: true, type: 'number', min: 0, max: 744 },
    { name: 'actes', required: true, type: 'integer', min: 0 },
    { name: 'revenus', required: true, type: 'number', min: 0 },
  ],
  rendezvous: [
    { name: 'patientNom', required: true, type: 'string' },
    { name: 'date', required: true, type: 'date', format: 'YYYY-MM-DD' },
    { name: 'heure', required: true, type: 'date', format: 'HH:mm' },
    { name: 'praticien', required: true, type: 'string' },
    {
      name: 'type',
      required: true,
      type: 'enum',
      values: ['consultation', 'controle', 'urgence', 'detartrage'],
    },
  ],
};

test('the practice import: mixed data types checked by their own rule set', async () => {
  const items = [
    {
      kind: 'patients',
      nom: 'Dumitru',
      prenom: 'Marie',
      email: 'marie.dumitru@example.com',
      telephone: '06 12 34 56 78',
    },
    { kind: 'patients', nom: '', prenom: 'X', email: 'x@y.z' },
    { kind: 'finances', periode: '2026-01', chiffreAffaires: 52000, revenus: 45000.5, depenses: 7000 },
    { kind: 'finances', periode: '2026-13', chiffreAffaires: -1, revenus: 1, depenses: 0 },
    {
      kind: 'production',
      praticien: 'Dr Martin',
      periode: '2026-01',
      heures: 120,
      actes: 300,
      revenus: 45000.5,
    },
    {
      kind: 'production',
      praticien: 'Dr Leroy',
      periode: '2026-01',
      heures: 100,
      actes: 2.5,
      revenus: '38000',
    },
    {
      kind: 'rendezvous',
      patientNom: 'Rimbo',
      date: '2026-03-02',
      heure: '09:30',
      praticien: 'Dr Martin',
      type: 'controle',
    },
    {
      kind: 'rendezvous',
      patientNom: 'Rimbo',
      date: '02/03/2026',
      heure: '9h30',
      praticien: 'Dr Martin',
      type: 'visite',
    },
    { kind: 'factures', numero: 1 },
  ];
  const { valid, invalid, summary, outputs } = await validate(
    { typeField: 'kind', ruleSets: practiceRuleSets },
    items,
  );
  assert.deepEqual(valid, [items[0], items[2], items[4], items[6]]);
  assert.deepEqual(
    invalid.map((j) => j._errors),
    [
      [{ field: 'nom', rule: 'required', message: "Field 'nom' is required" }],
      [
        { field: 'periode', rule: 'date', message: "Field 'periode' must be a date in the format YYYY-MM" },
        { field: 'chiffreAffaires', rule: 'min', message: "Field 'chiffreAffaires' must be at least 0" },
      ],
      [
        { field: 'actes', rule: 'type', message: "Field 'actes' must be an integer (got number)" },
        { field: 'revenus', rule: 'type', message: "Field 'revenus' must be a number (got string)" },
      ],
      [
        { field: 'date', rule: 'date', message: "Field 'date' must be a date in the format YYYY-MM-DD" },
        { field: 'heure', rule: 'date', message: "Field 'heure' must be a date in the format HH:mm" },
        {
          field: 'type',
          rule: 'enum',
          message: 'Field \'type\' must be one of: "consultation", "controle", "urgence", "detartrage"',
        },
      ],
      [
        {
          field: 'kind',
          rule: 'unknownType',
          message: "Unknown data type 'factures': expected one of patients, finances, production, rendezvous",
        },
      ],
    ],
  );
  assert.deepEqual(invalid[0], { ...items[1], _errors: invalid[0]._errors });
  assert.equal(summary.validCount, 4);
  assert.equal(summary.discardedCount, 5);
  assert.equal(summary.errors.length, 9);
  assert.deepEqual(summary.errors[0], {
    itemIndex: 1,
    field: 'nom',
    rule: 'required',
    message: "Field 'nom' is required",
  });
  assert.deepEqual(
    outputs[1].map((i) => i.pairedItem),
    [{ item: 1 }, { item: 3 }, { item: 5 }, { item: 7 }, { item: 8 }],
  );
  assert.equal((outputs[2][0].pairedItem as unknown[]).length, 9);
});

test('the data type may come from an expression (typeValue), e.g. the webhook body', async () => {
  const { valid, invalid } = await validate(
    { typeValue: '={{ $json.meta.type }}', ruleSets: practiceRuleSets },
    [
      { meta: { type: 'patients' }, nom: 'A', prenom: 'B', email: 'a@b.fr' },
      { meta: { type: 'finances' }, periode: '2026-01' },
    ],
  );
  assert.equal(valid.length, 1);
  assert.deepEqual(
    (invalid[0]._errors as JsonObject[]).map((e) => e.field),
    ['chiffreAffaires', 'revenus', 'depenses'],
  );
});

test('typeValue as a constant applies one rule set to the whole batch; fields apply to every type', async () => {
  const { valid, invalid } = await validate(
    { typeValue: 'patients', ruleSets: practiceRuleSets, fields: [{ name: 'cabinetId', required: true }] },
    [
      { nom: 'A', prenom: 'B', email: 'a@b.fr', cabinetId: 'cab_1' },
      { nom: 'A', prenom: 'B', email: 'a@b.fr' },
    ],
  );
  assert.equal(valid.length, 1);
  assert.deepEqual(invalid[0]._errors, [
    { field: 'cabinetId', rule: 'required', message: "Field 'cabinetId' is required" },
  ]);
});

test('a missing or unknown data type is invalid unless allowUnknownTypes', async () => {
  const ruleSets = { patients: [{ name: 'nom', required: true }] };
  const { invalid } = await validate({ typeField: 'type', ruleSets }, [{ nom: 'A' }]);
  assert.deepEqual(invalid[0]._errors, [
    { field: 'type', rule: 'unknownType', message: 'Missing data type: expected one of patients' },
  ]);
  const allowed = await validate(
    {
      typeField: 'type',
      ruleSets,
      fields: [{ name: 'id', required: true }],
      options: { allowUnknownTypes: true },
    },
    [{ type: 'autre', id: 1 }, { type: 'autre' }],
  );
  assert.equal(allowed.valid.length, 1);
  assert.equal(allowed.invalid.length, 1);
});

test('conformance pipeline-import-valid/invalid: the same counts as the Code validation', async () => {
  for (const [name, counts] of [
    ['pipeline-import-valid', [2, 1]],
    ['pipeline-import-invalid', [0, 1]],
  ] as const) {
    const expected = JSON.parse(readFileSync(join(cases, name, 'expected.json'), 'utf8'));
    const fixture = expected.nodes.Fixture[0];
    const { valid, summary } = await validate(
      { fields: ['nom', 'prenom', 'email'].map((f) => ({ name: f, required: true })) },
      fixture,
    );
    assert.deepEqual([summary.validCount, summary.discardedCount], counts);
    assert.deepEqual(
      [summary.validCount, summary.discardedCount],
      [expected.nodes.Validate[0][0].validCount, expected.nodes.Validate[0][0].discardedCount],
    );
    assert.deepEqual(valid, expected.nodes.Validate[0][0].validData);
  }
});

test('empty input: no items, and a summary of 0/0', async () => {
  const { valid, invalid, summary, outputs } = await validate(
    { fields: [{ name: 'a', required: true }] },
    [],
  );
  assert.deepEqual([valid, invalid], [[], []]);
  assert.deepEqual(summary, { validCount: 0, discardedCount: 0, errors: [] });
  assert.deepEqual(outputs[2][0].pairedItem, []);
});

test('valid items are passed unchanged (binary kept); inputs are not mutated', async () => {
  const items = [
    { json: { a: 'x' }, binary: { f: { data: 'aGk=', mimeType: 'text/plain' } } },
    { json: { a: 1 } },
  ];
  const snapshot = structuredClone(items);
  const { outputs } = await validate({ fields: [{ name: 'a', type: 'string' }] }, items);
  assert.deepEqual(outputs[0], [{ ...items[0], pairedItem: { item: 0 } }]);
  assert.deepEqual(outputs[1][0].json, {
    a: 1,
    _errors: [{ field: 'a', rule: 'type', message: "Field 'a' must be a string (got number)" }],
  });
  assert.deepEqual(items, snapshot);
});

test('save-time checks: each misconfiguration is refused with its parameter path', async () => {
  const refused = async (parameters: Record<string, unknown>, path: RegExp) =>
    assert.rejects(runNode(validateNode, { parameters, items: [{}] }), path);
  await refused({}, /Invalid parameter 'fields': add at least one field rule/);
  await refused({ fields: [{ name: 'f', type: 'enum' }] }, /Invalid parameter 'fields.0.values'/);
  await refused({ fields: [{ name: 'f', type: 'regex' }] }, /Invalid parameter 'fields.0.pattern'/);
  await refused(
    { fields: [{ name: 'f', pattern: '(' }] },
    /Invalid parameter 'fields.0.pattern': invalid regular expression/,
  );
  await refused({ fields: [{ name: 'f', min: 5, max: 1 }] }, /Invalid parameter 'fields.0.min'/);
  await refused(
    { fields: [{ name: 'f', type: 'string', format: 'YYYY' }] },
    /Invalid parameter 'fields.0.format'/,
  );
  await refused({ fields: [{ name: 'f', requried: true }] }, /Invalid parameter 'fields.0'/);
  await refused({ fields: [{ name: 'f', type: 'money' }] }, /Invalid parameter 'fields.0.type'/);
  await refused({ ruleSets: { a: [{ name: 'x' }] } }, /Invalid parameter 'typeField'/);
  await refused(
    { typeField: 't', ruleSets: { a: [{ name: 'x', type: 'enum' }] } },
    /Invalid parameter 'ruleSets.a.0.values'/,
  );
  await refused({ mode: 'jsonSchema' }, /Invalid parameter 'schema': mode 'jsonSchema' needs a schema/);
  await refused(
    { mode: 'jsonSchema', schema: '{nope' },
    /Invalid parameter 'schema': the schema is not valid JSON/,
  );
  await refused(
    { mode: 'jsonSchema', schema: { properties: { a: { oneOf: [] } } } },
    /Invalid parameter 'schema.properties.a.oneOf': the JSON Schema keyword 'oneOf' is not supported/,
  );
  await refused(
    { mode: 'jsonSchema', schema: { format: 'ipv4' } },
    /Invalid parameter 'schema.format': the format "ipv4" is not supported/,
  );
  await refused({ mode: 'jsonSchema', schema: { items: [{}] } }, /Invalid parameter 'schema.items'/);
  await refused(
    { mode: 'jsonSchema', schema: { type: 'text' } },
    /Invalid parameter 'schema.type': unknown type "text"/,
  );
  await refused({ mode: 'xml', fields: [{ name: 'a' }] }, /Invalid parameter 'mode'/);
});

test('a rule parameter that fails for one item stops the node, or marks the item invalid with continue-on-fail', async () => {
  const parameters = { fields: [{ name: 'code', pattern: '={{ $json.re }}' }] };
  const items = [
    { code: 'a', re: '^a$' },
    { code: 'a', re: '(' },
  ];
  await assert.rejects(runNode(validateNode, { parameters, items }), /invalid regular expression/);
  const { valid, invalid } = await validate(parameters, items, 'continue');
  assert.equal(valid.length, 1);
  assert.equal((invalid[0]._errors as JsonObject[])[0].rule, 'error');
});

test('outputs are valid, invalid and summary', () => {
  assert.deepEqual(validateNode.outputs, ['valid', 'invalid', 'summary']);
  assert.equal(validateNode.type, 'validate');
});
