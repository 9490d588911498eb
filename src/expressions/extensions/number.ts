/** n8n's number extensions (`packages/workflow/src/extensions/number-extensions.ts`). */
import { DateTime } from 'luxon';
import { safeString } from '../ops.js';
import { type Extension, extensionError } from './shared.js';

const TIMESTAMP_FORMATS = ['ms', 's', 'us', 'excel'];
// Excel counts days from 1900-01-00 and wrongly treats 1900 as a leap year.
const EXCEL_EPOCH_OFFSET_DAYS = 25567 + 2;

/** `(1708695471).toDateTime('s')`: a timestamp in ms (default), s, µs or Excel days, in the workflow zone. */
export function numberToDateTime(value: number, format: unknown, zone: string): DateTime {
  const unit = format === undefined ? 'ms' : format;
  if (typeof unit !== 'string' || !TIMESTAMP_FORMATS.includes(unit)) {
    throw extensionError(
      `Unsupported format '${safeString(unit)}'. toDateTime() supports 'ms', 's', 'us' and 'excel'.`,
    );
  }
  switch (unit) {
    case 'excel':
      return DateTime.fromSeconds((value - EXCEL_EPOCH_OFFSET_DAYS) * 86_400, { zone });
    case 's':
      return DateTime.fromSeconds(value, { zone });
    case 'us':
      return DateTime.fromMillis(value / 1000, { zone });
    default:
      return DateTime.fromMillis(value, { zone });
  }
}

function round(value: number, args: unknown[]): number {
  const places = args[0] === undefined ? 0 : Number(args[0]);
  return +value.toFixed(places);
}

export const numberExtensions: ReadonlyMap<string, Extension<number>> = new Map<string, Extension<number>>([
  ['ceil', (v) => Math.ceil(v)],
  ['floor', (v) => Math.floor(v)],
  [
    'format',
    (v, args) => {
      const locales = (args[0] ?? 'en-US') as string | string[];
      const options = (args[1] ?? {}) as Intl.NumberFormatOptions;
      return new Intl.NumberFormat(locales, { ...options }).format(v);
    },
  ],
  ['round', round],
  ['abs', (v) => Math.abs(v)],
  ['isInteger', (v) => Number.isInteger(v)],
  [
    'isEven',
    (v) => {
      if (!Number.isInteger(v)) throw extensionError('isEven() is only callable on integers');
      return v % 2 === 0;
    },
  ],
  [
    'isOdd',
    (v) => {
      if (!Number.isInteger(v)) throw extensionError('isOdd() is only callable on integers');
      return Math.abs(v) % 2 === 1;
    },
  ],
  ['toBoolean', (v) => v !== 0],
  ['toInt', (v) => round(v, [])],
  ['toFloat', (v) => v],
  ['toDateTime', (v, args, c) => numberToDateTime(v, args[0], c.tz)],
]);
