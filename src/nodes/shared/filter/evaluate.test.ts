import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DateTime } from 'luxon';
import { executeFilter, executeFilterCondition, FilterError, parseRegexPattern } from './evaluate.js';
import type { FilterCondition, FilterOptions } from './schema.js';

const STRICT: FilterOptions = { caseSensitive: true, typeValidation: 'strict', version: 2 };

function condition(
  type: string,
  operation: string,
  leftValue: unknown,
  rightValue?: unknown,
  extra: Partial<FilterCondition['operator']> = {},
): FilterCondition {
  return { leftValue, rightValue, operator: { type, operation, ...extra } };
}

function check(
  type: string,
  operation: string,
  left: unknown,
  right?: unknown,
  options: Partial<FilterOptions> = {},
  extra: Partial<FilterCondition['operator']> = {},
): boolean {
  return executeFilterCondition(condition(type, operation, left, right, extra), { ...STRICT, ...options });
}

type Row = [operation: string, left: unknown, right: unknown, expected: boolean];

function table(
  type: string,
  rows: Row[],
  extra: (op: string) => Partial<FilterCondition['operator']> = () => ({}),
) {
  for (const [operation, left, right, expected] of rows) {
    test(`${type}:${operation} ${JSON.stringify(left)} ${JSON.stringify(right)} → ${expected}`, () => {
      assert.equal(check(type, operation, left, right, {}, extra(operation)), expected);
    });
  }
}

const SINGLE = new Set(['exists', 'notExists', 'empty', 'notEmpty', 'true', 'false']);
const single = (op: string) => (SINGLE.has(op) ? { singleValue: true } : {});

describe('string operators', () => {
  table(
    'string',
    [
      ['exists', 'a', '', true],
      ['exists', '', '', true],
      ['exists', undefined, '', false],
      ['exists', null, '', false],
      ['notExists', undefined, '', true],
      ['notExists', 'a', '', false],
      ['empty', '', '', true],
      ['empty', null, '', true],
      ['empty', 'a', '', false],
      ['notEmpty', 'a', '', true],
      ['notEmpty', '', '', false],
      ['equals', 'abc', 'abc', true],
      ['equals', 'abc', 'abd', false],
      ['equals', undefined, '', true],
      ['notEquals', 'abc', 'abd', true],
      ['notEquals', 'abc', 'abc', false],
      ['contains', 'hello', 'ell', true],
      ['contains', 'hello', 'xyz', false],
      ['notContains', 'hello', 'xyz', true],
      ['notContains', 'hello', 'ell', false],
      ['startsWith', 'hello', 'he', true],
      ['startsWith', 'hello', 'lo', false],
      ['notStartsWith', 'hello', 'lo', true],
      ['notStartsWith', 'hello', 'he', false],
      ['endsWith', 'hello', 'lo', true],
      ['endsWith', 'hello', 'he', false],
      ['notEndsWith', 'hello', 'he', true],
      ['notEndsWith', 'hello', 'lo', false],
      ['regex', 'abc123', '\\d+', true],
      ['regex', 'abc', '^x', false],
      ['regex', 'ABC', '/^abc$/i', true],
      ['notRegex', 'abc', '^x', true],
      ['notRegex', 'abc123', '/\\d{3}/', false],
    ],
    single,
  );
});

describe('number operators', () => {
  table(
    'number',
    [
      ['exists', 0, '', true],
      ['exists', Number.NaN, '', false],
      ['exists', undefined, '', false],
      ['notExists', null, '', true],
      ['notExists', 3, '', false],
      ['empty', null, '', true],
      ['empty', 5, '', false],
      ['notEmpty', 5, '', true],
      ['notEmpty', undefined, '', false],
      ['equals', 5, 5, true],
      ['equals', 5, 6, false],
      ['notEquals', 5, 6, true],
      ['notEquals', 5, 5, false],
      ['gt', 6, 5, true],
      ['gt', 5, 5, false],
      ['lt', 4, 5, true],
      ['lt', 5, 5, false],
      ['gte', 5, 5, true],
      ['gte', 4, 5, false],
      ['lte', 5, 5, true],
      ['lte', 6, 5, false],
      // JavaScript comparisons with a missing side, as n8n does them
      ['gt', undefined, 5, false],
      ['lt', null, 5, true],
    ],
    single,
  );
});

describe('dateTime operators', () => {
  table(
    'dateTime',
    [
      ['exists', '2024-01-01', '', true],
      ['notExists', undefined, '', true],
      ['empty', null, '', true],
      ['empty', '2024-01-01', '', false],
      ['notEmpty', '2024-01-01', '', true],
      ['notEmpty', undefined, '', false],
      ['equals', '2024-01-01T10:00:00Z', '2024-01-01T11:00:00+01:00', true],
      ['equals', '2024-01-01T10:00:00Z', '2024-01-01T10:00:01Z', false],
      ['notEquals', '2024-01-01', '2024-01-02', true],
      ['notEquals', '2024-01-01', '2024-01-01', false],
      ['after', '2024-01-02', '2024-01-01', true],
      ['after', '2024-01-01', '2024-01-01', false],
      ['before', '2024-01-01', '2024-01-02', true],
      ['before', '2024-01-02', '2024-01-01', false],
      ['afterOrEquals', '2024-01-01', '2024-01-01', true],
      ['afterOrEquals', '2023-12-31', '2024-01-01', false],
      ['beforeOrEquals', '2024-01-01', '2024-01-01', true],
      ['beforeOrEquals', '2024-01-02', '2024-01-01', false],
      ['after', '2024-01-02', undefined, false],
      ['before', undefined, '2024-01-02', false],
    ],
    single,
  );

  test('Luxon DateTime, Date, HTTP and SQL dates are accepted', () => {
    const luxon = DateTime.fromISO('2024-03-01T12:00:00Z');
    assert.equal(check('dateTime', 'equals', luxon, new Date('2024-03-01T12:00:00Z')), true);
    assert.equal(check('dateTime', 'equals', 'Fri, 01 Mar 2024 12:00:00 GMT', luxon), true);
    assert.equal(check('dateTime', 'before', '2024-02-29 08:00:00', luxon), true);
  });

  test('dates without an offset are read in the given time zone', () => {
    const run = { timezone: 'Europe/Paris' };
    const c = condition('dateTime', 'equals', '2024-06-01T12:00:00', '2024-06-01T10:00:00Z');
    assert.equal(executeFilterCondition(c, STRICT, run), true);
    assert.equal(executeFilterCondition(c, STRICT, { timezone: 'UTC' }), false);
  });
});

describe('boolean operators', () => {
  table(
    'boolean',
    [
      ['exists', false, '', true],
      ['notExists', undefined, '', true],
      ['empty', null, '', true],
      ['empty', false, '', false],
      ['notEmpty', true, '', true],
      ['notEmpty', undefined, '', false],
      ['true', true, '', true],
      ['true', false, '', false],
      ['true', undefined, '', false],
      ['false', false, '', true],
      ['false', true, '', false],
      ['equals', true, true, true],
      ['equals', true, false, false],
      ['notEquals', true, false, true],
      ['notEquals', false, false, false],
    ],
    single,
  );
});

describe('array operators', () => {
  const rightType = (op: string) =>
    op.startsWith('length')
      ? { rightType: 'number' }
      : op.endsWith('ontains')
        ? { rightType: 'any' }
        : single(op);
  table(
    'array',
    [
      ['exists', [], '', true],
      ['notExists', undefined, '', true],
      ['empty', [], '', true],
      ['empty', undefined, '', true],
      ['empty', [1], '', false],
      ['notEmpty', [1], '', true],
      ['notEmpty', [], '', false],
      ['contains', ['vip', 'cap'], 'vip', true],
      ['contains', ['vip'], 'cap', false],
      ['contains', [1, 2], 2, true],
      ['contains', [1, 2], '2', false],
      ['notContains', ['vip'], 'cap', true],
      ['notContains', ['vip'], 'vip', false],
      ['lengthEquals', [1, 2], 2, true],
      ['lengthEquals', [1, 2], 3, false],
      ['lengthNotEquals', [1, 2], 3, true],
      ['lengthNotEquals', [1, 2], 2, false],
      ['lengthGt', [1, 2], 1, true],
      ['lengthGt', [1, 2], 2, false],
      ['lengthLt', [1], 2, true],
      ['lengthLt', [1, 2], 2, false],
      ['lengthGte', [1, 2], 2, true],
      ['lengthGte', [1], 2, false],
      ['lengthLte', [1, 2], 2, true],
      ['lengthLte', [1, 2, 3], 2, false],
    ],
    rightType,
  );
});

describe('object operators', () => {
  table(
    'object',
    [
      ['exists', {}, '', true],
      ['exists', null, '', false],
      ['notExists', undefined, '', true],
      ['notExists', { a: 1 }, '', false],
      ['empty', {}, '', true],
      ['empty', undefined, '', true],
      ['empty', { a: 1 }, '', false],
      ['notEmpty', { a: 1 }, '', true],
      ['notEmpty', {}, '', false],
    ],
    single,
  );
});

describe('case sensitivity', () => {
  const insensitive = { caseSensitive: false };
  test('strings compare lower-cased when case is ignored', () => {
    assert.equal(check('string', 'equals', 'ABC', 'abc'), false);
    assert.equal(check('string', 'equals', 'ABC', 'abc', insensitive), true);
    assert.equal(check('string', 'startsWith', 'Martin', 'MAR', insensitive), true);
    assert.equal(check('string', 'endsWith', 'x@example.com', '@EXAMPLE.COM', insensitive), true);
    assert.equal(check('string', 'contains', 'Élodie', 'élo', insensitive), true);
  });

  test('regex gets the i flag instead of lower-casing', () => {
    assert.equal(check('string', 'regex', 'ABC', '^abc$'), false);
    assert.equal(check('string', 'regex', 'ABC', '^abc$', insensitive), true);
    assert.equal(check('string', 'regex', 'ABC', '/^abc$/g', insensitive), true);
    assert.equal(check('string', 'notRegex', 'ABC', '^abc$', insensitive), false);
    assert.equal(parseRegexPattern('/a/g', true).flags, 'gi');
    assert.equal(parseRegexPattern('/a/i', true).flags, 'i');
  });

  test('array contains ignores case for string elements only', () => {
    const any = { rightType: 'any' };
    assert.equal(check('array', 'contains', ['VIP', 1], 'vip', {}, any), false);
    assert.equal(check('array', 'contains', ['VIP', 1], 'vip', insensitive, any), true);
    assert.equal(check('array', 'contains', [1], 1, insensitive, any), true);
  });
});

describe('strict type validation', () => {
  function failure(fn: () => unknown): FilterError {
    try {
      fn();
    } catch (error) {
      assert.ok(error instanceof FilterError, `expected a FilterError, got ${String(error)}`);
      return error;
    }
    assert.fail('expected a FilterError');
  }

  test('a wrong left type names the value, the types, the condition and the item', () => {
    const error = failure(() => check('number', 'gte', '34', 18));
    assert.equal(
      error.message,
      "Wrong type: '34' is a string but was expecting a number [condition 0, item 0]",
    );
    assert.equal(
      error.description,
      "\n<p>Try either:</p>\n<ol>\n  <li>Enabling 'Convert types where required'</li>\n  <li>Converting the first field to a number by adding <code>.toNumber()</code></li>\n</ol>\n\t\t\t",
    );
    assert.equal(error.code, 'FILTER_TYPE_ERROR');
  });

  test('a wrong right type points at the second field', () => {
    const error = failure(() => check('string', 'equals', 'a', 5));
    assert.equal(
      error.message,
      "Wrong type: '5' is a number but was expecting a string [condition 0, item 0]",
    );
    assert.match(
      error.description ?? '',
      /Converting the second field to a string by adding <code>.toString\(\)<\/code>/,
    );
  });

  test('both sides of the same wrong type give one message', () => {
    const error = failure(() => check('number', 'equals', '1', '2'));
    assert.equal(error.message, 'Comparison type expects a number but both fields are a string');
    assert.equal(
      error.description,
      "Try changing the type of comparison. Alternatively you can enable 'Convert types where required'.",
    );
  });

  test('types without a conversion function get the generic hint; articles follow the noun', () => {
    const arrayError = failure(() => check('array', 'empty', 'abc', '', {}, { singleValue: true }));
    assert.equal(
      arrayError.message,
      "Wrong type: 'abc' is a string but was expecting an array [condition 0, item 0]",
    );
    assert.equal(
      arrayError.description,
      "Try changing the type of comparison. Alternatively you can enable 'Convert types where required'.",
    );
    const objectError = failure(() => check('object', 'empty', 'x', '', {}, { singleValue: true }));
    assert.match(objectError.message, /was expecting an object/);
    const boolError = failure(() => check('boolean', 'true', 'true', '', {}, { singleValue: true }));
    assert.match(boolError.message, /^Wrong type: 'true' is a string but was expecting a boolean/);
  });

  test('dates are parsed even when strict, and bad ones fail', () => {
    const error = failure(() => check('dateTime', 'after', 'not a date', '2024-01-01'));
    assert.equal(
      error.message,
      "Wrong type: 'not a date' is a string but was expecting a dateTime [condition 0, item 0]",
    );
  });

  test('operators with a single value ignore a wrong right value', () => {
    assert.equal(check('string', 'exists', 'a', 5, {}, { singleValue: true }), true);
    assert.throws(() => check('string', 'exists', 'a', 5), /Wrong type: '5' is a number/);
  });

  test('the left value is validated even for exists', () => {
    assert.throws(() => check('string', 'exists', 5, '', {}, { singleValue: true }), /expecting a string/);
  });

  test('the message names the failing condition and item', () => {
    const value = {
      options: STRICT,
      conditions: [condition('number', 'gt', 1, 0), condition('number', 'gt', 'x', 0)],
      combinator: 'and',
    };
    assert.throws(() => executeFilter(value, { itemIndex: 3 }), {
      message: "Wrong type: 'x' is a string but was expecting a number [condition 1, item 3]",
    });
  });
});

describe('loose type validation', () => {
  const loose = { typeValidation: 'loose' as const };

  test('converts values to the operator type', () => {
    assert.equal(check('number', 'gte', '34', 18, loose), true);
    assert.equal(check('number', 'gte', '17', '18', loose), false);
    assert.equal(check('string', 'equals', 5, '5', loose), true);
    assert.equal(check('string', 'equals', { a: 1 }, '{"a":1}', loose), true);
    assert.equal(check('array', 'contains', '["a","b"]', 'a', loose, { rightType: 'any' }), true);
    assert.equal(check('array', 'lengthEquals', "['a', 'b']", '2', loose, { rightType: 'number' }), true);
    const one = { singleValue: true };
    assert.equal(check('object', 'notEmpty', '{"a":1}', '', loose, one), true);
    assert.equal(check('object', 'notEmpty', "{a: 1, 'b': [true]}", '', loose, one), true);
    assert.throws(
      () => check('object', 'notEmpty', '[1]', '', loose, one),
      /can't be converted to an object/,
    );
    assert.equal(check('boolean', 'equals', 'true', true, loose), true);
  });

  test('failed conversions throw a conversion error with the loose hint', () => {
    assert.throws(() => check('number', 'gt', 'abc', 1, loose), {
      message: "Conversion error: the string 'abc' can't be converted to a number [condition 0, item 0]",
      description: 'Try changing the type of the comparison.',
    });
  });

  test('filter version 2 reads "false" and 0 as false; version 1 uses truthiness', () => {
    assert.equal(check('boolean', 'true', 'false', '', loose), false);
    assert.equal(check('boolean', 'true', 0, '', loose), false);
    assert.equal(check('boolean', 'true', '1', '', loose), true);
    assert.equal(check('boolean', 'true', 'yes', '', loose), true);
    assert.equal(check('boolean', 'true', 'false', '', { ...loose, version: 1 }), true);
  });

  test("filter version 3 reads '' and [] as empty numbers; version 2 as 0", () => {
    assert.equal(check('number', 'equals', '', 0, loose), true);
    assert.equal(check('number', 'empty', '', '', loose), false);
    assert.equal(check('number', 'equals', '', 0, { ...loose, version: 3 }), false);
    assert.equal(check('number', 'empty', '  ', '', { ...loose, version: 3 }), true);
    assert.equal(check('number', 'exists', [], '', { ...loose, version: 3 }), false);
  });
});

describe('combinators and bad conditions', () => {
  const yes = condition('number', 'equals', 1, 1);
  const no = condition('number', 'equals', 1, 2);
  const value = (combinator: string, conditions: FilterCondition[]) => ({
    options: STRICT,
    conditions,
    combinator,
  });

  test('and needs every condition, or needs one', () => {
    assert.equal(executeFilter(value('and', [yes, yes])), true);
    assert.equal(executeFilter(value('and', [yes, no])), false);
    assert.equal(executeFilter(value('or', [no, yes])), true);
    assert.equal(executeFilter(value('or', [no, no])), false);
  });

  test('an empty list passes with and, fails with or', () => {
    assert.equal(executeFilter(value('and', [])), true);
    assert.equal(executeFilter(value('or', [])), false);
  });

  test('and stops at the first failure, or at the first success', () => {
    const broken = condition('number', 'equals', 'x', 1);
    assert.equal(executeFilter(value('and', [no, broken])), false);
    assert.equal(executeFilter(value('or', [yes, broken])), true);
  });

  test('unknown combinators and operators warn and evaluate to false', () => {
    const warnings: string[] = [];
    const warn = (m: string) => warnings.push(m);
    assert.equal(executeFilter(value('xor', [yes]), { warn }), false);
    assert.equal(executeFilter(value('and', [condition('boolean', 'equal', true, true)]), { warn }), false);
    assert.equal(executeFilter(value('and', [condition('string', 'isNotEmpty', 'a', '')]), { warn }), false);
    assert.equal(executeFilter(value('and', [condition('color', 'red', 'a', 'b')]), { warn }), false);
    assert.deepEqual(warnings, [
      'Unknown filter combinator "xor"',
      'Unknown filter parameter operator "boolean:equal"',
      'Unknown filter parameter operator "string:isNotEmpty"',
      'Unknown filter parameter operator "color:red"',
    ]);
  });

  test('an invalid regular expression throws', () => {
    assert.throws(() => check('string', 'regex', 'abc', '('), SyntaxError);
  });
});
