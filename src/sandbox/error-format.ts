/**
 * Words errors thrown by user code the way n8n's task runner does, so messages (and the `error`
 * field of continue-on-fail items) read the same after a move from n8n:
 * `packages/@n8n/task-runner/src/js-task-runner/errors/execution-error.ts` takes the message from
 * the stack's header row (`<name>: <message>`), the description from the error's name unless it is
 * plain `Error`, and appends `[line N]` for the line of the user's code that threw.
 */
import { USER_CODE_FILE } from './quickjs-sandbox.js';

/** A value thrown inside the sandbox, as described by the prelude (`describe`). */
export type VmThrown =
  /** An Error (or any object with a string `message`). `text` is `String(error)`. */
  | { type: 'error'; name: string; message: string; text: string; stack?: string }
  /** Raised by the host bridge (or worded like it): n8n passes those messages through unchanged. */
  | { type: 'host'; message: string; description?: string; name?: string }
  /** Anything else (`throw 'x'`): n8n uses its JSON text as the message. */
  | { type: 'value'; json?: string };

export interface FormattedError {
  message: string;
  description?: string;
  lineNumber?: number;
}

const STACK_HEADER = /^(?<errorType>\S.*?): (?<errorDetails>.+)$/;
const STACK_FRAME = /^\s+at\s/;
/** QuickJS frames: `    at fn (file:line:col)`, `    at file:line:col`, `    at fn (native)`. */
const QUICKJS_FRAME = /^\s+at (?:(?<fn>.+?) \()?(?<file>[^()\s]+?):(?<line>\d+)(?::\d+)?\)?$/;
/** Frames that V8 prints without parentheses, which n8n's line lookup therefore skips. */
const UNNAMED = new Set(['<anonymous>', '<eval>']);
const WRAPPER = 'VmCodeWrapper';

/** QuickJS words some native errors differently from V8; users match on V8's words. */
const V8_WORDING: readonly [RegExp, string][] = [
  [/^'(.+)' is not defined$/, '$1 is not defined'],
  [/^cannot read property '(.+)' of (undefined|null)$/, "Cannot read properties of $2 (reading '$1')"],
  [/^cannot set property '(.+)' of (undefined|null)$/, "Cannot set properties of $2 (setting '$1')"],
];
const NATIVE_ERRORS = new Set(['TypeError', 'ReferenceError', 'RangeError', 'SyntaxError', 'InternalError']);

/** `syntax`: a compile error, whose line is the first frame's, capped at the code's last line. */
export function formatThrown(thrown: VmThrown, opts: { syntax?: { lines: number } } = {}): FormattedError {
  if (thrown.type === 'host')
    return strip({ message: thrown.message || 'Unknown error', description: thrown.description });
  if (thrown.type === 'value') return { message: thrown.json || 'Unknown error' };
  const fallback = thrown.message || 'Unknown error';
  if (thrown.stack === undefined) return { message: fallback };

  const frames = thrown.stack.split(/\r?\n/).filter((row) => STACK_FRAME.test(row));
  const lineNumber = opts.syntax ? firstUserLine(frames, opts.syntax.lines) : userLine(frames);
  const header = thrown.text.split(/\r?\n/).find((row) => STACK_HEADER.test(row));
  const groups = header?.match(STACK_HEADER)?.groups;
  let details = groups?.errorDetails.trim() || undefined;
  const type = groups?.errorType;
  if (details && type && NATIVE_ERRORS.has(type)) details = v8Wording(details);
  const suffix = lineNumber === undefined ? '' : `[line ${lineNumber}]`;
  return strip({
    message: `${details ?? fallback} ${suffix}`.trim(),
    description: type && type.toLowerCase() !== 'error' ? type : undefined,
    lineNumber,
  });
}

/**
 * n8n's rule: the innermost frame of a named function defined in the user's code, else the line of
 * the top-level code (the wrapper frame).
 */
function userLine(frames: string[]): number | undefined {
  let wrapperLine: number | undefined;
  for (const row of frames) {
    const frame = row.match(QUICKJS_FRAME)?.groups;
    if (!frame || frame.file !== USER_CODE_FILE || !frame.fn) continue;
    if (frame.fn === WRAPPER) {
      wrapperLine ??= Number(frame.line);
      continue;
    }
    if (!UNNAMED.has(frame.fn)) return Number(frame.line);
  }
  return wrapperLine;
}

/** Syntax errors point at the offending line directly (n8n reports none; Relais does). */
function firstUserLine(frames: string[], lines: number): number | undefined {
  for (const row of frames) {
    const frame = row.match(QUICKJS_FRAME)?.groups;
    // An unfinished block is reported on the wrapper's closing line, just after the code.
    if (frame && frame.file === USER_CODE_FILE) return Math.min(Number(frame.line), lines);
  }
  return undefined;
}

function v8Wording(message: string): string {
  for (const [pattern, replacement] of V8_WORDING)
    if (pattern.test(message)) return message.replace(pattern, replacement);
  return message;
}

function strip(error: FormattedError): FormattedError {
  if (error.description === undefined) delete error.description;
  if (error.lineNumber === undefined) delete error.lineNumber;
  return error;
}
