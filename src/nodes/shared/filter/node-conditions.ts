/**
 * What the nodes built on a filter parameter share: evaluating it for one item with n8n's error
 * handling, deduplicated warnings, and the IF/Filter split of items into passing and failing.
 */
import { NodeError, NonRetryableError } from '../../../engine/errors.js';
import type { Item } from '../../../engine/items.js';
import type { NodeContext } from '../../sdk.js';
import { executeFilter } from './evaluate.js';
import {
  type FilterNodeParams,
  type FilterValueInput,
  filterDefaults,
  resolveFilterValue,
} from './schema.js';

/** n8n's hint on condition failures that carry none, when types are checked strictly. */
export const ENABLE_LESS_STRICT_TYPE_VALIDATION =
  "Try changing the type of comparison. Alternatively you can enable 'Convert types where required'.";

export interface EvaluateOptions {
  itemIndex: number;
  /** Filter version the node writes into new conditions (IF 2.2, Switch 3.2, Filter 2.2: 2). */
  filterVersion: number;
  timezone?: string;
  warn?: (message: string) => void;
}

/**
 * Evaluates `value` for one item. Failures become NodeErrors carrying the item index; like n8n's
 * IF, Switch and Filter, a failure without a description gets the "enable loose types" hint
 * unless the node already converts types.
 */
export function evaluateConditions(
  value: FilterValueInput,
  node: FilterNodeParams,
  opts: EvaluateOptions,
): boolean {
  try {
    return executeFilter(resolveFilterValue(value, filterDefaults(node, opts.filterVersion)), {
      itemIndex: opts.itemIndex,
      timezone: opts.timezone,
      warn: opts.warn,
    });
  } catch (error) {
    if (error instanceof NodeError) throw withItemIndex(error, opts.itemIndex);
    // e.g. a SyntaxError from an invalid regular expression
    const message = error instanceof Error ? error.message : String(error);
    throw new NonRetryableError(message, {
      code: 'FILTER_ERROR',
      itemIndex: opts.itemIndex,
      description: node.looseTypeValidation ? undefined : ENABLE_LESS_STRICT_TYPE_VALIDATION,
      cause: error,
    });
  }
}

/** Logs each distinct warning once per node execution (n8n logs it per item), to the step log too. */
export function onceWarner<P>(ctx: NodeContext<P>): (message: string) => void {
  const seen = new Set<string>();
  return (message) => {
    if (seen.has(message)) return;
    seen.add(message);
    ctx.logger.warn(message, { node: ctx.node.name });
    ctx.stepLog(`Warning: ${message}`);
  };
}

export function withItemIndex<E>(error: E, itemIndex: number): E {
  if (error && typeof error === 'object' && (error as { itemIndex?: number }).itemIndex === undefined) {
    try {
      (error as { itemIndex?: number }).itemIndex = itemIndex;
    } catch {
      // a frozen error keeps its own shape
    }
  }
  return error;
}

/** The parameters IF v2.2 and Filter v2.2 share. */
export interface ConditionsNodeParams extends FilterNodeParams {
  conditions: FilterValueInput;
}

/**
 * IF and Filter: each item goes to the first list when its conditions pass, to the second
 * otherwise, unchanged and paired with its input index. With continue-on-fail, an item whose
 * evaluation fails goes to the second list (n8n adds no error item there).
 */
export function splitByConditions<P extends ConditionsNodeParams>(
  ctx: NodeContext<P>,
  filterVersion: number,
): [Item[], Item[]] {
  const passed: Item[] = [];
  const failed: Item[] = [];
  const warn = onceWarner(ctx);
  const timezone = ctx.now().zoneName ?? undefined;
  ctx.items.forEach((item, itemIndex) => {
    const out: Item = { ...item, pairedItem: { item: itemIndex } };
    let pass: boolean;
    try {
      const params = ctx.getParams(itemIndex);
      pass = evaluateConditions(params.conditions, params, { itemIndex, filterVersion, timezone, warn });
    } catch (error) {
      if (!ctx.continueOnFail) throw withItemIndex(error, itemIndex);
      pass = false;
    }
    (pass ? passed : failed).push(out);
  });
  return [passed, failed];
}
