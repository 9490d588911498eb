/**
 * Type conversion of Edit Fields (Set) assignments, ported from n8n: `validateEntry` in
 * `packages/nodes-base/nodes/Set/v2/helpers/utils.ts`, with its exact error messages. The
 * converters (`tryToParse*` of `packages/workflow/src/type-validation.ts`) and `jsonParse` are
 * the ones the Filter conditions use (../shared/type-validation.ts).
 */
import { DateTime } from 'luxon';
import { NonRetryableError } from '../../engine/errors.js';
import type { JsonRecord } from '../shared/fields.js';
import { isPlainObject } from '../shared/fields.js';
import { jsonParse, validateFieldType } from '../shared/type-validation.js';

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

/**
 * One assignment's value converted to its declared type (Set ≥ 3.2): null and undefined give null;
 * string fields take `JSON.stringify` of objects and `String()` of the rest; a value that does not
 * convert fails, or is kept as it is when `ignoreConversionErrors` is on. A `dateTime` field is
 * parsed as n8n parses it (a date without an offset is in `timezone`, the workflow's) and written
 * as n8n writes the Luxon DateTime it keeps: its ISO text, offset included (items here are JSON).
 */
export function convertAssignment(
  name: string,
  type: string | undefined,
  rawValue: unknown,
  itemIndex: number,
  ignoreErrors: boolean,
  timezone?: string,
): unknown {
  const value = dateTimesToStrings(rawValue);
  if (value === undefined || value === null) return null;
  if (type === undefined) return value;
  let candidate = value;
  if (type === 'string') candidate = typeof value === 'object' ? JSON.stringify(value) : String(value);
  const result = validateFieldType(name, candidate, type, { timezone });
  if (result.valid)
    return DateTime.isDateTime(result.newValue) ? result.newValue.toISO() : (result.newValue ?? null);
  if (ignoreErrors) return candidate ?? null;
  throw new NonRetryableError(`${result.errorMessage} [item ${itemIndex}]`, {
    code: 'TYPE_CONVERSION',
    itemIndex,
    description: `To fix the error try to change the type for the field "${name}" or activate the option “Ignore Type Conversion Errors” to apply a less strict type validation`,
  });
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
