import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DateTime } from 'luxon';
import {
  cloneJson,
  fieldAccess,
  getPath,
  hasPath,
  isDeepEqual,
  parseFieldList,
  parsePath,
  pickPaths,
  setPath,
  unsetPath,
} from './fields.js';

test('parsePath follows lodash: dots, indexes, quoted keys, empty segments', () => {
  assert.deepEqual(parsePath('a.b.c'), ['a', 'b', 'c']);
  assert.deepEqual(parsePath('a[0].b'), ['a', '0', 'b']);
  assert.deepEqual(parsePath('a["x.y"].z'), ['a', 'x.y', 'z']);
  assert.deepEqual(parsePath('.a'), ['', 'a']);
  assert.deepEqual(parsePath('a..b'), ['a', '', 'b']);
  assert.deepEqual(parsePath('a[b.c].d'), ['a', 'b.c', 'd'], 'a bracket holds one key, dots and all');
});

test('hasPath: whether every step exists, own properties only', () => {
  const data = { a: { b: null, list: [0] }, s: 'abc' };
  assert.equal(hasPath(data, 'a.b'), true, 'a null value exists');
  assert.equal(hasPath(data, 'a.list[0]'), true);
  assert.equal(hasPath(data, 's.length'), true);
  assert.equal(hasPath(data, 'a.c'), false);
  assert.equal(hasPath(data, 'a.toString'), false);
});

test('pickPaths copies the paths that exist, nesting dotted ones', () => {
  const data = { a: { b: { c: 1 }, x: 2 }, 'k.j': 3, d: [1, 2] };
  const picked = pickPaths(data, ['a.b', 'k.j', 'd', 'missing.path']);
  assert.deepEqual(picked, { a: { b: { c: 1 } }, 'k.j': 3, d: [1, 2] });
  (picked.d as number[]).push(3);
  assert.deepEqual(data.d, [1, 2], 'a copy, not the same array');
});

test('getPath reads nested values, array indexes and string lengths', () => {
  const data = { a: { b: [{ c: 1 }, { c: 2 }] }, s: 'abc', 'x.y': 5 };
  assert.equal(getPath(data, 'a.b[1].c'), 2);
  assert.equal(getPath(data, 'a.b.0.c'), 1);
  assert.equal(getPath(data, 's.length'), 3);
  assert.equal(getPath(data, 'x.y'), 5, 'an existing dotted key is read as one key');
  assert.equal(getPath(data, 'a.missing.deep'), undefined);
  assert.equal(getPath(null, 'a'), undefined);
});

test('getPath never reaches prototypes', () => {
  assert.equal(getPath({}, 'toString'), undefined);
  assert.equal(getPath({ a: {} }, 'a.constructor'), undefined);
  assert.equal(getPath({}, '__proto__'), undefined);
});

test('setPath creates objects, and arrays before an index', () => {
  const target: Record<string, unknown> = {};
  setPath(target, 'a.b', 1);
  setPath(target, 'a.c', 2);
  setPath(target, 'list[1].x', 'y');
  const list: unknown[] = [];
  list[1] = { x: 'y' }; // sparse, as lodash leaves it (JSON shows null)
  assert.deepEqual(target, { a: { b: 1, c: 2 }, list });
  const replaced: Record<string, unknown> = { a: 'text' };
  setPath(replaced, 'a.b', 1);
  assert.deepEqual(replaced, { a: { b: 1 } }, 'a primitive on the way is replaced by an object');
});

test('setPath refuses prototype pollution and keeps inherited names as own fields', () => {
  const target: Record<string, unknown> = {};
  setPath(target, '__proto__.polluted', true);
  setPath(target, 'constructor.prototype.polluted', true);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  setPath(target, 'toString.call', 'x');
  assert.deepEqual(target, { toString: { call: 'x' } });
  assert.equal(Object.prototype.toString.call([]), '[object Array]');
});

test('unsetPath removes nested fields and ignores missing ones', () => {
  const target = { a: { b: 1, c: 2 }, d: 3 };
  unsetPath(target, 'a.b');
  unsetPath(target, 'x.y');
  unsetPath(target, 'd');
  assert.deepEqual(target, { a: { c: 2 } });
});

test('fieldAccess without dot notation uses literal keys', () => {
  const literal = fieldAccess(false);
  const target: Record<string, unknown> = {};
  literal.set(target, 'a.b', 1);
  assert.deepEqual(target, { 'a.b': 1 });
  assert.equal(literal.get({ a: { b: 2 } }, 'a.b'), undefined);
  literal.unset(target, 'a.b');
  assert.deepEqual(target, {});
});

test('parseFieldList splits on commas and drops empties', () => {
  assert.deepEqual(parseFieldList(' a, b.c ,, '), ['a', 'b.c']);
  assert.deepEqual(parseFieldList(''), []);
  assert.deepEqual(parseFieldList(undefined), []);
  assert.deepEqual(parseFieldList(['x', ' y ']), ['x', 'y']);
});

test('cloneJson copies deeply and turns dates into their JSON text', () => {
  const source = {
    a: { b: [1, { c: 2 }] },
    when: DateTime.fromISO('2026-01-02T03:04:05.000Z', { zone: 'utc' }),
  };
  const copy = cloneJson(source);
  assert.deepEqual(copy, { a: { b: [1, { c: 2 }] }, when: '2026-01-02T03:04:05.000Z' });
  (copy.a.b[1] as { c: number }).c = 9;
  assert.equal((source.a.b[1] as { c: number }).c, 2);
});

test('isDeepEqual compares like lodash isEqual for JSON data', () => {
  assert.ok(isDeepEqual({ a: [1, { b: 'x' }] }, { a: [1, { b: 'x' }] }));
  assert.ok(!isDeepEqual({ a: 1 }, { a: '1' }));
  assert.ok(isDeepEqual(Number.NaN, Number.NaN));
  assert.ok(!isDeepEqual([1, 2], { 0: 1, 1: 2 }));
  assert.ok(!isDeepEqual({ a: 1 }, { a: 1, b: undefined }));
  assert.ok(isDeepEqual(undefined, undefined));
});
