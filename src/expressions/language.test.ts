/** The JavaScript subset: operators, coercions, functions, destructuring, built-ins. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExpressionError } from '../engine/errors.js';
import { evaluate } from './fake-data.js';

const run = {
  input: [
    {
      name: 'Ana',
      age: 41,
      price: '3,80',
      items: [
        { sku: 'b', qty: 2 },
        { sku: 'a', qty: 5 },
      ],
      when: '2023-02-09T13:22:54.187Z',
      later: '2023-02-13T13:22:54.187Z',
    },
  ],
};
const ev = (expression: string) => evaluate(expression, run);

describe('operators', () => {
  it('computes arithmetic, comparison and logic like JavaScript', () => {
    assert.equal(ev('={{ $json.age * 2 - 1 }}'), 81);
    assert.equal(ev('={{ 2 ** 10 % 1000 }}'), 24);
    assert.equal(ev('={{ "5" * "2" }}'), 10);
    assert.equal(ev('={{ 1 + "1" }}'), '11');
    assert.equal(ev('={{ [1, 2] + 1 }}'), '1,21');
    assert.equal(ev('={{ $json.age > 40 && $json.name === "Ana" }}'), true);
    assert.equal(ev('={{ null == undefined }}'), true);
    assert.equal(ev('={{ "1" == 1 }}'), true);
    assert.equal(ev('={{ "1" != 1 }}'), false);
    assert.equal(ev('={{ null ?? "d" }}'), 'd');
    assert.equal(ev('={{ 0 || "d" }}'), 'd');
    assert.equal(ev('={{ !$json.name }}'), false);
    assert.equal(ev('={{ -"3" + +"4" + ~1 }}'), -1);
    assert.equal(ev('={{ (5 & 3) | (1 << 3) ^ 1 }}'), 9);
    assert.equal(ev('={{ typeof $json.age }}'), 'number');
    assert.equal(ev('={{ typeof (x => x) }}'), 'function');
    assert.equal(ev('={{ void 0 }}'), undefined);
    assert.equal(ev('={{ "age" in $json }}'), true);
    assert.equal(ev('={{ (1, 2, 3) }}'), 3);
  });

  it('compares dates by their time value', () => {
    assert.equal(ev('={{ new Date($json.when) < new Date($json.later) }}'), true);
    assert.equal(ev('={{ (new Date($json.later) - new Date($json.when)) / 86400000 }}'), 4); // n8n fixture
    assert.equal(ev('={{ $now > DateTime.fromISO("2020-01-01") }}'), true);
    assert.equal(ev('={{ $now - $now.minus({ hours: 1 }) }}'), 3_600_000);
  });

  it('supports instanceof for the built-in types only', () => {
    assert.equal(ev('={{ $now instanceof DateTime }}'), true);
    assert.equal(ev('={{ $json.items instanceof Array }}'), true);
    assert.throws(() => ev('={{ $json instanceof Foo }}'), ExpressionError);
  });
});

describe('optional chaining and templates', () => {
  it('short-circuits whole chains', () => {
    assert.equal(ev('={{ $json?.data?.data?.issues?.pageInfo?.hasNextPage }}'), undefined);
    assert.equal(ev('={{ !$json?.data?.data?.hasNextPage }}'), true); // n8n fixture
    assert.equal(ev('={{ $json.missing?.toUpperCase().length }}'), undefined);
    assert.equal(ev('={{ $json.name?.toUpperCase() }}'), 'ANA');
    assert.equal(ev('={{ $json.name.nope?.() }}'), undefined);
    assert.equal(ev('={{ $json.items?.[1]?.sku }}'), 'a');
  });

  it('evaluates template literals and regular expressions', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the placeholder belongs to the expression under test.
    assert.equal(ev('={{ `${$json.name} is ${$json.age}` }}'), 'Ana is 41');
    assert.equal(ev('={{ `test\nvalue` }}'), 'test\nvalue');
    assert.equal(ev('={{ /^\\d+$/.test("1234") }}'), true);
    assert.equal(ev('={{ "test[1234]".match(/\\[(\\d+)]/)[1] }}'), '1234'); // n8n fixture
    assert.equal(ev('={{ "a-b-c".replace(/-/g, (m) => "+") }}'), 'a+b+c');
  });
});

describe('functions', () => {
  it('passes arrow functions as callbacks', () => {
    assert.deepEqual(ev('={{ $json.items.map(i => i.sku) }}'), ['b', 'a']);
    assert.equal(ev('={{ $json.items.reduce((sum, i) => sum + i.qty, 0) }}'), 7);
    assert.deepEqual(ev('={{ $json.items.filter(i => i.qty > 2).map(i => i.sku) }}'), ['a']);
    assert.equal(ev('={{ $json.items.find(i => i.sku === "a").qty }}'), 5);
    assert.equal(ev('={{ $json.items.some(i => i.qty > 4) && $json.items.every(i => i.qty > 1) }}'), true);
    assert.deepEqual(ev('={{ [[1, 2], [3]].flatMap(x => x) }}'), [1, 2, 3]);
    assert.deepEqual(ev('={{ ["10", "9", "1"].map(Number) }}'), [10, 9, 1]);
    assert.deepEqual(ev('={{ [0, 1, "", "x"].filter(Boolean) }}'), [1, 'x']);
  });

  it('sorts and reverses copies: the input data is never modified', () => {
    assert.deepEqual(ev('={{ $json.items.sort((a, b) => a.sku.localeCompare(b.sku)).map(i => i.sku) }}'), [
      'a',
      'b',
    ]);
    assert.deepEqual(ev('={{ $json.items.map(i => i.sku) }}'), ['b', 'a']);
    assert.deepEqual(ev('={{ [1, 2, 3].reverse() }}'), [3, 2, 1]);
    assert.throws(() => ev('={{ $json.items.push(1) }}'), /push\(\) is not allowed/);
  });

  it('runs block bodies with const, destructuring, if and return', () => {
    const expression = `={{ (() => {
      const { items: [first, ...rest], name = 'x' } = $json;
      if (rest.length > 0) { return name + ':' + first.sku + rest.length; }
      return 'none';
    })() }}`;
    assert.equal(ev(expression), 'Ana:b1');
    assert.deepEqual(ev('={{ $json.items.map(({ sku, qty = 0 }) => sku + qty) }}'), ['b2', 'a5']);
    assert.equal(ev('={{ ((a, b = a * 2, ...more) => a + b + more.length)(1, undefined, 7, 8) }}'), 5);
    assert.equal(ev('={{ (function named(n) { return n <= 1 ? 1 : n * named(n - 1) })(5) }}'), 120);
  });

  it('closes over outer variables', () => {
    assert.deepEqual(ev('={{ ((k) => [1, 2].map(x => x * k))(10) }}'), [10, 20]);
    assert.equal(ev('={{ (() => { const f = n => n ? n + f(n - 1) : 0; return f(4) })() }}'), 10);
  });

  it('refuses assignments and loops, and bounds recursion', () => {
    assert.throws(() => ev('={{ (() => { let a = 1; a = 2; return a })() }}'), /Assignments are not allowed/);
    assert.throws(() => ev('={{ (() => { for (;;) {} })() }}'), /Unsupported statement/);
    assert.throws(() => ev('={{ (() => { const f = n => f(n + 1); return f(0) })() }}'), /nested too deeply/);
  });
});

describe('built-ins', () => {
  it('offers Math, JSON, Object, Array, Number, String, Boolean', () => {
    assert.equal(ev('={{ Math.round(Math.max(1.4, 2.6) * Math.PI) }}'), 8);
    assert.deepEqual(ev('={{ JSON.parse(\'{"a":[1]}\') }}'), { a: [1] });
    assert.equal(ev('={{ JSON.stringify({ a: 1 }, null, 2) }}'), '{\n  "a": 1\n}');
    assert.deepEqual(ev('={{ Object.keys($json.items[0]) }}'), ['sku', 'qty']);
    assert.deepEqual(ev('={{ Object.entries({ a: 1 }) }}'), [['a', 1]]);
    assert.deepEqual(ev('={{ Object.fromEntries([["a", 1]]) }}'), { a: 1 });
    assert.deepEqual(ev('={{ Object.assign({}, { a: 1 }, { b: 2 }) }}'), { a: 1, b: 2 });
    assert.deepEqual(ev('={{ [].concat($json.items.length, [1]) }}'), [2, 1]);
    assert.deepEqual(ev('={{ Array.from({ length: 3 }, (_, i) => i * 2) }}'), [0, 2, 4]);
    assert.equal(ev('={{ Array.isArray($json.items) }}'), true);
    assert.equal(ev('={{ Number("12.5") + Number.parseInt("3px") }}'), 15.5);
    assert.equal(ev('={{ (parseFloat($json.price.replace(",", ".")) * 10).toFixed(2) }}'), '38.00'); // n8n fixture
    assert.equal(ev('={{ String(12) + Boolean("") }}'), '12false');
    assert.equal(ev('={{ encodeURIComponent("a b&c") }}'), 'a%20b%26c');
    assert.equal(ev('={{ String("testing").length }}'), 7);
    assert.equal(ev('={{ isNaN("x") && isFinite("1") }}'), true);
  });

  it('builds Dates from the run clock and parses others', () => {
    assert.equal(ev('={{ new Date().toISOString() }}'), '2024-03-15T10:30:00.000Z');
    assert.equal(ev('={{ Date.now() }}'), Date.parse('2024-03-15T10:30:00Z'));
    assert.equal(ev('={{ new Date($json.when).toISOString() }}'), '2023-02-09T13:22:54.187Z');
    assert.equal(ev('={{ Date.parse("2023-02-09T13:32:54.187Z") - Date.parse($json.when) }}'), 600000);
    assert.equal(ev('={{ new RegExp("^a", "i").test("Abc") }}'), true);
  });

  it('spreads arrays, strings and objects', () => {
    assert.deepEqual(ev('={{ [...[1, 2], ..."ab"] }}'), [1, 2, 'a', 'b']);
    assert.deepEqual(ev('={{ { ...$json.items[0], extra: true } }}'), { sku: 'b', qty: 2, extra: true });
    assert.equal(ev('={{ Math.max(...[3, 9, 4]) }}'), 9);
  });
});
