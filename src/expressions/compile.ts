/**
 * Compiles an acorn AST into a tree of closures (one per node), built once per expression string.
 * Only the node types handled here exist for an expression: anything else, and every construct
 * that reaches the host (`this`, assignments, tagged templates, `import()`, `new` on a non-listed
 * constructor, denied names), is refused at compile time with its position.
 */
import type * as A from 'acorn';
import { ExpressionError } from '../engine/errors.js';
import { hasProperty } from './access.js';
import { INSTANCEOF } from './builtins.js';
import { compileCall, compileMember, compileNew } from './compile-access.js';
import type { Ctx, Frame } from './context.js';
import { compileFunction, resolveLocal, type Scope } from './functions.js';
import { globalRead } from './globals.js';
import {
  add,
  arithmetic,
  compare,
  looseEquals,
  safeString,
  toPropertyKey,
  typeOf,
  unaryNumeric,
} from './ops.js';
import { DENIED_GLOBALS, dataValue, securityError, setOwn, setUserKey } from './security.js';

/** A compiled expression node. `f` is the frame of the innermost expression function, if any. */
export type Ev = (c: Ctx, f: Frame | null) => unknown;

/** What one `{{ }}` chunk is compiled against. */
export interface Unit {
  /** The text given to the parser. */
  readonly text: string;
  /** Position of `text[0]` in the whole parameter value, for error positions. */
  readonly offset: number;
  /** n8n swallows plain errors of chunks holding member accesses, calls or global names. */
  swallow: boolean;
}

/** Returned by an optional link (`a?.b`) whose object is nullish: the whole chain yields undefined. */
export const SHORT: unique symbol = Symbol('short-circuit');

export function refuse(unit: Unit, node: A.Node, message: string): never {
  throw new ExpressionError(`${message} (at position ${unit.offset + node.start})`);
}

export function refuseSecurity(unit: Unit, node: A.Node, name: string): never {
  refuse(unit, node, securityError(name).message);
}

export function compileExpression(node: A.Node, scope: Scope | null, unit: Unit, chain = false): Ev {
  const n = node as A.AnyNode;
  switch (n.type) {
    case 'Literal':
      return compileLiteral(n);
    case 'Identifier':
      return compileIdentifier(n, scope, unit);
    case 'TemplateLiteral':
      return compileTemplateLiteral(n, scope, unit);
    case 'ArrayExpression':
      return compileArray(n, scope, unit);
    case 'ObjectExpression':
      return compileObject(n, scope, unit);
    case 'UnaryExpression':
      return compileUnary(n, scope, unit);
    case 'BinaryExpression':
      return compileBinary(n, scope, unit);
    case 'LogicalExpression':
      return compileLogical(n, scope, unit);
    case 'ConditionalExpression': {
      const test = compileExpression(n.test, scope, unit);
      const yes = compileExpression(n.consequent, scope, unit);
      const no = compileExpression(n.alternate, scope, unit);
      return (c, f) => (test(c, f) ? yes(c, f) : no(c, f));
    }
    case 'SequenceExpression': {
      const parts = n.expressions.map((e) => compileExpression(e, scope, unit));
      return (c, f) => {
        let last: unknown;
        for (const p of parts) last = p(c, f);
        return last;
      };
    }
    case 'MemberExpression':
      return compileMember(n, scope, unit, chain);
    case 'CallExpression':
      return compileCall(n, scope, unit, chain);
    case 'NewExpression':
      return compileNew(n, scope, unit);
    case 'ChainExpression': {
      const inner = compileExpression(n.expression, scope, unit, true);
      return (c, f) => {
        const v = inner(c, f);
        return v === SHORT ? undefined : v;
      };
    }
    case 'ArrowFunctionExpression':
    case 'FunctionExpression':
      return compileFunction(n, scope, unit);
    case 'ParenthesizedExpression':
      return compileExpression(n.expression, scope, unit, chain);
    case 'ThisExpression':
      return refuse(unit, n, '"this" is not available in expressions');
    case 'AssignmentExpression':
    case 'UpdateExpression':
      return refuse(unit, n, 'Assignments are not allowed in expressions');
    case 'TaggedTemplateExpression':
      return refuse(unit, n, 'Tagged templates are not allowed in expressions');
    case 'ImportExpression':
      return refuseSecurity(unit, n, 'import');
    default:
      return refuse(unit, n, `Unsupported syntax in expressions: ${n.type}`);
  }
}

function compileLiteral(n: A.Literal): Ev {
  if (n.regex !== undefined) {
    const { pattern, flags } = n.regex;
    // A fresh RegExp per evaluation: a shared one would carry `lastIndex` between items.
    return () => new RegExp(pattern, flags);
  }
  const value = n.bigint !== undefined ? BigInt(n.bigint) : n.value;
  return () => value;
}

function compileIdentifier(n: A.Identifier, scope: Scope | null, unit: Unit): Ev {
  if (n.name === '$') return refuse(unit, n, 'Cannot access "$" without calling it as a function');
  return compileName(n, scope, unit);
}

/** A variable or global read (also used for callees, where `$` is allowed). */
export function compileName(n: A.Identifier, scope: Scope | null, unit: Unit): Ev {
  const name = n.name;
  const local = resolveLocal(scope, name);
  if (local !== undefined) {
    const { hops, slot } = local;
    if (hops === 0) return (_c, f) => (f as Frame).v[slot];
    if (hops === 1) return (_c, f) => (f as Frame).p?.v[slot];
    return (_c, f) => {
      let frame = f;
      for (let i = 0; i < hops; i++) frame = (frame as Frame).p;
      return (frame as Frame).v[slot];
    };
  }
  if (DENIED_GLOBALS.has(name)) return refuseSecurity(unit, n, name);
  if (name !== 'undefined' && name !== 'NaN' && name !== 'Infinity') unit.swallow = true;
  const read = globalRead(name);
  if (read === undefined) {
    // Unknown names are undefined (n8n), unless the node supplies them (`$response` in pagination).
    return (c) => {
      const extra = c.data.extraGlobals;
      return extra !== undefined && Object.hasOwn(extra, name) ? dataValue(extra[name]) : undefined;
    };
  }
  if (read.kind === 'const') {
    const value = read.value;
    return () => value;
  }
  const get = read.get;
  return (c) => get(c);
}

function compileTemplateLiteral(n: A.TemplateLiteral, scope: Scope | null, unit: Unit): Ev {
  const quasis = n.quasis.map((q) => q.value.cooked ?? q.value.raw);
  const parts = n.expressions.map((e) => compileExpression(e, scope, unit));
  return (c, f) => {
    let out = quasis[0];
    for (let i = 0; i < parts.length; i++) out += safeString(parts[i](c, f)) + quasis[i + 1];
    return out;
  };
}

/** Elements of `...value` in an array literal or a call. */
function spreadItems(v: unknown): readonly unknown[] {
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') return Array.from(v);
  throw new TypeError(`${safeString(v)} is not iterable`);
}

type Element = { ev: Ev; spread: boolean };

/** Shared by every call without arguments: argument lists are only read, never kept or changed. */
const NO_ARGS: unknown[] = Object.freeze([]) as unknown as unknown[];

/** Array literal elements, or call arguments (`args`: may share the empty list). */
export function compileElements(
  nodes: Array<A.Expression | A.SpreadElement | null>,
  scope: Scope | null,
  unit: Unit,
  args = false,
) {
  if (args && nodes.length === 0) return (): unknown[] => NO_ARGS;
  const elements: Element[] = nodes.map((e) => {
    if (e === null) return { ev: () => undefined, spread: false };
    if (e.type === 'SpreadElement') return { ev: compileExpression(e.argument, scope, unit), spread: true };
    return { ev: compileExpression(e, scope, unit), spread: false };
  });
  if (!elements.some((e) => e.spread)) {
    const evs = elements.map((e) => e.ev);
    return (c: Ctx, f: Frame | null): unknown[] => {
      const out = new Array<unknown>(evs.length);
      for (let i = 0; i < evs.length; i++) out[i] = evs[i](c, f);
      return out;
    };
  }
  return (c: Ctx, f: Frame | null): unknown[] => {
    const out: unknown[] = [];
    for (const e of elements) {
      const v = e.ev(c, f);
      if (e.spread) out.push(...spreadItems(v));
      else out.push(v);
    }
    return out;
  };
}

function compileArray(n: A.ArrayExpression, scope: Scope | null, unit: Unit): Ev {
  return compileElements(n.elements, scope, unit);
}

type PropertyPlan =
  | { kind: 'spread'; ev: Ev }
  | { kind: 'static'; key: string; ev: Ev }
  | { kind: 'computed'; key: Ev; ev: Ev };

function compileObject(n: A.ObjectExpression, scope: Scope | null, unit: Unit): Ev {
  const plan: PropertyPlan[] = n.properties.map((p): PropertyPlan => {
    if (p.type === 'SpreadElement') return { kind: 'spread', ev: compileExpression(p.argument, scope, unit) };
    if (p.kind !== 'init') return refuse(unit, p, 'Getters and setters are not allowed in expressions');
    if (p.method)
      return refuse(unit, p, 'Methods in object literals are not supported; use `name: (x) => ...`');
    const ev = compileExpression(p.value, scope, unit);
    if (p.computed) return { kind: 'computed', key: compileExpression(p.key, scope, unit), ev };
    const key = p.key.type === 'Identifier' ? p.key.name : String((p.key as A.Literal).value);
    if (key === '__proto__') return refuseSecurity(unit, p.key, key);
    return { kind: 'static', key, ev };
  });
  return (c, f) => {
    const out: Record<string, unknown> = {};
    for (const p of plan) {
      if (p.kind === 'static') out[p.key] = p.ev(c, f);
      else if (p.kind === 'computed') {
        setUserKey(out, String(toPropertyKey(p.key(c, f))), p.ev(c, f));
      } else {
        const v = p.ev(c, f);
        if (typeof v === 'string') {
          Array.from(v).forEach((ch, i) => {
            out[String(i)] = ch;
          });
        } else if (typeof v === 'object' && v !== null) {
          // Evaluator values (functions, proxies) keep their state private: they copy as {}.
          const from = v as Record<string, unknown>;
          for (const k of Object.keys(v)) setOwn(out, k, dataValue(from[k]));
        }
      }
    }
    return out;
  };
}

function compileUnary(n: A.UnaryExpression, scope: Scope | null, unit: Unit): Ev {
  if (n.operator === 'delete') return refuse(unit, n, 'Assignments are not allowed in expressions');
  const arg = compileExpression(n.argument, scope, unit);
  switch (n.operator) {
    case '!':
      return (c, f) => !arg(c, f);
    case 'typeof':
      return (c, f) => typeOf(arg(c, f));
    case 'void':
      return (c, f) => {
        arg(c, f);
        return undefined;
      };
    default: {
      const op = n.operator;
      return (c, f) => unaryNumeric(op, arg(c, f));
    }
  }
}

function compileBinary(n: A.BinaryExpression, scope: Scope | null, unit: Unit): Ev {
  if (n.left.type === 'PrivateIdentifier') return refuse(unit, n, 'Unsupported syntax in expressions');
  if (n.operator === 'instanceof') return compileInstanceof(n, scope, unit);
  const l = compileExpression(n.left, scope, unit);
  const r = compileExpression(n.right, scope, unit);
  switch (n.operator) {
    case '+':
      return (c, f) => add(l(c, f), r(c, f));
    case '===':
      return (c, f) => l(c, f) === r(c, f);
    case '!==':
      return (c, f) => l(c, f) !== r(c, f);
    case '==':
      return (c, f) => looseEquals(l(c, f), r(c, f));
    case '!=':
      return (c, f) => !looseEquals(l(c, f), r(c, f));
    case '<':
    case '<=':
    case '>':
    case '>=': {
      const op = n.operator;
      return (c, f) => compare(op, l(c, f), r(c, f));
    }
    case 'in':
      return (c, f) => hasProperty(c, l(c, f), r(c, f));
    default: {
      const op = n.operator;
      return (c, f) => arithmetic(op, l(c, f), r(c, f));
    }
  }
}

function compileInstanceof(n: A.BinaryExpression, scope: Scope | null, unit: Unit): Ev {
  const right = n.right;
  const test =
    right.type === 'Identifier' && !resolveLocal(scope, right.name) ? INSTANCEOF.get(right.name) : undefined;
  if (test === undefined) {
    return refuse(unit, n, `instanceof only works with ${[...INSTANCEOF.keys()].join(', ')} in expressions`);
  }
  const l = compileExpression(n.left as A.Expression, scope, unit);
  return (c, f) => test(l(c, f));
}

function compileLogical(n: A.LogicalExpression, scope: Scope | null, unit: Unit): Ev {
  const l = compileExpression(n.left, scope, unit);
  const r = compileExpression(n.right, scope, unit);
  if (n.operator === '&&') return (c, f) => l(c, f) && r(c, f);
  if (n.operator === '||') return (c, f) => l(c, f) || r(c, f);
  return (c, f) => l(c, f) ?? r(c, f);
}
