/**
 * What the Postgres and MySQL nodes share between reading their parameters and running SQL: the
 * plan of one item (its statements, whether they only read, what an empty answer means) and the
 * n8n rules for rows built from items (auto-mapped or defined below, key columns present, values
 * to update). Each node builds plans with its dialect and runs them with its driver.
 */
import { NonRetryableError } from '../../../engine/errors.js';
import type { Item, JsonObject } from '../../../engine/items.js';
import { errorItem, type NodeContext } from '../../sdk.js';
import { isSelectOnly, jsonRow } from './builder.js';
import type { Statement } from './query-text.js';

export interface Plan {
  itemIndex: number;
  statements: Statement[];
  /** Only SELECTs: no rows means no output (n8n ≥ 2.3), not `{ success: true }`. */
  readOnly: boolean;
  /** Update: no row returned means the row to update does not exist (n8n's check). */
  mustMatch?: string;
}

export function plan(itemIndex: number, statements: Statement[], extra: Partial<Plan> = {}): Plan {
  return { itemIndex, statements, readOnly: isSelectOnly(statements.map((s) => s.text)), ...extra };
}

/** Plans for every item; a bad item fails the node, or becomes an error item under continue-on-fail. */
export function planItems(
  ctx: NodeContext<unknown>,
  build: (i: number) => Plan | Plan[],
  errors: Item[],
): Plan[] {
  const plans: Plan[] = [];
  for (let i = 0; i < ctx.items.length; i++) {
    try {
      const built = build(i);
      plans.push(...(Array.isArray(built) ? built : [built]));
    } catch (error) {
      if (!ctx.continueOnFail) {
        if (error && typeof error === 'object' && (error as { itemIndex?: number }).itemIndex === undefined) {
          (error as { itemIndex?: number }).itemIndex = i;
        }
        throw error;
      }
      errors.push(errorItem(error, i));
    }
  }
  return plans;
}

/** The items a plan's results give: its rows, else `{ success: true }` unless it only read. */
export function resultItems(plan: Plan, rows: Record<string, unknown>[]): Item[] {
  if (plan.mustMatch !== undefined && rows.length === 0) {
    throw new NonRetryableError("The row you are trying to update doesn't exist", {
      description: plan.mustMatch,
      itemIndex: plan.itemIndex,
    });
  }
  if (rows.length > 0) return rows.map((r) => ({ json: jsonRow(r) as JsonObject, pairedItem: { item: plan.itemIndex } }));
  return plan.readOnly ? [] : [{ json: { success: true }, pairedItem: { item: plan.itemIndex } }];
}

/** A row from an item: its json (auto-map) or the columns defined below. */
export function rowFromItem(mode: string, item: Item, defined: Record<string, unknown> | null | undefined): JsonObject {
  return mode === 'autoMapInputData' ? { ...item.json } : { ...(defined ?? {}) };
}

/** n8n's checks of an upsert row (`Postgres/v2/actions/database/upsert.operation.ts`). */
export function checkUpsertRow(row: JsonObject, keys: readonly string[]): void {
  if (keys.length === 0) {
    throw new NonRetryableError("Parameter 'columns.matchingColumns': choose the column(s) to match on");
  }
  if (!row[keys[0]] && row[keys[0]] !== 0 && row[keys[0]] !== false) {
    throw new NonRetryableError(
      "Column to match on not found in input item. Add a column to match on or set the 'Data Mode' to 'Define Below' to define the value to match on.",
    );
  }
  if (Object.keys(row).length <= keys.length) {
    throw new NonRetryableError(
      "Add values to update or insert to the input item or set the 'Data Mode' to 'Define Below' to define the values to insert or update.",
    );
  }
}

/** Splits an update row into the values to set and the key values to match. */
export function splitUpdate(row: JsonObject, keys: readonly string[]): { set: JsonObject; match: JsonObject } {
  if (keys.length === 0) {
    throw new NonRetryableError("Parameter 'columns.matchingColumns': choose the column(s) to match on");
  }
  const set: JsonObject = {};
  const match: JsonObject = {};
  for (const [k, v] of Object.entries(row)) (keys.includes(k) ? match : set)[k] = v;
  for (const k of keys) {
    if (!(k in match)) {
      throw new NonRetryableError(
        `Column to match on '${k}' not found in input item. Add it to the item or set the 'Data Mode' to 'Define Below'.`,
      );
    }
  }
  if (Object.keys(set).length === 0) {
    throw new NonRetryableError(
      "Add values to update to the input item or set the 'Data Mode' to 'Define Below' to define the values to update.",
    );
  }
  return { set, match };
}

export function describeMatch(match: JsonObject, table: string): string {
  const values = Object.entries(match)
    .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join(', ');
  return `No rows matching the provided values (${values}) were found in the table "${table}".`;
}
