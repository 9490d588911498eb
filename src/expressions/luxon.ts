/**
 * `DateTime`, `Duration` and `Interval` as expressions see them. n8n sets Luxon's global default
 * zone to the workflow's zone before evaluating; Relais may evaluate expressions of several
 * workflows in one process, so the zone is passed to each factory instead, and "now" is the run's
 * clock (`ExpressionData.now`), never the wall clock.
 */
import { DateTime, Duration, Interval } from 'luxon';
import type { Ctx } from './context.js';
import { safeString, toNumber } from './ops.js';
import { type HostImpl, hostMembers, Namespace } from './values.js';

type Options = Record<string, unknown>;

function isPlainObject(v: unknown): v is Options {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** A copy of the caller's options with the workflow zone as default. */
function zoned(c: Ctx, opts: unknown): Options {
  const out: Options = isPlainObject(opts) ? { ...opts } : {};
  if (out.zone === undefined) out.zone = c.tz;
  return out;
}

function plain(opts: unknown): Options | undefined {
  return isPlainObject(opts) ? { ...opts } : undefined;
}

function dateTimes(values: unknown[]): DateTime[] {
  for (const v of values) if (!(v instanceof DateTime)) throw new TypeError('expected DateTime values');
  return values as DateTime[];
}

/** `DateTime.local(2024, 5, 1)` / `DateTime.utc(...)`: numbers, optionally followed by options. */
function splitUnits(args: unknown[]): [number[], unknown] {
  const last = args[args.length - 1];
  if (isPlainObject(last)) return [args.slice(0, -1).map(toNumber), last];
  return [args.map(toNumber), undefined];
}

const DATETIME_PRESETS: Options = {};
for (const name of Object.getOwnPropertyNames(DateTime)) {
  // Format presets such as DateTime.DATETIME_MED, used with toLocaleString().
  if (/^[A-Z][A-Z_]+$/.test(name)) DATETIME_PRESETS[name] = (DateTime as unknown as Options)[name];
}

const DATETIME_FUNCTIONS: Record<string, HostImpl> = {
  now: (c) => c.now(),
  local: (c, args) => {
    if (args.length === 0) return c.now();
    const [units, opts] = splitUnits(args);
    return DateTime.local(...(units as [number]), zoned(c, opts));
  },
  utc: (c, args) => {
    if (args.length === 0) return c.now().toUTC();
    const [units, opts] = splitUnits(args);
    return DateTime.utc(...(units as [number]), plain(opts) ?? {});
  },
  fromISO: (c, [text, opts]) => DateTime.fromISO(safeString(text), zoned(c, opts)),
  fromFormat: (c, [text, format, opts]) =>
    DateTime.fromFormat(safeString(text), safeString(format), zoned(c, opts)),
  fromSQL: (c, [text, opts]) => DateTime.fromSQL(safeString(text), zoned(c, opts)),
  fromHTTP: (c, [text, opts]) => DateTime.fromHTTP(safeString(text), zoned(c, opts)),
  fromRFC2822: (c, [text, opts]) => DateTime.fromRFC2822(safeString(text), zoned(c, opts)),
  fromMillis: (c, [ms, opts]) => DateTime.fromMillis(toNumber(ms), zoned(c, opts)),
  fromSeconds: (c, [s, opts]) => DateTime.fromSeconds(toNumber(s), zoned(c, opts)),
  fromJSDate: (c, [date, opts]) => {
    if (!(date instanceof Date)) throw new TypeError('fromJSDate expects a Date');
    return DateTime.fromJSDate(date, zoned(c, opts));
  },
  fromObject: (c, [units, opts]) => DateTime.fromObject(plain(units) ?? {}, zoned(c, opts)),
  isDateTime: (_c, [v]) => v instanceof DateTime,
  invalid: (_c, [reason, explanation]) =>
    DateTime.invalid(safeString(reason), explanation === undefined ? undefined : safeString(explanation)),
  max: (_c, args) => DateTime.max(...dateTimes(args)),
  min: (_c, args) => DateTime.min(...dateTimes(args)),
};

const DURATION_FUNCTIONS: Record<string, HostImpl> = {
  fromMillis: (_c, [ms, opts]) => Duration.fromMillis(toNumber(ms), plain(opts)),
  fromObject: (_c, [units, opts]) => Duration.fromObject(plain(units) ?? {}, plain(opts)),
  fromISO: (_c, [text, opts]) => Duration.fromISO(safeString(text), plain(opts)),
  fromISOTime: (_c, [text, opts]) => Duration.fromISOTime(safeString(text), plain(opts)),
  fromDurationLike: (_c, [v]) =>
    Duration.fromDurationLike(v instanceof Duration || typeof v === 'number' ? v : (plain(v) ?? {})),
  isDuration: (_c, [v]) => v instanceof Duration,
  invalid: (_c, [reason]) => Duration.invalid(safeString(reason)),
};

/** Interval endpoints: DateTime, Date, ISO string or plain units object. */
function endpoint(c: Ctx, v: unknown): DateTime | Date | Options {
  if (v instanceof DateTime || v instanceof Date) return v;
  if (typeof v === 'string') return DateTime.fromISO(v, { zone: c.tz });
  return plain(v) ?? {};
}

function durationArg(v: unknown): Duration | number | Options {
  return v instanceof Duration || typeof v === 'number' ? v : (plain(v) ?? {});
}

function intervals(values: unknown): Interval[] {
  if (!Array.isArray(values) || !values.every((v) => v instanceof Interval)) {
    throw new TypeError('expected an array of Interval values');
  }
  return values;
}

const INTERVAL_FUNCTIONS: Record<string, HostImpl> = {
  fromDateTimes: (c, [start, end]) => Interval.fromDateTimes(endpoint(c, start), endpoint(c, end)),
  after: (c, [start, duration]) => Interval.after(endpoint(c, start), durationArg(duration)),
  before: (c, [end, duration]) => Interval.before(endpoint(c, end), durationArg(duration)),
  fromISO: (c, [text, opts]) => Interval.fromISO(safeString(text), zoned(c, opts)),
  isInterval: (_c, [v]) => v instanceof Interval,
  invalid: (_c, [reason]) => Interval.invalid(safeString(reason)),
  merge: (_c, [values]) => Interval.merge(intervals(values)),
  xor: (_c, [values]) => Interval.xor(intervals(values)),
};

export const LUXON_GLOBALS: ReadonlyMap<string, Namespace> = new Map([
  [
    'DateTime',
    new Namespace('DateTime', hostMembers('DateTime', DATETIME_FUNCTIONS, DATETIME_PRESETS), DateTime),
  ],
  ['Duration', new Namespace('Duration', hostMembers('Duration', DURATION_FUNCTIONS), Duration)],
  ['Interval', new Namespace('Interval', hostMembers('Interval', INTERVAL_FUNCTIONS), Interval)],
]);
