/**
 * Type conversion of Edit Fields (Set) assignments, ported from n8n: `validateEntry` in
 * `packages/nodes-base/nodes/Set/v2/helpers/utils.ts` and `validateFieldType` / `tryToParse*` in
 * `packages/workflow/src/type-validation.ts`, with their exact error messages. JSON parsing follows
 * `jsonParse` (`acceptJSObject` parses `{k: 'v'}` through a syntax tree, never by evaluating it).
 */
import { parse as parseJs } from 'acorn';
import { DateTime } from 'luxon';
import { NonRetryableError } from '../../engine/errors.js';
import type { JsonRecord } from '../shared/fields.js';
import { isPlainObject } from '../shared/fields.js';

type Validation = { valid: true; value: unknown } | { valid: false; message: string };

/** n8n's `getValueDescription`: how a wrong value is named in an error message. */
export function describeValue(value: unknown): string {
  if (typeof value === 'object') {
    if (value === null) return "'null'";
    return Array.isArray(value) ? 'array' : 'object';
  }
  return `'${String(value)}'`;
}

/**
 * n8n's `cleanupParameterData`: Luxon DateTimes anywhere in an evaluated parameter become their
 * ISO string (`DateTime.toString()`), before the node sees the value.
 */
export function dateTimesToStrings(value: unknown): unknown {
  if (DateTime.isDateTime(value)) return value.toString();
  if (Array.isArray(value)) return value.map(dateTimesToStrings);
  if (isPlainObject(value)) {
    const copy: JsonRecord = {};
    for (const [key, entry] of Object.entries(value)) copy[key] = dateTimesToStrings(entry);
    return copy;
  }
  return value;
}

function toNumber(value: unknown): number {
  // `Number(Symbol())` throws: n8n catches it and reports a type error, as here.
  const parsed = Number(value);
  if (Number.isNaN(parsed)) throw new Error('not a number');
  return parsed;
}

function toBoolean(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && ['true', 'false'].includes(value.toLowerCase())) {
    return value.toLowerCase() === 'true';
  }
  if (!(typeof value === 'string' && value.trim() === '')) {
    const num = Number(value);
    if (num === 0) return false;
    if (num === 1) return true;
  }
  throw new Error('not a boolean');
}

function toArray(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  let parsed: unknown;
  try {
    parsed = JSON.parse(String(value));
  } catch {
    parsed = JSON.parse(String(value).replace(/'/g, '"'));
  }
  if (!Array.isArray(parsed)) throw new Error('not an array');
  return parsed;
}

function toObject(value: unknown): unknown {
  if (value && typeof value === 'object' && !Array.isArray(value)) return value;
  const parsed = jsonParse(String(value), true);
  if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
  return parsed;
}

const converters: Record<string, (value: unknown) => unknown> = {
  number: toNumber,
  boolean: toBoolean,
  array: toArray,
  object: toObject,
};

/** `validateFieldType(name, value, type)` without `strict`/`parseStrings`, as the Set node calls it. */
function validateFieldType(name: string, value: unknown, type: string): Validation {
  if (value === null || value === undefined) return { valid: true, value };
  const convert = converters[type.toLowerCase()];
  if (!convert) return { valid: true, value };
  try {
    return { valid: true, value: convert(value) };
  } catch {
    return { valid: false, message: `'${name}' expects a ${type} but we got ${describeValue(value)}` };
  }
}

/**
 * One assignment's value converted to its declared type (Set ≥ 3.2): null and undefined give null;
 * string fields take `JSON.stringify` of objects and `String()` of the rest; a value that does not
 * convert fails, or is kept as it is when `ignoreConversionErrors` is on.
 */
export function convertAssignment(
  name: string,
  type: string | undefined,
  rawValue: unknown,
  itemIndex: number,
  ignoreErrors: boolean,
): unknown {
  const value = dateTimesToStrings(rawValue);
  if (value === undefined || value === null) return null;
  if (type === undefined) return value;
  let candidate = value;
  if (type === 'string') candidate = typeof value === 'object' ? JSON.stringify(value) : String(value);
  const result = validateFieldType(name, candidate, type);
  if (result.valid) return result.value ?? null;
  if (ignoreErrors) return candidate ?? null;
  throw new NonRetryableError(`${result.message} [item ${itemIndex}]`, {
    code: 'TYPE_CONVERSION',
    itemIndex,
    description: `To fix the error try to change the type for the field "${name}" or activate the option “Ignore Type Conversion Errors” to apply a less strict type validation`,
  });
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
        // fall through to the JSON error, as n8n does
      }
    }
    throw error;
  }
}

interface SyntaxNode {
  type: string;
  [key: string]: unknown;
}

/** Reads an object literal from its syntax tree: literals, names, arrays, negative numbers; nothing runs. */
function parseJsObject(text: string): unknown {
  const program = parseJs(`(${text})`, { ecmaVersion: 'latest' }) as unknown as { body: SyntaxNode[] };
  const statement = program.body.find(
    (node) =>
      node.type === 'ExpressionStatement' && (node.expression as SyntaxNode).type === 'ObjectExpression',
  );
  return syntaxToValue(statement?.expression as SyntaxNode | undefined);
}

function syntaxToValue(node: SyntaxNode | null | undefined): unknown {
  switch (node?.type) {
    case 'ObjectExpression': {
      const entries = (node.properties as SyntaxNode[])
        .filter((prop) => prop.type === 'Property')
        .map(
          (prop) => [syntaxToValue(prop.key as SyntaxNode), syntaxToValue(prop.value as SyntaxNode)] as const,
        );
      const result: JsonRecord = {};
      for (const [key, value] of entries) if (String(key) !== '__proto__') result[String(key)] = value;
      return result;
    }
    case 'Identifier':
      return node.name;
    case 'Literal':
      return node.value;
    case 'ArrayExpression':
      return (node.elements as (SyntaxNode | null)[]).map(syntaxToValue);
    case 'UnaryExpression': {
      const value = syntaxToValue(node.argument as SyntaxNode);
      return typeof value === 'number' && node.operator === '-' ? -value : value;
    }
    default:
      return undefined;
  }
}

/**
 * The object of Set's JSON mode (`parseJsonParameter`): JSON, or JSON repaired the way n8n repairs
 * it (single quotes, unquoted keys, trailing commas), which must be an object.
 */
export function parseJsonObject(data: unknown, itemIndex: number): JsonRecord {
  const location = "'JSON Output'";
  let parsed: unknown = data;
  if (typeof data === 'string') {
    try {
      parsed = jsonParse(data);
    } catch {
      const repaired = data
        .replace(/'/g, '"')
        .replace(/(['"])?([a-zA-Z0-9_]+)(['"])?:/g, '"$2":')
        .replace(/,\s*([\]}])/g, '$1')
        .replace(/,+$/, '');
      try {
        parsed = jsonParse(repaired);
      } catch {
        throw new NonRetryableError(`The ${location} in item ${itemIndex} contains invalid JSON`, {
          code: 'INVALID_JSON',
          itemIndex,
          description: repaired === data ? data : `${repaired};\n Original input: ${data}`,
        });
      }
    }
  }
  if (parsed === undefined || parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new NonRetryableError(`The ${location} in item ${itemIndex} does not contain a valid JSON object`, {
      code: 'INVALID_JSON',
      itemIndex,
    });
  }
  return parsed as JsonRecord;
}
