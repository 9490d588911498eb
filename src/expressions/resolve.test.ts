/** The public API used by the engine: detection, deep resolution, error context. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DateTime } from 'luxon';
import { ExpressionError } from '../engine/errors.js';
import { fakeData } from './fake-data.js';
import { containsExpression, isExpression, objectToDisplayString, resolveParameters } from './index.js';

const data = fakeData({ input: [{ id: 7, email: 'a@x.io' }] });

describe('isExpression / containsExpression', () => {
  it('recognises strings starting with =', () => {
    assert.equal(isExpression('={{ 1 }}'), true);
    assert.equal(isExpression('=text'), true);
    assert.equal(isExpression('{{ 1 }}'), false); // n8n: no leading = means literal text
    assert.equal(isExpression(1), false);
  });

  it('scans objects and arrays deeply', () => {
    assert.equal(containsExpression({ a: [{ b: '=x' }] }), true);
    assert.equal(containsExpression({ a: [{ b: 'x' }], n: 1 }), false);
    assert.equal(containsExpression(['=1']), true);
    assert.equal(containsExpression(null), false);
  });
});

describe('resolveParameters', () => {
  it('resolves every expression, copying containers and keeping other values', () => {
    const params = {
      url: '=https://api.x.io/users/{{ $json.id }}',
      method: 'POST',
      retries: 3,
      options: { headers: [{ name: 'X-Mail', value: '={{ $json.email }}' }], raw: '{{ not an expression }}' },
    };
    const resolved = resolveParameters(params, data) as typeof params;
    assert.deepEqual(resolved, {
      url: 'https://api.x.io/users/7',
      method: 'POST',
      retries: 3,
      options: { headers: [{ name: 'X-Mail', value: 'a@x.io' }], raw: '{{ not an expression }}' },
    });
    assert.notEqual(resolved.options, params.options);
    assert.equal(params.url, '=https://api.x.io/users/{{ $json.id }}');
  });

  it('keeps raw values (numbers, objects, DateTime) from lone expressions', () => {
    const resolved = resolveParameters({ n: '={{ $json.id * 2 }}', when: '={{ $now }}' }, data) as Record<
      string,
      unknown
    >;
    assert.equal(resolved.n, 14);
    assert.ok(resolved.when instanceof DateTime);
  });

  it('names the parameter path and the expression in errors', () => {
    const params = { options: { headers: [{ value: '={{ $json.id.toTitleCase() }}' }] } };
    assert.throws(
      () => resolveParameters(params, data),
      (e: unknown) => {
        assert.ok(e instanceof ExpressionError);
        assert.equal(e.parameter, 'options.headers[0].value');
        assert.equal(e.expression, '={{ $json.id.toTitleCase() }}');
        assert.equal(e.itemIndex, 0);
        assert.equal(e.code, 'EXPRESSION_ERROR');
        assert.match(
          e.message,
          /^toTitleCase\(\) is only callable on type "String" \[in parameter "options.headers\[0\].value": =\{\{ \$json.id.toTitleCase\(\) \}\}\]$/,
        );
        return true;
      },
    );
    assert.throws(() => resolveParameters('={{ $json.constructor }}', data, 'url'), /parameter "url"/);
  });

  it('keeps a parameter named __proto__ as a plain key', () => {
    const params = JSON.parse('{"__proto__": {"polluted": "={{ 1 }}"}, "a": 1}');
    const resolved = resolveParameters(params, data) as Record<string, unknown>;
    assert.deepEqual(Object.keys(resolved), ['__proto__', 'a']);
    assert.equal(Object.getPrototypeOf(resolved), Object.prototype);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});

describe('objectToDisplayString', () => {
  it('prints objects the way n8n shows them in string parameters', () => {
    assert.equal(objectToDisplayString({ a: 1, b: 'x' }, 'UTC'), '[Object: {"a": 1, "b": "x"}]');
    assert.equal(objectToDisplayString([1, 2], 'UTC'), '[Array: [1,2]]');
    assert.equal(
      objectToDisplayString(DateTime.fromISO('2024-01-01T00:00:00Z', { zone: 'UTC' }), 'UTC'),
      '[DateTime: 2024-01-01T00:00:00.000Z]',
    );
    assert.equal(
      objectToDisplayString(new Date('2024-01-01T00:00:00Z'), 'Europe/Paris'),
      '[Date: 2024-01-01T01:00:00.000+01:00]',
    );
    assert.equal(objectToDisplayString(null, 'UTC'), 'null');
  });
});
