/**
 * JavaScript's operators and coercions, re-implemented so that converting a value never calls code
 * found on the value: a `toString`/`valueOf`/`toJSON` property of an object built by an expression
 * is ignored, exactly like n8n's printing of plain objects (`[object Object]`). Host types with a
 * meaningful conversion (Date, Luxon DateTime/Duration/Interval, RegExp) are converted with their
 * own prototype methods, never with a lookup on the instance.
 */
import { DateTime, Duration, Interval } from 'luxon';
import { Callable, Special } from './values.js';

type Primitive = string | number | bigint | boolean | null | undefined;
type Hint = 'default' | 'number' | 'string';

const MAX_JOIN_DEPTH = 64;

/** `String(v)` without running user code. */
export function safeString(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
    case 'boolean':
    case 'bigint':
    case 'undefined':
      return String(v);
    case 'symbol':
      throw new TypeError('Cannot convert a Symbol value to a string');
    case 'function':
      return 'function () { [native code] }';
  }
  if (v === null) return 'null';
  return objectToString(v as object, 0);
}

function objectToString(o: object, depth: number): string {
  if (Array.isArray(o)) return depth > MAX_JOIN_DEPTH ? '' : joinArray(o, ',', depth + 1);
  if (o instanceof Special) return o.display();
  if (o instanceof Date) return Date.prototype.toString.call(o);
  if (o instanceof DateTime) return DateTime.prototype.toString.call(o);
  if (o instanceof Duration) return Duration.prototype.toString.call(o) ?? 'Invalid Duration';
  if (o instanceof Interval) return Interval.prototype.toString.call(o);
  if (o instanceof RegExp) return RegExp.prototype.toString.call(o);
  return '[object Object]';
}

/** `Array.prototype.join` semantics (null/undefined elements print as ''), without user code. */
export function joinArray(arr: readonly unknown[], separator: string, depth = 0): string {
  let out = '';
  for (let i = 0; i < arr.length; i++) {
    if (i > 0) out += separator;
    const e = arr[i];
    if (e === null || e === undefined) continue;
    out += typeof e === 'object' ? objectToString(e, depth) : safeString(e);
  }
  return out;
}

/** ToPrimitive for the types the evaluator can see. */
export function toPrimitive(v: unknown, hint: Hint): Primitive {
  if (typeof v !== 'object' || v === null) return v as Primitive;
  if (v instanceof Date) return hint === 'number' ? v.getTime() : Date.prototype.toString.call(v);
  if (v instanceof DateTime) return hint === 'string' ? DateTime.prototype.toString.call(v) : v.toMillis();
  if (v instanceof Duration) return hint === 'string' ? objectToString(v, 0) : v.toMillis();
  return objectToString(v, 0);
}

/** `Number(v)` without running user code. */
export function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  const p = toPrimitive(v, 'number');
  if (typeof p === 'bigint') return Number(p);
  return Number(p);
}

/** Turns a computed member key into a property key without calling code on the key. */
export function toPropertyKey(k: unknown): string | number {
  if (typeof k === 'number' || typeof k === 'string') return k;
  if (typeof k === 'symbol') throw new TypeError('Symbol keys are not supported in expressions');
  return safeString(toPrimitive(k, 'string'));
}

export function add(a: unknown, b: unknown): unknown {
  if (typeof a === 'number' && typeof b === 'number') return a + b;
  if (typeof a === 'string' && typeof b === 'string') return a + b;
  const pa = toPrimitive(a, 'default');
  const pb = toPrimitive(b, 'default');
  if (typeof pa === 'string' || typeof pb === 'string') return safeString(pa) + safeString(pb);
  return (pa as number) + (pb as number);
}

type NumericOp = '-' | '*' | '/' | '%' | '**' | '<<' | '>>' | '>>>' | '&' | '|' | '^';

export function arithmetic(op: NumericOp, a: unknown, b: unknown): unknown {
  const x = (typeof a === 'number' ? a : toPrimitive(a, 'number')) as number;
  const y = (typeof b === 'number' ? b : toPrimitive(b, 'number')) as number;
  switch (op) {
    case '-':
      return x - y;
    case '*':
      return x * y;
    case '/':
      return x / y;
    case '%':
      return x % y;
    case '**':
      return x ** y;
    case '<<':
      return x << y;
    case '>>':
      return x >> y;
    case '>>>':
      return x >>> y;
    case '&':
      return x & y;
    case '|':
      return x | y;
    case '^':
      return x ^ y;
  }
}

type CompareOp = '<' | '<=' | '>' | '>=';

export function compare(op: CompareOp, a: unknown, b: unknown): boolean {
  const x = (typeof a === 'number' ? a : toPrimitive(a, 'number')) as number;
  const y = (typeof b === 'number' ? b : toPrimitive(b, 'number')) as number;
  switch (op) {
    case '<':
      return x < y;
    case '<=':
      return x <= y;
    case '>':
      return x > y;
    case '>=':
      return x >= y;
  }
}

/** `a == b`: objects compare by identity, an object against a primitive is converted first. */
export function looseEquals(a: unknown, b: unknown): boolean {
  const ao = typeof a === 'object' && a !== null;
  const bo = typeof b === 'object' && b !== null;
  if (ao && bo) return a === b;
  // biome-ignore lint/suspicious/noDoubleEquals: this is the `==` operator of the language being evaluated.
  return (ao ? toPrimitive(a, 'default') : a) == (bo ? toPrimitive(b, 'default') : b);
}

export function typeOf(v: unknown): string {
  if (v instanceof Callable) return 'function';
  return typeof v;
}

/** Unary minus/plus/bitwise not on a converted operand. */
export function unaryNumeric(op: '-' | '+' | '~', v: unknown): unknown {
  const x = (typeof v === 'number' ? v : toPrimitive(v, 'number')) as number;
  if (op === '-') return -x;
  if (op === '~') return ~x;
  return +x;
}
