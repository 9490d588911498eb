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
  /** Items a combined statement stands for (MySQL's one INSERT for all items); default `[itemIndex]`. */
  items?: number[];
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
  const pairedItem = plan.items ? plan.items.map((item) => ({ item })) : { item: plan.itemIndex };
  if (rows.length > 0) return rows.map((r) => ({ json: jsonRow(r) as JsonObject, pairedItem }));
  return plan.readOnly ? [] : [{ json: { success: true }, pairedItem }];
}

/** A row from an item: its json (auto-map) or the columns defined below. */
export function rowFromItem(
  mode: string,
  item: Item,
  defined: Record<string, unknown> | null | undefined,
): JsonObject {
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
export function splitUpdate(
  row: JsonObject,
  keys: readonly string[],
): { set: JsonObject; match: JsonObject } {
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

/** One connection, as the runner needs it. `run` throws node errors (see errors.ts). */
export interface SqlSession {
  run(statement: Statement, plan: Plan): Promise<Record<string, unknown>[]>;
  begin(): Promise<void>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
}

export type Batching = 'single' | 'independently' | 'transaction';

/**
 * n8n's query batching. `independently`: each item's statements alone, a failure (under
 * continue-on-fail) reported on its item. `transaction`: all in one transaction, rolled back on a
 * failure. `single`: n8n sends one multi-statement query — one implicit transaction on
 * PostgreSQL (`singleInTransaction`), statements committed one by one on MySQL — and answers
 * `{ success: true }` once, paired with every item, when no statement returned rows.
 */
export async function runPlans(
  session: SqlSession,
  plans: Plan[],
  mode: Batching,
  opts: { continueOnFail: boolean; itemCount: number; singleInTransaction: boolean },
): Promise<Item[]> {
  const exec = async (plan: Plan) => {
    const rows: Record<string, unknown>[] = [];
    for (const s of plan.statements) rows.push(...(await session.run(s, plan)));
    return rows;
  };
  const out: Item[] = [];
  if (mode === 'independently') {
    for (const plan of plans) {
      try {
        out.push(...resultItems(plan, await exec(plan)));
      } catch (error) {
        if (!opts.continueOnFail) throw error;
        out.push(errorItem(error, plan.itemIndex));
      }
    }
    return out;
  }
  const transactional = mode === 'transaction' || opts.singleInTransaction;
  if (transactional) await session.begin();
  try {
    const results: [Plan, Record<string, unknown>[]][] = [];
    for (const plan of plans) results.push([plan, await exec(plan)]);
    const nothing = results.every(([, rows]) => rows.length === 0);
    if (mode === 'single' && nothing && results.every(([plan]) => plan.mustMatch === undefined)) {
      if (!results.every(([plan]) => plan.readOnly)) {
        out.push({
          json: { success: true },
          pairedItem: Array.from({ length: opts.itemCount }, (_, item) => ({ item })),
        });
      }
    } else {
      for (const [plan, rows] of results) out.push(...resultItems(plan, rows));
    }
    if (transactional) await session.commit();
    return out;
  } catch (error) {
    if (transactional) await session.rollback().catch(() => {});
    if (!opts.continueOnFail) throw error;
    // Rolled back (or stopped at the failure): the failure is the answer.
    const itemIndex = (error as { itemIndex?: number }).itemIndex ?? plans[0]?.itemIndex ?? 0;
    return [errorItem(error, itemIndex)];
  }
}
