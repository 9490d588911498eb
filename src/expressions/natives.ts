/**
 * The native methods an expression may call, per receiver type. Each entry maps a method name to
 * the genuine prototype function; `access.ts` calls it only when the receiver's own lookup returns
 * exactly that function. Methods that would modify data in place are left out (`push`, `splice`,
 * `fill`...), and `sort`/`reverse` run as their copying variants (`toSorted`/`toReversed`), so an
 * expression can never change an item it reads.
 */
import { DateTime, Duration, Interval } from 'luxon';

export type NativeFn = (this: unknown, ...args: unknown[]) => unknown;

/** One callable native method, with what the caller must do around it, computed once. */
export interface NativeEntry {
  /** What the receiver's own lookup must return for the call to be allowed. */
  readonly genuine: unknown;
  /** What is actually called (differs for `sort` → `toSorted`). */
  readonly fn: NativeFn;
  /** Argument positions holding callbacks. */
  callbacks?: readonly number[];
  /** The result is an iterator, returned as an array. */
  iterates?: boolean;
  /** Builds a string whose size depends on an argument (`repeat`, `padStart`). */
  sized?: boolean;
}

function pick(proto: object, names: readonly string[]): Map<string, NativeEntry> {
  const table = new Map<string, NativeEntry>();
  const source = proto as Record<string, unknown>;
  for (const name of names) {
    const fn = source[name];
    if (typeof fn === 'function') table.set(name, { genuine: fn, fn: fn as NativeFn });
  }
  return table;
}

/** Every method defined on a prototype (class methods of Date and Luxon), constructor excepted. */
function allMethods(proto: object): Map<string, NativeEntry> {
  const names = Object.getOwnPropertyNames(proto).filter((name) => {
    const d = Object.getOwnPropertyDescriptor(proto, name);
    return name !== 'constructor' && typeof d?.value === 'function';
  });
  return pick(proto, names);
}

// biome-ignore format: a name list
const STRING_METHODS = pick(String.prototype, [
  'at', 'charAt', 'charCodeAt', 'codePointAt', 'concat', 'endsWith', 'includes', 'indexOf', 'isWellFormed',
  'lastIndexOf', 'localeCompare', 'match', 'matchAll', 'normalize', 'padEnd', 'padStart', 'repeat', 'replace',
  'replaceAll', 'search', 'slice', 'split', 'startsWith', 'substr', 'substring', 'toLocaleLowerCase',
  'toLocaleUpperCase', 'toLowerCase', 'toString', 'toUpperCase', 'toWellFormed', 'trim', 'trimEnd', 'trimLeft',
  'trimRight', 'trimStart', 'valueOf',
]);

// biome-ignore format: a name list
const NUMBER_METHODS = pick(Number.prototype, [
  'toExponential', 'toFixed', 'toLocaleString', 'toPrecision', 'toString', 'valueOf',
]);
const BOOLEAN_METHODS = pick(Boolean.prototype, ['toString', 'valueOf']);
const BIGINT_METHODS = pick(BigInt.prototype, ['toLocaleString', 'toString', 'valueOf']);

// biome-ignore format: a name list
const ARRAY_METHODS = pick(Array.prototype, [
  'at', 'concat', 'entries', 'every', 'filter', 'find', 'findIndex', 'findLast', 'findLastIndex', 'flat', 'flatMap',
  'forEach', 'includes', 'indexOf', 'join', 'keys', 'lastIndexOf', 'map', 'reduce', 'reduceRight', 'slice', 'some',
  'toLocaleString', 'toReversed', 'toSorted', 'toSpliced', 'toString', 'values', 'with',
]);
// In-place sort and reverse would modify the item the array came from: run the copying variants.
ARRAY_METHODS.set('sort', { genuine: Array.prototype.sort, fn: Array.prototype.toSorted as NativeFn });
ARRAY_METHODS.set('reverse', {
  genuine: Array.prototype.reverse,
  fn: Array.prototype.toReversed as NativeFn,
});

// biome-ignore format: a name list
const OBJECT_METHODS = pick(Object.prototype, [
  'hasOwnProperty', 'propertyIsEnumerable', 'toLocaleString', 'toString', 'valueOf',
]);
const REGEXP_METHODS = pick(RegExp.prototype, ['exec', 'test', 'toString']);
const DATE_METHODS = allMethods(Date.prototype);
const DATETIME_METHODS = allMethods(DateTime.prototype);
const DURATION_METHODS = allMethods(Duration.prototype);
const INTERVAL_METHODS = allMethods(Interval.prototype);

function annotate(
  table: Map<string, NativeEntry>,
  names: readonly string[],
  extra: Partial<NativeEntry>,
): void {
  for (const name of names) {
    const entry = table.get(name);
    if (entry !== undefined) Object.assign(entry, extra);
  }
}

// Callbacks: evaluator functions passed there are wrapped into host callbacks for the native call.
annotate(
  ARRAY_METHODS,
  [
    'every',
    'filter',
    'find',
    'findIndex',
    'findLast',
    'findLastIndex',
    'flatMap',
    'forEach',
    'map',
    'reduce',
    'reduceRight',
    'some',
    'sort',
    'toSorted',
  ],
  { callbacks: [0] },
);
annotate(STRING_METHODS, ['replace', 'replaceAll'], { callbacks: [1] });
annotate(INTERVAL_METHODS, ['mapEndpoints'], { callbacks: [0] });
annotate(DURATION_METHODS, ['mapUnits'], { callbacks: [0] });
annotate(ARRAY_METHODS, ['entries', 'keys', 'values'], { iterates: true });
annotate(STRING_METHODS, ['matchAll'], { iterates: true });
annotate(STRING_METHODS, ['repeat', 'padStart', 'padEnd'], { sized: true });

export function nativeTableFor(o: unknown): ReadonlyMap<string, NativeEntry> | undefined {
  switch (typeof o) {
    case 'string':
      return STRING_METHODS;
    case 'number':
      return NUMBER_METHODS;
    case 'boolean':
      return BOOLEAN_METHODS;
    case 'bigint':
      return BIGINT_METHODS;
    case 'object':
      break;
    default:
      return undefined;
  }
  if (o === null) return undefined;
  if (Array.isArray(o)) return ARRAY_METHODS;
  if (o instanceof DateTime) return DATETIME_METHODS;
  if (o instanceof Date) return DATE_METHODS;
  if (o instanceof Duration) return DURATION_METHODS;
  if (o instanceof Interval) return INTERVAL_METHODS;
  if (o instanceof RegExp) return REGEXP_METHODS;
  const proto = Object.getPrototypeOf(o);
  if (proto === Object.prototype || proto === null) return OBJECT_METHODS;
  // Instances of other classes (Luxon's internal Zone or Locale objects...) expose no methods.
  return undefined;
}
