import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DateTime } from 'luxon';
import type { Item } from '../engine/items.js';
import { runNode } from '../testing/run-node.js';
import { setNode } from './set.node.js';

// Fixture items of the conformance cases (the Fixture Code node's jsCode in workflow.json).
const contacts = [
  {
    nom: 'Dumitru',
    prenom: 'Marie',
    email: 'marie.dumitru@example.com',
    age: 34,
    telephone: '0612345678',
    tags: ['vip', 'cap'],
  },
  { nom: 'Rimbo', prenom: 'Juliette', email: 'juliette.rimbo@example.com', age: 17, telephone: '', tags: [] },
  { nom: 'martin', prenom: 'jean', email: 'not-an-email', age: 52, tags: ['cap'] },
  {
    nom: 'Dumitru',
    prenom: 'Marie',
    email: 'marie.dumitru@example.com',
    age: 34,
    telephone: '0612345678',
    tags: ['vip'],
  },
];

const assignment = (name: string, value: unknown, type = 'string') => ({ id: name, name, value, type });
const assign = (...list: ReturnType<typeof assignment>[]) => ({
  assignments: { assignments: list },
  options: {},
});

function pairs(items: Item[]): unknown[] {
  return items.map((item) => item.pairedItem);
}

test('conformance set-expressions: typed expressions added to all input fields', async () => {
  const { json, outputs } = await runNode(setNode, {
    items: contacts,
    parameters: {
      assignments: {
        assignments: [
          assignment('greeting', '=Bonjour {{ $json.prenom }} {{ $json.nom.toUpperCase() }}'),
          assignment('ageNextYear', '={{ $json.age + 1 }}', 'number'),
          assignment('adult', '={{ $json.age >= 18 }}', 'boolean'),
          assignment('tagCount', '={{ $json.tags.length }}', 'number'),
        ],
      },
      options: {},
      includeOtherFields: true,
    },
  });
  assert.deepEqual(json[0], [
    { ...contacts[0], greeting: 'Bonjour Marie DUMITRU', ageNextYear: 35, adult: true, tagCount: 2 },
    { ...contacts[1], greeting: 'Bonjour Juliette RIMBO', ageNextYear: 18, adult: false, tagCount: 0 },
    { ...contacts[2], greeting: 'Bonjour jean MARTIN', ageNextYear: 53, adult: true, tagCount: 1 },
    { ...contacts[3], greeting: 'Bonjour Marie DUMITRU', ageNextYear: 35, adult: true, tagCount: 1 },
  ]);
  assert.deepEqual(pairs(outputs[0]), [{ item: 0 }, { item: 1 }, { item: 2 }, { item: 3 }]);
});

test('conformance set-only-fields-dot: only the set fields, dotted names nest', async () => {
  const { json } = await runNode(setNode, {
    items: contacts.slice(0, 2),
    parameters: assign(
      assignment('contact.email', '={{ $json.email }}'),
      assignment('contact.phone', '={{ $json.telephone || "none" }}'),
      assignment('source', 'relais-import'),
    ),
  });
  assert.deepEqual(json[0], [
    { contact: { email: 'marie.dumitru@example.com', phone: '0612345678' }, source: 'relais-import' },
    { contact: { email: 'juliette.rimbo@example.com', phone: 'none' }, source: 'relais-import' },
  ]);
});

test('conformance set-type-conversion: strings converted to number, boolean, array, object', async () => {
  const { json } = await runNode(setNode, {
    items: [{ n: '123', b: 'true', a: '[1,2]', o: '{"k": 1}' }],
    parameters: assign(
      assignment('num', '={{ $json.n }}', 'number'),
      assignment('bool', '={{ $json.b }}', 'boolean'),
      assignment('arr', '={{ $json.a }}', 'array'),
      assignment('obj', '={{ $json.o }}', 'object'),
      assignment('plain', 'just text'),
    ),
  });
  assert.deepEqual(json[0], [{ num: 123, bool: true, arr: [1, 2], obj: { k: 1 }, plain: 'just text' }]);
});

test('conformance expr-strings: string methods, templates, optional chaining', async () => {
  const { json } = await runNode(setNode, {
    items: contacts.slice(0, 3),
    parameters: assign(
      assignment('upper', '={{ $json.nom.toUpperCase() }}'),
      assignment('domain', '={{ $json.email.split("@")[1] ?? "none" }}'),
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the expression's own template literal
      assignment('tpl', '={{ `${$json.prenom}-${$json.age}` }}'),
      assignment('replaced', '={{ $json.telephone?.replace(/^0/, "+33") ?? "-" }}'),
      assignment('hasVip', '={{ $json.tags.includes("vip") ? "oui" : "non" }}'),
      assignment('padded', '={{ String($json.age).padStart(4, "0") }}'),
      assignment('mixed', 'Client: {{ $json.prenom }} ({{ $json.tags.join(", ") || "aucun tag" }})'),
    ),
  });
  const mixed = 'Client: {{ $json.prenom }} ({{ $json.tags.join(", ") || "aucun tag" }})';
  assert.deepEqual(json[0], [
    {
      upper: 'DUMITRU',
      domain: 'example.com',
      tpl: 'Marie-34',
      replaced: '+33612345678',
      hasVip: 'oui',
      padded: '0034',
      mixed,
    },
    {
      upper: 'RIMBO',
      domain: 'example.com',
      tpl: 'Juliette-17',
      replaced: '',
      hasVip: 'non',
      padded: '0017',
      mixed,
    },
    { upper: 'MARTIN', domain: 'none', tpl: 'jean-52', replaced: '-', hasVip: 'non', padded: '0052', mixed },
  ]);
});

test('conformance expr-dates: Luxon results stored as strings and numbers', async () => {
  const { json } = await runNode(setNode, {
    timezone: 'Europe/Paris',
    items: [{ d: '2026-03-15T10:00:00Z' }, { d: '2026-12-31T23:30:00Z' }],
    parameters: assign(
      assignment('plus2', '={{ DateTime.fromISO($json.d).plus({ days: 2 }).toISO() }}'),
      assignment(
        'fr',
        "={{ DateTime.fromISO($json.d).setZone('Europe/Paris').toFormat('dd/MM/yyyy HH:mm') }}",
      ),
      assignment('weekday', "={{ DateTime.fromISO($json.d, { zone: 'utc' }).weekday }}", 'number'),
      assignment('ext', "={{ $json.d.toDateTime().toUTC().toFormat('yyyy-LL-dd') }}"),
      assignment(
        'diffDays',
        "={{ Math.round(DateTime.fromISO('2027-01-01T00:00:00Z').diff(DateTime.fromISO($json.d), 'days').days) }}",
        'number',
      ),
    ),
  });
  assert.deepEqual(json[0], [
    {
      plus2: '2026-03-17T11:00:00.000+01:00',
      fr: '15/03/2026 11:00',
      weekday: 7,
      ext: '2026-03-15',
      diffDays: 292,
    },
    {
      plus2: '2027-01-03T00:30:00.000+01:00',
      fr: '01/01/2027 00:30',
      weekday: 4,
      ext: '2026-12-31',
      diffDays: 0,
    },
  ]);
});

test('a Luxon DateTime assigned to a string field becomes its ISO text, as n8n cleans parameters', async () => {
  const when = DateTime.fromISO('2026-03-15T10:00:00.000+01:00', { setZone: true });
  const { json } = await runNode(setNode, {
    items: [{}],
    parameters: assign(assignment('at', when), assignment('nested', { when }, 'object')),
  });
  assert.deepEqual(json[0], [
    { at: '2026-03-15T10:00:00.000+01:00', nested: { when: '2026-03-15T10:00:00.000+01:00' } },
  ]);
});

test('an expression returning a DateTime ($now) gives its ISO text in the workflow zone', async () => {
  const { json } = await runNode(setNode, {
    now: '2026-01-01T00:00:00.000Z',
    timezone: 'Europe/Paris',
    items: [{}],
    parameters: assign(assignment('at', '={{ $now }}'), assignment('day', '={{ $today }}')),
  });
  assert.deepEqual(json[0], [{ at: '2026-01-01T01:00:00.000+01:00', day: '2026-01-01T00:00:00.000+01:00' }]);
});

test('a dateTime field reads a date without an offset in the workflow zone and fails on a non-date', async () => {
  const dates = (value: string) =>
    runNode(setNode, {
      timezone: 'America/New_York',
      items: [{ d: value }],
      parameters: assign(assignment('due', '={{ $json.d }}', 'dateTime')),
    });
  assert.deepEqual((await dates('2026-12-01 09:30:00')).json[0], [{ due: '2026-12-01T09:30:00.000-05:00' }]);
  await assert.rejects(dates('31/12/2026'), /'due' expects a dateTime but we got '31\/12\/2026' \[item 0\]/);
});

test('conformance disabled-node: the "After" Set adds a field to all input fields', async () => {
  const { json } = await runNode(setNode, {
    items: contacts.slice(0, 2),
    parameters: { ...assign(assignment('after', 'yes')), includeOtherFields: true },
  });
  assert.deepEqual(json[0], [
    { ...contacts[0], after: 'yes' },
    { ...contacts[1], after: 'yes' },
  ]);
});

test('conformance expr-node-refs: $itemIndex, then $(), $node and $input from a later Set', async () => {
  const fixture = contacts.slice(0, 3);
  const first = await runNode(setNode, {
    items: fixture,
    parameters: assign(assignment('n', '={{ $itemIndex }}', 'number')),
  });
  assert.deepEqual(first.json[0], [{ n: 0 }, { n: 1 }, { n: 2 }]);

  const refs = await runNode(setNode, {
    name: 'Refs',
    items: first.outputs[0],
    nodeOutputs: { Fixture: fixture },
    parameters: assign(
      assignment('fromFixture', "={{ $('Fixture').item.json.email }}"),
      assignment('countAll', "={{ $('Fixture').all().length }}", 'number'),
      assignment('firstNom', "={{ $('Fixture').first().json.nom }}"),
      assignment('lastPrenom', "={{ $('Fixture').last().json.prenom }}"),
      assignment('legacy', '={{ $node["Fixture"].json.prenom }}'),
      assignment('inputFirst', '={{ $input.first().json.n }}', 'number'),
      assignment('inputLen', '={{ $input.all().length }}', 'number'),
    ),
  });
  const common = { countAll: 3, firstNom: 'Dumitru', lastPrenom: 'jean', inputFirst: 0, inputLen: 3 };
  assert.deepEqual(refs.json[0], [
    { fromFixture: 'marie.dumitru@example.com', ...common, legacy: 'Marie' },
    { fromFixture: 'juliette.rimbo@example.com', ...common, legacy: 'Juliette' },
    { fromFixture: 'not-an-email', ...common, legacy: 'jean' },
  ]);
});

test('defaults: no parameters gives empty items paired with their input', async () => {
  const { json, outputs } = await runNode(setNode, { items: [{ a: 1 }, { b: 2 }] });
  assert.deepEqual(json, [[{}, {}]]);
  assert.deepEqual(pairs(outputs[0]), [{ item: 0 }, { item: 1 }]);
});

test('empty input gives no items', async () => {
  const { json } = await runNode(setNode, { items: [], parameters: assign(assignment('x', 'y')) });
  assert.deepEqual(json, [[]]);
});

test('include selected keeps listed fields (a dotted one under its last segment)', async () => {
  const { json } = await runNode(setNode, {
    items: [{ id: 7, user: { name: 'Ana', age: 3 }, secret: 'x' }],
    parameters: {
      ...assign(assignment('added', 'yes')),
      includeOtherFields: true,
      include: 'selected',
      includeFields: 'id, user.name, missing',
    },
  });
  assert.deepEqual(json[0], [{ id: 7, name: 'Ana', added: 'yes' }]);
});

test('include except drops listed fields, dotted paths included', async () => {
  const items = [{ id: 7, user: { name: 'Ana', age: 3 }, secret: 'x' }];
  const { json } = await runNode(setNode, {
    items,
    parameters: {
      ...assign(),
      includeOtherFields: true,
      include: 'except',
      excludeFields: 'secret, user.age',
    },
  });
  assert.deepEqual(json[0], [{ id: 7, user: { name: 'Ana' } }]);
  assert.deepEqual(items[0], { id: 7, user: { name: 'Ana', age: 3 }, secret: 'x' }, 'input untouched');
});

test('dot notation off writes literal keys; on, it merges into existing objects', async () => {
  const off = await runNode(setNode, {
    items: [{ a: { x: 1 } }],
    parameters: {
      ...assign(assignment('a.b', 'v')),
      includeOtherFields: true,
      options: { dotNotation: false },
    },
  });
  assert.deepEqual(off.json[0], [{ a: { x: 1 }, 'a.b': 'v' }]);
  const items = [{ a: { x: 1 } }];
  const on = await runNode(setNode, {
    items,
    parameters: { ...assign(assignment('a.b', 'v'), assignment('list[1]', 'z')), includeOtherFields: true },
  });
  assert.deepEqual(JSON.parse(JSON.stringify(on.json[0])), [{ a: { x: 1, b: 'v' }, list: [null, 'z'] }]);
  assert.deepEqual(items[0], { a: { x: 1 } }, 'the nested input object is not mutated');
});

test('a name given twice keeps the last value', async () => {
  const { json } = await runNode(setNode, {
    items: [{}],
    parameters: assign(assignment('x', '1', 'number'), assignment('y', 'a'), assignment('x', '2', 'number')),
  });
  assert.deepEqual(json[0], [{ x: 2, y: 'a' }]);
});

test('null and missing values become null whatever the type', async () => {
  const { json } = await runNode(setNode, {
    items: [{}],
    parameters: assign(
      assignment('s', null),
      assignment('n', null, 'number'),
      assignment('o', undefined, 'object'),
    ),
  });
  assert.deepEqual(json[0], [{ s: null, n: null, o: null }]);
});

test('a value that does not convert fails with n8n message, naming the field and item', async () => {
  await assert.rejects(
    runNode(setNode, { items: [{}, {}], parameters: assign(assignment('num', 'abc', 'number')) }),
    (error: Error & { description?: string; itemIndex?: number }) => {
      assert.equal(error.message, "'num' expects a number but we got 'abc' [item 0]");
      assert.match(error.description ?? '', /Ignore Type Conversion Errors/);
      assert.equal(error.itemIndex, 0);
      return true;
    },
  );
});

test('ignoreConversionErrors keeps the unconverted value', async () => {
  const { json } = await runNode(setNode, {
    items: [{}],
    parameters: {
      ...assign(assignment('num', 'abc', 'number'), assignment('list', 'not a list', 'array')),
      options: { ignoreConversionErrors: true },
    },
  });
  assert.deepEqual(json[0], [{ num: 'abc', list: 'not a list' }]);
});

test('continue on fail turns a failing item into an error item and goes on', async () => {
  const { json, outputs } = await runNode(setNode, {
    onError: 'continue',
    items: [{ v: 'x' }, { v: 'y' }],
    parameters: assign(assignment('num', 'abc', 'number')),
  });
  assert.equal(json[0].length, 2);
  assert.equal(json[0][0].error, "'num' expects a number but we got 'abc' [item 0]");
  assert.deepEqual(pairs(outputs[0]), [{ item: 0 }, { item: 1 }]);
});

test('raw mode: JSON text, repaired JSON, and errors for invalid or non-object JSON', async () => {
  const ok = await runNode(setNode, {
    items: [{ keep: 1 }],
    parameters: { mode: 'raw', jsonOutput: '{"a": {"b": 1}, "c.d": 2}', includeOtherFields: true },
  });
  assert.deepEqual(ok.json[0], [{ keep: 1, a: { b: 1 }, c: { d: 2 } }]);
  const repaired = await runNode(setNode, {
    items: [{}],
    parameters: { mode: 'raw', jsonOutput: "{name: 'Ana', n: 1,}" },
  });
  assert.deepEqual(repaired.json[0], [{ name: 'Ana', n: 1 }]);
  const defaults = await runNode(setNode, { items: [{}], parameters: { mode: 'raw' } });
  assert.deepEqual(defaults.json[0], [{ my_field_1: 'value', my_field_2: 1 }]);
  await assert.rejects(
    runNode(setNode, { items: [{}], parameters: { mode: 'raw', jsonOutput: '{a: "x",, b: 1}' } }),
    /The 'JSON Output' in item 0 contains invalid JSON/,
  );
  await assert.rejects(
    runNode(setNode, { items: [{}], parameters: { mode: 'raw', jsonOutput: '[1, 2]' } }),
    /The 'JSON Output' in item 0 does not contain a valid JSON object/,
  );
});

test('raw mode template: each {{ }} is spliced in, objects as JSON', async () => {
  const { json } = await runNode(setNode, {
    items: [{ user: { name: 'Ana' }, n: 3 }],
    parameters: {
      mode: 'raw',
      jsonOutput: '={ "who": {{ $json.user }}, "count": {{ $json.n }}, "label": "n={{ $json.n }}" }',
    },
  });
  assert.deepEqual(json[0], [{ who: { name: 'Ana' }, count: 3, label: 'n=3' }]);
});

test('binary files pass through with other fields unless stripped, never with fields alone', async () => {
  const file = { data: 'aGk=', mimeType: 'text/plain', fileName: 'hi.txt' };
  const items = [{ json: { a: 1 }, binary: { file } }];
  const kept = await runNode(setNode, { items, parameters: { ...assign(), includeOtherFields: true } });
  assert.deepEqual(kept.outputs[0][0].binary, { file });
  const stripped = await runNode(setNode, {
    items,
    parameters: { ...assign(), includeOtherFields: true, options: { stripBinary: true } },
  });
  assert.equal(stripped.outputs[0][0].binary, undefined);
  const alone = await runNode(setNode, { items, parameters: assign(assignment('x', 'y')) });
  assert.equal(alone.outputs[0][0].binary, undefined);
  const copied = await runNode(setNode, { items, parameters: assign(assignment('copy', 'file', 'binary')) });
  assert.deepEqual(copied.outputs[0][0], { json: {}, binary: { copy: file }, pairedItem: { item: 0 } });
  await assert.rejects(
    runNode(setNode, { items, parameters: assign(assignment('copy', 'nope', 'binary')) }),
    /contain a binary file 'nope'/,
  );
});

test('duplicateItem repeats each item in runs started by hand', async () => {
  const { json, outputs } = await runNode(setNode, {
    items: [{ a: 1 }],
    parameters: { ...assign(assignment('b', '2', 'number')), duplicateItem: true, duplicateCount: 2 },
  });
  assert.deepEqual(json[0], [{ b: 2 }, { b: 2 }, { b: 2 }]);
  assert.deepEqual(pairs(outputs[0]), [{ item: 0 }, { item: 0 }, { item: 0 }]);
});

test('bad parameters fail with the parameter named', async () => {
  await assert.rejects(
    runNode(setNode, { items: [{}], parameters: { mode: 'sideways' } }),
    /Invalid parameter 'mode'/,
  );
  await assert.rejects(
    runNode(setNode, { items: [{}], parameters: { assignments: { assignments: 'nope' } } }),
    /Invalid parameter 'assignments.assignments'/,
  );
});
