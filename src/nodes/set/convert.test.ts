import assert from 'node:assert/strict';
import { test } from 'node:test';
import { convertAssignment, parseJsonObject } from './convert.js';

const convert = (type: string, value: unknown, ignore = false) =>
  convertAssignment('f', type, value, 0, ignore);

test('string: objects become JSON, everything else String()', () => {
  assert.equal(convert('string', { a: 1 }), '{"a":1}');
  assert.equal(convert('string', [1, 'x']), '[1,"x"]');
  assert.equal(convert('string', 12.5), '12.5');
  assert.equal(convert('string', true), 'true');
  assert.equal(convert('string', null), null);
});

test('number: Number() unless NaN', () => {
  assert.equal(convert('number', '123'), 123);
  assert.equal(convert('number', ' 4.5 '), 4.5);
  assert.equal(convert('number', ''), 0, 'n8n turns an empty string into 0');
  assert.equal(convert('number', true), 1);
  assert.equal(convert('number', '0x10'), 16);
  assert.throws(() => convert('number', 'abc'), /'f' expects a number but we got 'abc' \[item 0\]/);
  assert.throws(() => convert('number', { a: 1 }), /'f' expects a number but we got object/);
  assert.throws(() => convert('number', [1, 2]), /'f' expects a number but we got array/);
});

test('boolean: true/false in any case, 0 and 1', () => {
  assert.equal(convert('boolean', 'TRUE'), true);
  assert.equal(convert('boolean', 'false'), false);
  assert.equal(convert('boolean', 1), true);
  assert.equal(convert('boolean', '0'), false);
  assert.throws(() => convert('boolean', 'yes'), /'f' expects a boolean but we got 'yes'/);
  assert.throws(() => convert('boolean', ''), /expects a boolean/);
});

test('array: arrays as they are, JSON text, single quotes accepted', () => {
  assert.deepEqual(convert('array', [1]), [1]);
  assert.deepEqual(convert('array', '[1,2]'), [1, 2]);
  assert.deepEqual(convert('array', "['a', 'b']"), ['a', 'b']);
  assert.throws(() => convert('array', '{"a":1}'), /'f' expects a array but we got '\{"a":1\}'/);
  assert.throws(() => convert('array', 'x, y'), /expects a array/);
});

test('object: objects as they are, JSON text, JavaScript object literals without evaluation', () => {
  assert.deepEqual(convert('object', { k: 1 }), { k: 1 });
  assert.deepEqual(convert('object', '{"k": 1}'), { k: 1 });
  assert.deepEqual(convert('object', "{k: 'v', n: -2, list: [1, two]}"), { k: 'v', n: -2, list: [1, 'two'] });
  assert.throws(() => convert('object', '[1]'), /'f' expects a object but we got '\[1\]'/);
  assert.throws(() => convert('object', 'nope'), /expects a object/);
  assert.deepEqual(convert('object', '{a: process.exit()}'), { a: undefined }, 'calls are never run');
});

test('ignoreErrors returns the unconverted (stringified for string fields) value', () => {
  assert.equal(convert('number', 'abc', true), 'abc');
  assert.equal(convert('array', 'x', true), 'x');
});

test('dateTime: parsed as n8n parses dates, written as ISO text with its offset', () => {
  const at = (value: unknown, zone?: string) => convertAssignment('f', 'dateTime', value, 0, false, zone);
  assert.equal(at('2026-03-15T10:00:00+01:00'), '2026-03-15T10:00:00.000+01:00', 'an offset given is kept');
  assert.equal(
    at('2026-03-15 10:00', 'Europe/Paris'),
    '2026-03-15T10:00:00.000+01:00',
    'SQL, zone of the workflow',
  );
  assert.equal(at('2026-07-15', 'Europe/Paris'), '2026-07-15T00:00:00.000+02:00');
  assert.equal(at('Sun, 15 Mar 2026 10:00:00 GMT', 'UTC'), '2026-03-15T10:00:00.000Z', 'HTTP date');
  assert.throws(() => at('next tuesday'), /'f' expects a dateTime but we got 'next tuesday' \[item 0\]/);
  assert.throws(() => at({ a: 1 }), /'f' expects a dateTime but we got object/);
  assert.equal(convertAssignment('f', 'dateTime', 'soon', 0, true), 'soon', 'ignoreErrors keeps the text');
  assert.equal(at(null), null);
});

test('unknown or missing types pass the value through', () => {
  assert.deepEqual(convert('color', { a: 1 }), { a: 1 });
  assert.equal(convertAssignment('f', undefined, 5, 0, false), 5);
});

test('parseJsonObject repairs quotes, keys and trailing commas, and wants an object', () => {
  assert.deepEqual(parseJsonObject("{'a': 'b', c: [1, 2,],}", 0), { a: 'b', c: [1, 2] });
  assert.deepEqual(parseJsonObject({ already: true }, 0), { already: true });
  assert.throws(
    () => parseJsonObject('"text"', 3),
    /'JSON Output' in item 3 does not contain a valid JSON object/,
  );
  assert.throws(() => parseJsonObject('null', 0), /does not contain a valid JSON object/);
});
