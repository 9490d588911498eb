/**
 * Values that only exist inside the evaluator. None of them is a JavaScript function: an expression
 * can hold, pass and call them through the evaluator, but host code that receives one (a native
 * `toString` lookup, `JSON.stringify`, the engine) finds a plain object with no callable member, so
 * nothing written in an expression ever runs implicitly. State sits in `#private` fields, which are
 * neither properties nor serialised.
 */
import { ExpressionError } from '../engine/errors.js';
import type { Ctx } from './context.js';
import { DENIED_FUNCTION_PROPERTIES, DENIED_PROPERTIES, securityError } from './security.js';

export type PropertyKeyLike = string | number;

/** Base of every evaluator-only value: member access and calls are dispatched to it. */
export abstract class Special {
  abstract getMember(c: Ctx, key: PropertyKeyLike): unknown;

  callMember(c: Ctx, key: PropertyKeyLike, args: unknown[]): unknown {
    const value = this.getMember(c, key);
    if (value instanceof Callable) return value.invoke(c, args);
    throw new TypeError(`${String(key)} is not a function`);
  }

  /** `key in value`. */
  has(_c: Ctx, _key: string): boolean {
    return false;
  }

  /** Text used when the value is converted to a string. */
  display(): string {
    return '[object Object]';
  }

  /** What an expression whose whole result is this value returns to the engine. */
  escape(): unknown {
    throw new ExpressionError('this is an object of the expression language, please access its properties');
  }
}

/** Anything callable from an expression: user arrow functions, built-ins, bound methods. */
export abstract class Callable extends Special {
  abstract invoke(c: Ctx, args: unknown[]): unknown;

  getMember(_c: Ctx, key: PropertyKeyLike): unknown {
    const name = String(key);
    if (DENIED_FUNCTION_PROPERTIES.has(name) || DENIED_PROPERTIES.has(name)) throw securityError(name);
    return undefined;
  }

  override callMember(c: Ctx, key: PropertyKeyLike, args: unknown[]): unknown {
    const name = String(key);
    if (name === 'toString') return this.display();
    return super.callMember(c, name, args);
  }

  override display(): string {
    return 'function () { [native code] }';
  }

  override escape(): unknown {
    throw new ExpressionError('this is a function, please add ()');
  }
}

export type HostImpl = (c: Ctx, args: unknown[]) => unknown;

/** A built-in function (`parseInt`, `$`, `Math.max`...), possibly with static members (`Number.isInteger`). */
export class HostFunction extends Callable {
  readonly #impl: HostImpl;
  readonly #name: string;
  readonly #statics: ReadonlyMap<string, unknown> | undefined;

  constructor(name: string, impl: HostImpl, statics?: ReadonlyMap<string, unknown>) {
    super();
    this.#name = name;
    this.#impl = impl;
    this.#statics = statics;
  }

  invoke(c: Ctx, args: unknown[]): unknown {
    return this.#impl(c, args);
  }

  override getMember(c: Ctx, key: PropertyKeyLike): unknown {
    const name = String(key);
    if (this.#statics?.has(name)) return this.#statics.get(name);
    return super.getMember(c, name);
  }

  override callMember(c: Ctx, key: PropertyKeyLike, args: unknown[]): unknown {
    const member = this.#statics?.get(String(key));
    if (member instanceof Callable) return member.invoke(c, args);
    return super.callMember(c, key, args);
  }

  override display(): string {
    return `function ${this.#name}() { [native code] }`;
  }
}

/**
 * A namespace such as `Math`, `JSON`, `Object`, `DateTime`. Members are whitelisted; a member that
 * exists on the real object but is not whitelisted (`Object.create`) is refused loudly.
 */
export class Namespace extends Special {
  readonly #name: string;
  readonly #members: ReadonlyMap<string, unknown>;
  readonly #native: object | undefined;

  constructor(name: string, members: ReadonlyMap<string, unknown>, native?: object) {
    super();
    this.#name = name;
    this.#members = members;
    this.#native = native;
  }

  getMember(_c: Ctx, key: PropertyKeyLike): unknown {
    const name = String(key);
    if (this.#members.has(name)) return this.#members.get(name);
    if (DENIED_PROPERTIES.has(name)) throw securityError(name);
    if (this.#native !== undefined && name in this.#native) {
      throw new ExpressionError(`${this.#name}.${name} is not available in expressions`);
    }
    return undefined;
  }

  override callMember(c: Ctx, key: PropertyKeyLike, args: unknown[]): unknown {
    const member = this.#members.get(String(key));
    if (member instanceof Callable) return member.invoke(c, args);
    return super.callMember(c, key, args);
  }

  override has(_c: Ctx, key: string): boolean {
    return this.#members.has(key);
  }

  override escape(): unknown {
    throw new ExpressionError(`this is ${this.#name}, please access its methods`);
  }
}

/** Builds a namespace member map from `[name, impl]` pairs and constants. */
export function hostMembers(
  owner: string,
  functions: Record<string, HostImpl>,
  constants: Record<string, unknown> = {},
): Map<string, unknown> {
  const members = new Map<string, unknown>();
  for (const [name, impl] of Object.entries(functions))
    members.set(name, new HostFunction(`${owner}.${name}`, impl));
  for (const [name, value] of Object.entries(constants)) members.set(name, value);
  return members;
}

/** Wraps an evaluator callable as a host callback for a native method that calls it (`map`, `sort`...). */
export function nativeCallback(c: Ctx, fn: unknown): unknown {
  if (!(fn instanceof Callable)) return fn;
  return (...args: unknown[]) => fn.invoke(c, args);
}
