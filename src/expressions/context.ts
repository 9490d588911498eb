/**
 * Per-evaluation state. One `Ctx` is created for each call of `evaluateExpression`; compiled code is
 * shared by every evaluation of the same expression string and reads all run data through it.
 */
import type { DateTime } from 'luxon';
import type { Item } from '../engine/items.js';
import type { ExpressionData } from './types.js';

/** Evaluates another expression (`$parameter.x`, `$evaluateExpression`) against some run data. */
export type NestedEvaluator = (expression: string, data: ExpressionData, depth: number) => unknown;

const UNSET: unique symbol = Symbol('unset');

export class Ctx {
  /** Calls of expression functions so far (bounded by MAX_STEPS). */
  steps = 0;
  /** Current nesting of expression function calls (bounded by MAX_DEPTH). */
  depth = 0;
  #json: unknown = UNSET;
  #now: DateTime | undefined;

  constructor(
    readonly data: ExpressionData,
    readonly nested: NestedEvaluator,
    /** How deep this evaluation is nested in `$parameter` / `$evaluateExpression` lookups. */
    readonly nesting: number,
  ) {}

  get tz(): string {
    return this.data.timezone;
  }

  /** The current input item, if any. */
  item(): Item | undefined {
    return this.data.inputItems()[this.data.itemIndex];
  }

  /** `$json`: cached, as most expressions read it more than once. `{}` when there is no input. */
  json(): unknown {
    if (this.#json === UNSET) {
      const item = this.item();
      this.#json = item === undefined ? {} : item.json;
    }
    return this.#json;
  }

  /** The run clock, read once per evaluation so `$now` is stable within one expression. */
  now(): DateTime {
    if (this.#now === undefined) this.#now = this.data.now().setZone(this.tz);
    return this.#now;
  }
}

/** Local variables of one call of an expression function, chained to the closure's frame. */
export class Frame {
  constructor(
    readonly v: unknown[],
    readonly p: Frame | null,
  ) {}
}
