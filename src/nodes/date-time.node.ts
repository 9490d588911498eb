/**
 * Date & Time (n8n `dateTime` v2, `DateTime/V2/DateTimeV2.node.ts` + its `*Description.ts` files):
 * get the current date, add/subtract a duration, format, round, diff two dates, extract a part.
 * Dates are written as ISO 8601 strings with the offset of their zone (Luxon `toString()`), e.g.
 * `2026-03-17T11:00:00.000+01:00`, exactly as n8n stores them.
 *
 * Zones, as in n8n: "now" uses `options.timezone` or the workflow's zone; add, subtract, round,
 * between and extract read dates in the workflow's zone; format reads them in the input's own zone
 * (UTC for dates without an offset) unless `options.timezone` asks for the workflow's. A date
 * without an offset keeps its wall-clock time in the zone it is read in (`2023-04-11T14:30` read in
 * America/New_York is 14:30 there); numbers are Unix timestamps, in seconds below 12 digits, else
 * in milliseconds. Parsing rules: `DateTime/V2/GenericFunctions.ts` and its test file.
 */
import {
  DateTime,
  type DateTimeUnit,
  type DurationLikeObject,
  type DurationUnit,
  FixedOffsetZone,
} from 'luxon';
import { z } from 'zod';
import { NonRetryableError } from '../engine/errors.js';
import type { Item } from '../engine/items.js';
import { defineNode, mapItems } from './sdk.js';

const OPERATIONS = [
  'getCurrentDate',
  'addToDate',
  'subtractFromDate',
  'formatDate',
  'roundDate',
  'getTimeBetweenDates',
  'extractDate',
] as const;
type Operation = (typeof OPERATIONS)[number];

/** n8n's default output field of each operation. */
const DEFAULT_OUTPUT: Record<Operation, string> = {
  getCurrentDate: 'currentDate',
  addToDate: 'newDate',
  subtractFromDate: 'newDate',
  formatDate: 'formattedDate',
  roundDate: 'roundedDate',
  getTimeBetweenDates: 'timeDifference',
  extractDate: 'datePart',
};

const UNITS = ['year', 'month', 'week', 'day', 'hour', 'minute', 'second'] as const;

const params = z
  .object({
    operation: z.enum(OPERATIONS).default('getCurrentDate'),
    /** Name of the field receiving the result; defaults per operation (`currentDate`, `newDate`, ...). */
    outputFieldName: z.string().optional(),
    /** getCurrentDate: keep the time (false = midnight). */
    includeTime: z.boolean().default(true),
    /** addToDate/subtractFromDate: the date to change, its unit and amount. */
    magnitude: z.unknown().default(''),
    timeUnit: z
      .enum(['years', 'quarters', 'months', 'weeks', 'days', 'hours', 'minutes', 'seconds', 'milliseconds'])
      .default('days'),
    duration: z.coerce.number().default(0),
    /** formatDate/roundDate/extractDate: the date. */
    date: z.unknown().default(''),
    /** formatDate: a preset (`MM/dd/yyyy`, `yyyy-MM-dd`, `X`, `x`, ...) or `custom` (then `customFormat`). */
    format: z.string().default('MM/dd/yyyy'),
    /** formatDate: any Luxon format, e.g. `dd/MM/yyyy HH:mm`. */
    customFormat: z.string().default(''),
    /** roundDate: `roundDown` to the start of `toNearest`, or `roundUp` to the start of the next `to`. */
    mode: z.enum(['roundDown', 'roundUp']).default('roundDown'),
    toNearest: z.enum(UNITS).default('month'),
    to: z.enum(UNITS).default('month'),
    /** getTimeBetweenDates: `endDate - startDate` in the given units. */
    startDate: z.unknown().default(''),
    endDate: z.unknown().default(''),
    units: z.array(z.enum([...UNITS, 'millisecond'])).default(['day']),
    /** extractDate: which part. */
    part: z.enum(UNITS).default('month'),
    options: z
      .object({
        /** Copy the input item's fields into the output (read for item 0, as n8n does). */
        includeInputFields: z.boolean().default(false),
        /** getCurrentDate: an IANA zone name; formatDate: `true` = read the date in the workflow's zone. */
        timezone: z.union([z.string(), z.boolean()]).optional(),
        /** formatDate: the Luxon format of the input date when it is not ISO (e.g. `dd/MM/yyyy`). */
        fromFormat: z.string().optional(),
        /** getTimeBetweenDates: output an ISO 8601 duration (`P2DT3H`) instead of an object. */
        isoString: z.boolean().default(false),
      })
      .loose()
      .default({ includeInputFields: false, isoString: false }),
  })
  .loose();

const UTC = 'Etc/UTC';
const INVALID = 'Invalid date format';

/** A time followed by an offset or `Z` (the date-only `2023-04-11` must not read as offset `-11`). */
const EXPLICIT_OFFSET =
  /(?:\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?|T\d{2,6}(?:[.,]\d+)?)\s*(?:Z|[+-]\d{2}(?::?\d{2})?)$|\b(?:GMT|UTC)$/i;

function invalid(parameter: string, value: unknown): NonRetryableError {
  return new NonRetryableError(INVALID, {
    code: 'INVALID_DATE',
    description: `Parameter '${parameter}' holds ${JSON.stringify(value) ?? String(value)}, which is not a date`,
  });
}

/** Zero-offset instants print `+00:00` as n8n's `Etc/UTC` does, not Luxon's `Z`. */
function normaliseZone(date: DateTime): DateTime {
  return date.zone instanceof FixedOffsetZone && date.offset === 0 ? date.setZone(UTC) : date;
}

function fromTimestamp(n: number, zone: string): DateTime {
  // n8n: a non-integer is seconds with a fraction; fewer than 12 digits is seconds, else milliseconds.
  const value = Number.isInteger(n) ? n : Math.round(n * 1000);
  const ms = Number.isInteger(n) && String(Math.trunc(Math.abs(value))).length < 12 ? value * 1000 : value;
  return DateTime.fromMillis(ms, { zone });
}

/** A naive date string read as wall-clock time in `zone` (ISO, SQL, then what JS `Date` understands). */
function fromNaive(text: string, zone: string): DateTime {
  const parsers = [
    (t: string) => DateTime.fromISO(t, { zone }),
    (t: string) => DateTime.fromSQL(t, { zone }),
  ];
  for (const parse of parsers) {
    const date = parse(text);
    if (date.isValid) return date;
  }
  // ISO-looking text Luxon rejected is wrong (2026-02-30), not something for JS Date to roll over.
  if (/^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}(?::\d{2}(?::\d{2}(?:[.,]\d+)?)?)?)?$/.test(text))
    return DateTime.invalid('unparsable');
  const js = new Date(text);
  if (Number.isNaN(js.getTime())) return DateTime.invalid('unparsable');
  return DateTime.fromObject(
    {
      year: js.getFullYear(),
      month: js.getMonth() + 1,
      day: js.getDate(),
      hour: js.getHours(),
      minute: js.getMinutes(),
      second: js.getSeconds(),
      millisecond: js.getMilliseconds(),
    },
    { zone },
  );
}

function fromExplicit(text: string): DateTime {
  const parsers = [DateTime.fromISO, DateTime.fromRFC2822, DateTime.fromHTTP].map(
    (parse) => (t: string) => parse.call(DateTime, t, { setZone: true }),
  );
  for (const parse of parsers) {
    const date = parse(text);
    if (date.isValid) return date;
  }
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? DateTime.invalid('unparsable') : DateTime.fromMillis(ms, { zone: UTC });
}

/**
 * Reads a date parameter. `zone` given: the result is in that zone. No zone: the input's own offset
 * is kept, and dates without one are UTC.
 */
export function parseDate(
  value: unknown,
  parameter: string,
  opts: { zone?: string; fromFormat?: string } = {},
): DateTime {
  const { zone, fromFormat } = opts;
  let date: DateTime;
  if (DateTime.isDateTime(value)) date = value.setZone(zone ?? UTC);
  else if (value instanceof Date) date = DateTime.fromJSDate(value, { zone: zone ?? UTC });
  else if (typeof value === 'number') date = fromTimestamp(value, zone ?? UTC);
  else if (typeof value === 'string') {
    const text = value.trim();
    if (text === '') throw invalid(parameter, value);
    if (fromFormat) {
      date = DateTime.fromFormat(text, fromFormat, { zone: zone ?? UTC, setZone: true });
      if (zone) date = date.setZone(zone);
    } else if (/^[+-]?\d+(?:\.\d+)?$/.test(text)) date = fromTimestamp(Number(text), zone ?? UTC);
    else if (EXPLICIT_OFFSET.test(text)) {
      date = fromExplicit(text);
      date = zone ? date.setZone(zone) : normaliseZone(date);
    } else date = fromNaive(text, zone ?? UTC);
  } else throw invalid(parameter, value);
  if (!date.isValid) throw invalid(parameter, value);
  return date;
}

/** "Now" in `zone`, refusing zones Luxon does not know (n8n's message). */
function nowIn(now: DateTime, zone: string): DateTime {
  const date = now.setZone(zone);
  if (!date.isValid) {
    throw new NonRetryableError(`The timezone ${zone} is not valid. Please check the timezone.`, {
      code: 'INVALID_PARAMETER',
      description: "Parameter 'options.timezone' must be an IANA zone name such as Europe/Paris.",
    });
  }
  return date;
}

/** Adds, subtracts, formats, rounds, diffs or extracts dates on each item. */
export const dateTimeNode = defineNode({
  type: 'dateTime',
  version: 2,
  displayName: 'Date & Time',
  description: 'Manipulate date and time values.',
  group: 'transform',
  replaySafe: true,
  params,
  inputs: 1,
  outputs: ['main'],
  async execute(ctx) {
    const workflowZone = ctx.workflow.settings.timezone ?? ctx.now().zoneName ?? UTC;
    // n8n reads this option once, for item 0.
    const includeInputFields = ctx.items.length > 0 && ctx.getParams(0).options.includeInputFields;
    const out = await mapItems(ctx, (input, i) => {
      const p = ctx.getParams(i);
      const item: Item = includeInputFields
        ? { json: { ...input.json }, binary: input.binary, pairedItem: { item: i } }
        : { json: {}, pairedItem: { item: i } };
      if (item.binary === undefined) delete item.binary;
      const read = (value: unknown, parameter: string) => parseDate(value, parameter, { zone: workflowZone });
      let result: unknown;
      switch (p.operation) {
        case 'getCurrentDate': {
          const zone =
            typeof p.options.timezone === 'string' && p.options.timezone ? p.options.timezone : workflowZone;
          const now = nowIn(ctx.now(), zone);
          result = (p.includeTime ? now : now.startOf('day')).toString();
          break;
        }
        case 'addToDate':
        case 'subtractFromDate': {
          const delta: DurationLikeObject = { [p.timeUnit]: p.duration };
          const date = read(p.magnitude, 'magnitude');
          result = (p.operation === 'addToDate' ? date.plus(delta) : date.minus(delta)).toString();
          break;
        }
        case 'formatDate': {
          if (p.date === null || p.date === undefined) {
            result = p.date ?? null;
            break;
          }
          const date = parseDate(p.date, 'date', {
            zone: p.options.timezone === true ? workflowZone : undefined,
            fromFormat: p.options.fromFormat || undefined,
          });
          const format = p.format === 'custom' ? p.customFormat : p.format;
          result = date.toFormat(format);
          break;
        }
        case 'roundDate': {
          const date = read(p.date, 'date');
          result = (
            p.mode === 'roundDown'
              ? date.startOf(p.toNearest)
              : date.plus({ [p.to]: 1 }).startOf(p.to as DateTimeUnit)
          ).toString();
          break;
        }
        case 'getTimeBetweenDates': {
          const duration = read(p.endDate, 'endDate').diff(
            read(p.startDate, 'startDate'),
            p.units as DurationUnit[],
          );
          result = p.options.isoString ? duration.toString() : duration.toObject();
          break;
        }
        case 'extractDate': {
          const date = read(p.date, 'date');
          result = p.part === 'week' ? date.weekNumber : date.get(p.part);
          break;
        }
      }
      item.json[p.outputFieldName || DEFAULT_OUTPUT[p.operation]] = result;
      return item;
    });
    return [out];
  },
});
