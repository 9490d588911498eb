/**
 * Evaluates n8n filter conditions, as `executeFilter` in n8n's
 * packages/workflow/src/node-parameters/filter-parameter.ts does: each side is validated (strict)
 * or converted (loose) to the operator's type, then compared. Type mismatches throw a FilterError
 * with n8n's exact message; unknown operators and combinators warn and evaluate to false.
 */
import type { DateTime } from 'luxon';
import { NonRetryableError } from '../../../engine/errors.js';
import { type ValidationResult, validateFieldType } from '../type-validation.js';
import type { FilterCondition, FilterOptions, FilterValue } from './schema.js';

/** A condition whose values do not fit its operator's type: the user must change the workflow. */
export class FilterError extends NonRetryableError {
  override readonly name: string = 'FilterError';

  constructor(message: string, description: string, itemIndex?: number) {
    super(message, { code: 'FILTER_TYPE_ERROR', description, itemIndex });
  }
}

export interface FilterRunOptions {
  /** Index of the item being evaluated, for error messages. */
  itemIndex?: number;
  /** Zone of date strings without an offset (n8n: the workflow's time zone). */
  timezone?: string;
  /** Receives n8n's warnings (unknown operator or combinator). */
  warn?: (message: string) => void;
}

/** `and`: every condition passes (true when there are none); `or`: at least one passes. */
export function executeFilter(value: FilterValue, run: FilterRunOptions = {}): boolean {
  const pass = (condition: FilterCondition, index: number): boolean =>
    executeFilterCondition(condition, value.options, { ...run, index });
  if (value.combinator === 'and') return value.conditions.every(pass);
  if (value.combinator === 'or') return value.conditions.some(pass);
  run.warn?.(`Unknown filter combinator "${value.combinator}"`);
  return false;
}

export function executeFilterCondition(
  condition: FilterCondition,
  options: FilterOptions,
  run: FilterRunOptions & { index?: number } = {},
): boolean {
  const ignoreCase = !options.caseSensitive;
  const { type, operation } = condition.operator;
  let { left, right } = parseConditionValues(condition, options, run);

  const exists = left !== undefined && left !== null && !Number.isNaN(left);
  if (operation === 'exists') return exists;
  if (operation === 'notExists') return !exists;

  switch (type) {
    case 'string': {
      // Regex operators keep their case and get the `i` flag instead.
      const isRegex = operation === 'regex' || operation === 'notRegex';
      if (ignoreCase && !isRegex) {
        if (typeof left === 'string') left = left.toLocaleLowerCase();
        if (typeof right === 'string') right = right.toLocaleLowerCase();
      }
      const l = (left ?? '') as string;
      const r = (right ?? '') as string;
      switch (operation) {
        case 'empty':
          return l.length === 0;
        case 'notEmpty':
          return l.length !== 0;
        case 'equals':
          return l === r;
        case 'notEquals':
          return l !== r;
        case 'contains':
          return l.includes(r);
        case 'notContains':
          return !l.includes(r);
        case 'startsWith':
          return l.startsWith(r);
        case 'notStartsWith':
          return !l.startsWith(r);
        case 'endsWith':
          return l.endsWith(r);
        case 'notEndsWith':
          return !l.endsWith(r);
        case 'regex':
          return parseRegexPattern(r, ignoreCase).test(l);
        case 'notRegex':
          return !parseRegexPattern(r, ignoreCase).test(l);
      }
      break;
    }
    case 'number': {
      // Plain JavaScript comparisons, null and undefined included (`null >= 0` is true), as in n8n.
      const l = left as number;
      const r = right as number;
      switch (operation) {
        case 'empty':
          return !exists;
        case 'notEmpty':
          return exists;
        case 'equals':
          return l === r;
        case 'notEquals':
          return l !== r;
        case 'gt':
          return l > r;
        case 'lt':
          return l < r;
        case 'gte':
          return l >= r;
        case 'lte':
          return l <= r;
      }
      break;
    }
    case 'dateTime': {
      if (operation === 'empty') return !exists;
      if (operation === 'notEmpty') return exists;
      if (!left || !right) return false;
      const l = (left as DateTime).toMillis();
      const r = (right as DateTime).toMillis();
      switch (operation) {
        case 'equals':
          return l === r;
        case 'notEquals':
          return l !== r;
        case 'after':
          return l > r;
        case 'before':
          return l < r;
        case 'afterOrEquals':
          return l >= r;
        case 'beforeOrEquals':
          return l <= r;
      }
      break;
    }
    case 'boolean': {
      switch (operation) {
        case 'empty':
          return !exists;
        case 'notEmpty':
          return exists;
        case 'true':
          return Boolean(left);
        case 'false':
          return !left;
        case 'equals':
          return left === right;
        case 'notEquals':
          return left !== right;
      }
      break;
    }
    case 'array': {
      const l = (left ?? []) as unknown[];
      const r = right as number;
      switch (operation) {
        case 'contains':
          return arrayContainsValue(l, right, ignoreCase);
        case 'notContains':
          return !arrayContainsValue(l, right, ignoreCase);
        case 'lengthEquals':
          return l.length === r;
        case 'lengthNotEquals':
          return l.length !== r;
        case 'lengthGt':
          return l.length > r;
        case 'lengthLt':
          return l.length < r;
        case 'lengthGte':
          return l.length >= r;
        case 'lengthLte':
          return l.length <= r;
        case 'empty':
          return l.length === 0;
        case 'notEmpty':
          return l.length !== 0;
      }
      break;
    }
    case 'object': {
      switch (operation) {
        case 'empty':
          return !left || Object.keys(left).length === 0;
        case 'notEmpty':
          return !!left && Object.keys(left).length !== 0;
      }
      break;
    }
  }
  run.warn?.(`Unknown filter parameter operator "${type}:${operation}"`);
  return false;
}

/** Case-insensitive `includes` for strings (only string elements can match), strict equality otherwise. */
export function arrayContainsValue(array: readonly unknown[], value: unknown, ignoreCase: boolean): boolean {
  if (ignoreCase && typeof value === 'string') {
    const wanted = value.toLocaleLowerCase();
    return array.some((item) => typeof item === 'string' && item.toLocaleLowerCase() === wanted);
  }
  return array.includes(value);
}

/** `/pattern/flags` or a bare pattern; ignoring case adds the `i` flag. Invalid patterns throw SyntaxError. */
export function parseRegexPattern(pattern: string, ignoreCase = false): RegExp {
  const match = (pattern || '').match(/^\/(.*?)\/([gimusy]*)$/);
  if (!match) return new RegExp(String(pattern || ''), ignoreCase ? 'i' : '');
  let flags = match[2];
  if (ignoreCase && !flags.includes('i')) flags += 'i';
  return new RegExp(match[1], flags);
}

function parseSingleValue(value: unknown, type: string, strict: boolean, version: number, zone?: string) {
  if (type === 'any' || value === null || value === undefined) {
    return { valid: true, newValue: value } as ValidationResult;
  }
  if (type === 'boolean' && !strict) {
    // Filter version 2 reads 'false' and 0 as false; version 1 used JavaScript truthiness alone.
    if (version >= 2) {
      const result = validateFieldType('filter', value, type);
      if (result.valid) return result;
    }
    return { valid: true, newValue: Boolean(value) } as ValidationResult;
  }
  if (type === 'number') {
    if (typeof value === 'number' && Number.isNaN(value))
      return { valid: true, newValue: value } as ValidationResult;
    // Number('') and Number([]) are 0; from filter version 3 they count as empty instead.
    const isEmptyString = typeof value === 'string' && value.trim() === '';
    const isEmptyArray = Array.isArray(value) && value.length === 0;
    if ((isEmptyString || isEmptyArray) && version >= 3)
      return { valid: true, newValue: null } as ValidationResult;
  }
  return validateFieldType('filter', value, type, { strict, parseStrings: true, timezone: zone });
}

const CONVERSIONS = new Map([
  ['string', '.toString()'],
  ['number', '.toNumber()'],
  ['boolean', '.toBoolean()'],
]);

const withArticle = (noun: string): string => `${'aeiou'.includes(noun.charAt(0)) ? 'an' : 'a'} ${noun}`;

const TYPE_DESCRIPTION_STRICT =
  "Try changing the type of comparison. Alternatively you can enable 'Convert types where required'.";
const TYPE_DESCRIPTION_LOOSE = 'Try changing the type of the comparison.';

function parseConditionValues(
  condition: FilterCondition,
  options: FilterOptions,
  run: FilterRunOptions & { index?: number },
): { left: unknown; right: unknown } {
  const strict = options.typeValidation === 'strict';
  const { operator, leftValue, rightValue } = condition;
  const rightType = operator.rightType ?? operator.type;
  const left = parseSingleValue(leftValue, operator.type, strict, options.version, run.timezone);
  const right = parseSingleValue(rightValue, rightType, strict, options.version, run.timezone);
  const leftValid = left.valid;
  const rightValid = right.valid || !!operator.singleValue;
  const suffix = `[condition ${run.index ?? 0}, item ${run.itemIndex ?? 0}]`;
  const typeDescription = strict ? TYPE_DESCRIPTION_STRICT : TYPE_DESCRIPTION_LOOSE;

  const message = (type: string, value: unknown): string => {
    const fromType = (typeof value).toLocaleLowerCase();
    if (strict)
      return `Wrong type: '${String(value)}' is ${withArticle(fromType)} but was expecting ${withArticle(type)} ${suffix}`;
    return `Conversion error: the ${fromType} '${String(value)}' can't be converted to ${withArticle(type)} ${suffix}`;
  };
  const description = (type: string, position: 'first' | 'second'): string => {
    const conversion = CONVERSIONS.get(type);
    if (!strict || !conversion) return typeDescription;
    return `
<p>Try either:</p>
<ol>
  <li>Enabling 'Convert types where required'</li>
  <li>Converting the ${position} field to ${withArticle(type)} by adding <code>${conversion}</code></li>
</ol>
\t\t\t`;
  };

  if (!leftValid && !rightValid && typeof leftValue === typeof rightValue) {
    throw new FilterError(
      `Comparison type expects ${withArticle(operator.type)} but both fields are ${withArticle(typeof leftValue)}`,
      typeDescription,
      run.itemIndex,
    );
  }
  if (!leftValid) {
    throw new FilterError(
      message(operator.type, leftValue),
      description(operator.type, 'first'),
      run.itemIndex,
    );
  }
  if (!rightValid) {
    throw new FilterError(message(rightType, rightValue), description(rightType, 'second'), run.itemIndex);
  }
  return { left: left.valid ? left.newValue : undefined, right: right.valid ? right.newValue : undefined };
}
