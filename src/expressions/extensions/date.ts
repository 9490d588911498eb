/**
 * n8n's date extensions (`packages/workflow/src/extensions/date-extensions.ts`), for Luxon DateTime
 * and JS Date receivers. A Date receiver gets a Date back, as in n8n. Where n8n relies on Luxon's
 * global default zone (set to the workflow zone per execution), the workflow zone is passed
 * explicitly: evaluations of different workflows may interleave in one process.
 */
import { DateTime, type DateTimeUnit, type DurationLike, type DurationLikeObject } from 'luxon';
import type { Ctx } from '../context.js';
import { safeString } from '../ops.js';
import { type Extension, extensionError } from './shared.js';
import { stringToDateTime } from './string.js';

type DateLike = Date | DateTime;

const DURATION_UNITS = [
  'milliseconds',
  'seconds',
  'minutes',
  'hours',
  'days',
  'weeks',
  'months',
  'quarters',
  'years',
];
const DATE_PARTS = [
  'day',
  'week',
  'month',
  'year',
  'hour',
  'minute',
  'second',
  'millisecond',
  'weekNumber',
  'yearDayNumber',
  'weekday',
];

/** Singular and abbreviated units accepted by `plus(5, 'day')`. */
// biome-ignore format: one table
const TO_DURATION_UNIT: Record<string, string> = {
  day: 'days', month: 'months', year: 'years', week: 'weeks', hour: 'hours', minute: 'minutes',
  second: 'seconds', millisecond: 'milliseconds', ms: 'milliseconds', sec: 'seconds', secs: 'seconds',
  hr: 'hours', hrs: 'hours', min: 'minutes', mins: 'minutes',
};

/** Plural and abbreviated units accepted by `beginningOf('days')`. */
// biome-ignore format: one table
const TO_DATETIME_UNIT: Record<string, string> = {
  days: 'day', months: 'month', years: 'year', hours: 'hour', minutes: 'minute', seconds: 'second',
  milliseconds: 'millisecond', hrs: 'hour', hr: 'hour', mins: 'minute', min: 'minute', secs: 'second',
  sec: 'second', ms: 'millisecond',
};

function toDT(date: DateLike, c: Ctx): DateTime {
  return date instanceof DateTime ? date : DateTime.fromJSDate(date, { zone: c.tz });
}

/** Returns a DateTime to a DateTime receiver and a Date to a Date receiver. */
function like(original: DateLike, result: DateTime): DateLike {
  return original instanceof DateTime ? result : result.toJSDate();
}

function durationOf(args: unknown[]): DurationLike {
  if (args.length === 1) return args[0] as DurationLike;
  const amount = args[0] === undefined ? 0 : Number(args[0]);
  const rawUnit = args[1] === undefined ? 'minutes' : safeString(args[1]);
  const unit = TO_DURATION_UNIT[rawUnit] ?? rawUnit;
  return { [unit]: amount } as DurationLikeObject;
}

/** An argument given as ISO string, Date or DateTime (n8n's `convertToDateTime`). */
function argToDateTime(value: unknown): DateTime | undefined {
  if (value instanceof DateTime) return value;
  if (value instanceof Date) return DateTime.fromJSDate(value);
  if (typeof value === 'string') {
    const converted = DateTime.fromJSDate(new Date(value));
    return converted.isValid ? converted : undefined;
  }
  return undefined;
}

function otherDateTime(value: unknown, c: Ctx): DateTime {
  if (value instanceof DateTime) return value;
  if (typeof value === 'string') return stringToDateTime(value, [], c.tz);
  if (value instanceof Date) return DateTime.fromJSDate(value, { zone: c.tz });
  throw extensionError('diffTo(): expected a date');
}

function diffTo(date: DateLike, args: unknown[], c: Ctx): unknown {
  const [other, unit = 'days'] = args;
  let units = (Array.isArray(unit) ? unit : [unit]).map((u) => safeString(u));
  if (units.length === 0) units = ['days'];
  const bad = units.find((u) => !DURATION_UNITS.includes(u) && !DATE_PARTS.includes(u));
  if (bad !== undefined) {
    throw extensionError(
      `Unsupported unit '${bad}'. Supported: ${DURATION_UNITS.map((u) => `'${u}'`).join(', ')}.`,
    );
  }
  const diff = toDT(date, c).diff(otherDateTime(other, c), units as (keyof DurationLikeObject)[]);
  return units.length > 1 ? diff.toObject() : diff.as(units[0] as keyof DurationLikeObject);
}

function extract(date: DateLike, args: unknown[], c: Ctx): number {
  let part = args[0] === undefined ? 'week' : safeString(args[0]);
  const dt = toDT(date, c);
  if (part === 'yearDayNumber') return dt.ordinal;
  if (part === 'week') part = 'weekNumber';
  const unit = TO_DATETIME_UNIT[part] ?? part;
  return dt.get(unit as keyof DateTime) as number;
}

function isBetween(date: DateLike, args: unknown[], c: Ctx): boolean | undefined {
  if (args.length !== 2) throw extensionError('isBetween(): expected exactly two args');
  const first = argToDateTime(args[0]);
  const second = argToDateTime(args[1]);
  if (!first || !second) return undefined;
  const self = toDT(date, c);
  const [low, high] = first > second ? [second, first] : [first, second];
  return low < self && self < high;
}

export const dateExtensions: ReadonlyMap<string, Extension<DateLike>> = new Map<string, Extension<DateLike>>([
  [
    'beginningOf',
    (d, args, c) => {
      const raw = args[0] === undefined ? 'week' : safeString(args[0]);
      return like(d, toDT(d, c).startOf((TO_DATETIME_UNIT[raw] ?? raw) as DateTimeUnit));
    },
  ],
  ['endOfMonth', (d, _a, c) => like(d, toDT(d, c).endOf('month'))],
  ['extract', extract],
  ['isBetween', isBetween],
  ['isDst', (d, _a, c) => toDT(d, c).isInDST],
  [
    'isInLast',
    (d, args, c) => {
      const now = c.now();
      const since = now.minus(durationOf([args[0] ?? 0, args[1] ?? 'minutes']));
      const self = toDT(d, c);
      return since <= self && self <= now;
    },
  ],
  ['isWeekend', (d, _a, c) => [6, 7].includes(toDT(d, c).weekday)],
  ['minus', (d, args, c) => like(d, toDT(d, c).minus(durationOf(args)))],
  ['plus', (d, args, c) => like(d, toDT(d, c).plus(durationOf(args)))],
  [
    'format',
    (d, args, c) => {
      const options = typeof args[1] === 'object' && args[1] !== null ? { ...args[1] } : {};
      return toDT(d, c).toFormat(safeString(args[0]), options);
    },
  ],
  ['toDateTime', (d, _a, c) => toDT(d, c)],
  ['diffTo', diffTo],
  ['diffToNow', (d, args, c) => diffTo(d, [c.now(), args[0]], c)],
  ['toInt', (d) => (d instanceof DateTime ? d.toMillis() : d.getTime())],
  ['toFloat', (d) => (d instanceof DateTime ? d.toMillis() : d.getTime())],
  ['toBoolean', () => undefined],
  ['isEmpty', () => false],
  ['isNotEmpty', () => true],
]);
