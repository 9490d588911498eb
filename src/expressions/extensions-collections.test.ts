/** n8n's array, object, number and boolean extensions. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DateTime } from 'luxon';
import { evaluate } from './fake-data.js';

const run = {
  input: [
    {
      people: [
        { name: 'Nathan', age: 42 },
        { name: 'Jan', city: 'Berlin' },
      ],
      nums: [12, 1, 5],
    },
  ],
};
const ev = (expression: string) => evaluate(expression, run);

describe('array extensions', () => {
  it('reads elements and aggregates', () => {
    assert.deepEqual(ev('={{ [$json.nums.first(), $json.nums.last(), [].first()] }}'), [12, 5, undefined]);
    assert.deepEqual(
      ev('={{ [$json.nums.sum(), $json.nums.min(), $json.nums.max(), $json.nums.average()] }}'),
      [18, 1, 12, 6],
    );
    assert.equal(ev('={{ [].average() }}'), 0);
    assert.throws(() => ev('={{ [1, "2"].sum() }}'), /sum\(\): all array elements must be numbers/);
    assert.deepEqual(ev('={{ [[].isEmpty(), [1].isNotEmpty()] }}'), [true, true]);
    assert.ok([12, 1, 5].includes(ev('={{ $json.nums.randomItem() }}') as number));
  });

  it('plucks, deduplicates and compacts', () => {
    assert.deepEqual(ev('={{ $json.people.pluck("name") }}'), ['Nathan', 'Jan']);
    assert.deepEqual(ev('={{ $json.people.pluck("age") }}'), [42]);
    assert.deepEqual(ev('={{ $json.people.pluck("name", "city") }}'), ['Nathan', ['Jan', 'Berlin']]);
    assert.deepEqual(ev('={{ [1, 2, 2, { a: 1 }, { a: 1 }].unique() }}'), [1, 2, { a: 1 }]);
    assert.deepEqual(ev('={{ [{ a: 1, b: 1 }, { a: 1, b: 2 }].removeDuplicates("a") }}'), [{ a: 1, b: 1 }]);
    assert.deepEqual(ev('={{ [2, null, 1, "", "nil", {}, { a: null, b: 3 }].compact() }}'), [2, 1, { b: 3 }]);
  });

  it('chunks, joins and merges', () => {
    assert.deepEqual(ev('={{ [1, 2, 3, 4, 5].chunk(2) }}'), [[1, 2], [3, 4], [5]]);
    assert.deepEqual(ev('={{ [{ k: "a", v: 1 }, { k: "b", v: 2 }].smartJoin("k", "v") }}'), { a: 1, b: 2 });
    assert.deepEqual(ev("={{ [{ name: 'bob' }, { name: 'meg' }].renameKeys('name', 'x') }}"), [
      { x: 'bob' },
      { x: 'meg' },
    ]);
    assert.deepEqual(
      ev("={{ [{ name: 'Nathan' }, { age: 42 }].merge([{ city: 'Berlin' }, { country: 'Germany' }]) }}"),
      {
        name: 'Nathan',
        age: 42,
        city: 'Berlin',
        country: 'Germany',
      },
    );
    assert.deepEqual(ev('={{ [{ a: 1 }, { b: 2 }].merge() }}'), { a: 1, b: 2 });
  });

  it('combines sets', () => {
    assert.deepEqual(ev('={{ [1, 2].union([2, 3]) }}'), [1, 2, 3]);
    assert.deepEqual(ev('={{ [1, 2, 3].difference([2, 3]) }}'), [1]);
    assert.deepEqual(ev('={{ [1, 2].intersection([2, 3]) }}'), [2]);
    assert.deepEqual(ev("={{ ['forget', 'me'].append('not') }}"), ['forget', 'me', 'not']);
    assert.equal(ev('={{ [1, "a"].toJsonString() }}'), '[1,"a"]');
    assert.throws(() => ev('={{ [1].union(2) }}'), /union\(\): expected array arg/);
  });
});

describe('object extensions', () => {
  it('inspects and filters fields', () => {
    assert.deepEqual(
      ev('={{ [({}).isEmpty(), $json.isNotEmpty(), $json.hasField("nums"), $json.hasField("x")] }}'),
      [true, true, true, false],
    );
    assert.deepEqual(ev("={{ ({ name: 'Nathan', city: 'hanoi' }).removeField('name') }}"), { city: 'hanoi' });
    assert.deepEqual(
      ev("={{ ({ name: 'Mr Nathan', city: 'hanoi', age: 42 }).removeFieldsContaining('han') }}"),
      {
        age: 42,
      },
    );
    assert.deepEqual(
      ev("={{ ({ name: 'Mr Nathan', city: 'hanoi', age: 42 }).keepFieldsContaining('han') }}"),
      {
        name: 'Mr Nathan',
        city: 'hanoi',
      },
    );
    assert.deepEqual(ev("={{ ({ x: null, y: 2, z: '' }).compact() }}"), { y: 2 });
  });

  it('lists, encodes and merges', () => {
    assert.deepEqual(ev("={{ ({ name: 'Mr Nathan', age: 42 }).keys() }}"), ['name', 'age']);
    assert.deepEqual(ev("={{ ({ name: 'Mr Nathan', age: 42 }).values() }}"), ['Mr Nathan', 42]);
    assert.equal(
      ev("={{ ({ name: 'Mr Nathan', city: 'hanoi' }).urlEncode() }}"),
      'name=Mr+Nathan&city=hanoi',
    );
    assert.equal(ev("={{ ({ name: 'Nathan', age: 42 }).toJsonString() }}"), '{"name":"Nathan","age":42}');
    assert.deepEqual(ev('={{ ({ a: 1, b: 2 }).merge({ b: 3, c: 4 }) }}'), { a: 1, b: 2, c: 4 });
    assert.equal(ev('={{ $json.toString() }}'), '[object Object]'); // n8n fixture
  });
});

describe('number extensions', () => {
  it('rounds and formats', () => {
    assert.deepEqual(ev('={{ [(1.256).round(), (1.256).round(1), (1.256).round(2)] }}'), [1, 1.3, 1.26]);
    assert.deepEqual(ev('={{ [(1.234).ceil(), (1.734).floor(), (-1.7).abs()] }}'), [2, 1, 1.7]);
    assert.equal(ev("={{ (123456.789).format('de-DE') }}"), '123.456,789');
    assert.equal(
      ev("={{ (123456.789).format('de-DE', { style: 'currency', currency: 'EUR' }) }}"),
      '123.456,79\u00a0€',
    );
    assert.equal(ev('={{ (1234.5).format() }}'), '1,234.5');
  });

  it('tests and converts', () => {
    assert.deepEqual(ev('={{ [(42).isEven(), (33).isOdd(), (-3).isOdd(), (4.12).isInteger()] }}'), [
      true,
      true,
      true,
      false,
    ]);
    assert.throws(() => ev('={{ (1.5).isEven() }}'), /isEven\(\) is only callable on integers/);
    assert.deepEqual(ev('={{ [(0).toBoolean(), (-1.3).toBoolean(), (2.6).toInt(), (2.5).toFloat()] }}'), [
      false,
      true,
      3,
      2.5,
    ]);
  });

  it('converts timestamps to DateTime in the workflow zone', () => {
    const dt = ev("={{ (1708695471).toDateTime('s') }}") as DateTime;
    assert.equal(dt.toISO(), '2024-02-23T14:37:51.000+01:00');
    assert.equal((ev('={{ (1708695471000).toDateTime() }}') as DateTime).toMillis(), 1708695471000);
    assert.equal((ev("={{ (1708695471000000).toDateTime('us') }}") as DateTime).toMillis(), 1708695471000);
    assert.equal(
      (ev("={{ (45345).toDateTime('excel') }}") as DateTime).toISO(),
      '2024-02-23T01:00:00.000+01:00',
    );
    assert.throws(() => ev("={{ (1).toDateTime('days') }}"), /Unsupported format 'days'/);
  });
});

describe('boolean and generic extensions', () => {
  it('converts booleans', () => {
    assert.deepEqual(ev('={{ [true.toNumber(), false.toInt(), true.toBoolean()] }}'), [1, 0, true]);
  });

  it('answers isEmpty/isNotEmpty for null and undefined', () => {
    assert.deepEqual(ev('={{ [null.isEmpty(), $json.nope.isNotEmpty()] }}'), [true, false]);
  });
});
