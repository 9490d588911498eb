/**
 * A user's SQL (Execute Query) turned into statements with bound parameters — values never enter
 * the SQL text:
 * - `$1`, `$2`... refer to the Query Parameters (n8n); MySQL also takes plain `?` in order.
 * - pg-promise filters n8n users write: `$1:name` / `$1~` (a quoted identifier, or a list of
 *   them), `$1:json` (the value as JSON), `$1:csv` / `$1:list` (an array as several parameters).
 *   `:raw`, `^`, `:value` and `#` splice text into SQL and are refused.
 * - n8n resolves `{{ expression }}` inside the query text; here each becomes a bound parameter:
 *   `{{ $json.id }}` binds the value, `'{{ $json.name }}'` binds it as text. An expression inside
 *   a longer quoted text or a quoted identifier is refused (use Query Parameters, or `$1:name`).
 * Placeholders inside strings, quoted identifiers, comments and dollar-quoted bodies are text.
 * The query is split into statements at `;` (PostgreSQL and MySQL take one statement per
 * prepared query); each statement gets its own numbering.
 */
import { NonRetryableError } from '../../../engine/errors.js';

export type SqlDialect = 'postgres' | 'mysql';

export interface Statement {
  text: string;
  values: unknown[];
}

type Piece =
  | { kind: 'text'; text: string }
  | { kind: 'param'; index: number; filter?: 'name' | 'json' | 'csv'; token: string }
  | { kind: 'expr'; value: unknown; asText: boolean };

export interface PrepareOptions {
  dialect: SqlDialect;
  /** The Query Parameters. */
  values: readonly unknown[];
  /** Evaluates the expression inside `{{ }}` for the current item. */
  evaluate: (expression: string) => unknown;
  /** Quotes an identifier for this dialect (`$1:name`). */
  quoteIdent: (name: string) => string;
}

const FILTERS: Record<string, 'name' | 'json' | 'csv' | 'refused'> = {
  name: 'name',
  alias: 'name',
  '~': 'name',
  json: 'json',
  csv: 'csv',
  list: 'csv',
  raw: 'refused',
  '^': 'refused',
  value: 'refused',
  '#': 'refused',
};

const bad = (message: string) => new NonRetryableError(`Parameter 'query': ${message}`);

export function prepareQuery(query: string, opts: PrepareOptions): Statement[] {
  const q = query.startsWith('=') ? query.slice(1) : query;
  const mysql = opts.dialect === 'mysql';
  const statements: Piece[][] = [];
  let pieces: Piece[] = [];
  let text = '';
  let content = false;
  let question = 0;
  const flush = () => {
    if (text) pieces.push({ kind: 'text', text });
    text = '';
  };
  const endStatement = () => {
    flush();
    if (content) statements.push(pieces);
    pieces = [];
    content = false;
  };
  const expression = (start: number): [string, number] => {
    const end = q.indexOf('}}', start + 2);
    if (end < 0) throw bad('an expression "{{" is not closed by "}}"');
    return [q.slice(start + 2, end).trim(), end + 2];
  };

  let i = 0;
  while (i < q.length) {
    const c = q[i];
    const next = q[i + 1];
    if (c === "'" || c === '"' || (c === '`' && mysql)) {
      const end = quotedEnd(q, i, c, mysql);
      const body = q.slice(i + 1, end - 1);
      if (body.includes('{{')) {
        const whole = /^\{\{([\s\S]*)\}\}$/.exec(body);
        if (c !== "'" || !whole || whole[1].includes('{{')) {
          throw bad(
            `the expression in ${q.slice(i, end)} is inside a quoted ${c === "'" ? 'text' : 'identifier'}: quote the whole value ('{{ ... }}'), or use Query Parameters ($1, $1:name)`,
          );
        }
        flush();
        pieces.push({ kind: 'expr', value: opts.evaluate(whole[1].trim()), asText: true });
      } else {
        text += q.slice(i, end);
      }
      content = true;
      i = end;
    } else if ((c === '-' && next === '-') || (c === '#' && mysql)) {
      const end = q.indexOf('\n', i);
      text += q.slice(i, end < 0 ? q.length : end);
      i = end < 0 ? q.length : end;
    } else if (c === '/' && next === '*') {
      const end = q.indexOf('*/', i + 2);
      if (end < 0) throw bad('a comment "/*" is not closed');
      text += q.slice(i, end + 2);
      i = end + 2;
    } else if (c === '$' && !mysql && /^\$[A-Za-z_]?[A-Za-z0-9_]*\$/.test(q.slice(i)) && !/\d/.test(next)) {
      const tag = /^\$[A-Za-z_]?[A-Za-z0-9_]*\$/.exec(q.slice(i))![0];
      const end = q.indexOf(tag, i + tag.length);
      if (end < 0) throw bad(`a dollar-quoted text ${tag} is not closed`);
      text += q.slice(i, end + tag.length);
      content = true;
      i = end + tag.length;
    } else if (c === '$' && /\d/.test(next ?? '')) {
      const m = /^\$(\d+)(:[a-z]+|~|\^|#)?/.exec(q.slice(i))!;
      const filterName = m[2]?.replace(/^:/, '');
      const filter = filterName ? FILTERS[filterName] : undefined;
      if (filterName && !filter) throw bad(`unknown placeholder ${m[0]}`);
      if (filter === 'refused')
        throw bad(`${m[0]} would splice text into the SQL: bind the value with $${m[1]}`);
      flush();
      pieces.push({
        kind: 'param',
        index: Number(m[1]) - 1,
        filter: filter as 'name' | 'json' | 'csv' | undefined,
        token: m[0],
      });
      content = true;
      i += m[0].length;
    } else if (c === '?' && mysql) {
      flush();
      pieces.push({ kind: 'param', index: question++, token: '?' });
      content = true;
      i++;
    } else if (c === '{' && next === '{') {
      const [expr, end] = expression(i);
      flush();
      pieces.push({ kind: 'expr', value: opts.evaluate(expr), asText: false });
      content = true;
      i = end;
    } else if (c === ';') {
      endStatement();
      i++;
    } else {
      if (!/\s/.test(c)) content = true;
      text += c;
      i++;
    }
  }
  endStatement();
  return statements.map((s) => render(s, opts));
}

/** Index just past the closing quote (doubled quotes, and MySQL's backslash escapes, stay inside). */
function quotedEnd(q: string, start: number, quote: string, backslash: boolean): number {
  let i = start + 1;
  while (i < q.length) {
    if (backslash && q[i] === '\\' && quote !== '`') {
      i += 2;
      continue;
    }
    if (q[i] === quote) {
      if (q[i + 1] === quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  throw bad(`a quoted text starting with ${quote} is not closed`);
}

function render(pieces: Piece[], opts: PrepareOptions): Statement {
  const values: unknown[] = [];
  const numbered = new Map<string, number>();
  const bind = (value: unknown, reuseKey?: string): string => {
    if (opts.dialect === 'mysql') {
      values.push(value);
      return '?';
    }
    if (reuseKey !== undefined) {
      const found = numbered.get(reuseKey);
      if (found) return `$${found}`;
    }
    values.push(value);
    if (reuseKey !== undefined) numbered.set(reuseKey, values.length);
    return `$${values.length}`;
  };
  let text = '';
  for (const piece of pieces) {
    if (piece.kind === 'text') {
      text += piece.text;
      continue;
    }
    if (piece.kind === 'expr') {
      const v = piece.value;
      text += bind(piece.asText ? textOf(v) : plain(v));
      continue;
    }
    if (piece.index < 0 || piece.index >= opts.values.length) {
      throw bad(
        `${piece.token === '?' ? 'a ? placeholder' : piece.token} has no value: Query Parameters holds ${opts.values.length} value(s)`,
      );
    }
    const value = opts.values[piece.index];
    if (piece.filter === 'name') {
      const names = Array.isArray(value) ? value : [value];
      if (names.length === 0 || names.some((n) => typeof n !== 'string' || n === '')) {
        throw bad(`${piece.token} needs a column or table name`);
      }
      text += names.map((n) => opts.quoteIdent(n as string)).join(', ');
    } else if (piece.filter === 'json') {
      text += bind(JSON.stringify(value ?? null));
    } else if (piece.filter === 'csv') {
      const list = Array.isArray(value) ? value : [value];
      text += list.map((v) => bind(plain(v))).join(', ');
    } else {
      text += bind(plain(value), `v${piece.index}`);
    }
  }
  return { text: text.trim(), values };
}

/** Drivers bind strings, numbers, booleans, dates, buffers and null; other values go as JSON. */
export function plain(value: unknown): unknown {
  if (value === undefined) return null;
  if (value === null || typeof value !== 'object' || value instanceof Date || Buffer.isBuffer(value))
    return value;
  if (typeof (value as { toISO?: unknown }).toISO === 'function')
    return (value as { toISO(): string }).toISO();
  return JSON.stringify(value);
}

function textOf(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object' && !(value instanceof Date)) return JSON.stringify(value);
  return value instanceof Date ? value.toISOString() : String(value);
}

/** Splits n8n's comma-separated Query Parameters, keeping commas inside `{{ }}`. */
export function splitReplacements(raw: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = '';
  const text = raw.replace(/^=+/, '');
  for (let i = 0; i < text.length; i++) {
    if (text.startsWith('{{', i)) depth++;
    if (text.startsWith('}}', i) && depth > 0) depth--;
    if (text[i] === ',' && depth === 0) {
      out.push(current);
      current = '';
    } else current += text[i];
  }
  out.push(current);
  return out.map((s) => s.trim()).filter((s) => s !== '');
}
