/**
 * How n8n shows an object result in a string-typed parameter (`Expression#convertObjectValueToString`):
 * `[Object: {"a": 1}]`, `[Array: [1,2]]`, `[DateTime: 2024-01-01T00:00:00.000+01:00]`. For nodes
 * (Set, ...) that need a string where an expression returned an object.
 */
import { DateTime } from 'luxon';
import { ExpressionError } from '../engine/errors.js';
import { safeString } from './ops.js';

export function objectToDisplayString(value: object | null, timezone: string): string {
  if (value === null) return 'null';
  if (value instanceof DateTime && !value.isValid) throw new ExpressionError('invalid DateTime');
  let typeName: string;
  let text: string;
  if (value instanceof DateTime) {
    typeName = 'DateTime';
    text = value.toString();
  } else if (value instanceof Date) {
    typeName = 'Date';
    text = DateTime.fromJSDate(value, { zone: timezone }).toISO() ?? 'Invalid DateTime';
  } else {
    const proto = Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null;
    typeName = typeof proto?.constructor?.name === 'string' ? proto.constructor.name : 'Object';
    text = JSON.stringify(value) ?? safeString(value);
  }
  return `[${typeName}: ${text.replace(/,"/g, ', "').replace(/":/g, '": ')}]`;
}
