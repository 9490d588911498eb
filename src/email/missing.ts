/**
 * Which variables a Handlebars template uses that the data does not have. Handlebars renders a
 * missing value as an empty string and says nothing; the preview must say which ones were empty.
 *
 * The parsed template is walked against the data with Handlebars' own scoping: `#each` and `#with`
 * push a context (`../` climbs back), block parameters (`as |item i|`) shadow names, `@root.x`
 * starts from the top, and only own properties count (prototype access is off, as in Handlebars).
 * Only the branches that render are walked: a `{{#if customer.company}}` whose value is absent is
 * a condition, not a missing variable, and the variables inside the branch not taken are not
 * reported. Paths are reported from the data's root, with array indexes: `items.1.name`.
 */
import type {} from 'handlebars';

type Program = hbs.AST.Program;
type Statement = hbs.AST.Statement;
type Expression = hbs.AST.Expression;
type PathExpression = hbs.AST.PathExpression;

/** A context value and its path from the data's root ('' for the root). */
interface Frame {
  value: unknown;
  path: string;
}

interface Scope {
  /** Contexts pushed by `#each`/`#with`, innermost last (`../` counts back from the end). */
  contexts: Frame[];
  /** Block parameters visible here, innermost shadowing outer ones. */
  params: ReadonlyMap<string, Frame>;
}

/** Reporting stops here: a template looping over thousands of items must not produce a huge list. */
const LIMIT = 100;
/** Elements of one `#each` walked for reporting (rendering iterates them all). */
const EACH_LIMIT = 1000;

const FOUND: unique symbol = Symbol('found');

export function missingVariables(program: Program, data: unknown): string[] {
  const missing = new Set<string>();
  const root: Frame = { value: data, path: '' };

  const report = (path: string) => {
    if (missing.size < LIMIT && path !== '') missing.add(path);
  };

  function own(value: unknown, key: string): unknown {
    if (value === null || value === undefined) return undefined;
    return Object.hasOwn(Object(value), key) ? (value as Record<string, unknown>)[key] : undefined;
  }

  function join(base: string, parts: readonly string[]): string {
    return [base, ...parts].filter((p) => p !== '').join('.');
  }

  function resolve(path: PathExpression, scope: Scope): Frame | typeof FOUND {
    let start: Frame | undefined;
    let parts = path.parts;
    if (path.data) {
      // @index, @key, @first, @last...: set by the helpers, never missing. @root.x is data.
      if (parts[0] !== 'root') return FOUND;
      start = root;
      parts = parts.slice(1);
    } else {
      const scoped = /^\.|this\b/.test(path.original);
      const param = !scoped && path.depth === 0 ? scope.params.get(parts[0]) : undefined;
      if (param) {
        start = param;
        parts = parts.slice(1);
      } else {
        start = scope.contexts[scope.contexts.length - 1 - path.depth];
      }
    }
    if (!start) return { value: undefined, path: path.original };
    let value = start.value;
    for (const part of parts) value = own(value, part);
    return { value, path: join(start.path, parts) };
  }

  /** The value of an expression; `check` reports it when it is a path that resolves to nothing. */
  function evaluate(expr: Expression, scope: Scope, check: boolean): unknown {
    switch (expr.type) {
      case 'PathExpression': {
        const found = resolve(expr as PathExpression, scope);
        if (found === FOUND) return FOUND;
        if (found.value === undefined && check) report(found.path);
        return found.value;
      }
      case 'SubExpression': {
        const sub = expr as hbs.AST.SubExpression;
        return helperCall(sub.path, sub.params, sub.hash, scope);
      }
      case 'StringLiteral':
      case 'NumberLiteral':
      case 'BooleanLiteral':
        return (expr as hbs.AST.StringLiteral).value;
      case 'NullLiteral':
        return null;
      default:
        return undefined;
    }
  }

  /** `{{helper a b=c}}`: its arguments are variables; `lookup` is followed to the value it reads. */
  function helperCall(head: Expression, params: Expression[], hash: hbs.AST.Hash, scope: Scope): unknown {
    const name = head.type === 'PathExpression' ? (head as PathExpression).original : '';
    if (name === 'lookup' && params.length === 2) {
      const target = params[0];
      const key = evaluate(params[1], scope, true);
      if (target.type === 'PathExpression' && (typeof key === 'string' || typeof key === 'number')) {
        const found = resolve(target as PathExpression, scope);
        if (found === FOUND) return FOUND;
        if (found.value === undefined) {
          report(found.path);
          return undefined;
        }
        const value = own(found.value, String(key));
        if (value === undefined) report(join(found.path, [String(key)]));
        return value;
      }
    }
    for (const param of params) evaluate(param, scope, true);
    for (const pair of hash?.pairs ?? []) evaluate(pair.value, scope, true);
    return FOUND;
  }

  function walk(program: Program | undefined, scope: Scope): void {
    for (const statement of program?.body ?? []) visit(statement, scope);
  }

  function visit(statement: Statement, scope: Scope): void {
    switch (statement.type) {
      case 'MustacheStatement': {
        const m = statement as hbs.AST.MustacheStatement;
        if (m.params.length === 0 && (m.hash?.pairs.length ?? 0) === 0) evaluate(m.path, scope, true);
        else helperCall(m.path, m.params, m.hash, scope);
        return;
      }
      case 'BlockStatement':
        block(statement as hbs.AST.BlockStatement, scope);
        return;
      default:
        // Content, comments; partials and decorators are not supported by the renderer anyway.
        return;
    }
  }

  function withParams(scope: Scope, names: string[] | undefined, values: Frame[]): Scope {
    if (!names?.length) return scope;
    const params = new Map(scope.params);
    names.forEach((name, i) => {
      if (values[i]) params.set(name, values[i]);
    });
    return { contexts: scope.contexts, params };
  }

  // Return types inferred: the early `return walk(...)` lines read better than if/else ladders.
  function block(b: hbs.AST.BlockStatement, scope: Scope) {
    const name = b.path.type === 'PathExpression' ? (b.path as PathExpression).original : '';
    const first = b.params[0];
    if ((name === 'if' || name === 'unless') && first) {
      const includeZero = b.hash?.pairs.some(
        (p) => p.key === 'includeZero' && evaluate(p.value, scope, false) === true,
      );
      const truthy = !isEmpty(evaluate(first, scope, false), includeZero ?? false);
      walk((name === 'if') === truthy ? b.program : b.inverse, scope);
      return;
    }
    if ((name === 'each' || name === 'with') && first) {
      const found = first.type === 'PathExpression' ? resolve(first as PathExpression, scope) : undefined;
      const value =
        found === undefined ? evaluate(first, scope, true) : found === FOUND ? undefined : found.value;
      if (found && found !== FOUND && found.value === undefined) report(found.path);
      if (value === FOUND) return; // a helper's result: unknown here
      const path = found && found !== FOUND ? found.path : '';
      if (name === 'with') {
        if (isEmpty(value, false)) return walk(b.inverse, scope);
        const frame = { value, path };
        return walk(b.program, withParams(push(scope, frame), b.program.blockParams, [frame]));
      }
      return each(b, scope, value, path);
    }
    if (b.params.length === 0 && (b.hash?.pairs.length ?? 0) === 0 && b.path.type === 'PathExpression') {
      // `{{#section}}...{{/section}}` (Mustache sections, Handlebars' blockHelperMissing).
      const found = resolve(b.path as PathExpression, scope);
      if (found === FOUND) return walk(b.program, scope);
      const value = found.value;
      if (Array.isArray(value)) return each(b, scope, value, found.path);
      if (value === true) return walk(b.program, scope);
      if (isEmpty(value, false)) return walk(b.inverse, scope);
      return walk(b.program, push(scope, { value, path: found.path }));
    }
    helperCall(b.path, b.params, b.hash, scope);
    walk(b.program, scope);
    walk(b.inverse, scope);
  }

  function each(b: hbs.AST.BlockStatement, scope: Scope, value: unknown, path: string) {
    const entries: [string, unknown][] = Array.isArray(value)
      ? value.map((v, i) => [String(i), v])
      : value !== null && typeof value === 'object'
        ? Object.entries(value)
        : [];
    if (entries.length === 0) return walk(b.inverse, scope);
    for (const [key, element] of entries.slice(0, EACH_LIMIT)) {
      const frame = { value: element, path: join(path, [key]) };
      const inner = withParams(push(scope, frame), b.program.blockParams, [frame, { value: key, path: '' }]);
      walk(b.program, inner);
    }
  }

  walk(program, { contexts: [root], params: new Map() });
  return [...missing];
}

function push(scope: Scope, frame: Frame): Scope {
  return { contexts: [...scope.contexts, frame], params: scope.params };
}

/** Handlebars' `Utils.isEmpty`: what `#if` treats as false. */
function isEmpty(value: unknown, includeZero: boolean): boolean {
  if (value === FOUND) return false;
  if (Array.isArray(value)) return value.length === 0;
  if (value === 0) return !includeZero;
  return !value;
}
