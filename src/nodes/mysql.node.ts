/**
 * MySQL / MariaDB (n8n `mySql` v2.4, `MySql/v2/actions/database/*.operation.ts`,
 * `v2/helpers/utils.ts`, `v2/transport/index.ts`) over `mysql2`, with a pool per credential kept
 * across executions (shared/sql/pools.ts). Values are bound with server-side prepared statements
 * (`execute`), never formatted into the SQL text (n8n formats them client-side).
 *
 * Operations: `executeQuery` (`$1`... from `options.queryReplacement`, plain `?` in order,
 * `$1:name` identifiers, `{{ }}` expressions bound), `insert` (all items in one multi-row INSERT
 * in `single` batching, as n8n; `options.priority`, `options.skipOnConflict` = INSERT IGNORE),
 * `upsert` (`ON DUPLICATE KEY UPDATE`, matched on `columnToMatchOn`), `update` (by
 * `columnToMatchOn`), `select` (where, `options.combineConditions`, sort, limit/returnAll,
 * `options.selectDistinct`, `options.outputColumns`), `deleteTable` (truncate / delete / drop;
 * Relais alias `delete` = delete rows). `dataMode`: `autoMapInputData` (the item's fields) or
 * `defineBelow` (`valuesToSend`, and `valueToMatchOn` for upsert/update).
 *
 * Rows come out as items; writes answer `{ success: true }` (MySQL has no RETURNING). Batching:
 * `single` (default, n8n's one multi-statement query: statements run in order on one connection,
 * each committed), `transaction` (all or nothing), `independently`. Dates are read and written as
 * UTC. Credential `mySql`: host, port, database, user, password, ssl (+ caCertificate,
 * clientCertificate, clientPrivateKey), connectTimeout. Not supported: SSH tunnels.
 */
import type mysql from 'mysql2/promise';
import { z } from 'zod';
import { NonRetryableError } from '../engine/errors.js';
import type { Item, JsonObject } from '../engine/items.js';
import { lazyImport } from '../lazy-import.js';
import { defineNode, type NodeContext } from './sdk.js';
import {
  compile,
  deleteSql,
  dropSql,
  insertSql,
  quoteIdent,
  selectSql,
  tableRef,
  truncateSql,
  updateSql,
  upsertSql,
} from './shared/sql/builder.js';
import { mysqlError } from './shared/sql/errors.js';
import { type Plan, plan, planItems, runPlans, type SqlSession } from './shared/sql/operations.js';
import {
  checkedWhere,
  emptyStringsToNull,
  locatorValue,
  queryReplacements,
  resourceLocator,
  sortCollection,
  whereCollection,
} from './shared/sql/params.js';
import { sharedPoolCache } from './shared/sql/pools.js';
import { plain, prepareQuery, type Statement } from './shared/sql/query-text.js';

const params = z.looseObject({
  resource: z.string().default('database'),
  operation: z
    .enum(['deleteTable', 'executeQuery', 'insert', 'upsert', 'select', 'update', 'delete'])
    .default('insert'),
  table: resourceLocator(''),
  query: z.string().default(''),
  dataMode: z.enum(['autoMapInputData', 'defineBelow']).default('autoMapInputData'),
  valuesToSend: z
    .looseObject({
      values: z
        .array(z.looseObject({ column: z.string().default(''), value: z.unknown().optional() }))
        .default([]),
    })
    .default({ values: [] }),
  columnToMatchOn: z.string().default(''),
  valueToMatchOn: z.unknown().optional(),
  where: whereCollection,
  sort: sortCollection,
  returnAll: z.boolean().default(false),
  limit: z.number().int().min(1).default(50),
  deleteCommand: z.enum(['truncate', 'delete', 'drop']).default('truncate'),
  options: z
    .looseObject({
      connectionTimeoutMillis: z.number().min(0).default(0),
      connectionLimit: z.number().int().min(1).default(10),
      combineConditions: z.enum(['AND', 'OR']).default('AND'),
      queryBatching: z.enum(['single', 'multiple', 'independently', 'transaction']).default('single'),
      queryReplacement: z.unknown().optional(),
      outputColumns: z.array(z.string()).optional(),
      largeNumbersOutput: z.enum(['numbers', 'text']).default('text'),
      priority: z.enum(['LOW_PRIORITY', 'HIGH_PRIORITY']).optional(),
      replaceEmptyStrings: z.boolean().default(false),
      selectDistinct: z.boolean().default(false),
      skipOnConflict: z.boolean().default(false),
    })
    .default({
      connectionTimeoutMillis: 0,
      connectionLimit: 10,
      combineConditions: 'AND',
      queryBatching: 'single',
      largeNumbersOutput: 'text',
      replaceEmptyStrings: false,
      selectDistinct: false,
      skipOnConflict: false,
    }),
});
type Params = z.output<typeof params>;

const credentialSchema = z.looseObject({
  host: z.string().min(1).default('localhost'),
  port: z.coerce.number().int().min(1).max(65535).default(3306),
  database: z.string().default('mysql'),
  user: z.string().default('mysql'),
  password: z.string().optional(),
  ssl: z.boolean().default(false),
  caCertificate: z.string().optional(),
  clientCertificate: z.string().optional(),
  clientPrivateKey: z.string().optional(),
  connectTimeout: z.number().int().min(0).default(10_000),
});
type MySqlCredential = z.output<typeof credentialSchema>;

/** A prepared statement takes at most 65,535 parameters. */
const MAX_PARAMS = 60_000;

const pools = sharedPoolCache<mysql.Pool>();
const driver = lazyImport(() => import('mysql2/promise').then((m) => m.default));

async function poolFor(c: MySqlCredential, p: Params): Promise<mysql.Pool> {
  const { createPool } = await driver();
  const config: mysql.PoolOptions = {
    host: c.host,
    port: c.port,
    database: c.database,
    user: c.user,
    password: c.password,
    ssl: c.ssl
      ? {
          ca: c.caCertificate || undefined,
          cert: c.clientCertificate || undefined,
          key: c.clientPrivateKey || undefined,
        }
      : undefined,
    connectTimeout: p.options.connectionTimeoutMillis || c.connectTimeout,
    connectionLimit: p.options.connectionLimit,
    timezone: 'Z',
    supportBigNumbers: true,
    bigNumberStrings: p.options.largeNumbersOutput === 'text',
    decimalNumbers: p.options.largeNumbersOutput === 'numbers',
  };
  return pools.get({ kind: 'mysql', ...config }, () => {
    const pool = createPool(config);
    // An idle connection dropped by the server must not crash the process.
    (pool as unknown as { on(event: string, fn: () => void): void }).on('error', () => {});
    return pool;
  });
}

async function execute(ctx: NodeContext<Params>): Promise<Item[][]> {
  if (ctx.items.length === 0) return [[]];
  const first = ctx.getParams(0);
  const credential = credentialSchema.parse(await ctx.getCredentials('mySql'));
  const pool = await poolFor(credential, first);
  const target = { host: credential.host, port: credential.port };
  const mode = first.options.queryBatching === 'multiple' ? 'single' : first.options.queryBatching;
  const dateColumns = ['insert', 'upsert', 'update'].includes(first.operation)
    ? await temporalColumns(pool, locatorValue(first.table, 'table'), target)
    : new Set<string>();
  const errors: Item[] = [];
  const plans =
    first.operation === 'insert' && mode === 'single'
      ? insertAll(ctx, errors, dateColumns)
      : planItems(ctx, (i) => planItem(ctx, i, dateColumns), errors);
  if (plans.length === 0) return [errors];

  let connection: mysql.PoolConnection;
  try {
    connection = await pool.getConnection();
  } catch (error) {
    throw mysqlError(error, target, undefined, plans[0].itemIndex);
  }
  let broken = false;
  const session: SqlSession = {
    async run(s, plan) {
      try {
        const [result] =
          s.values.length > 0
            ? await connection.execute(s.text, s.values as mysql.ExecuteValues[])
            : await connection.query(s.text);
        return Array.isArray(result) ? (result as Record<string, unknown>[]) : [];
      } catch (error) {
        const failed = mysqlError(error, target, s.text, plan.itemIndex);
        if (!(failed instanceof NonRetryableError)) broken = true;
        throw failed;
      }
    },
    begin: () => connection.beginTransaction(),
    commit: () => connection.commit(),
    rollback: () => connection.rollback(),
  };
  try {
    const out = await runPlans(session, plans, mode, {
      continueOnFail: ctx.continueOnFail,
      itemCount: ctx.items.length,
      singleInTransaction: false,
    });
    return [[...out, ...errors]];
  } finally {
    if (broken) connection.destroy();
    else connection.release();
  }
}

/**
 * DATE, DATETIME and TIMESTAMP columns of the table: ISO 8601 strings (what items carry) are sent
 * to them as dates, which MySQL's strict mode requires ('2026-01-02T03:04:05.000Z' is refused).
 */
async function temporalColumns(
  pool: mysql.Pool,
  table: string,
  target: { host: string; port: number },
): Promise<Set<string>> {
  const parts = table.split('.').map((p) => p.replace(/^`|`$/g, ''));
  const [schema, name] = parts.length > 1 ? parts : [null, parts[0]];
  try {
    const [rows] = await pool.execute(
      'select column_name as name from information_schema.columns where table_schema = coalesce(?, database()) and table_name = ? and data_type in (?, ?, ?)',
      [schema, name, 'date', 'datetime', 'timestamp'],
    );
    return new Set((rows as { name: string }[]).map((r) => r.name));
  } catch (error) {
    throw mysqlError(error, target);
  }
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

function withDates(row: JsonObject, dateColumns: Set<string>): JsonObject {
  if (dateColumns.size === 0) return row;
  const out: JsonObject = { ...row };
  for (const [k, v] of Object.entries(row)) {
    if (dateColumns.has(k) && typeof v === 'string' && ISO_INSTANT.test(v)) out[k] = new Date(v);
  }
  return out;
}

function rowOf(p: Params, item: Item): JsonObject {
  let row: JsonObject;
  if (p.dataMode === 'autoMapInputData') row = { ...item.json };
  else {
    row = {};
    for (const { column, value } of p.valuesToSend.values) if (column) row[column] = value ?? null;
  }
  return emptyStringsToNull(row, p.options.replaceEmptyStrings);
}

const bound = (row: JsonObject): JsonObject =>
  Object.fromEntries(Object.entries(row).map(([k, v]) => [k, plain(v)]));

/** n8n's single-batch insert: one INSERT of every item (the union of their columns), cut to fit the parameter limit. */
function insertAll(ctx: NodeContext<Params>, errors: Item[], dateColumns: Set<string>): Plan[] {
  const rows: JsonObject[] = [];
  const at: number[] = [];
  const first = ctx.getParams(0);
  planItems(
    ctx,
    (i) => {
      rows.push(bound(withDates(rowOf(ctx.getParams(i), ctx.items[i]), dateColumns)));
      at.push(i);
      return [];
    },
    errors,
  );
  if (rows.length === 0) return [];
  const table = tableRef('mysql', locatorValue(first.table, 'table'));
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const size = Math.max(1, Math.floor(MAX_PARAMS / Math.max(1, columns.length)));
  const statements: Statement[] = [];
  for (let start = 0; start < rows.length; start += size) {
    const chunk = rows.slice(start, start + size).map((r) => columns.map((c) => (c in r ? r[c] : null)));
    statements.push(
      compile(
        'mysql',
        insertSql('mysql', {
          table,
          columns,
          rows: chunk,
          ignore: first.options.skipOnConflict,
          priority: first.options.priority,
        }),
      ),
    );
  }
  return [plan(at[0], statements, { items: at })];
}

function planItem(ctx: NodeContext<Params>, i: number, dateColumns: Set<string>): Plan {
  const p = ctx.getParams(i);
  if (p.operation === 'executeQuery') {
    const raw = typeof ctx.node.parameters.query === 'string' ? ctx.node.parameters.query : p.query;
    if (!raw.trim()) throw new NonRetryableError("Parameter 'query' is required");
    const statements = prepareQuery(raw, {
      dialect: 'mysql',
      values: queryReplacements(ctx, i, p.options.queryReplacement),
      evaluate: (expression) => ctx.evaluate(`={{ ${expression} }}`, i, 'query'),
      quoteIdent: (name) => quoteIdent('mysql', name),
    });
    return plan(i, statements);
  }
  const tableName = locatorValue(p.table, 'table');
  const table = tableRef('mysql', tableName);
  const one = (q: Parameters<typeof compile>[1]) => plan(i, [compile('mysql', q)]);
  const where = () => checkedWhere(p.where.values);
  switch (p.operation) {
    case 'select':
      return one(
        selectSql({
          table,
          columns: p.options.outputColumns ?? [],
          where: where(),
          combine: p.options.combineConditions,
          sort: p.sort.values,
          limit: p.returnAll ? undefined : p.limit,
          distinct: p.options.selectDistinct,
        }),
      );
    case 'delete':
      return one(deleteSql(table, where(), p.options.combineConditions));
    case 'deleteTable':
      if (p.deleteCommand === 'drop') return one(dropSql('mysql', table, false));
      if (p.deleteCommand === 'truncate') return one(truncateSql('mysql', table, false, false));
      return one(deleteSql(table, where(), p.options.combineConditions));
    case 'insert': {
      const row = bound(withDates(rowOf(p, ctx.items[i]), dateColumns));
      const columns = Object.keys(row);
      return one(
        insertSql('mysql', {
          table,
          columns,
          rows: [columns.map((c) => row[c])],
          ignore: p.options.skipOnConflict,
          priority: p.options.priority,
        }),
      );
    }
    default: {
      const key = p.columnToMatchOn;
      if (!key) throw new NonRetryableError("Parameter 'columnToMatchOn' is required");
      const row = rowOf(p, ctx.items[i]);
      if (p.dataMode === 'defineBelow') row[key] = p.valueToMatchOn ?? null;
      if (!(key in row)) {
        throw new NonRetryableError(
          "Column to match on not found in input item. Add a column to match on or set the 'Data Mode' to 'Define Below' to define the value to match on.",
        );
      }
      const values = bound(withDates(row, dateColumns));
      if (p.operation === 'upsert') return one(upsertSql('mysql', table, values, [key]));
      const { [key]: matchValue, ...set } = values;
      if (Object.keys(set).length === 0) {
        throw new NonRetryableError(
          "Add values to update to the input item or set the 'Data Mode' to 'Define Below' to define the values to update.",
        );
      }
      return one(updateSql('mysql', table, set, { [key]: matchValue }));
    }
  }
}

export const mySqlNode = defineNode({
  type: 'mySql',
  version: 2.4,
  displayName: 'MySQL',
  description: 'Get, add and update data in MySQL or MariaDB',
  group: 'action',
  params,
  inputs: 1,
  outputs: ['main'],
  credentials: [{ name: 'mySql', required: true }],
  execute,
});
