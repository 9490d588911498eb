/**
 * A compact JSON Schema (draft 2020-12) validator for the Validate node's `jsonSchema` mode.
 * Supported: boolean schemas, `type` (one or a list), `required`, `properties`,
 * `additionalProperties`, `items` (one schema), `minItems`, `maxItems`, `enum`, `const`, `minimum`,
 * `maximum`, `exclusiveMinimum`, `exclusiveMaximum`, `multipleOf`, `minLength`, `maxLength`
 * (in code points), `pattern`, `format` (`email`, `date`, `date-time`, `time`, `uri`, and Relais'
 * `phone`), plus annotations (`title`, `description`, `$schema`, `$id`, `$comment`, `default`,
 * `examples`, `deprecated`, `readOnly`, `writeOnly`). Anything else (`$ref`, `oneOf`, `if`, ...) is
 * refused when the workflow is saved, rather than silently not checked.
 */

import { isEmail, isIsoDate, isIsoTime, isPhone, isRfc3339DateTime, isUri } from './formats.js';
import type { ValidationIssue } from './rules.js';
import { cachedPattern, compilePattern } from './rules.js';

type Schema = boolean | { [keyword: string]: unknown };

const ANNOTATIONS = [
  '$schema',
  '$id',
  '$comment',
  'title',
  'description',
  'default',
  'examples',
  'deprecated',
  'readOnly',
  'writeOnly',
];
const ASSERTIONS = [
  'type',
  'required',
  'properties',
  'additionalProperties',
  'items',
  'minItems',
  'maxItems',
  'enum',
  'const',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minLength',
  'maxLength',
  'pattern',
  'format',
];
const KNOWN = new Set([...ANNOTATIONS, ...ASSERTIONS]);
const TYPES = new Set(['string', 'number', 'integer', 'boolean', 'object', 'array', 'null']);

const FORMATS: Record<string, { test: (value: string) => boolean; text: string }> = {
  email: { test: isEmail, text: 'a valid email address' },
  date: { test: isIsoDate, text: 'a date (YYYY-MM-DD)' },
  'date-time': { test: isRfc3339DateTime, text: 'an RFC 3339 date-time (e.g. 2026-01-15T10:30:00Z)' },
  time: { test: isIsoTime, text: 'a time (HH:mm:ss)' },
  uri: { test: isUri, text: 'an absolute URI' },
  phone: { test: isPhone, text: 'a valid phone number' },
};

export interface SchemaProblem {
  /** Where in the schema, e.g. `['properties', 'email', 'format']`. */
  path: (string | number)[];
  message: string;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** Lists what the validator cannot honour in `schema` (empty when it is fully supported). */
export function schemaProblems(schema: unknown, path: (string | number)[] = []): SchemaProblem[] {
  if (typeof schema === 'boolean') return [];
  if (!isPlainObject(schema)) return [{ path, message: 'a schema must be an object or a boolean' }];
  const problems: SchemaProblem[] = [];
  const add = (key: string | number, message: string) => problems.push({ path: [...path, key], message });
  for (const [keyword, value] of Object.entries(schema)) {
    if (!KNOWN.has(keyword)) {
      add(
        keyword,
        `the JSON Schema keyword '${keyword}' is not supported (supported: ${ASSERTIONS.join(', ')})`,
      );
      continue;
    }
    switch (keyword) {
      case 'type': {
        const list = Array.isArray(value) ? value : [value];
        for (const t of list)
          if (typeof t !== 'string' || !TYPES.has(t)) add(keyword, `unknown type ${JSON.stringify(t)}`);
        break;
      }
      case 'required':
        if (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))
          add(keyword, 'must be a list of property names');
        break;
      case 'properties':
        if (!isPlainObject(value)) add(keyword, 'must be an object of schemas');
        else
          for (const [name, sub] of Object.entries(value))
            problems.push(...schemaProblems(sub, [...path, keyword, name]));
        break;
      case 'additionalProperties':
      case 'items':
        if (Array.isArray(value))
          add(keyword, `'items' as a list is not supported (draft 2020-12 uses 'prefixItems')`);
        else problems.push(...schemaProblems(value, [...path, keyword]));
        break;
      case 'enum':
        if (!Array.isArray(value)) add(keyword, 'must be a list');
        break;
      case 'pattern':
        if (typeof value !== 'string') add(keyword, 'must be a string');
        else {
          try {
            compilePattern(value);
          } catch (error) {
            add(keyword, `invalid regular expression: ${(error as Error).message}`);
          }
        }
        break;
      case 'format':
        if (typeof value !== 'string' || !FORMATS[value]) {
          add(
            keyword,
            `the format ${JSON.stringify(value)} is not supported (supported: ${Object.keys(FORMATS).join(', ')})`,
          );
        }
        break;
      case 'minimum':
      case 'maximum':
      case 'exclusiveMinimum':
      case 'exclusiveMaximum':
      case 'multipleOf':
      case 'minLength':
      case 'maxLength':
      case 'minItems':
      case 'maxItems':
        if (!isNumber(value)) add(keyword, 'must be a number');
        break;
    }
  }
  return problems;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function hasType(value: unknown, type: string): boolean {
  const kind = kindOf(value);
  return kind === type || (type === 'number' && kind === 'integer');
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every(
    (k) =>
      Object.hasOwn(b, k) && sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
  );
}

function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return parent === '' ? key : `${parent}.${key}`;
}

/** Validates `value` against a supported `schema`; issues name the field by its dot path. */
export function validateAgainstSchema(schema: Schema, value: unknown, path = ''): ValidationIssue[] {
  const field = path === '' ? '(item)' : path;
  const fail = (rule: string, text: string): ValidationIssue[] => [
    { field, rule, message: `Field '${field}' ${text}` },
  ];
  if (schema === true) return [];
  if (schema === false) return fail('false', 'is not allowed');
  const s = schema;
  const issues: ValidationIssue[] = [];

  if (s.type !== undefined) {
    const types = (Array.isArray(s.type) ? s.type : [s.type]) as string[];
    if (!types.some((t) => hasType(value, t)))
      return fail('type', `must be of type ${types.join(' or ')} (got ${kindOf(value)})`);
  }
  if (Array.isArray(s.enum) && !s.enum.some((allowed) => sameJson(allowed, value))) {
    issues.push(...fail('enum', `must be one of: ${s.enum.map((v) => JSON.stringify(v)).join(', ')}`));
  }
  if ('const' in s && !sameJson(s.const, value))
    issues.push(...fail('const', `must equal ${JSON.stringify(s.const)}`));

  if (typeof value === 'number') {
    if (isNumber(s.minimum) && value < s.minimum) issues.push(...fail('minimum', `must be >= ${s.minimum}`));
    if (isNumber(s.maximum) && value > s.maximum) issues.push(...fail('maximum', `must be <= ${s.maximum}`));
    if (isNumber(s.exclusiveMinimum) && value <= s.exclusiveMinimum) {
      issues.push(...fail('exclusiveMinimum', `must be > ${s.exclusiveMinimum}`));
    }
    if (isNumber(s.exclusiveMaximum) && value >= s.exclusiveMaximum) {
      issues.push(...fail('exclusiveMaximum', `must be < ${s.exclusiveMaximum}`));
    }
    if (
      isNumber(s.multipleOf) &&
      s.multipleOf > 0 &&
      !Number.isInteger(Number((value / s.multipleOf).toFixed(9)))
    ) {
      issues.push(...fail('multipleOf', `must be a multiple of ${s.multipleOf}`));
    }
  }

  if (typeof value === 'string') {
    const length = [...value].length;
    if (isNumber(s.minLength) && length < s.minLength)
      issues.push(...fail('minLength', `must be at least ${s.minLength} characters long`));
    if (isNumber(s.maxLength) && length > s.maxLength)
      issues.push(...fail('maxLength', `must be at most ${s.maxLength} characters long`));
    if (typeof s.pattern === 'string' && !cachedPattern(s.pattern).test(value)) {
      issues.push(...fail('pattern', `must match the pattern ${s.pattern}`));
    }
    if (typeof s.format === 'string' && FORMATS[s.format] && !FORMATS[s.format].test(value)) {
      issues.push(...fail('format', `must be ${FORMATS[s.format].text}`));
    }
  }

  if (Array.isArray(value)) {
    if (isNumber(s.minItems) && value.length < s.minItems)
      issues.push(...fail('minItems', `must contain at least ${s.minItems} items`));
    if (isNumber(s.maxItems) && value.length > s.maxItems)
      issues.push(...fail('maxItems', `must contain at most ${s.maxItems} items`));
    if (s.items !== undefined) {
      for (const [i, entry] of value.entries()) {
        issues.push(...validateAgainstSchema(s.items as Schema, entry, childPath(path, i)));
      }
    }
  }

  if (isPlainObject(value)) {
    const properties = isPlainObject(s.properties) ? s.properties : {};
    if (Array.isArray(s.required)) {
      for (const name of s.required as string[]) {
        if (!Object.hasOwn(value, name)) {
          const missing = childPath(path, name);
          issues.push({ field: missing, rule: 'required', message: `Field '${missing}' is required` });
        }
      }
    }
    for (const [name, entry] of Object.entries(value)) {
      if (Object.hasOwn(properties, name)) {
        issues.push(...validateAgainstSchema(properties[name] as Schema, entry, childPath(path, name)));
      } else if (s.additionalProperties !== undefined) {
        const extra = childPath(path, name);
        if (s.additionalProperties === false) {
          issues.push({
            field: extra,
            rule: 'additionalProperties',
            message: `Field '${extra}' is not allowed`,
          });
        } else issues.push(...validateAgainstSchema(s.additionalProperties as Schema, entry, extra));
      }
    }
  }
  return issues;
}
