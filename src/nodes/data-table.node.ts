/**
 * Data Table (n8n `dataTable` v1.1, `nodes/DataTable/actions/row/*.operation.ts`,
 * `common/{addRow,selectMany,utils,constants}.ts`): rows of Relais' built-in tables, reached
 * through the TableAccess port (`ctx.service(TABLES)`), never the store.
 *
 * Operations (n8n names, plus Relais aliases `query` = get and `delete` = deleteRows):
 * - `insert`: every item becomes a row; all items go in ONE call, so an import of 10,000 items is
 *   one transaction (a bad value in item 7,000 and nothing is written). Output: the inserted rows,
 *   or with `options.optimizeBulk` one `{ success, insertedRows }` item.
 * - `upsert`: insert or update by key columns (`ON CONFLICT`), all items in one transaction. The
 *   keys are `columns.matchingColumns`, or the columns of `filters` conditions that are all `eq`
 *   (n8n's way of matching rows; their `keyValue` is the key). A unique index on exactly the keys
 *   must exist; `options.createIndex` creates it instead of refusing.
 * - `update`, `deleteRows`: the rows matching `filters` (at least one condition, as n8n requires).
 * - `get`: rows matching `filters` (none = all), `orderBy`/`orderByColumn`/`orderByDirection`,
 *   `limit` (50) or `returnAll`. Runs once per input item, like n8n.
 * - `rowExists` / `rowNotExists`: pass the input item on when a matching row exists / does not.
 *
 * n8n kept: `matchType` defaults to `anyCondition` (OR); conditions eq, neq, like (contains,
 * case-sensitive), ilike, gt, gte, lt, lte, isEmpty, isNotEmpty, isTrue, isFalse; autoMap drops
 * the system columns of items that came from another Data Table node; `id`, `createdAt`,
 * `updatedAt` in conditions and order mean `_id`, `_created_at`, `_updated_at` unless the table
 * has such a column. Not supported: the `table` resource (use the API), `options.dryRun`.
 */
import { z } from 'zod';
import { NodeError, NonRetryableError } from '../engine/errors.js';
import type { Item, JsonObject } from '../engine/items.js';
import {
  type Condition,
  type Filter,
  isTableError,
  type RowValues,
  SYSTEM_COLUMNS,
  TABLES,
  type TableAccess,
  type TableRow,
} from '../tables/port.js';
import { defineNode, errorItem, mapItems, type NodeContext } from './sdk.js';

const resourceLocator = z.union([
  z.string(),
  z.looseObject({ __rl: z.boolean().optional(), mode: z.string().default('list'), value: z.unknown() }),
]);

const params = z.looseObject({
  resource: z.string().default('row'),
  operation: z
    .enum(['insert', 'get', 'update', 'upsert', 'deleteRows', 'rowExists', 'rowNotExists', 'query', 'delete'])
    .default('insert'),
  dataTableId: resourceLocator.default({ mode: 'list', value: '' }),
  columns: z
    .looseObject({
      mappingMode: z.enum(['defineBelow', 'autoMapInputData']).default('defineBelow'),
      value: z.record(z.string(), z.unknown()).nullable().default(null),
      matchingColumns: z.array(z.string()).default([]),
    })
    .default({ mappingMode: 'defineBelow', value: null, matchingColumns: [] }),
  matchType: z.enum(['anyCondition', 'allConditions']).default('anyCondition'),
  filters: z
    .looseObject({
      conditions: z
        .array(
          z.looseObject({
            keyName: z.string().default('id'),
            condition: z.string().default('eq'),
            keyValue: z.unknown().optional(),
          }),
        )
        .default([]),
    })
    .default({ conditions: [] }),
  returnAll: z.boolean().default(false),
  limit: z.number().int().min(1).default(50),
  orderBy: z.boolean().default(false),
  orderByColumn: z.string().default('createdAt'),
  orderByDirection: z.enum(['ASC', 'DESC']).default('DESC'),
  options: z
    .looseObject({
      optimizeBulk: z.boolean().default(false),
      dryRun: z.boolean().default(false),
      /** Relais: upsert creates the unique index on the key columns when it is missing. */
      createIndex: z.boolean().default(false),
    })
    .default({ optimizeBulk: false, dryRun: false, createIndex: false }),
});

type Params = z.output<typeof params>;

/** n8n's names of its system columns, mapped to Relais' when the table has no such column. */
const N8N_SYSTEM: Record<string, string> = { id: '_id', createdAt: '_created_at', updatedAt: '_updated_at' };

const CONDITIONS: Record<string, (value: unknown) => Pick<Condition, 'op' | 'value'>> = {
  eq: (value) => ({ op: 'eq', value }),
  neq: (value) => ({ op: 'ne', value }),
  ne: (value) => ({ op: 'ne', value }),
  like: (value) => ({ op: 'like', value }),
  ilike: (value) => ({ op: 'ilike', value }),
  gt: (value) => ({ op: 'gt', value }),
  gte: (value) => ({ op: 'gte', value }),
  lt: (value) => ({ op: 'lt', value }),
  lte: (value) => ({ op: 'lte', value }),
  in: (value) => ({
    op: 'in',
    value: typeof value === 'string' ? value.split(',').map((s) => s.trim()) : value,
  }),
  isEmpty: () => ({ op: 'isNull' }),
  isNotEmpty: () => ({ op: 'isNotNull' }),
  isNull: () => ({ op: 'isNull' }),
  isNotNull: () => ({ op: 'isNotNull' }),
  isTrue: () => ({ op: 'eq', value: true }),
  isFalse: () => ({ op: 'eq', value: false }),
};

function tableRef(p: Params): string {
  const raw = typeof p.dataTableId === 'string' ? p.dataTableId : p.dataTableId.value;
  const ref = typeof raw === 'string' ? raw.trim() : raw === undefined || raw === null ? '' : String(raw);
  if (ref === '') throw new NonRetryableError("Parameter 'dataTableId' is required: the table's name or id");
  return ref;
}

/** `id`/`createdAt`/`updatedAt` mean the system columns, unless the table has a column of that name. */
function columnName(name: string, userColumns: ReadonlySet<string>): string {
  return !userColumns.has(name) && N8N_SYSTEM[name] ? N8N_SYSTEM[name] : name;
}

function filterOf(p: Params, userColumns: ReadonlySet<string>): Filter {
  const conditions = p.filters.conditions.map((c, i): Condition => {
    const make = CONDITIONS[c.condition];
    if (!make) {
      throw new NonRetryableError(
        `Parameter 'filters.conditions[${i}].condition': unknown condition '${c.condition}'`,
      );
    }
    return { column: columnName(c.keyName, userColumns), ...make(c.keyValue) };
  });
  return { match: p.matchType === 'allConditions' ? 'all' : 'any', conditions };
}

function rowOf(p: Params, item: Item): RowValues {
  if (p.columns.mappingMode === 'autoMapInputData') {
    const row: JsonObject = { ...item.json };
    for (const system of SYSTEM_COLUMNS) delete row[system];
    return row;
  }
  return { ...(p.columns.value ?? {}) };
}

/** Upsert keys: `columns.matchingColumns`, else the columns of all-`eq` conditions (their values become the keys). */
function upsertKeys(p: Params, row: RowValues): string[] {
  if (p.columns.matchingColumns.length > 0) return p.columns.matchingColumns;
  const conditions = p.filters.conditions;
  if (conditions.length === 0) {
    throw new NonRetryableError(
      "Upsert needs key columns: set 'columns.matchingColumns', or 'filters' conditions with 'eq' on the key columns",
    );
  }
  if (
    conditions.some((c) => c.condition !== 'eq') ||
    (conditions.length > 1 && p.matchType !== 'allConditions')
  ) {
    throw new NonRetryableError(
      "Parameter 'filters': an upsert matches rows by key columns, so its conditions must all be 'eq' (with 'matchType' allConditions when there are several)",
    );
  }
  for (const c of conditions) row[c.keyName] = c.keyValue;
  return conditions.map((c) => c.keyName);
}

/** A refusal of the table service fails the node without retries; a database failure may be retried. */
function nodeError(error: unknown, itemIndex?: number): Error {
  if (isTableError(error)) {
    const row = typeof error.details?.row === 'number' ? error.details.row : undefined;
    return new NonRetryableError(error.message, {
      code: `TABLE_${error.code.toUpperCase()}`,
      itemIndex: row ?? itemIndex,
    });
  }
  if (error instanceof NodeError) return error;
  return new NodeError(`Data table: ${(error as Error)?.message ?? String(error)}`, {
    itemIndex,
    cause: error,
  });
}

const rowItems = (rows: TableRow[], itemIndex: number): Item[] =>
  rows.map((json) => ({ json: json as JsonObject, pairedItem: { item: itemIndex } }));

interface Group {
  table: string;
  keys?: string[];
  rows: RowValues[];
  at: number[];
}

/** Insert and upsert: items grouped by table (and keys), one transaction per group — usually one. */
async function writeBatch(ctx: NodeContext<Params>, tables: TableAccess, upsert: boolean): Promise<Item[]> {
  const groups = new Map<string, Group>();
  const first = ctx.getParams(0);
  for (let i = 0; i < ctx.items.length; i++) {
    const p = ctx.getParams(i);
    const row = rowOf(p, ctx.items[i]);
    const keys = upsert ? upsertKeys(p, row) : undefined;
    const table = tableRef(p);
    const id = JSON.stringify([table, keys]);
    let group = groups.get(id);
    if (!group) {
      group = { table, keys, rows: [], at: [] };
      groups.set(id, group);
    }
    group.rows.push(row);
    group.at.push(i);
  }
  const bulk = !upsert && first.options.optimizeBulk;
  const out: Item[] = [];
  for (const group of groups.values()) {
    try {
      const opts = { runId: ctx.execution.id, returnRows: !bulk };
      const result = group.keys
        ? await tables.upsert(group.table, group.rows, {
            ...opts,
            keys: group.keys,
            createIndex: first.options.createIndex,
          })
        : await tables.insert(group.table, group.rows, opts);
      if (bulk) {
        out.push({
          json: { success: true, insertedRows: result.count },
          pairedItem: group.at.map((item) => ({ item })),
        });
      } else {
        for (const [k, row] of result.rows.entries()) {
          out.push({ json: row as JsonObject, pairedItem: { item: group.at[k] } });
        }
      }
    } catch (error) {
      const row =
        isTableError(error) && typeof error.details?.row === 'number' ? error.details.row : undefined;
      const failed = nodeError(error, row === undefined ? undefined : group.at[row]);
      if (!ctx.continueOnFail) throw failed;
      // Nothing of the group was written: every one of its items reports the failure.
      for (const i of group.at) out.push(errorItem(failed, i));
    }
  }
  return out;
}

async function execute(ctx: NodeContext<Params>): Promise<Item[][]> {
  if (ctx.items.length === 0) return [[]];
  const first = ctx.getParams(0);
  if (first.resource !== 'row') {
    throw new NonRetryableError(
      `Parameter 'resource': only 'row' is supported (manage tables with /api/tables)`,
    );
  }
  if (first.options.dryRun) throw new NonRetryableError(`Option 'dryRun' is not supported`);
  const tables = ctx.service(TABLES);
  const operation =
    first.operation === 'query' ? 'get' : first.operation === 'delete' ? 'deleteRows' : first.operation;
  if (operation === 'insert' || operation === 'upsert')
    return [await writeBatch(ctx, tables, operation === 'upsert')];

  const userColumns = new Map<string, Set<string>>();
  const columnsOf = async (table: string): Promise<Set<string>> => {
    let names = userColumns.get(table);
    if (!names) {
      names = new Set((await tables.describe(table)).columns.map((c) => c.name));
      userColumns.set(table, names);
    }
    return names;
  };

  const out = await mapItems(ctx, async (item, i) => {
    const p = ctx.getParams(i);
    try {
      const table = tableRef(p);
      const columns = await columnsOf(table);
      const filter = filterOf(p, columns);
      if (operation === 'get' || operation === 'rowExists' || operation === 'rowNotExists') {
        const sort = p.orderBy
          ? [
              {
                column: columnName(p.orderByColumn, columns),
                direction: p.orderByDirection === 'DESC' ? 'desc' : 'asc',
              } as const,
            ]
          : undefined;
        if (operation !== 'get') {
          const page = await tables.query(table, { filter, limit: 1 });
          const exists = page.items.length > 0;
          return exists === (operation === 'rowExists') ? { json: item.json, binary: item.binary } : null;
        }
        return rowItems(await readRows(tables, table, filter, sort, p.returnAll ? undefined : p.limit), i);
      }
      if (filter.conditions.length === 0) {
        throw new NonRetryableError(
          `Parameter 'filters': at least one condition is required for '${operation}'`,
        );
      }
      const result =
        operation === 'update'
          ? await tables.update(table, filter, rowOf(p, item), { runId: ctx.execution.id })
          : await tables.delete(table, filter);
      return rowItems(result.rows, i);
    } catch (error) {
      throw nodeError(error, i);
    }
  });
  return [out];
}

/** All pages up to `limit` rows (or every row), following the keyset cursor. */
async function readRows(
  tables: TableAccess,
  table: string,
  filter: Filter,
  sort: { column: string; direction: 'asc' | 'desc' }[] | undefined,
  limit: number | undefined,
): Promise<TableRow[]> {
  const rows: TableRow[] = [];
  let cursor: string | null = null;
  do {
    const want = limit === undefined ? 1000 : Math.min(1000, limit - rows.length);
    const page = await tables.query(table, { filter, sort, limit: want, cursor });
    rows.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && (limit === undefined || rows.length < limit));
  return rows;
}

export const dataTableNode = defineNode({
  type: 'dataTable',
  version: 1,
  displayName: 'Data Table',
  description: "Insert, upsert, update, delete and query rows of Relais' built-in tables",
  group: 'action',
  params,
  inputs: 1,
  outputs: ['main'],
  execute,
});
