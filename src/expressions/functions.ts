/**
 * Expression functions (`x => x * 2`, `function (x) { return x }`) and the few statements their
 * bodies may hold: `const`/`let`/`var` declarations (with destructuring), `return`, `if`, blocks and
 * expression statements. No loops, no assignment, no `this`: a function can only compute a value
 * from its arguments, so it always terminates (recursion is bounded by MAX_DEPTH).
 * Variables are resolved at compile time to (frames up, slot) pairs.
 */
import type * as A from 'acorn';
import { ExpressionError } from '../engine/errors.js';
import { getMember } from './access.js';
import { compileExpression, type Ev, refuse, type Unit } from './compile.js';
import { type Ctx, Frame } from './context.js';
import { safeString } from './ops.js';
import { DENIED_PROPERTIES, dataValue, MAX_DEPTH, MAX_STEPS, securityError, setOwn } from './security.js';
import { Callable } from './values.js';

/** Slots of one function call. */
class FnScope {
  slots = 0;
}

/** A block: names declared in it, mapped to slots of its function's frame. */
export class Scope {
  readonly names = new Map<string, number>();

  constructor(
    readonly fn: FnScope,
    readonly parent: Scope | null,
  ) {}

  declare(name: string): number {
    const existing = this.names.get(name);
    if (existing !== undefined) return existing;
    const slot = this.fn.slots++;
    this.names.set(name, slot);
    return slot;
  }
}

export function resolveLocal(scope: Scope | null, name: string): { hops: number; slot: number } | undefined {
  let hops = 0;
  let fn = scope?.fn;
  for (let s = scope; s !== null; s = s.parent) {
    if (s.fn !== fn) {
      hops++;
      fn = s.fn;
    }
    const slot = s.names.get(name);
    if (slot !== undefined) return { hops, slot };
  }
  return undefined;
}

type Binder = (c: Ctx, f: Frame, value: unknown) => void;
type Stmt = (c: Ctx, f: Frame) => unknown;

/** Result of a statement that did not return. */
const CONTINUE: unique symbol = Symbol('continue');

interface FunctionDef {
  slots: number;
  selfSlot: number;
  bind: (c: Ctx, f: Frame, args: unknown[]) => void;
  body: Ev;
  block: boolean;
  source: string;
}

const NO_SLOTS: unknown[] = [];

/** A function written in an expression. Not a JavaScript function: only the evaluator can call it. */
export class SandboxFunction extends Callable {
  readonly #def: FunctionDef;
  readonly #closure: Frame | null;

  constructor(def: FunctionDef, closure: Frame | null) {
    super();
    this.#def = def;
    this.#closure = closure;
  }

  invoke(c: Ctx, args: unknown[]): unknown {
    const d = this.#def;
    if (++c.steps > MAX_STEPS) throw new ExpressionError('Expression is too expensive to evaluate');
    if (c.depth >= MAX_DEPTH) throw new ExpressionError('Expression functions are nested too deeply');
    c.depth++;
    try {
      const frame = new Frame(d.slots === 0 ? NO_SLOTS : new Array<unknown>(d.slots), this.#closure);
      if (d.selfSlot >= 0) frame.v[d.selfSlot] = this;
      d.bind(c, frame, args);
      const result = d.body(c, frame);
      return result === CONTINUE ? undefined : result;
    } finally {
      c.depth--;
    }
  }

  override display(): string {
    return this.#def.source;
  }
}

export function compileFunction(
  n: A.ArrowFunctionExpression | A.FunctionExpression,
  scope: Scope | null,
  unit: Unit,
): Ev {
  if (n.async || n.generator)
    return refuse(unit, n, 'Async and generator functions are not allowed in expressions');
  const fn = new FnScope();
  const top = new Scope(fn, scope);
  const selfSlot = n.type === 'FunctionExpression' && n.id ? top.declare(n.id.name) : -1;
  for (const p of n.params) declarePattern(p, top, unit);
  const binders = n.params.map((p) =>
    p.type === 'RestElement' ? compileBinding(p.argument, top, unit) : compileBinding(p, top, unit),
  );
  const restIndex = n.params.findIndex((p) => p.type === 'RestElement');
  const bind = (c: Ctx, f: Frame, args: unknown[]): void => {
    for (let i = 0; i < binders.length; i++) binders[i](c, f, i === restIndex ? args.slice(i) : args[i]);
  };
  const isBlock = n.body.type === 'BlockStatement';
  const body: Ev = isBlock
    ? (compileBlock(n.body as A.BlockStatement, new Scope(fn, top), unit) as Ev)
    : compileExpression(n.body, top, unit);
  const def: FunctionDef = {
    slots: fn.slots,
    selfSlot,
    bind,
    body,
    block: isBlock,
    source: unit.text.slice(n.start, n.end),
  };
  return (_c, f) => new SandboxFunction(def, f);
}

function declarePattern(p: A.Pattern, scope: Scope, unit: Unit): void {
  switch (p.type) {
    case 'Identifier':
      scope.declare(p.name);
      return;
    case 'AssignmentPattern':
      declarePattern(p.left, scope, unit);
      return;
    case 'RestElement':
      declarePattern(p.argument, scope, unit);
      return;
    case 'ArrayPattern':
      for (const e of p.elements) if (e !== null) declarePattern(e, scope, unit);
      return;
    case 'ObjectPattern':
      for (const prop of p.properties)
        declarePattern(prop.type === 'RestElement' ? prop : prop.value, scope, unit);
      return;
    default:
      refuse(unit, p, 'Assignments are not allowed in expressions');
  }
}

function compileBinding(p: A.Pattern, scope: Scope, unit: Unit): Binder {
  switch (p.type) {
    case 'Identifier': {
      const slot = scope.declare(p.name);
      return (_c, f, v) => {
        f.v[slot] = v;
      };
    }
    case 'AssignmentPattern': {
      const fallback = compileExpression(p.right, scope, unit);
      const inner = compileBinding(p.left, scope, unit);
      return (c, f, v) => inner(c, f, v === undefined ? fallback(c, f) : v);
    }
    case 'ArrayPattern':
      return compileArrayBinding(p, scope, unit);
    case 'ObjectPattern':
      return compileObjectBinding(p, scope, unit);
    default:
      return refuse(unit, p, 'Unsupported syntax in expressions');
  }
}

function compileArrayBinding(p: A.ArrayPattern, scope: Scope, unit: Unit): Binder {
  const parts = p.elements.map((e) => {
    if (e === null) return undefined;
    if (e.type === 'RestElement') return { rest: true, bind: compileBinding(e.argument, scope, unit) };
    return { rest: false, bind: compileBinding(e, scope, unit) };
  });
  return (c, f, v) => {
    let values: readonly unknown[];
    if (Array.isArray(v)) values = v;
    else if (typeof v === 'string') values = Array.from(v);
    else throw new TypeError(`${safeString(v)} is not iterable`);
    parts.forEach((part, i) => {
      if (part !== undefined) part.bind(c, f, part.rest ? values.slice(i) : values[i]);
    });
  };
}

function compileObjectBinding(p: A.ObjectPattern, scope: Scope, unit: Unit): Binder {
  const used: string[] = [];
  const parts = p.properties.map((prop) => {
    if (prop.type === 'RestElement')
      return { key: undefined, bind: compileBinding(prop.argument, scope, unit) };
    if (prop.computed)
      return refuse(unit, prop, 'Computed keys in destructuring are not allowed in expressions');
    const key = prop.key.type === 'Identifier' ? prop.key.name : String((prop.key as A.Literal).value);
    if (DENIED_PROPERTIES.has(key)) refuse(unit, prop.key, securityError(key).message);
    used.push(key);
    return { key, bind: compileBinding(prop.value, scope, unit) };
  });
  return (c, f, v) => {
    if (v === null || v === undefined) throw new TypeError(`Cannot destructure '${String(v)}'`);
    for (const part of parts) {
      if (part.key !== undefined) {
        part.bind(c, f, getMember(c, v, part.key));
        continue;
      }
      const rest: Record<string, unknown> = {};
      const source = v as Record<string, unknown>;
      for (const k of Object.keys(Object(v))) if (!used.includes(k)) setOwn(rest, k, dataValue(source[k]));
      part.bind(c, f, rest);
    }
  };
}

function compileBlock(n: A.BlockStatement, scope: Scope, unit: Unit): Stmt {
  // Declarations are visible in the whole block, so functions can refer to later constants.
  for (const s of n.body) {
    if (s.type === 'VariableDeclaration') for (const d of s.declarations) declarePattern(d.id, scope, unit);
  }
  const statements = n.body.map((s) => compileStatement(s, scope, unit));
  return (c, f) => {
    for (const s of statements) {
      const r = s(c, f);
      if (r !== CONTINUE) return r;
    }
    return CONTINUE;
  };
}

function compileStatement(n: A.Statement | A.ModuleDeclaration, scope: Scope, unit: Unit): Stmt {
  switch (n.type) {
    case 'BlockStatement':
      return compileBlock(n, new Scope(scope.fn, scope), unit);
    case 'ExpressionStatement': {
      const e = compileExpression(n.expression, scope, unit);
      return (c, f) => {
        e(c, f);
        return CONTINUE;
      };
    }
    case 'ReturnStatement': {
      const arg = n.argument ? compileExpression(n.argument, scope, unit) : undefined;
      return arg === undefined ? () => undefined : (c, f) => arg(c, f);
    }
    case 'IfStatement': {
      const test = compileExpression(n.test, scope, unit);
      const yes = compileStatement(n.consequent, new Scope(scope.fn, scope), unit);
      const no = n.alternate ? compileStatement(n.alternate, new Scope(scope.fn, scope), unit) : undefined;
      return (c, f) => (test(c, f) ? yes(c, f) : no === undefined ? CONTINUE : no(c, f));
    }
    case 'VariableDeclaration': {
      const parts = n.declarations.map((d) => ({
        bind: compileBinding(d.id, scope, unit),
        init: d.init ? compileExpression(d.init, scope, unit) : undefined,
      }));
      return (c, f) => {
        for (const p of parts) p.bind(c, f, p.init === undefined ? undefined : p.init(c, f));
        return CONTINUE;
      };
    }
    case 'EmptyStatement':
      return () => CONTINUE;
    case 'WithStatement':
      return refuse(unit, n, '"with" statements are not allowed in expressions');
    default:
      return refuse(unit, n, `Unsupported statement in expressions: ${n.type} (only const/let, if, return)`);
  }
}
