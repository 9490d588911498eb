/**
 * Date & Time v1 → v2 (`DateTime/V1/DateTimeV1.node.ts`, `DateTime/V2/*`).
 *
 * v1 had two actions, built on moment.js, that keep every input field and write one more:
 * - `calculate`: `value` + or − `duration` `timeUnit`, written as UTC ISO text
 *   (`2024-01-02T10:00:00.000Z`) → v2 `addToDate` / `subtractFromDate` with the input fields kept;
 *   v2 writes the date with the workflow zone's offset instead.
 * - `format` (default): `value` formatted with a moment.js format (`toFormat`, default
 *   `MM/DD/YYYY` unless `custom`), optional `fromFormat`, `fromTimezone`, `toTimezone` → v2
 *   `formatDate` with the format translated to Luxon tokens. Time-zone conversion and moment tokens
 *   with no Luxon equivalent have no v2 form: such nodes stay unsupported.
 */
import { isExpression, record, Unmappable } from '../params.js';
import type { MapContext, MappedNode, Params } from '../types.js';

/** moment.js tokens → Luxon tokens, longest first. `undefined`: no Luxon equivalent. */
const TOKENS: [string, string | undefined][] = [
  ['YYYY', 'yyyy'],
  ['YY', 'yy'],
  ['MMMM', 'MMMM'],
  ['MMM', 'MMM'],
  ['MM', 'MM'],
  ['M', 'M'],
  ['DDDD', 'ooo'],
  ['DDD', 'o'],
  ['DD', 'dd'],
  ['Do', undefined],
  ['D', 'd'],
  ['dddd', 'cccc'],
  ['ddd', 'ccc'],
  ['dd', undefined],
  ['d', undefined],
  ['E', 'c'],
  ['WW', 'WW'],
  ['W', 'W'],
  ['GGGG', 'kkkk'],
  ['HH', 'HH'],
  ['H', 'H'],
  ['hh', 'hh'],
  ['h', 'h'],
  ['kk', undefined],
  ['k', undefined],
  ['mm', 'mm'],
  ['m', 'm'],
  ['ss', 'ss'],
  ['s', 's'],
  ['SSS', 'SSS'],
  ['SS', undefined],
  ['S', 'S'],
  ['A', 'a'],
  ['a', undefined],
  ['ZZ', 'ZZZ'],
  ['Z', 'ZZ'],
  ['X', 'X'],
  ['x', 'x'],
  ['Q', 'q'],
];

/** A moment.js format as a Luxon format, or undefined when a token has no Luxon equivalent. */
export function momentToLuxon(format: string): string | undefined {
  let out = '';
  let i = 0;
  while (i < format.length) {
    const ch = format[i];
    if (ch === '[') {
      const end = format.indexOf(']', i + 1);
      const literal = end < 0 ? format.slice(i + 1) : format.slice(i + 1, end);
      out += literal === '' ? '' : `'${literal.replace(/'/g, "''")}'`;
      i = end < 0 ? format.length : end + 1;
      continue;
    }
    const token = TOKENS.find(([t]) => format.startsWith(t, i));
    if (token) {
      if (token[1] === undefined) return undefined;
      out += token[1];
      i += token[0].length;
      continue;
    }
    // Letters are tokens in Luxon: quote any other letter; keep punctuation as it is.
    out += /[A-Za-z]/.test(ch) ? `'${ch}'` : ch === "'" ? "''" : ch;
    i++;
  }
  return out;
}

function luxonFormat(value: unknown, parameter: string): string {
  if (typeof value !== 'string') throw new Unmappable(`${parameter} is not text`);
  if (isExpression(value))
    throw new Unmappable(`${parameter} is an expression: moment.js formats cannot be translated`);
  const luxon = momentToLuxon(value);
  if (luxon === undefined)
    throw new Unmappable(`${parameter} '${value}' uses moment.js tokens Luxon does not have`);
  return luxon;
}

export function mapDateTime(p: Params, ctx: MapContext): MappedNode {
  if (ctx.version >= 2) return { type: 'dateTime', parameters: p, outputs: [[0]] };
  const action = typeof p.action === 'string' ? p.action : 'format';
  const options = record(p.options);
  const outputFieldName = typeof p.dataPropertyName === 'string' ? p.dataPropertyName : 'data';
  if (action === 'calculate') {
    if (options.fromFormat)
      throw new Unmappable('options.fromFormat (moment.js) has no v2 form for adding to a date');
    ctx.changed(
      'dataPropertyName',
      "the new date is written with the workflow zone's offset, not as UTC text ending in Z",
    );
    return {
      type: 'dateTime',
      parameters: {
        operation: p.operation === 'subtract' ? 'subtractFromDate' : 'addToDate',
        magnitude: p.value ?? '',
        duration: p.duration ?? 0,
        timeUnit: p.timeUnit ?? 'days',
        outputFieldName,
        options: { includeInputFields: true },
      },
      outputs: [[0]],
    };
  }
  if (action !== 'format') throw new Unmappable(`action '${action}' does not exist`);
  if (options.fromTimezone || options.toTimezone) {
    throw new Unmappable('time-zone conversion (fromTimezone/toTimezone) has no v2 form');
  }
  const toFormat = p.toFormat ?? (p.custom === true ? '' : 'MM/DD/YYYY');
  const parameters: Params = {
    operation: 'formatDate',
    date: p.value ?? '',
    format: 'custom',
    customFormat: luxonFormat(toFormat, 'toFormat'),
    outputFieldName,
    options: {
      includeInputFields: true,
      ...(options.fromFormat ? { fromFormat: luxonFormat(options.fromFormat, 'options.fromFormat') } : {}),
    },
  };
  ctx.changed('value', 'dates are read as v2 reads them (ISO 8601, timestamps), not by moment.js');
  return { type: 'dateTime', parameters, outputs: [[0]] };
}
