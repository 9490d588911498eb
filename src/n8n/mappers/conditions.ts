/**
 * The comparisons of n8n's first condition editors (IF v1, Filter v1, Switch v1/v2: `value1`,
 * `operation`, `value2` per data type, `If/V1/IfV1.node.ts`, `Filter/V1/GenericFunctions.ts`)
 * rewritten as conditions of the filter parameter that IF 2.2, Filter 2.2 and Switch 3.2 use.
 *
 * The old editors compared with plain JavaScript (`a === b`, `(a || 0) > (b || 0)`,
 * `String(a).includes(b)`) without type checks; the filter conditions are given loose type
 * validation, so the values are converted rather than refused. For values typed in the node the
 * result is the same; for values computed by expressions it differs only across types (the text
 * `'5'` against the number 5, `null` against 0), which the report says.
 */
import { isExpression, isRecord, list } from '../params.js';
import type { MapContext, Params } from '../types.js';

/** The condition types of the old editors, in the order n8n checked them. */
export const LEGACY_TYPES = ['boolean', 'dateTime', 'number', 'string'] as const;
export type LegacyType = (typeof LEGACY_TYPES)[number];

const OPERATIONS: Record<LegacyType, Record<string, string>> = {
  boolean: { equal: 'equals', notEqual: 'notEquals' },
  dateTime: { after: 'after', before: 'before' },
  number: {
    smaller: 'lt',
    smallerEqual: 'lte',
    equal: 'equals',
    notEqual: 'notEquals',
    larger: 'gt',
    largerEqual: 'gte',
    isEmpty: 'empty',
    isNotEmpty: 'notEmpty',
  },
  string: {
    contains: 'contains',
    notContains: 'notContains',
    endsWith: 'endsWith',
    notEndsWith: 'notEndsWith',
    equal: 'equals',
    notEqual: 'notEquals',
    regex: 'regex',
    notRegex: 'notRegex',
    startsWith: 'startsWith',
    notStartsWith: 'notStartsWith',
    isEmpty: 'empty',
    isNotEmpty: 'notEmpty',
  },
};

/** Each type's default operation and values in the old editors (exports omit them). */
const DEFAULTS: Record<LegacyType, { operation: string; value: unknown }> = {
  boolean: { operation: 'equal', value: false },
  dateTime: { operation: 'after', value: '' },
  number: { operation: 'smaller', value: 0 },
  string: { operation: 'equal', value: '' },
};

const SINGLE_VALUE = new Set(['empty', 'notEmpty']);

/** The filter options n8n's editor stores with conditions (IF 2.2: version 2), here loose and case-sensitive. */
export function legacyFilterOptions(): Params {
  return { caseSensitive: true, leftValue: '', typeValidation: 'loose', version: 2 };
}

export interface LegacyComparison {
  type: LegacyType;
  operation?: unknown;
  value1?: unknown;
  value2?: unknown;
}

/**
 * One old comparison as a filter condition. An operation the old node did not have (it failed on
 * it) is kept under its name: the filter warns and treats it as not matching; the report says so.
 */
export function legacyCondition(c: LegacyComparison, id: string, ctx: MapContext, where: string): Params {
  const defaults = DEFAULTS[c.type];
  const operation = typeof c.operation === 'string' ? c.operation : defaults.operation;
  const mapped = OPERATIONS[c.type][operation];
  if (mapped === undefined) {
    ctx.changed(where, `unknown ${c.type} operation '${operation}': the condition never matches`);
  }
  const filterOperation = mapped ?? operation;
  const operator: Params = { type: c.type, operation: filterOperation };
  if (SINGLE_VALUE.has(filterOperation)) operator.singleValue = true;
  const condition: Params = {
    id,
    leftValue: c.value1 === undefined ? defaults.value : c.value1,
    rightValue: SINGLE_VALUE.has(filterOperation) ? '' : c.value2 === undefined ? defaults.value : c.value2,
    operator,
  };
  if (isExpression(condition.leftValue) || isExpression(condition.rightValue)) {
    ctx.changed(
      'conditions',
      'compared with loose type conversion: computed values of different types (text against number, null against 0) may compare differently than in the old version',
    );
  }
  return condition;
}

/** IF v1 / Filter v1 `conditions`: every type's list, in n8n's type order. */
export function legacyConditions(conditions: unknown, ctx: MapContext, idPrefix: string): Params[] {
  const source = isRecord(conditions) ? conditions : {};
  const out: Params[] = [];
  for (const type of LEGACY_TYPES) {
    list(source[type]).forEach((entry, index) => {
      const c = isRecord(entry) ? entry : {};
      out.push(
        legacyCondition(
          { type, operation: c.operation, value1: c.value1, value2: c.value2 },
          `${idPrefix}-${type}-${index}`,
          ctx,
          `conditions.${type}[${index}]`,
        ),
      );
    });
  }
  return out;
}

/**
 * IF 2.0/2.1, Filter 2.0/2.1 and Switch 3.0/3.1 stored filter version 1 (or none, which n8n reads
 * as 1); Relais nodes assume the version of the node they implement, so the mapper writes it down.
 */
export function withFilterVersion(value: unknown, version: number): unknown {
  if (!isRecord(value)) return value;
  const options = isRecord(value.options) ? value.options : {};
  if (options.version !== undefined) return value;
  return { ...value, options: { ...options, version } };
}
