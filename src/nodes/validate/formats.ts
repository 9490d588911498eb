/**
 * Value checkers shared by the Validate node's rules and its JSON Schema mode: e-mail, phone, URL,
 * dates and times. Pragmatic, not RFC-complete: they accept what real forms and CRMs hold and
 * reject obvious garbage.
 */
import { DateTime } from 'luxon';

/**
 * An e-mail address: `local@domain.tld`. Local part of the usual atom characters (letters with
 * accents allowed), dots not leading, trailing or doubled; domain labels of letters, digits and
 * inner hyphens; at least one dot in the domain. 254 characters at most.
 */
const EMAIL =
  /^[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+(?:\.[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+)*@(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?\.)+[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?$/u;

export function isEmail(value: string): boolean {
  return value.length <= 254 && EMAIL.test(value);
}

/**
 * A phone number, French or international. Spaces, dots, dashes and parentheses are ignored, then:
 * French national `0X XX XX XX XX` (X ≠ 0), or international `+<8 to 15 digits>` / `00<8 to 15
 * digits>`, where a French `+33 (0)6...` trunk zero is tolerated.
 */
export function isPhone(value: string): boolean {
  if (!/^[\d\s.\-+()]+$/.test(value)) return false;
  const compact = value.replace(/[\s.\-()]/g, '');
  if (/^0[1-9]\d{8}$/.test(compact)) return true;
  if (/^\+33[1-9]\d{8}$/.test(compact) || /^\+330[1-9]\d{8}$/.test(compact)) return true;
  return /^(?:\+|00)[1-9]\d{7,14}$/.test(compact);
}

/** An absolute http(s) URL with a host. */
export function isHttpUrl(value: string): boolean {
  if (/\s/.test(value)) return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** Any absolute URI (`scheme:rest`), for JSON Schema's `uri` format. */
export function isUri(value: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:\S+$/.test(value)) return false;
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}

// Format tokens in the familiar (moment/Excel) spelling, and their Luxon equivalents.
const TOKENS: Record<string, string> = {
  YYYY: 'yyyy',
  yyyy: 'yyyy',
  YY: 'yy',
  yy: 'yy',
  MM: 'MM',
  M: 'M',
  DD: 'dd',
  dd: 'dd',
  D: 'd',
  d: 'd',
  HH: 'HH',
  H: 'H',
  hh: 'hh',
  h: 'h',
  mm: 'mm',
  m: 'm',
  ss: 'ss',
  s: 's',
  SSS: 'SSS',
  A: 'a',
  a: 'a',
};
const TOKEN = /'[^']*'|YYYY|yyyy|YY|yy|MM|M|DD|dd|D|d|HH|H|hh|h|mm|m|SSS|ss|s|A|a|[A-Za-z]|[^A-Za-z']+/g;

/**
 * Turns `YYYY-MM-DD`, `DD/MM/YYYY`, `HH:mm`... (Luxon's `yyyy`/`dd` spellings work too) into a Luxon
 * format. Tokens: YYYY YY MM M DD D HH H hh h mm m ss s SSS A. Other letters (the `T` of
 * `YYYY-MM-DDTHH:mm`) and text in single quotes are literal.
 */
export function toLuxonFormat(format: string): string {
  let out = '';
  for (const part of format.match(TOKEN) ?? []) {
    if (Object.hasOwn(TOKENS, part)) out += TOKENS[part];
    else if (part.startsWith("'")) out += part;
    else out += `'${part}'`;
  }
  return out;
}

/**
 * Whether `value` is a real date/time written exactly in `format` (`2026-02-30` is not). Written
 * back in the same format it must read the same, which refuses Luxon's leniencies such as `24:00`.
 */
export function matchesDateFormat(value: string, format: string): boolean {
  const luxon = toLuxonFormat(format);
  const date = DateTime.fromFormat(value, luxon, { zone: 'UTC' });
  return date.isValid && date.toFormat(luxon).toLowerCase() === value.toLowerCase();
}

/** An ISO 8601 date-time: a date and a time (offset optional), e.g. `2026-01-15T10:00:00+01:00`. */
export function isIsoDateTime(value: string): boolean {
  return /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/.test(value) && DateTime.fromISO(value.replace(' ', 'T')).isValid;
}

/** RFC 3339 `full-date` (JSON Schema `date`). */
export function isIsoDate(value: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) && DateTime.fromISO(value).isValid;
}

/** RFC 3339 `full-time` (JSON Schema `time`): `HH:mm:ss` with optional fraction and offset. */
export function isIsoTime(value: string): boolean {
  const match = /^(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})?$/.exec(value);
  return match !== null && Number(match[1]) < 24 && Number(match[2]) < 60 && Number(match[3]) < 61;
}

/** JSON Schema `date-time` (RFC 3339): date, `T`, time and a mandatory offset. */
export function isRfc3339DateTime(value: string): boolean {
  return (
    /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/.test(value) &&
    DateTime.fromISO(value.toUpperCase()).isValid
  );
}
