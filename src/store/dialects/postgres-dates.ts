/**
 * `timestamptz` text as PostgreSQL writes it (DateStyle ISO: `2026-11-25 16:31:02.123456+00`, the
 * zone `+01`, `+05:30` or `-03:21:09`), read into a Date without a regular expression. `pg` reads
 * them with `postgres-date`, whose regex match arrays and substrings were a tenth of all the server
 * allocated over `npm run bench -- waits` on PostgreSQL (every run, step and timer row holds two
 * to four of them). Anything else (BC years, years before 1000 or after 9999, `infinity`) goes to
 * `fallback`, `pg`'s own parser: the result is the same Date either way.
 */

/** The number written by `length` digits from `at`, or -1 if one of them is not a digit. */
function digits(text: string, at: number, length: number): number {
  let value = 0;
  for (let i = at; i < at + length; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

export function parseTimestamptz(text: string, fallback: (text: string) => unknown): unknown {
  // YYYY-MM-DD HH:MM:SS at fixed places.
  if (
    text.length < 22 ||
    text.charCodeAt(4) !== 45 ||
    text.charCodeAt(7) !== 45 ||
    text.charCodeAt(10) !== 32 ||
    text.charCodeAt(13) !== 58 ||
    text.charCodeAt(16) !== 58
  )
    return fallback(text);
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  if (year < 1000 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return fallback(text);
  let at = 19;
  let millis = 0;
  if (text.charCodeAt(at) === 46 /* . */) {
    // Milliseconds are the first three digits of the fraction (a Date keeps no finer).
    let scale = 100;
    for (at++; at < text.length; at++) {
      const digit = text.charCodeAt(at) - 48;
      if (digit < 0 || digit > 9) break;
      millis += digit * scale;
      scale /= 10;
    }
    millis = Math.trunc(millis);
  }
  const sign = text.charCodeAt(at);
  if (sign !== 43 /* + */ && sign !== 45 /* - */) return fallback(text);
  // The zone's hours, then its minutes and seconds when written (`:MM`, `:MM:SS`).
  let zone = digits(text, at + 1, 2) * 3600;
  let end = at + 3;
  for (let unit = 60; unit >= 1 && text.charCodeAt(end) === 58 /* : */; unit /= 60, end += 3) {
    const part = digits(text, end + 1, 2);
    if (part < 0) return fallback(text);
    zone += part * unit;
  }
  if (end !== text.length || zone < 0) return fallback(text);
  const offset = (sign === 45 ? -1 : 1) * zone * 1000;
  return new Date(Date.UTC(year, month - 1, day, hour, minute, second, millis) - offset);
}
