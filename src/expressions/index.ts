/**
 * n8n-compatible expressions, evaluated by Relais's own interpreter (ARCHITECTURE decision 5).
 * The engine and the nodes import only this module.
 *
 * A parameter value is an expression when it is a string starting with `=`. Each distinct string is
 * parsed (acorn) and compiled into closures once, then cached; evaluating it costs a cache lookup
 * and a walk of the closures. See `template.ts` for the n8n rules on raw values and strings,
 * `security.ts` for what is refused.
 */
import { ExpressionError, NodeError } from '../engine/errors.js';
import { compiled } from './cache.js';
import { Ctx } from './context.js';
import type { ExpressionData } from './types.js';

export { objectToDisplayString } from './display.js';
export type { ExpressionData } from './types.js';

/** A string starting with `=`. */
export function isExpression(value: unknown): value is string {
  return typeof value === 'string' && value.charCodeAt(0) === 61; // '='
}

/** Whether `value` is an expression or holds one at any depth of objects and arrays. */
export function containsExpression(value: unknown): boolean {
  if (isExpression(value)) return true;
  if (Array.isArray(value)) return value.some(containsExpression);
  if (isPlainObject(value)) return Object.values(value).some(containsExpression);
  return false;
}

const MAX_SHOWN = 200;

function withContext(
  error: unknown,
  expression: string,
  parameter: string | undefined,
  data: ExpressionData,
): never {
  // Errors already tied to an expression (a nested `$parameter` lookup) keep their own context.
  if (error instanceof ExpressionError && error.expression !== undefined) throw error;
  if (!(error instanceof NodeError)) throw error;
  const shown = expression.length > MAX_SHOWN ? `${expression.slice(0, MAX_SHOWN)}…` : expression;
  const where = parameter === undefined ? `in ${shown}` : `in parameter "${parameter}": ${shown}`;
  throw new ExpressionError(`${error.message} [${where}]`, {
    parameter,
    expression,
    description: error.description,
    itemIndex: data.itemIndex,
    cause: error,
  });
}

function run(
  expression: string,
  data: ExpressionData,
  parameter: string | undefined,
  nesting: number,
): unknown {
  const template = compiled(expression);
  try {
    return template.run(new Ctx(data, nested, nesting));
  } catch (error) {
    return withContext(error, expression, parameter, data);
  }
}

function nested(expression: string, data: ExpressionData, nesting: number): unknown {
  return run(expression, data, undefined, nesting);
}

/**
 * Evaluates one expression (`expression` includes the leading `=`) for the item `data.itemIndex`.
 * Errors are `ExpressionError`s naming `opts.parameter` and the expression.
 */
export function evaluateExpression(
  expression: string,
  data: ExpressionData,
  opts?: { parameter?: string },
): unknown {
  return run(expression, data, opts?.parameter, 0);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** `['options', 'headers', 0, 'value']` → `options.headers[0].value`. */
function pathName(base: string | undefined, parts: Array<string | number>): string | undefined {
  let out = base ?? '';
  for (const p of parts) out = typeof p === 'number' ? `${out}[${p}]` : out === '' ? p : `${out}.${p}`;
  return out === '' ? undefined : out;
}

function resolveIn(
  value: unknown,
  data: ExpressionData,
  base: string | undefined,
  parts: Array<string | number>,
): unknown {
  if (typeof value === 'string') {
    return isExpression(value) ? run(value, data, pathName(base, parts), 0) : value;
  }
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) {
      parts.push(i);
      out[i] = resolveIn(value[i], data, base, parts);
      parts.pop();
    }
    return out;
  }
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      parts.push(key);
      const v = resolveIn(value[key], data, base, parts);
      parts.pop();
      // A parameter named `__proto__` stays a plain key instead of swapping the prototype.
      if (key === '__proto__')
        Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
      else out[key] = v;
    }
    return out;
  }
  return value;
}

/**
 * Resolves every expression inside a parameter value (objects and arrays at any depth). Containers
 * are copied; other values are returned as they are. `path` names the parameter in errors
 * (`options.headers[0].value`).
 */
export function resolveParameters(value: unknown, data: ExpressionData, path?: string): unknown {
  return resolveIn(value, data, path, []);
}
