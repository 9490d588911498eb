/**
 * Payloads of n8n's expression-injection advisories, and the classes of escape they belong to.
 * Every payload must fail with an ExpressionError (never run, never quietly yield a value), and the
 * process must be left exactly as it was (no prototype or global changed).
 *
 * - CVE-2025-68613: a non-strict `function` whose `this` is the Node global
 *   (`(function(){ return this.process.mainModule.require(...) })()`), and its template-literal
 *   bypass of the first fix (`` x[`constructor`] ``).
 * - CVE-2026-1470 (JFrog): a `with` block that resolves a shadowed `constructor` to `Function`.
 * - CVE-2026-25049 and CVE-2026-27577: no public PoC was found; their classes are reconstructed
 *   from the fixes n8n shipped (computed/obfuscated keys, destructuring of `constructor`, arrow
 *   `this`, `Object.defineProperty`/`__defineGetter__`, `Error.prepareStackTrace`, `Function`
 *   subclassing) and from generic JS sandbox escapes (call/apply/bind, Reflect, Proxy, import()).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DateTime } from 'luxon';
import { ExpressionError } from '../engine/errors.js';
import { evaluate } from './fake-data.js';

const run = {
  input: [{ name: 'Ana', list: [1, 2] }],
  nodes: { Webhook: { outputs: [[{ json: { a: 1 } }]] } },
};

function refused(expression: string): void {
  assert.throws(
    () => evaluate(expression, run),
    (e: unknown) => e instanceof ExpressionError,
    `expected an ExpressionError for ${expression}`,
  );
}

const ADVISORY_PAYLOADS: Record<string, string[]> = {
  'CVE-2025-68613': [
    "={{ (function(){ return this.process.mainModule.require('child_process').execSync('id').toString() })() }}",
    "={{ (function RCE(){ return this.process.mainModule.require('child_process').execSync('id') })() }}",
    "={{ ''[`constructor`][`constructor`]('return process')() }}",
    '={{ $json[`constructor`] }}',
  ],
  'CVE-2026-1470': [
    "={{ (function(){ var constructor = 123; with(function(){}){ return constructor(\"return process.mainModule.require('child_process').execSync('env').toString().trim()\")() } })() }}",
    '={{ (() => { with ({}) { return 1 } })() }}',
  ],
  'CVE-2026-25049 (reconstructed)': [
    "={{ ''[['constructor']][['constructor']]('return process')() }}",
    "={{ ''['con' + 'structor']['con' + 'structor']('return process')() }}",
    "={{ (({ constructor }) => constructor)('') }}",
    "={{ (({ constructor: { constructor: F } }) => F('return process')())('') }}",
    "={{ (({ ['cons' + 'tructor']: c }) => c)('') }}",
    '={{ (() => this?.process)() }}',
    '={{ (() => { const { constructor: c } = []; return c })() }}',
    "={{ [].map['constructor']('return process')() }}",
  ],
  'CVE-2026-27577 (reconstructed)': [
    '={{ Error.prepareStackTrace = (_, c) => c.map(x => x.getThis()) }}',
    "={{ Object.defineProperty(Error, 'prepareStackTrace', { value: (e, s) => s[0].getThis() }) }}",
    "={{ ({}).__defineGetter__('x', () => 1) }}",
    "={{ ({}).__lookupGetter__('__proto__') }}",
    '={{ Object.getPrototypeOf($json) }}',
    "={{ Object['getPrototype' + 'Of']($json) }}",
    '={{ Object.create(null) }}',
    '={{ (class extends Function {}) }}',
  ],
};

const CLASSES: Record<string, string[]> = {
  'constructor chains': [
    "={{ $json.constructor.constructor('return process')() }}",
    "={{ ''['constructor']['constructor']('return process')() }}",
    '={{ $json.name.toUpperCase.constructor }}',
    '={{ (x => x).constructor }}',
    '={{ $now.constructor }}',
    '={{ DateTime.prototype }}',
    "={{ $('Webhook').item.json.constructor }}",
    '={{ $input.all().constructor }}',
  ],
  'host globals': [
    '={{ process.env }}',
    '={{ process.mainModule }}',
    "={{ require('child_process') }}",
    "={{ import('fs') }}",
    '={{ globalThis.process }}',
    '={{ global }}',
    '={{ this }}',
    "={{ eval('1') }}",
    "={{ Function('return process')() }}",
    "={{ new Function('return 1') }}",
    '={{ Reflect.ownKeys({}) }}',
    '={{ new Proxy({}, {}) }}',
    '={{ Symbol.toPrimitive }}',
    '={{ (function(){ return arguments })() }}',
    '={{ Buffer.from("x") }}',
  ],
  'escaping functions': [
    '={{ (x => x).call(null, 1) }}',
    '={{ (x => x).apply(null, [1]) }}',
    '={{ (x => x).bind(null) }}',
    "={{ $json.name.toUpperCase.call('x') }}",
    '={{ Math.max.apply(null, [1, 2]) }}',
    '={{ (function f() { return f.caller })() }}',
  ],
  'template tricks': [
    '={{ String.raw`x` }}',
    '={{ Function`return process` }}',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the placeholder belongs to the payload.
    '={{ `${"".constructor}` }}',
  ],
  'object literal tricks': [
    '={{ ({ get x() { return 1 } }).x }}',
    '={{ ({ set x(v) {} }) }}',
    '={{ ({ __proto__: { polluted: 1 } }) }}',
    "={{ ({ ['__proto__']: { polluted: 1 } }) }}",
    '={{ ({ method() { return 1 } }).method() }}',
  ],
  'prototype pollution': [
    '={{ $json.__proto__ }}',
    "={{ $json['__pro' + 'to__'].polluted }}",
    '={{ Object.assign({}, JSON.parse(\'{"__proto__": {"polluted": 1}}\')) }}',
    '={{ JSON.parse(\'{"\\\\u005f_proto__": {"polluted": 1}}\') }}',
    '={{ \'{"__proto__": {"polluted": 1}}\'.parseJson() }}',
    "={{ Object.fromEntries([['__proto__', { polluted: 1 }]]) }}",
    '={{ Object.assign(Object.prototype, { polluted: 1 }) }}',
    '={{ Object.prototype.polluted = 1 }}',
    "={{ zip(['__proto__'], [{ polluted: 1 }]) }}",
  ],
  'mutation of data': ['={{ $json.name = "x" }}', '={{ $json.list.push(3) }}', '={{ delete $json.name }}'],
};

describe('security', () => {
  let snapshot: Record<string, string[]>;
  before(() => {
    snapshot = protoSnapshot();
  });
  after(() => {
    assert.deepEqual(protoSnapshot(), snapshot, 'a prototype or a global changed');
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  for (const [advisory, payloads] of Object.entries(ADVISORY_PAYLOADS)) {
    it(`refuses the payloads of ${advisory}`, () => payloads.forEach(refused));
  }

  for (const [name, payloads] of Object.entries(CLASSES)) {
    it(`refuses ${name}`, () => payloads.forEach(refused));
  }

  it('refuses the payloads inside text templates too (they are never swallowed)', () => {
    refused("=id: {{ ''['constructor']['constructor']('return process')() }}");
    refused('=x {{ $json.constructor }} y');
  });

  it('never calls a toString/valueOf/toJSON written in an expression', () => {
    // If called, these would read $env, which throws an ExpressionError.
    const trap = '{ toString: () => $env.HOME, valueOf: () => $env.HOME, toJSON: () => $env.HOME }';
    assert.equal(evaluate(`={{ (${trap}) + '' }}`), '[object Object]');
    assert.equal(evaluate(`=x{{ (${trap}) }}`), 'x[object Object]');
    assert.equal(evaluate(`={{ \`\${ ${trap} }\` }}`), '[object Object]');
    assert.ok(Number.isNaN(evaluate(`={{ (${trap}) * 2 }}`)));
    assert.equal(evaluate(`={{ String(${trap}) }}`), '[object Object]');
    assert.equal(evaluate(`={{ $json[${trap}] }}`, run), undefined);
    // Host code that converts the object finds no callable toString: a swallowed TypeError, not a call.
    assert.equal(evaluate(`={{ [${trap}].join() }}`), undefined);
    assert.equal(evaluate(`={{ 'a'.concat(${trap}) }}`), undefined);
    assert.equal(evaluate(`={{ JSON.stringify(${trap}) }}`), '{"toString":{},"valueOf":{},"toJSON":{}}');
    assert.ok(Number.isNaN((evaluate(`={{ new Date(${trap}) }}`) as Date).getTime()));
  });

  it('never hands a host function to the caller', () => {
    const values = evaluate(
      '={{ [Math.max, $json.name.toUpperCase, x => x, DateTime.fromISO, Object.values(Math), { ...Math }] }}',
      run,
    ) as unknown[];
    const walk = (v: unknown): void => {
      assert.notEqual(typeof v, 'function');
      if (Array.isArray(v)) v.forEach(walk);
      else if (typeof v === 'object' && v !== null && !(v instanceof DateTime))
        Object.values(v).forEach(walk);
    };
    walk(values);
    assert.equal(JSON.stringify(values), '[{},{},{},{},[],{}]');
    assert.throws(() => evaluate('={{ Math.max }}'), /this is a function, please add \(\)/);
    assert.throws(() => evaluate('={{ $input }}', run), ExpressionError);
  });

  it('keeps working after the refusals (nothing was corrupted)', () => {
    assert.equal(evaluate('={{ $json.list.map(x => x * 2).join("-") }}', run), '2-4');
    assert.deepEqual(evaluate('={{ Object.assign({}, { a: 1 }) }}'), { a: 1 });
  });
});

function protoSnapshot(): Record<string, string[]> {
  const names = (o: object) => Reflect.ownKeys(o).map(String).sort();
  return {
    object: names(Object.prototype),
    array: names(Array.prototype),
    string: names(String.prototype),
    number: names(Number.prototype),
    function: names(Function.prototype),
    date: names(Date.prototype),
    datetime: names(DateTime.prototype),
    error: names(Error),
    global: names(globalThis),
  };
}
