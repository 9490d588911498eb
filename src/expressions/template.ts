/**
 * Parameter values as n8n reads them (`packages/workflow/src/expression.ts` + tournament's
 * `ExpressionBuilder.ts`): the text after `=` is split into text and `{{ code }}` chunks.
 * - `={{ code }}` alone (nothing before or after the braces) returns the raw value;
 * - anything else is a string: each chunk gives `v || v === 0 || v === false ? v : ''`, joined;
 * - a plain error thrown by a chunk that reads members, calls or globals (nearly all) makes the
 *   chunk `undefined` (n8n swallows them); ExpressionErrors propagate; a plain error elsewhere
 *   turns the whole value into `null` (n8n's `renderExpression`).
 */
import { type Expression, parse } from 'acorn';
import { ExpressionError, NodeError } from '../engine/errors.js';
import { compileExpression, type Ev, type Unit } from './compile.js';
import type { Ctx } from './context.js';
import { safeString } from './ops.js';
import { Special } from './values.js';

export interface Chunk {
  type: 'text' | 'code';
  text: string;
  /** Position of `text` in the expression body (after `=`). */
  start: number;
}

const OPEN = /(?<escape>\\|)(?<brackets>\{\{)/;
const CLOSE = /(?<escape>\\|)(?<brackets>\}\})/;

/** Whether position `end` of `text` lies inside a quoted string (so `}}` there does not close). */
function insideString(text: string, end: number): boolean {
  let quote: string | undefined;
  let escaped = false;
  for (let i = 0; i < end; i++) {
    const ch = text[i];
    if (escaped) {
      escaped = false;
    } else if (ch === '\\') {
      escaped = true;
    } else if (quote === undefined) {
      if (ch === "'" || ch === '"' || ch === '`') quote = ch;
    } else if (ch === quote) {
      quote = undefined;
    }
  }
  return quote !== undefined;
}

/** n8n's `splitExpression`: `\{{` and `\}}` escape braces; `}}` inside a string literal does not close. */
export function splitExpression(body: string): Chunk[] {
  if (body === '') return [{ type: 'text', text: '', start: 0 }];
  const chunks: Chunk[] = [];
  let searching: 'open' | 'close' = 'open';
  let buffer = '';
  let bufferStart = 0;
  let index = 0;
  while (index < body.length) {
    const rest = body.slice(index);
    const match = (searching === 'open' ? OPEN : CLOSE).exec(rest);
    if (match?.groups === undefined) {
      buffer += rest;
      chunks.push(
        searching === 'open'
          ? { type: 'text', text: buffer, start: bufferStart }
          : { type: 'code', text: buffer.replace('\\}}', '}}'), start: bufferStart },
      );
      break;
    }
    if (match.groups.escape) {
      buffer += rest.slice(0, match.index + 3);
      index += match.index + 3;
      continue;
    }
    if (
      searching === 'close' &&
      insideString(buffer + rest.slice(0, match.index), buffer.length + match.index)
    ) {
      buffer += rest.slice(0, match.index + 2);
      index += match.index + 2;
      continue;
    }
    buffer += rest.slice(0, match.index);
    chunks.push(
      searching === 'open'
        ? { type: 'text', text: buffer, start: bufferStart }
        : { type: 'code', text: buffer.replace('\\}}', '}}'), start: bufferStart },
    );
    searching = searching === 'open' ? 'close' : 'open';
    index += match.index + 2;
    buffer = '';
    bufferStart = index;
  }
  return chunks;
}

interface CompiledChunk {
  ev: Ev;
  swallow: boolean;
}

/** A whole parameter value, compiled. `run` throws ExpressionErrors without parameter context. */
export interface CompiledTemplate {
  run(c: Ctx): unknown;
}

/** Thrown inside `run` when n8n would return `null` for the whole value. */
const NULL_RESULT = Symbol('null-result');

function evalChunk(chunk: CompiledChunk, c: Ctx): unknown {
  try {
    return chunk.ev(c, null);
  } catch (error) {
    if (error instanceof NodeError) throw error;
    if (chunk.swallow) return undefined;
    throw NULL_RESULT;
  }
}

/** Parses one `{{ }}` chunk; `offset` is where its text starts in the whole expression. */
function compileChunk(code: string, offset: number): CompiledChunk {
  // A chunk starting with `{` is an object literal, not a block (as in tournament).
  const wrapped = code.trimStart().startsWith('{');
  const text = wrapped ? `(${code})` : code;
  const unit: Unit = { text, offset: wrapped ? offset - 1 : offset, swallow: false };
  let program: ReturnType<typeof parse>;
  try {
    program = parse(text, { ecmaVersion: 2022, sourceType: 'script' });
  } catch (error) {
    const pos = (error as { pos?: number }).pos ?? 0;
    const reason = (error as Error).message.replace(/\s*\(\d+:\d+\)$/, '');
    throw new ExpressionError(`invalid syntax: ${reason} (at position ${unit.offset + pos})`);
  }
  // Like n8n, only the first statement counts (`{{ a; b }}` is `a`), and it must be an expression.
  const first = program.body[0];
  if (first === undefined || first.type !== 'ExpressionStatement') {
    throw new ExpressionError(`invalid syntax: expected an expression (at position ${offset})`);
  }
  const ev = compileExpression(first.expression as Expression, null, unit);
  return { ev, swallow: unit.swallow };
}

function finishRaw(value: unknown): unknown {
  if (value instanceof Special) return value.escape();
  return value;
}

function templatePart(v: unknown): string {
  if (!(v || v === 0 || v === false)) return '';
  return safeString(v);
}

/** Compiles a parameter value starting with `=`. Syntax and security errors are thrown here. */
export function compileTemplate(expression: string): CompiledTemplate {
  const body = expression.slice(1);
  const chunks = splitExpression(body);
  if (!chunks.some((ch) => ch.type === 'code')) {
    const text = chunks.map((ch) => ch.text).join('');
    return { run: () => text };
  }
  const compiled = chunks.map((ch) => (ch.type === 'code' ? compileChunk(ch.text, ch.start + 1) : ch.text));
  if (chunks.length === 2 && chunks[0].text === '') {
    const only = compiled[1] as CompiledChunk;
    return {
      run: (c) => {
        try {
          return finishRaw(evalChunk(only, c));
        } catch (error) {
          if (error === NULL_RESULT) return null;
          throw error;
        }
      },
    };
  }
  const parts = compiled.filter((p) => p !== '');
  return {
    run: (c) => {
      let out = '';
      try {
        for (const p of parts) out += typeof p === 'string' ? p : templatePart(evalChunk(p, c));
      } catch (error) {
        if (error === NULL_RESULT) return null;
        throw error;
      }
      return out;
    },
  };
}
