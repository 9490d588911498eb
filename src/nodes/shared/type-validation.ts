/**
 * n8n's `validateFieldType` (packages/workflow/src/type-validation.ts) for the types a filter
 * condition can ask for: string, number, boolean, dateTime, array, object. Strict mode only accepts
 * the right JavaScript type; loose mode converts (`'5'` → 5, `'true'` → true, JSON text → array or
 * object). `null` and `undefined` are always valid and stay as they are. Other types pass unchanged.
 * Its converters and `jsonParse` also serve Edit Fields (Set), which converts as n8n's does.
 */
import { parse } from 'acorn';
import { DateTime } from 'luxon';

export type ValidationResult = { valid: true; newValue: unknown } | { valid: false; errorMessage: string };

export interface ValidateFieldTypeOptions {
  /** Only the exact JavaScript type is accepted (dateTime values are parsed either way, as in n8n). */
  strict?: boolean;
  /** Convert non-strings to strings for the `string` type (otherwise any value is a valid string). */
  parseStrings?: boolean;
  /** IANA zone for date strings without an offset (n8n: luxon's default zone, i.e. the workflow's). */
  timezone?: string;
}

export function validateFieldType(
  fieldName: string,
  value: unknown,
  type: string,
  options: ValidateFieldTypeOptions = {},
): ValidationResult {
  if (value === null || value === undefined) return { valid: true, newValue: undefined };
  const strict = options.strict ?? false;
  const invalid: ValidationResult = {
    valid: false,
    errorMessage: `'${fieldName}' expects a ${type} but we got ${valueDescription(value)}`,
  };
  // Each parser throws on values it cannot convert; the throw becomes `invalid`.
  const attempt = (parseValue: () => unknown): ValidationResult => {
    try {
      return { valid: true, newValue: parseValue() };
    } catch {
      return invalid;
    }
  };
  switch (type.toLowerCase()) {
    case 'string':
      if (!options.parseStrings) return { valid: true, newValue: value };
      if (strict && typeof value !== 'string') return invalid;
      return attempt(() => toStringValue(value));
    case 'number':
      if (strict && typeof value !== 'number') return invalid;
      return attempt(() => toNumber(value));
    case 'boolean':
      if (strict && typeof value !== 'boolean') return invalid;
      return attempt(() => toBoolean(value));
    case 'datetime':
      return attempt(() => toDateTime(value, options.timezone));
    case 'array':
      if (strict && !Array.isArray(value)) return invalid;
      return attempt(() => toArray(value));
    case 'object':
      // lodash `isObject`: arrays and functions count as objects here, then fail to parse.
      if (strict && (typeof value !== 'object' || value === null) && typeof value !== 'function')
        return invalid;
      return attempt(() => toObject(value));
    default:
      return { valid: true, newValue: value };
  }
}

/** How n8n names a value in validation messages: `'x'`, `'null'`, `array`, `object`. */
export function valueDescription(value: unknown): string {
  if (typeof value === 'object') {
    if (value === null) return "'null'";
    return Array.isArray(value) ? 'array' : 'object';
  }
  return `'${String(value)}'`;
}

export function toStringValue(value: unknown): string {
  if (typeof value === 'object') return JSON.stringify(value);
  if (value === undefined) return '';
  return String(value);
}

export function toNumber(value: unknown): number {
  const parsed = Number(value);
  if (Number.isNaN(parsed)) throw new Error('Failed to parse value to number');
  return parsed;
}

export function toBoolean(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && ['true', 'false'].includes(value.toLowerCase())) {
    return value.toLowerCase() === 'true';
  }
  // Anything but a blank string that reads as the number 0 or 1 ('0', ' 1 ', [1]).
  if (!(typeof value === 'string' && value.trim() === '')) {
    const num = Number(value);
    if (num === 0) return false;
    if (num === 1) return true;
  }
  throw new Error('Failed to parse value as boolean');
}

/** n8n's `tryToParseDateTime`: Luxon DateTime, Date, then ISO, HTTP, RFC 2822, SQL, `Date.parse` strings. */
export function toDateTime(value: unknown, zone?: string): DateTime {
  if (DateTime.isDateTime(value) && value.isValid) return value;
  if (value instanceof Date) {
    const fromDate = DateTime.fromJSDate(value, { zone });
    if (fromDate.isValid) return fromDate;
  }
  const text = String(value).trim();
  const candidates = [
    () => DateTime.fromISO(text, { zone, setZone: true }),
    () => DateTime.fromHTTP(text, { zone, setZone: true }),
    () => DateTime.fromRFC2822(text, { zone, setZone: true }),
    () => DateTime.fromSQL(text, { zone, setZone: true }),
  ];
  for (const candidate of candidates) {
    const parsed = candidate();
    if (parsed.isValid) return parsed;
  }
  const millis = Date.parse(text);
  if (!Number.isNaN(millis)) {
    const parsed = DateTime.fromMillis(millis, { zone });
    if (parsed.isValid) return parsed;
  }
  throw new Error('Value is not a valid date');
}

export function toArray(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  let parsed: unknown;
  try {
    parsed = JSON.parse(String(value));
  } catch {
    // n8n retries with single quotes turned into double quotes: `['a', 'b']`.
    parsed = JSON.parse(String(value).replace(/'/g, '"'));
  }
  if (!Array.isArray(parsed)) throw new Error('Value is not a valid array');
  return parsed;
}

export function toObject(value: unknown): object | null {
  if (value && typeof value === 'object' && !Array.isArray(value)) return value;
  // n8n's `tryToParseObject` lets JSON `null` through: `typeof null` is 'object'.
  const parsed = jsonParse(String(value), true);
  if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('Value is not a valid object');
  return parsed;
}

/** n8n's `jsonParse`; with `acceptJSObject`, a JavaScript object literal (`{k: 'v'}`) is accepted too. */
export function jsonParse(text: string, acceptJSObject = false): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    if (acceptJSObject) {
      try {
        return parseJsObject(text);
      } catch {
        // falls through to the JSON error, as n8n does
      }
    }
    throw error;
  }
}

type SyntaxNode = { type: string; [key: string]: unknown };

/**
 * Reads an object literal such as `{a: 1, 'b': [true]}` from its syntax tree: literals, names,
 * arrays, negative numbers. Nothing is evaluated (a call reads as undefined, as with n8n's esprima
 * reader), and a `__proto__` key is dropped.
 */
function parseJsObject(text: string): unknown {
  const program = parse(`(${text})`, { ecmaVersion: 'latest' }) as unknown as { body: SyntaxNode[] };
  const statement = program.body.find(
    (node) =>
      node.type === 'ExpressionStatement' && (node.expression as SyntaxNode).type === 'ObjectExpression',
  );
  return syntaxNodeToValue(statement?.expression as SyntaxNode | undefined);
}

function syntaxNodeToValue(node: SyntaxNode | null | undefined): unknown {
  switch (node?.type) {
    case 'ObjectExpression': {
      const result: Record<string, unknown> = {};
      for (const prop of node.properties as SyntaxNode[]) {
        if (prop.type !== 'Property') continue;
        const key = String(syntaxNodeToValue(prop.key as SyntaxNode));
        if (key !== '__proto__') result[key] = syntaxNodeToValue(prop.value as SyntaxNode);
      }
      return result;
    }
    case 'Identifier':
      return node.name;
    case 'Literal':
      return node.value;
    case 'ArrayExpression':
      return (node.elements as (SyntaxNode | null)[]).map((element) => syntaxNodeToValue(element));
    case 'UnaryExpression': {
      const value = syntaxNodeToValue(node.argument as SyntaxNode);
      return typeof value === 'number' && node.operator === '-' ? -value : value;
    }
    default:
      return undefined;
  }
}
