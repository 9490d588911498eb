/**
 * Text helpers behind the string extensions: the patterns n8n uses to recognise e-mails, URLs and
 * domains, and its case conversions. Kept apart from the extension table so each stays small.
 */

const HOST = String.raw`(?:(?:[-\w]+\.)+(?:[a-zA-Z]{2,}|xn--[a-zA-Z0-9]+)|localhost|\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})`;
const PORT = String.raw`(?::\d+)?`;
const TAIL = String.raw`(?:\/[^\s?]*)?(?:\?[^\s#]*)?(?:#[^\s]*)?`;
const URL_BODY = String.raw`(?:(?:https?|ftp):\/\/)(?:www\.)?(${HOST})${PORT}(?:\/[^\s?#]*)?(?:\?[^\s#]*)?(?=([^\s]+#.*)?)#?[^\s]*`;

/** A URL, e-mail or bare domain; group 1 is the host (with `www.`). */
export const DOMAIN_EXTRACT_REGEXP = new RegExp(
  String.raw`^(?:(?:https?|ftp):\/\/)?(?:mailto:)?(?:\/\/)?((?:www\.)?${HOST})${PORT}${TAIL}$`,
  'i',
);
/** A bare domain, optionally with port, path, query and fragment. */
export const DOMAIN_REGEXP = new RegExp(String.raw`^(?:www\.)?(${HOST})${PORT}${TAIL}$`, 'i');
export const URL_REGEXP_EXACT = new RegExp(`^${URL_BODY}$`, 'i');
export const URL_REGEXP = new RegExp(URL_BODY, 'i');
export const EMAIL_REGEXP =
  /(([^<>()[\]\\.,;:\s@"]+(\.[^<>()[\]\\.,;:\s@"]+)*)|(".+"))@(?<domain>(\[[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}])|(([a-zA-Z\-0-9]+\.)+[a-zA-Z]{2,}))/;

/** Currency symbols stripped before number conversion (n8n's list, from xe.com, in its order). */
// biome-ignore format: one symbol list
const CURRENCY_SYMBOLS = [
  'Lek', '\u060b', '$', '\u0192', '\u20bc', 'Br', 'BZ$', '$b', 'KM', 'P', '\u043b\u0432', 'R$', '\u17db', '\u00a5',
  '\u20a1', 'kn', '\u20b1', 'K\u010d', 'kr', 'RD$', '\u00a3', '\u20ac', '\u00a2', 'Q', 'L', 'Ft', '\u20b9', 'Rp',
  '\ufdfc', '\u20aa', 'J$', '\u20a9', '\u20ad', '\u0434\u0435\u043d', 'RM', '\u20a8', '\u20ae', 'MT', 'C$', '\u20a6',
  'B/.', 'Gs', 'S/.', 'z\u0142', 'lei', '\u20bd', '\u0414\u0438\u043d.', 'S', 'R', 'CHF', 'NT$', '\u0e3f', 'TT$',
  '\u20ba', '\u20b4', '$U', 'Bs', '\u20ab', 'Z$',
];
export const CURRENCY_REGEXP = new RegExp(
  `(${CURRENCY_SYMBOLS.map((s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|')})`,
  'gu',
);

export function isEmail(value: string): boolean {
  // The pattern is loose (it finds an address inside text), so spaces rule a value out.
  return EMAIL_REGEXP.test(value) && !value.includes(' ');
}

const SMALL_WORDS =
  /\b(?:an?d?|a[st]|because|but|by|en|for|i[fn]|neither|nor|o[fnr]|only|over|per|so|some|tha[tn]|the|to|up|upon|vs?\.?|versus|via|when|with|without|yet)\b/i;
const TITLE_TOKENS = /[^\s:\u2013\u2014-]+|./g;
const MANUAL_CASE = /.(?=[A-Z]|\..)/;
const FIRST_ALNUM = /[A-Za-z0-9\u00C0-\u00FF]/;

/**
 * Title case as the `title-case` package does it (used by n8n): small words stay as typed unless
 * first or last, words already mixing cases (`iPhone`) or containing dots are left alone.
 */
export function titleCase(input: string): string {
  let out = '';
  for (const match of input.matchAll(TITLE_TOKENS)) {
    const token = match[0];
    const index = match.index;
    const end = index + token.length;
    const capitalise =
      !MANUAL_CASE.test(token) &&
      (!SMALL_WORDS.test(token) || index === 0 || end === input.length) &&
      (input.charAt(end) !== ':' || /\s/.test(input.charAt(end + 1)));
    out += capitalise ? token.replace(FIRST_ALNUM, (ch) => ch.toUpperCase()) : token;
  }
  return out;
}

const LETTER = /\p{L}/u;
const SENTENCE_END = /[!?.]/;

/** Upper-cases the first letter of each sentence and lower-cases the rest. */
export function sentenceCase(value: string): string {
  let rest = value;
  let done = '';
  while (LETTER.test(rest)) {
    const i = rest.search(LETTER);
    rest = rest.slice(0, i) + rest[i].toLocaleUpperCase() + rest.slice(i + 1).toLocaleLowerCase();
    const stop = rest.search(SENTENCE_END);
    if (stop === -1) {
      done += rest;
      rest = '';
      break;
    }
    done += rest.slice(0, stop + 1);
    rest = rest.slice(stop + 1);
  }
  return done + rest;
}

export function snakeCase(value: string): string {
  return value
    .toLocaleLowerCase()
    .replace(/[ -]/g, '_')
    .replace(/[\u2000-\u206F\u2E00-\u2E7F\\'!"#$%&()*+,./:;<=>?@[\]^`{|}~]/g, '');
}

/** Strips Markdown (and HTML tags) the way n8n's `removeMarkdown` does. */
export function removeMarkdown(value: string): string {
  let out = value.replace(/^([\s\t]*)([*\-+]|\d\.)\s+/gm, '$1');
  out = out
    .replace(/\n={2,}/g, '\n')
    .replace(/~~/g, '')
    .replace(/`{3}.*\n/g, '');
  return out
    .replace(/<[\w|\s|=|'|"|:|(|)|,|;|/|0-9|.|-]+[>|\\>]/g, '')
    .replace(/^[=-]{2,}\s*$/g, '')
    .replace(/\[\^.+?\](: .*?$)?/g, '')
    .replace(/\s{0,2}\[.*?\]: .*?$/g, '')
    .replace(/!\[.*?\][[(].*?[\])]/g, '')
    .replace(/\[(.*?)\][[(].*?[\])]/g, '$1')
    .replace(/>/g, '')
    .replace(/^\s{1,2}\[(.*?)\]: (\S+)( ".*?")?\s*$/g, '')
    .replace(/^#{1,6}\s*([^#]*)\s*(#{1,6})?/gm, '$1')
    .replace(/([*_]{1,3})(\S.*?\S)\1/g, '$2')
    .replace(/(`{3,})(.*?)\1/gm, '$2')
    .replace(/^-{3,}\s*$/g, '')
    .replace(/`(.+?)`/g, '$1')
    .replace(/\n{2,}/g, '\n\n');
}

// biome-ignore format: one table
const SPECIAL_LETTERS: Record<string, string> = {
  ß: 'ss', æ: 'ae', Æ: 'AE', ø: 'o', Ø: 'O', œ: 'oe', Œ: 'OE', đ: 'd', Đ: 'D', ł: 'l', Ł: 'L', þ: 'th', Þ: 'TH',
  ð: 'd', Ð: 'D', ı: 'i', ĸ: 'k', ŋ: 'ng', Ŋ: 'NG', '\u2018': "'", '\u2019': "'", '\u201c': '"', '\u201d': '"',
  '\u2013': '-', '\u2014': '-', '\u2026': '...', '\u00a0': ' ',
};

/**
 * Latin transliteration: accents dropped, a few letters spelled out, anything else non-ASCII
 * becomes `?` (n8n uses the `transliteration` package, which also romanises other scripts).
 */
export function replaceSpecialChars(value: string): string {
  let out = '';
  for (const ch of value.normalize('NFKD')) {
    if (/\p{M}/u.test(ch)) continue;
    const code = ch.codePointAt(0) ?? 0;
    if (code < 128) out += ch;
    else out += SPECIAL_LETTERS[ch] ?? '?';
  }
  return out;
}
