/** n8n's string extensions (`packages/workflow/src/extensions/string-extensions.ts`). */
import { createHash } from 'node:crypto';
import { DateTime } from 'luxon';
import { ExpressionError } from '../../engine/errors.js';
import { safeString } from '../ops.js';
import { safeJsonParse } from '../security.js';
import { numberToDateTime } from './number.js';
import { type Extension, extensionError, parseDateTime } from './shared.js';
import {
  CURRENCY_REGEXP,
  DOMAIN_EXTRACT_REGEXP,
  DOMAIN_REGEXP,
  EMAIL_REGEXP,
  isEmail,
  removeMarkdown,
  replaceSpecialChars,
  sentenceCase,
  snakeCase,
  titleCase,
  URL_REGEXP,
  URL_REGEXP_EXACT,
} from './text.js';

const HASHES: Record<string, string> = {
  md5: 'md5',
  sha1: 'sha1',
  sha224: 'sha224',
  sha256: 'sha256',
  sha384: 'sha384',
  sha512: 'sha512',
  sha3: 'sha3-512',
};

function hash(value: string, args: unknown[]): string {
  const algorithm = args[0] === undefined ? 'md5' : safeString(args[0]).toLowerCase();
  if (algorithm === 'base64') return Buffer.from(value, 'utf8').toString('base64');
  const name = HASHES[algorithm];
  if (name === undefined) {
    throw extensionError(
      `Unknown algorithm ${algorithm}. Available algorithms are: ${Object.keys(HASHES).join()}, and Base64.`,
    );
  }
  return createHash(name).update(value, 'utf8').digest('hex');
}

function toDate(value: string): Date {
  const date = new Date(Date.parse(value));
  if (Number.isNaN(date.getTime())) throw extensionError('cannot convert to date');
  // Like n8n: without a time part the date is midnight in the host's local time.
  if (!value.includes(':')) date.setHours(0, 0, 0);
  return date;
}

export function stringToDateTime(value: string, args: unknown[], zone: string): DateTime {
  const format = args[0];
  try {
    if (typeof format === 'string' && format !== '') {
      if (['ms', 's', 'us', 'excel'].includes(format)) return numberToDateTime(Number(value), format, zone);
      return DateTime.fromFormat(value, format, { zone });
    }
    return parseDateTime(value, zone);
  } catch {
    throw extensionError('cannot convert to Luxon DateTime');
  }
}

function toInt(value: string, args: unknown[]): number {
  const radix = args[0] === undefined ? undefined : Number(args[0]);
  const int = Number.parseInt(value.replace(CURRENCY_REGEXP, ''), radix);
  if (Number.isNaN(int)) throw extensionError('cannot convert to integer');
  return int;
}

function toFloat(value: string): number {
  if (value.includes(',')) throw extensionError('cannot convert to float, expected . as decimal separator');
  const float = Number.parseFloat(value.replace(CURRENCY_REGEXP, ''));
  if (Number.isNaN(float)) throw extensionError('cannot convert to float');
  return float;
}

function toNumber(value: string): number {
  const num = Number(value.replace(CURRENCY_REGEXP, ''));
  if (Number.isNaN(num)) throw extensionError('cannot convert to number');
  return num;
}

function quote(value: string, args: unknown[]): string {
  const mark = args[0] === undefined ? '"' : safeString(args[0]);
  const escaped = value.replace(/\\/g, '\\\\');
  return `${mark}${mark === '' ? escaped : escaped.split(mark).join(`\\${mark}`)}${mark}`;
}

function isNumeric(value: string): boolean {
  if (value.includes(' ')) return false;
  return !Number.isNaN(Number(value)) && !Number.isNaN(Number.parseFloat(value));
}

function parseJson(value: string): unknown {
  try {
    return safeJsonParse(value);
  } catch (error) {
    if (error instanceof ExpressionError) throw error;
    if (value.includes("'")) throw extensionError("Parsing failed. Check you're using double quotes");
    throw extensionError('Parsing failed');
  }
}

function extractDomain(value: string): string | undefined {
  if (isEmail(value)) return EMAIL_REGEXP.exec(value)?.groups?.domain;
  return DOMAIN_EXTRACT_REGEXP.exec(value)?.[1];
}

function extractUrlPath(value: string): string | undefined {
  try {
    return new URL(value).pathname;
  } catch {
    return undefined;
  }
}

function urlDecode(value: string, args: unknown[]): string {
  return args[0] ? decodeURI(value) : decodeURIComponent(value);
}

function urlEncode(value: string, args: unknown[]): string {
  return args[0] ? encodeURI(value) : encodeURIComponent(value);
}

function toBoolean(value: string): boolean {
  const normalized = value.toLowerCase();
  return normalized.length > 0 && !['false', 'no', '0'].includes(normalized);
}

export const stringExtensions: ReadonlyMap<string, Extension<string>> = new Map<string, Extension<string>>([
  ['hash', hash],
  ['removeMarkdown', (v) => removeMarkdown(v)],
  ['removeTags', (v) => v.replace(/<[^>]*>?/gm, '')],
  ['toDate', toDate],
  ['toDateTime', (v, args, c) => stringToDateTime(v, args, c.tz)],
  ['toBoolean', toBoolean],
  ['toDecimalNumber', toFloat],
  ['toNumber', toNumber],
  ['toFloat', toFloat],
  ['toInt', toInt],
  ['toWholeNumber', toInt],
  ['toSentenceCase', (v) => sentenceCase(v)],
  ['toSnakeCase', (v) => snakeCase(v)],
  ['toTitleCase', (v) => titleCase(v)],
  ['urlDecode', urlDecode],
  ['urlEncode', urlEncode],
  ['quote', quote],
  ['replaceSpecialChars', (v) => replaceSpecialChars(v)],
  ['length', (v) => v.length],
  ['isDomain', (v) => DOMAIN_REGEXP.test(v)],
  ['isEmail', (v) => isEmail(v)],
  ['isNumeric', isNumeric],
  ['isUrl', (v) => URL_REGEXP_EXACT.test(v)],
  ['isEmpty', (v) => v === ''],
  ['isNotEmpty', (v) => v !== ''],
  ['isBlank', (v) => v.trim() === ''],
  ['isNotBlank', (v) => v.trim() !== ''],
  ['toJsonString', (v) => JSON.stringify(v)],
  ['extractEmail', (v) => EMAIL_REGEXP.exec(v)?.[0]],
  ['extractDomain', extractDomain],
  ['extractUrl', (v) => URL_REGEXP.exec(v)?.[0]],
  ['extractUrlPath', extractUrlPath],
  ['parseJson', parseJson],
  ['base64Encode', (v) => Buffer.from(v, 'utf8').toString('base64')],
  ['base64Decode', (v) => Buffer.from(v, 'base64').toString('utf8')],
]);
