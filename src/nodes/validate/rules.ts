/**
 * Field rules of the Validate node (`mode: 'rules'`): the schema of one rule, its save-time checks,
 * and the check of one item's field against it.
 *
 * A field is *absent* when it is undefined, null or a blank string. An absent field fails
 * `required`; an absent optional field is not checked further (an empty optional phone is fine),
 * except that a blank string fails `notEmpty`. Then, in order: `notEmpty`, `type`, `format`/`values`,
 * `min`/`max`, `pattern`; the first failing check of a field is reported, with its rule name:
 * `required`, `notEmpty`, `type`, `email`, `phone`, `url`, `date`, `datetime`, `enum`, `pattern`,
 * `min`, `max`.
 */
import { z } from 'zod';
import { getPath } from '../shared/fields.js';
import { isEmail, isHttpUrl, isIsoDateTime, isPhone, matchesDateFormat } from './formats.js';

export const FIELD_TYPES = [
  'string',
  'number',
  'integer',
  'boolean',
  'date',
  'datetime',
  'email',
  'phone',
  'url',
  'enum',
  'regex',
  'object',
  'array',
] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

/** One problem found in an item. */
export interface ValidationIssue {
  /** Dot path of the field (`(item)` for the whole item). */
  field: string;
  /** The rule that failed (`required`, `type`, `email`, `min`, ...; JSON Schema keywords in that mode). */
  rule: string;
  message: string;
}

export const fieldRuleSchema = z
  .object({
    /** Dot path of the field (`email`, `adresse.ville`, `lignes[0].montant`). */
    name: z.string().min(1),
    /** The field must be present: not undefined, null or a blank string. */
    required: z.boolean().default(false),
    /** When present, the field must not be a blank string, an empty array or an empty object. */
    notEmpty: z.boolean().default(false),
    /** Expected kind of value; no type check when left out. */
    type: z.enum(FIELD_TYPES).optional(),
    /** Numbers: smallest value; strings: shortest length; arrays: fewest items. */
    min: z.number().optional(),
    /** Numbers: largest value; strings: longest length; arrays: most items. */
    max: z.number().optional(),
    /** A regular expression strings must match (`^\d{5}$`, or `/^[a-z]+$/i`); required for `regex`. */
    pattern: z.string().optional(),
    /** Allowed values for `enum` (compared with `===`). */
    values: z.array(z.unknown()).optional(),
    /** `date`/`datetime`: how the value is written, e.g. `YYYY-MM`, `YYYY-MM-DD`, `DD/MM/YYYY`, `HH:mm`. */
    format: z.string().optional(),
    /** Replaces the generated message when this field fails. */
    message: z.string().optional(),
  })
  .strict();

export type FieldRule = z.output<typeof fieldRuleSchema>;

export interface RuleOptions {
  /** Accept numbers and booleans written as text (`"12"`, `"true"`), as CSV imports give them. */
  looseTypes: boolean;
}

function isExpression(value: unknown): boolean {
  return typeof value === 'string' && value.startsWith('=');
}

/** Compiles `pattern` (`/body/flags` or a bare body). Throws a SyntaxError naming the problem. */
export function compilePattern(pattern: string): RegExp {
  const literal = /^\/(.*)\/([dgimsuvy]*)$/s.exec(pattern);
  return literal ? new RegExp(literal[1], literal[2].replace(/[gy]/g, '')) : new RegExp(pattern);
}

const patternCache = new Map<string, RegExp>();
/** `compilePattern` with a small cache: patterns are checked once per item. */
export function cachedPattern(pattern: string): RegExp {
  let re = patternCache.get(pattern);
  if (!re) {
    re = compilePattern(pattern);
    if (patternCache.size > 500) patternCache.clear();
    patternCache.set(pattern, re);
  }
  return re;
}

/** Save-time checks of one rule, reported at `path` (expressions are checked when they run). */
export function checkRule(rule: FieldRule, path: (string | number)[], ctx: z.RefinementCtx): void {
  const issue = (message: string, key: string) =>
    ctx.addIssue({ code: 'custom', message, path: [...path, key] });
  if (rule.type === 'enum' && (!rule.values || rule.values.length === 0)) {
    issue(`type 'enum' needs a non-empty 'values' list`, 'values');
  }
  if (rule.type === 'regex' && !rule.pattern) issue(`type 'regex' needs a 'pattern'`, 'pattern');
  if (rule.pattern !== undefined && !isExpression(rule.pattern)) {
    try {
      compilePattern(rule.pattern);
    } catch (error) {
      issue(`invalid regular expression: ${(error as Error).message}`, 'pattern');
    }
  }
  if (rule.min !== undefined && rule.max !== undefined && rule.min > rule.max)
    issue(`'min' is greater than 'max'`, 'min');
  if (rule.format !== undefined && rule.type !== 'date' && rule.type !== 'datetime') {
    issue(`'format' applies to the types 'date' and 'datetime' only`, 'format');
  }
}

function isAbsent(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

function isEmptyValue(value: unknown): boolean {
  if (typeof value === 'string') return value.trim() === '';
  if (Array.isArray(value)) return value.length === 0;
  if (value !== null && typeof value === 'object') return Object.keys(value).length === 0;
  return false;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function asNumber(value: unknown, loose: boolean): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (loose && typeof value === 'string' && /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?\s*$/i.test(value)) {
    return Number(value);
  }
  return undefined;
}

/** The type check: the rule name and message when `value` is not of `rule.type`. */
function typeIssue(rule: FieldRule, value: unknown, loose: boolean): [string, string] | undefined {
  const type = rule.type;
  if (type === undefined) return undefined;
  const got = `(got ${kindOf(value)})`;
  switch (type) {
    case 'string':
      return typeof value === 'string' ? undefined : ['type', `must be a string ${got}`];
    case 'number':
      return asNumber(value, loose) !== undefined ? undefined : ['type', `must be a number ${got}`];
    case 'integer': {
      const n = asNumber(value, loose);
      return n !== undefined && Number.isInteger(n) ? undefined : ['type', `must be an integer ${got}`];
    }
    case 'boolean':
      return typeof value === 'boolean' || (loose && (value === 'true' || value === 'false'))
        ? undefined
        : ['type', `must be a boolean ${got}`];
    case 'object':
      return kindOf(value) === 'object' ? undefined : ['type', `must be an object ${got}`];
    case 'array':
      return Array.isArray(value) ? undefined : ['type', `must be an array ${got}`];
    case 'email':
      return typeof value === 'string' && isEmail(value.trim())
        ? undefined
        : ['email', 'must be a valid email address'];
    case 'phone':
      return typeof value === 'string' && isPhone(value.trim())
        ? undefined
        : ['phone', 'must be a valid phone number (e.g. 0612345678 or +33 6 12 34 56 78)'];
    case 'url':
      return typeof value === 'string' && isHttpUrl(value.trim())
        ? undefined
        : ['url', 'must be a valid http(s) URL'];
    case 'date': {
      const format = rule.format ?? 'YYYY-MM-DD';
      return typeof value === 'string' && matchesDateFormat(value, format)
        ? undefined
        : ['date', `must be a date in the format ${format}`];
    }
    case 'datetime': {
      if (rule.format) {
        return typeof value === 'string' && matchesDateFormat(value, rule.format)
          ? undefined
          : ['datetime', `must be a date-time in the format ${rule.format}`];
      }
      return typeof value === 'string' && isIsoDateTime(value)
        ? undefined
        : ['datetime', 'must be an ISO 8601 date-time (e.g. 2026-01-15T10:30:00+01:00)'];
    }
    case 'enum': {
      const values = rule.values ?? [];
      return values.some((allowed) => allowed === value)
        ? undefined
        : ['enum', `must be one of: ${values.map((v) => JSON.stringify(v)).join(', ')}`];
    }
    case 'regex':
      return typeof value === 'string' ? undefined : ['type', `must be a string ${got}`];
  }
}

/** min/max on a number's value, a string's length or an array's size. */
function boundIssue(rule: FieldRule, value: unknown, loose: boolean): [string, string] | undefined {
  if (rule.min === undefined && rule.max === undefined) return undefined;
  const numeric = rule.type === 'number' || rule.type === 'integer' || typeof value === 'number';
  let size: number | undefined;
  let unit = '';
  if (numeric) size = asNumber(value, loose);
  else if (typeof value === 'string') {
    size = [...value].length;
    unit = ' characters long';
  } else if (Array.isArray(value)) {
    size = value.length;
    unit = ' items';
  }
  if (size === undefined) return undefined;
  if (rule.min !== undefined && size < rule.min) {
    return ['min', numeric ? `must be at least ${rule.min}` : `must be at least ${rule.min}${unit}`];
  }
  if (rule.max !== undefined && size > rule.max) {
    return ['max', numeric ? `must be at most ${rule.max}` : `must be at most ${rule.max}${unit}`];
  }
  return undefined;
}

/** Checks one field of `json` against `rule`; returns its first problem, if any. */
export function checkField(
  json: unknown,
  rule: FieldRule,
  options: RuleOptions,
): ValidationIssue | undefined {
  const value = getPath(json, rule.name);
  const fail = (name: string, text: string): ValidationIssue => ({
    field: rule.name,
    rule: name,
    message: rule.message ?? `Field '${rule.name}' ${text}`,
  });
  if (isAbsent(value)) {
    if (rule.required) return fail('required', 'is required');
    if (rule.notEmpty && typeof value === 'string') return fail('notEmpty', 'must not be empty');
    return undefined;
  }
  if (rule.notEmpty && isEmptyValue(value)) return fail('notEmpty', 'must not be empty');
  const typeProblem = typeIssue(rule, value, options.looseTypes);
  if (typeProblem) return fail(...typeProblem);
  const boundProblem = boundIssue(rule, value, options.looseTypes);
  if (boundProblem) return fail(...boundProblem);
  if (rule.pattern !== undefined && typeof value === 'string' && !cachedPattern(rule.pattern).test(value)) {
    return fail('pattern', `must match the pattern ${rule.pattern}`);
  }
  return undefined;
}
