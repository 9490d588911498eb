/**
 * Parameter pieces the Postgres and MySQL nodes share, with n8n's names and defaults
 * (`Postgres/v2/actions/common.descriptions.ts`, `MySql/v2/actions/common.descriptions.ts`).
 */
import { z } from 'zod';
import { NonRetryableError } from '../../../engine/errors.js';
import type { JsonObject } from '../../../engine/items.js';
import type { NodeContext } from '../../sdk.js';
import { splitReplacements } from './query-text.js';

/** n8n's resource locator (`{ __rl, mode, value }`), or a plain string. */
export const resourceLocator = (fallback: string) =>
  z
    .union([
      z.string(),
      z.looseObject({ __rl: z.boolean().optional(), mode: z.string().default('list'), value: z.unknown() }),
    ])
    .default({ mode: 'list', value: fallback });

export type ResourceLocator = z.output<ReturnType<typeof resourceLocator>>;

export function locatorValue(value: ResourceLocator, parameter: string, required = true): string {
  const raw = typeof value === 'string' ? value : value.value;
  const text = raw === undefined || raw === null ? '' : String(raw).trim();
  if (required && text === '') throw new NonRetryableError(`Parameter '${parameter}' is required`);
  return text;
}

export const whereCondition = z.looseObject({
  column: z.string().default(''),
  condition: z.string().default('equal'),
  value: z.unknown().optional(),
});

/** "Select Rows": `{ values: [{ column, condition, value }] }`. */
export const whereCollection = z
  .looseObject({ values: z.array(whereCondition).default([]) })
  .default({ values: [] });

export const sortCollection = z
  .looseObject({
    values: z
      .array(
        z.looseObject({ column: z.string().default(''), direction: z.enum(['ASC', 'DESC']).default('ASC') }),
      )
      .default([]),
  })
  .default({ values: [] });

/** The resource mapper of Postgres ≥ 2.2: how items become column values, and the key columns. */
export const columnsMapper = z
  .looseObject({
    mappingMode: z.enum(['defineBelow', 'autoMapInputData']).default('defineBelow'),
    value: z.record(z.string(), z.unknown()).nullable().default(null),
    matchingColumns: z.array(z.string()).default([]),
  })
  .default({ mappingMode: 'defineBelow', value: null, matchingColumns: [] });

export type WhereCondition = z.output<typeof whereCondition>;
export type SortRule = { column: string; direction: 'ASC' | 'DESC' };

/** n8n's operators of "Select Rows", mapped to SQL (a closed list: nothing else reaches the SQL text). */
export const WHERE_OPERATORS: Readonly<Record<string, string>> = {
  equal: '=',
  '=': '=',
  '!=': '<>',
  LIKE: 'LIKE',
  '>': '>',
  '<': '<',
  '>=': '>=',
  '<=': '<=',
  'IS NULL': 'IS NULL',
  'IS NOT NULL': 'IS NOT NULL',
};

export function checkedWhere(conditions: WhereCondition[]): { column: string; op: string; value: unknown }[] {
  return conditions.map((c, index) => {
    const op = WHERE_OPERATORS[c.condition];
    if (!op)
      throw new NonRetryableError(
        `Parameter 'where': unknown operator '${c.condition}' in entry ${index + 1}`,
      );
    if (!c.column) throw new NonRetryableError(`Parameter 'where': entry ${index + 1} names no column`);
    let value = c.value;
    if (['>', '<', '>=', '<='].includes(op)) {
      value = Number(c.value);
      if (Number.isNaN(value)) {
        // n8n's wording (Postgres/v2/helpers/utils.ts addWhereClauses).
        throw new NonRetryableError(
          `Operator in entry ${index + 1} of 'Select Rows' works with numbers, but value ${String(c.value)} is not a number`,
        );
      }
    }
    return { column: c.column, op, value };
  });
}

/** n8n's "Replace Empty Strings with NULL". */
export function emptyStringsToNull(row: JsonObject, replace: boolean): JsonObject {
  if (!replace) return row;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(row)) out[k] = v === '' ? null : v;
  return out;
}

/**
 * The Query Parameters of item `i`: an evaluated list, or n8n's comma-separated text whose
 * entries may hold expressions (each `{{ }}` entry keeps its type). MySQL's older fixed
 * collection (`{ values: [{ value }] }`) is read too.
 */
export function queryReplacements(ctx: NodeContext<unknown>, i: number, evaluated: unknown): unknown[] {
  const raw = (ctx.node.parameters.options as { queryReplacement?: unknown } | undefined)?.queryReplacement;
  if (evaluated === undefined || evaluated === null || evaluated === '') return [];
  if (Array.isArray(evaluated)) return evaluated;
  if (typeof evaluated === 'object') {
    const values = (evaluated as { values?: { value?: unknown }[] }).values;
    if (Array.isArray(values)) return values.map((v) => v.value ?? null);
  }
  if (typeof evaluated === 'number' || typeof evaluated === 'boolean') return [evaluated];
  if (typeof evaluated !== 'string') {
    throw new NonRetryableError(
      "Parameter 'options.queryReplacement': Query Parameters must be a string of comma-separated values or an array of values",
    );
  }
  const source = typeof raw === 'string' ? raw : evaluated;
  return splitReplacements(source).map((entry) => {
    const whole = /^\{\{([\s\S]*)\}\}$/.exec(entry);
    if (whole && !whole[1].includes('{{')) return ctx.evaluate(`={{${whole[1]}}}`, i);
    if (entry.includes('{{')) return ctx.evaluate(`=${entry}`, i);
    return entry;
  });
}
