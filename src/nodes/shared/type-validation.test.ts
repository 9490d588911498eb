import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DateTime } from 'luxon';
import {
  jsonParse,
  toBoolean,
  toNumber,
  toObject,
  validateFieldType,
  valueDescription,
} from './type-validation.js';

const parsed = (value: unknown, type: string, strict = false) => {
  const result = validateFieldType('field', value, type, { strict, parseStrings: true });
  return result.valid ? result.newValue : 'invalid';
};

test('null and undefined are always valid', () => {
  for (const type of ['string', 'number', 'boolean', 'dateTime', 'array', 'object']) {
    assert.deepEqual(validateFieldType('f', null, type, { strict: true }), {
      valid: true,
      newValue: undefined,
    });
  }
});

test('strict mode only accepts the JavaScript type', () => {
  assert.equal(parsed('5', 'number', true), 'invalid');
  assert.equal(parsed(5, 'number', true), 5);
  assert.equal(parsed(5, 'string', true), 'invalid');
  assert.equal(parsed('true', 'boolean', true), 'invalid');
  assert.equal(parsed('[]', 'array', true), 'invalid');
  assert.equal(parsed('{}', 'object', true), 'invalid');
  // lodash isObject lets arrays through, then they fail to parse as objects
  assert.equal(parsed([1, 2], 'object', true), 'invalid');
});

test('loose numbers: Number() rules, NaN refused', () => {
  assert.equal(toNumber('5'), 5);
  assert.equal(toNumber(' 2.5 '), 2.5);
  assert.equal(toNumber(''), 0);
  assert.equal(toNumber(true), 1);
  assert.equal(toNumber([7]), 7);
  assert.throws(() => toNumber('abc'));
  assert.throws(() => toNumber({}));
});

test('loose booleans: true/false in any case, 0 and 1', () => {
  assert.equal(toBoolean('TRUE'), true);
  assert.equal(toBoolean('False'), false);
  assert.equal(toBoolean('0'), false);
  assert.equal(toBoolean(1), true);
  assert.throws(() => toBoolean(''));
  assert.throws(() => toBoolean('yes'));
  assert.throws(() => toBoolean(2));
});

test('loose strings: objects become JSON', () => {
  assert.equal(parsed({ a: 1 }, 'string'), '{"a":1}');
  assert.equal(parsed([1, 'a'], 'string'), '[1,"a"]');
  assert.equal(parsed(false, 'string'), 'false');
  // without parseStrings any value is a valid string and stays as it is
  assert.deepEqual(validateFieldType('f', 5, 'string'), { valid: true, newValue: 5 });
});

test('loose arrays and objects are parsed from JSON or JavaScript literals, never evaluated', () => {
  assert.deepEqual(parsed('[1,2]', 'array'), [1, 2]);
  assert.deepEqual(parsed("['a']", 'array'), ['a']);
  assert.equal(parsed('a,b', 'array'), 'invalid');
  assert.deepEqual(toObject("{a: 1, 'b': [true, -2], c: x}"), { a: 1, b: [true, -2], c: 'x' });
  // code is read as syntax only: a call becomes undefined, as with n8n's esprima reader
  assert.deepEqual(toObject('{a: process.exit()}'), { a: undefined });
  assert.throws(() => toObject('1'));
  // n8n's tryToParseObject lets JSON null through (`typeof null` is 'object')
  assert.equal(toObject('null'), null);
  assert.equal(parsed('null', 'object'), null);
});

test('jsonParse accepts JS objects only when asked, and drops __proto__ keys', () => {
  assert.throws(() => jsonParse('{a: 1}'), SyntaxError);
  assert.deepEqual(jsonParse('{a: 1}', true), { a: 1 });
  const read = jsonParse("{'__proto__': {x: 1}, b: 2}", true) as Record<string, unknown>;
  assert.deepEqual(read, { b: 2 });
  assert.equal(Object.hasOwn(read, '__proto__'), false);
  assert.equal(Object.getPrototypeOf(read), Object.prototype);
});

test('valueDescription names values as n8n error messages do', () => {
  assert.equal(valueDescription(null), "'null'");
  assert.equal(valueDescription([]), 'array');
  assert.equal(valueDescription({}), 'object');
  assert.equal(valueDescription('x'), "'x'");
});

test('dates: DateTime, Date, ISO, HTTP, RFC 2822, SQL, then Date.parse', () => {
  const iso = parsed('2024-01-02T03:04:05Z', 'dateTime') as DateTime;
  assert.equal(iso.toMillis(), Date.UTC(2024, 0, 2, 3, 4, 5));
  const dt = DateTime.fromMillis(0);
  assert.equal(parsed(dt, 'dateTime'), dt);
  assert.equal((parsed(new Date(1000), 'dateTime') as DateTime).toMillis(), 1000);
  assert.equal(
    (parsed('Tue, 02 Jan 2024 03:04:05 +0000', 'dateTime') as DateTime).toMillis(),
    iso.toMillis(),
  );
  assert.equal((parsed('2024-01-02 03:04:05', 'dateTime') as DateTime).isValid, true);
  assert.equal((parsed('January 2, 2024', 'dateTime') as DateTime).isValid, true);
  assert.equal(parsed('nonsense', 'dateTime'), 'invalid');
});

test('unknown types pass values through', () => {
  assert.deepEqual(validateFieldType('f', 'x', 'color', { strict: true }), { valid: true, newValue: 'x' });
});
