/**
 * The n8n template rules: `=text`, raw value for a lone `{{ }}`, string joining otherwise, which
 * errors are swallowed, syntax errors. Cases marked "n8n fixture" come from n8n's
 * `packages/workflow/test/ExpressionFixtures/base.ts`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DateTime } from 'luxon';
import { ExpressionError } from '../engine/errors.js';
import { cacheStats } from './cache.js';
import { evaluate } from './fake-data.js';
import { splitExpression } from './template.js';

const json = (value: Record<string, unknown>) => ({ input: [value] });

describe('literal text', () => {
  it('returns the text after = when there are no braces', () => {
    assert.equal(evaluate('=TRUE'), 'TRUE');
    assert.equal(evaluate('=plain text'), 'plain text');
    assert.equal(evaluate('='), '');
  });

  it('keeps escaped braces as text', () => {
    assert.equal(evaluate('=a \\{{ b }}'), 'a \\{{ b }}');
  });
});

describe('raw values', () => {
  it('returns the value itself for a lone {{ }} (whitespace inside the braces allowed)', () => {
    const input = json({ n: 41, o: { a: 1 }, l: [1, 2], b: false, nil: null });
    assert.equal(evaluate('={{ $json.n + 1 }}', input), 42);
    assert.equal(evaluate('={{$json.n}}', input), 41);
    assert.deepEqual(evaluate('={{ $json.o }}', input), { a: 1 });
    assert.deepEqual(evaluate('={{ $json.l }}', input), [1, 2]);
    assert.equal(evaluate('={{ $json.b }}', input), false);
    assert.equal(evaluate('={{ $json.nil }}', input), null);
    assert.equal(evaluate('={{ $json.missing }}', input), undefined);
    assert.ok(evaluate('={{ $now }}') instanceof DateTime);
    assert.ok(Number.isNaN(evaluate('={{ 0 / 0 }}')));
  });

  it('is a string as soon as there is text around, even whitespace (as in n8n)', () => {
    const input = json({ n: 41, test: { data: { stdout: 'testout' } } });
    assert.equal(evaluate('={{ $json.n }} ', input), '41 ');
    assert.equal(evaluate('= {{$json["test"].data["stdout"]}}', input), ' testout'); // n8n fixture
  });

  it('evaluates object literals and ignores a trailing semicolon (n8n fixtures)', () => {
    assert.deepEqual(evaluate('={{ { "data": $json.body.choices } }}', json({ body: { choices: 'x' } })), {
      data: 'x',
    });
    assert.equal(evaluate('={{Math.floor(Math.min(1, 2) * 100);}}'), 100);
    assert.equal(evaluate('={{ new String().toString() }}'), '');
  });

  it('evaluates only the first statement, like n8n', () => {
    assert.equal(evaluate('={{ 1; 2 }}'), 1);
  });
});

describe('string templates', () => {
  it('joins text and values', () => {
    assert.equal(evaluate('=Hello {{ $json.name }}!', json({ name: 'Ana' })), 'Hello Ana!');
    assert.equal(evaluate('={{ 1 }}{{ 2 }}'), '12');
  });

  it('prints null, undefined, NaN and "" as nothing, but keeps 0 and false', () => {
    assert.equal(
      evaluate('=[{{ null }}|{{ undefined }}|{{ 0/0 }}|{{ "" }}|{{ 0 }}|{{ false }}]'),
      '[||||0|false]',
    );
  });

  it('prints objects as [object Object] and arrays joined with commas (native join)', () => {
    const input = json({ o: { a: 1 }, l: [1, [2, 3], null, 'x'] });
    assert.equal(evaluate('=o={{ $json.o }}', input), 'o=[object Object]');
    assert.equal(evaluate('=l={{ $json.l }}', input), 'l=1,2,3,,x');
  });

  it('prints DateTime values as ISO in the workflow zone', () => {
    assert.equal(evaluate('=at {{ $now }}'), 'at 2024-03-15T11:30:00.000+01:00');
  });

  it('keeps }} inside a string literal as code (n8n splitter)', () => {
    assert.equal(evaluate('=a{{ "}}" }}b'), 'a}}b');
    assert.deepEqual(
      splitExpression('x {{ a }} y').map((c) => [c.type, c.text]),
      [
        ['text', 'x '],
        ['code', ' a '],
        ['text', ' y'],
      ],
    );
  });

  it('builds multi-line JSON bodies (n8n fixture)', () => {
    const input = json({ body: { entry: { Title: 'title', Tag: 'tag' } } });
    const expression =
      '={\n\t"title": "{{$json["body"]["entry"]["Title"]}}",\n\t"tags": ["{{$json.body.entry.Tag}}"]\n}';
    assert.equal(evaluate(expression, input), '{\n\t"title": "title",\n\t"tags": ["tag"]\n}');
  });
});

describe('errors', () => {
  it('swallows plain errors of member accesses and calls, as n8n does', () => {
    const input = json({ contact: null, data: {} });
    assert.equal(evaluate('={{$json["contact"]["FirstName"]}}', input), undefined); // n8n fixture
    assert.equal(evaluate('=a{{ $json.contact.name }}b', input), 'ab');
    assert.equal(evaluate('={{ $json.data.nope() }}', input), undefined);
    assert.equal(evaluate("={{ JSON.parse('not json') }}"), undefined);
    assert.equal(evaluate('={{ asdas }}'), undefined); // n8n fixture: unknown names are undefined
  });

  it('returns null for the whole value when a chunk without member or call throws', () => {
    assert.equal(evaluate('={{ 1n + 1 }}'), null);
    assert.equal(evaluate('=x{{ 1n + 1 }}'), null);
  });

  it('lets ExpressionErrors (extensions, refused access) propagate', () => {
    assert.throws(() => evaluate("={{ 'abc'.toNumber() }}"), ExpressionError);
    assert.throws(() => evaluate('=x{{ $json.constructor }}'), ExpressionError);
  });

  it('reports bad syntax with the position in the parameter value', () => {
    const error = catchError(() => evaluate('=Hi {{ $json.a. }}', {}, 'text'));
    assert.ok(error instanceof ExpressionError);
    assert.match(error.message, /^invalid syntax: Unexpected token \(at position 16\)/);
    assert.match(error.message, /parameter "text"/);
    assert.equal(error.parameter, 'text');
    assert.equal(error.expression, '=Hi {{ $json.a. }}');
    assert.throws(() => evaluate('={{ }}'), /invalid syntax: expected an expression/);
    assert.throws(() => evaluate('={{ const a = 1 }}'), /invalid syntax/);
  });

  it('refuses a function as a whole result', () => {
    assert.throws(() => evaluate('={{ $json.toString }}'), /this is a function, please add \(\)/);
    assert.throws(() => evaluate('={{ Math }}'), /this is Math, please access its methods/);
  });
});

describe('compile cache', () => {
  it('parses each distinct expression string once', () => {
    const expression = `={{ $json.n * ${Math.random()} }}`;
    const before = cacheStats().compilations;
    for (let i = 0; i < 50; i++) evaluate(expression, json({ n: i }));
    assert.equal(cacheStats().compilations - before, 1);
  });

  it('caches broken expressions too', () => {
    const expression = `={{ ${Math.random()} + }}`;
    const before = cacheStats().compilations;
    for (let i = 0; i < 3; i++) assert.throws(() => evaluate(expression), ExpressionError);
    assert.equal(cacheStats().compilations - before, 1);
  });
});

function catchError(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}
