import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JsonObject } from '../../engine/items.js';
import { runNode } from '../../testing/run-node.js';
import { validateNode } from '../validate.node.js';
import { toLuxonFormat } from './formats.js';

// Each rule of the Validate node, checked through the node on one field `f`.
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

/** The errors of a single field rule applied to one value. */
async function errorsFor(rule: Record<string, unknown>, value: unknown, options?: Record<string, unknown>) {
  const item = value === undefined ? {} : { f: value };
  const { invalid } = await validate({ fields: [{ name: 'f', ...rule }], ...(options ? { options } : {}) }, [
    item,
  ]);
  return invalid.length === 0 ? [] : (invalid[0]._errors as JsonObject[]);
}

async function passes(rule: Record<string, unknown>, value: unknown, options?: Record<string, unknown>) {
  return (await errorsFor(rule, value, options)).length === 0;
}

test('required: undefined, null and blank strings are missing; 0 and false are present', async () => {
  for (const missing of [undefined, null, '', '   ']) {
    assert.deepEqual(await errorsFor({ required: true }, missing), [
      { field: 'f', rule: 'required', message: "Field 'f' is required" },
    ]);
  }
  for (const present of [0, false, 'x', [], {}]) assert.ok(await passes({ required: true }, present));
});

test('an absent optional field is not checked; notEmpty rejects blank strings, [] and {}', async () => {
  assert.ok(await passes({ type: 'phone' }, ''));
  assert.ok(await passes({ type: 'email' }, undefined));
  for (const empty of ['', ' ', [], {}]) {
    assert.deepEqual(await errorsFor({ notEmpty: true }, empty), [
      { field: 'f', rule: 'notEmpty', message: "Field 'f' must not be empty" },
    ]);
  }
  assert.ok(await passes({ notEmpty: true }, undefined));
  assert.ok(await passes({ notEmpty: true }, [0]));
});

test('basic types', async () => {
  const cases: [string, unknown, unknown][] = [
    ['string', 'x', 1],
    ['number', 1.5, '1.5'],
    ['integer', 3, 3.5],
    ['boolean', false, 'false'],
    ['object', { a: 1 }, [1]],
    ['array', [1], { a: 1 }],
  ];
  for (const [type, good, bad] of cases) {
    assert.ok(await passes({ type }, good), `${type} accepts ${JSON.stringify(good)}`);
    const errors = await errorsFor({ type }, bad);
    assert.equal(errors[0].rule, 'type', `${type} rejects ${JSON.stringify(bad)}`);
  }
  assert.deepEqual(await errorsFor({ type: 'number' }, 'abc'), [
    { field: 'f', rule: 'type', message: "Field 'f' must be a number (got string)" },
  ]);
  assert.equal((await errorsFor({ type: 'number' }, Number.NaN))[0].rule, 'type');
});

test('looseTypes accepts numbers and booleans written as text', async () => {
  const loose = { looseTypes: true };
  assert.ok(await passes({ type: 'number', min: 10 }, ' 12.5 ', loose));
  assert.ok(await passes({ type: 'integer' }, '12', loose));
  assert.ok(await passes({ type: 'boolean' }, 'true', loose));
  assert.equal((await errorsFor({ type: 'integer' }, '12.5', loose))[0].rule, 'type');
  assert.equal((await errorsFor({ type: 'number', min: 20 }, '12', loose))[0].rule, 'min');
});

test('email', async () => {
  for (const good of [
    'a@b.c',
    'marie.dumitru@example.com',
    'prenom+tag@cabinet-dentaire.fr',
    'élodie@exemple.fr',
  ]) {
    assert.ok(await passes({ type: 'email' }, good), good);
  }
  for (const bad of ['not-an-email', 'a@b', 'a..b@c.fr', 'a b@c.fr', '@c.fr', 'a@', 42]) {
    assert.deepEqual(await errorsFor({ type: 'email' }, bad), [
      { field: 'f', rule: 'email', message: "Field 'f' must be a valid email address" },
    ]);
  }
});

test('phone: French and international formats', async () => {
  for (const good of [
    '0612345678',
    '06 12 34 56 78',
    '06.12.34.56.78',
    '06-12-34-56-78',
    '+33 6 12 34 56 78',
    '+33612345678',
    '0033 6 12 34 56 78',
    '+1 (415) 555-2671',
  ]) {
    assert.ok(await passes({ type: 'phone' }, good), good);
  }
  for (const bad of ['061234567', '06123456789', '0012', 'O6 12 34 56 78', '+33', 612345678]) {
    assert.deepEqual(await errorsFor({ type: 'phone' }, bad), [
      {
        field: 'f',
        rule: 'phone',
        message: "Field 'f' must be a valid phone number (e.g. 0612345678 or +33 6 12 34 56 78)",
      },
    ]);
  }
});

test('url', async () => {
  assert.ok(await passes({ type: 'url' }, 'https://cabinet.example.fr/rdv?id=1'));
  for (const bad of ['cabinet.example.fr', 'ftp://x.fr', 'http://', 'https://a b.fr']) {
    assert.equal((await errorsFor({ type: 'url' }, bad))[0]?.rule, 'url', bad);
  }
});

test('date formats: YYYY-MM-DD by default, YYYY-MM, DD/MM/YYYY, HH:mm; impossible dates fail', async () => {
  assert.ok(await passes({ type: 'date' }, '2026-02-28'));
  assert.equal((await errorsFor({ type: 'date' }, '2026-02-30'))[0].rule, 'date');
  assert.equal((await errorsFor({ type: 'date' }, '2026-2-3'))[0].rule, 'date');
  assert.ok(await passes({ type: 'date', format: 'YYYY-MM' }, '2026-12'));
  assert.equal((await errorsFor({ type: 'date', format: 'YYYY-MM' }, '2026-13'))[0].rule, 'date');
  assert.ok(await passes({ type: 'date', format: 'DD/MM/YYYY' }, '31/12/2026'));
  assert.ok(await passes({ type: 'date', format: 'HH:mm' }, '23:59'));
  assert.deepEqual(await errorsFor({ type: 'date', format: 'HH:mm' }, '24:00'), [
    { field: 'f', rule: 'date', message: "Field 'f' must be a date in the format HH:mm" },
  ]);
  assert.equal((await errorsFor({ type: 'date' }, 20260101))[0].rule, 'date');
});

test('datetime: ISO 8601 by default, or a format', async () => {
  for (const good of [
    '2026-01-15T10:30:00+01:00',
    '2026-01-15T10:30:00Z',
    '2026-01-15T10:30',
    '2026-01-15 10:30:00',
  ]) {
    assert.ok(await passes({ type: 'datetime' }, good), good);
  }
  for (const bad of ['2026-01-15', '15/01/2026 10:30', '2026-01-15T25:00']) {
    assert.equal((await errorsFor({ type: 'datetime' }, bad))[0].rule, 'datetime', bad);
  }
  assert.ok(await passes({ type: 'datetime', format: 'DD/MM/YYYY HH:mm' }, '15/01/2026 10:30'));
  assert.deepEqual(await errorsFor({ type: 'datetime', format: 'DD/MM/YYYY HH:mm' }, '2026-01-15'), [
    { field: 'f', rule: 'datetime', message: "Field 'f' must be a date-time in the format DD/MM/YYYY HH:mm" },
  ]);
});

test('enum compares with ===', async () => {
  assert.ok(await passes({ type: 'enum', values: ['a', 1] }, 1));
  assert.deepEqual(await errorsFor({ type: 'enum', values: ['a', 1] }, '1'), [
    { field: 'f', rule: 'enum', message: 'Field \'f\' must be one of: "a", 1' },
  ]);
});

test('regex type and pattern (bare or /body/flags)', async () => {
  assert.ok(await passes({ type: 'regex', pattern: '^\\d{5}$' }, '75011'));
  assert.deepEqual(await errorsFor({ type: 'regex', pattern: '^\\d{5}$' }, '7501'), [
    { field: 'f', rule: 'pattern', message: "Field 'f' must match the pattern ^\\d{5}$" },
  ]);
  assert.equal((await errorsFor({ type: 'regex', pattern: '^\\d{5}$' }, 75011))[0].rule, 'type');
  assert.ok(await passes({ type: 'string', pattern: '/^dr /i' }, 'DR Martin'));
  // The global flag must not make repeated checks alternate.
  const { valid } = await validate({ fields: [{ name: 'f', pattern: '/a/g' }] }, [
    { f: 'a' },
    { f: 'a' },
    { f: 'a' },
  ]);
  assert.equal(valid.length, 3);
});

test('min and max: number values, string lengths (in characters), array sizes', async () => {
  assert.deepEqual(await errorsFor({ type: 'number', min: 0 }, -1), [
    { field: 'f', rule: 'min', message: "Field 'f' must be at least 0" },
  ]);
  assert.deepEqual(await errorsFor({ max: 10 }, 11), [
    { field: 'f', rule: 'max', message: "Field 'f' must be at most 10" },
  ]);
  assert.deepEqual(await errorsFor({ type: 'string', min: 2 }, 'é'), [
    { field: 'f', rule: 'min', message: "Field 'f' must be at least 2 characters long" },
  ]);
  assert.ok(await passes({ type: 'string', max: 2 }, 'éé'));
  assert.deepEqual(await errorsFor({ type: 'array', max: 1 }, [1, 2]), [
    { field: 'f', rule: 'max', message: "Field 'f' must be at most 1 items" },
  ]);
});

test('nested fields by dot path, and a custom message', async () => {
  const { invalid } = await validate(
    {
      fields: [
        { name: 'adresse.cp', required: true, pattern: '^\\d{5}$', message: 'Code postal invalide' },
        { name: 'lignes[0].montant', type: 'number' },
      ],
    },
    [{ adresse: { cp: '7501' }, lignes: [{ montant: 'x' }] }],
  );
  assert.deepEqual(invalid[0]._errors, [
    { field: 'adresse.cp', rule: 'pattern', message: 'Code postal invalide' },
    {
      field: 'lignes[0].montant',
      rule: 'type',
      message: "Field 'lignes[0].montant' must be a number (got string)",
    },
  ]);
});

test('date format spellings: moment-style and Luxon-style tokens, literal letters', () => {
  assert.equal(toLuxonFormat('YYYY-MM-DDTHH:mm'), "yyyy'-'MM'-'dd'T'HH':'mm");
  assert.equal(toLuxonFormat('dd/MM/yyyy'), "dd'/'MM'/'yyyy");
  assert.equal(toLuxonFormat("D 'de' M"), "d' ''de'' 'M");
});
