/**
 * Compilation of member accesses, calls and `new`: where optional chaining short-circuits, where
 * static property names are checked at compile time and computed ones at run time, and where a
 * call site caches the native method it resolved.
 */
import type * as A from 'acorn';
import {
  type CallSite,
  callMember,
  callSite,
  callValue,
  getComputed,
  getMember,
  hasMethod,
  memberKey,
} from './access.js';
import { CONSTRUCTORS } from './builtins.js';
import {
  compileElements,
  compileExpression,
  compileName,
  type Ev,
  refuse,
  refuseSecurity,
  SHORT,
  type Unit,
} from './compile.js';
import type { Ctx, Frame } from './context.js';
import { resolveLocal, type Scope } from './functions.js';
import { DENIED_GLOBALS, DENIED_PROPERTIES } from './security.js';
import type { PropertyKeyLike } from './values.js';

/** The property of a member expression: a checked static key, or a key computed at run time. */
function memberProperty(n: A.MemberExpression, scope: Scope | null, unit: Unit): PropertyKeyLike | Ev {
  const p = n.property;
  if (p.type === 'PrivateIdentifier') return refuse(unit, p, 'Unsupported syntax in expressions');
  if (!n.computed) {
    const name = (p as A.Identifier).name;
    if (DENIED_PROPERTIES.has(name)) refuseSecurity(unit, p, name);
    return name;
  }
  if (p.type === 'Literal' && (typeof p.value === 'string' || typeof p.value === 'number')) {
    if (typeof p.value === 'string' && DENIED_PROPERTIES.has(p.value)) refuseSecurity(unit, p, p.value);
    return p.value;
  }
  return compileExpression(p, scope, unit);
}

function compileObjectOf(n: A.MemberExpression, scope: Scope | null, unit: Unit, chain: boolean): Ev {
  if (n.object.type === 'Super') return refuse(unit, n.object, 'Unsupported syntax in expressions: Super');
  return compileExpression(n.object, scope, unit, chain);
}

export function compileMember(n: A.MemberExpression, scope: Scope | null, unit: Unit, chain: boolean): Ev {
  unit.swallow = true;
  const obj = compileObjectOf(n, scope, unit, chain);
  const prop = memberProperty(n, scope, unit);
  const optional = n.optional;
  if (typeof prop !== 'function') {
    if (!chain) return (c, f) => getMember(c, obj(c, f), prop);
    return (c, f) => {
      const o = obj(c, f);
      if (o === SHORT || (optional && (o === null || o === undefined))) return SHORT;
      return getMember(c, o, prop);
    };
  }
  if (!chain) return (c, f) => getComputed(c, obj(c, f), prop(c, f));
  return (c, f) => {
    const o = obj(c, f);
    if (o === SHORT || (optional && (o === null || o === undefined))) return SHORT;
    return getComputed(c, o, prop(c, f));
  };
}

export function compileCall(n: A.CallExpression, scope: Scope | null, unit: Unit, chain: boolean): Ev {
  const callee = n.callee;
  if (callee.type === 'Super') return refuse(unit, callee, 'Unsupported syntax in expressions: Super');
  if (callee.type === 'Identifier' && callee.name === '$if' && !resolveLocal(scope, '$if')) {
    return compileIf(n, scope, unit);
  }
  unit.swallow = true;
  const args = compileElements(n.arguments, scope, unit, true);
  const optionalCall = n.optional;
  if (callee.type === 'MemberExpression') {
    const obj = compileObjectOf(callee, scope, unit, chain);
    const prop = memberProperty(callee, scope, unit);
    const optionalMember = callee.optional;
    const site: CallSite | undefined = typeof prop === 'function' ? undefined : callSite(String(prop));
    const key: (c: Ctx, f: Frame | null) => PropertyKeyLike =
      typeof prop === 'function' ? (c, f) => memberKey(prop(c, f)) : () => prop;
    if (!chain) {
      if (site !== undefined) return (c, f) => callMember(c, obj(c, f), site.name, args(c, f), site);
      return (c, f) => callMember(c, obj(c, f), key(c, f), args(c, f));
    }
    return (c, f) => {
      const o = obj(c, f);
      if (o === SHORT || (optionalMember && (o === null || o === undefined))) return SHORT;
      const name = key(c, f);
      if (optionalCall && !hasMethod(c, o, name)) return SHORT;
      return callMember(c, o, name, args(c, f), site);
    };
  }
  const fn =
    callee.type === 'Identifier'
      ? compileName(callee, scope, unit)
      : compileExpression(callee, scope, unit, chain);
  const what = callee.type === 'Identifier' ? callee.name : 'expression';
  if (!chain) return (c, f) => callValue(c, fn(c, f), args(c, f), what);
  return (c, f) => {
    const v = fn(c, f);
    if (v === SHORT || (optionalCall && (v === null || v === undefined))) return SHORT;
    return callValue(c, v, args(c, f), what);
  };
}

/** `$if(test, a, b)` is a conditional (n8n rewrites it at compile time): only one branch runs. */
function compileIf(n: A.CallExpression, scope: Scope | null, unit: Unit): Ev {
  if (n.arguments.length < 2 || n.arguments.some((a) => a.type === 'SpreadElement')) {
    return refuse(unit, n, '$if requires at least 2 parameters: test, value_if_true[, and value_if_false]');
  }
  const [test, yes, no] = n.arguments.map((a) => compileExpression(a, scope, unit));
  if (no === undefined) return (c, f) => (test(c, f) ? yes(c, f) : false);
  return (c, f) => (test(c, f) ? yes(c, f) : no(c, f));
}

export function compileNew(n: A.NewExpression, scope: Scope | null, unit: Unit): Ev {
  unit.swallow = true;
  const callee = n.callee;
  const name = callee.type === 'Identifier' && !resolveLocal(scope, callee.name) ? callee.name : undefined;
  const make = name === undefined ? undefined : CONSTRUCTORS.get(name);
  if (make === undefined) {
    if (name !== undefined && DENIED_GLOBALS.has(name)) return refuseSecurity(unit, callee, name);
    return refuse(unit, n, `new ${name ?? '(expression)'}() is not allowed in expressions`);
  }
  const args = compileElements(n.arguments, scope, unit, true);
  return (c, f) => make(c, args(c, f));
}
