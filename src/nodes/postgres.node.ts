/**
 * Postgres (n8n `postgres` v2.6, `Postgres/v2/actions/database/*.operation.ts`,
 * `v2/helpers/utils.ts`, `v2/transport/index.ts`) over `pg`, with a pool per credential kept
 * across executions (shared/sql/pools.ts).
 *
 * Operations: `executeQuery` (the `query`, with `options.queryReplacement` bound as `$1`..., and
 * `{{ }}` expressions in the query bound too — never spliced), `insert`, `upsert` (ON CONFLICT on
 * `columns.matchingColumns`), `update` (by `columns.matchingColumns`; fails when no row matches,
 * as n8n does), `select` (where, combineConditions, sort, limit/returnAll), `deleteTable`
 * (`deleteCommand` truncate / delete / drop; Relais alias `delete` = delete rows). Rows come out
 * as items (RETURNING `options.outputColumns`, default `*`), `{ success: true }` when a statement
 * returns none, nothing for a SELECT without rows.
 *
 * `options.queryBatching`: `single` (default: every item's statements in ONE transaction),
 * `transaction` (the same, continue-on-fail reports the failed item), `independently` (each item
 * commits alone). Items are checked against the table's columns first (n8n's "Column 'x' does not
 * exist in selected table"); json/jsonb values are sent as JSON. Credential `postgres`: host, port,
 * database, user, password, ssl (disable/allow/prefer/require/verify-ca/verify-full),
 * allowUnauthorizedCerts. Not supported: SSH tunnels, the older v2.0/2.1 parameters
 * (`dataMode`, `valuesToSend`, `columnToMatchOn`).
 */
import type pg from 'pg';
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
import { postgresError } from './shared/sql/errors.js';
import {
  checkUpsertRow,
  describeMatch,
  type Plan,
  plan,
  planItems,
  rowFromItem,
  runPlans,
  type SqlSession,
  splitUpdate,
} from './shared/sql/operations.js';
import {
  checkedWhere,
  columnsMapper,
  emptyStringsToNull,
  locatorValue,
  queryReplacements,
  resourceLocator,
  sortCollection,
  whereCollection,
} from './shared/sql/params.js';
import { sharedPoolCache } from './shared/sql/pools.js';
import { plain, prepareQuery } from './shared/sql/query-text.js';

const params = z.looseObject({
  resource: z.string().default('database'),
  operation: z
    .enum(['deleteTable', 'executeQuery', 'insert', 'upsert', 'select', 'update', 'delete'])
    .default('insert'),
  schema: resourceLocator('public'),
  table: resourceLocator(''),
  query: z.string().default(''),
  columns: columnsMapper,
  where: whereCollection,
  combineConditions: z.enum(['AND', 'OR']).default('AND'),
  sort: sortCollection,
  returnAll: z.boolean().default(false),
  limit: z.number().int().min(1).default(50),
  deleteCommand: z.enum(['truncate', 'delete', 'drop']).default('truncate'),
  restartSequences: z.boolean().default(false),
  options: z
    .looseObject({
      cascade: z.boolean().default(false),
      /** Seconds. */
      connectionTimeout: z.number().min(0).default(30),
      queryBatching: z.enum(['single', 'independently', 'transaction']).default('single'),
      queryReplacement: z.unknown().optional(),
      outputColumns: z.array(z.string()).optional(),
      largeNumbersOutput: z.enum(['numbers', 'text']).default('text'),
      skipOnConflict: z.boolean().default(false),
      replaceEmptyStrings: z.boolean().default(false),
    })
    .default({
      cascade: false,
      connectionTimeout: 30,
      queryBatching: 'single',
      largeNumbersOutput: 'text',
      skipOnConflict: false,
      replaceEmptyStrings: false,
    }),
});
type Params = z.output<typeof params>;

const credentialSchema = z.looseObject({
  host: z.string().min(1).default('localhost'),
  port: z.coerce.number().int().min(1).max(65535).default(5432),
  database: z.string().default('postgres'),
  user: z.string().default('postgres'),
  password: z.string().optional(),
  ssl: z.union([z.string(), z.boolean()]).default('disable'),
  allowUnauthorizedCerts: z.boolean().default(false),
});
type PgCredential = z.output<typeof credentialSchema>;

const pools = sharedPoolCache<pg.Pool>();
const driver = lazyImport(() => import('pg').then((m) => m.default));

function sslOf(c: PgCredential): pg.PoolConfig['ssl'] {
  if (c.allowUnauthorizedCerts) return { rejectUnauthorized: false };
  if (c.ssl === true || c.ssl === 'verify' || c.ssl === 'verify-ca' || c.ssl === 'verify-full')
    return { rejectUnauthorized: true };
  if (c.ssl === 'require' || c.ssl === 'prefer') return { rejectUnauthorized: false };
  return false;
}

async function poolFor(c: PgCredential, timeoutSeconds: number): Promise<pg.Pool> {
  const { Pool } = await driver();
  const config: pg.PoolConfig = {
    host: c.host,
    port: c.port,
    database: c.database,
    user: c.user,
    password: c.password,
    ssl: sslOf(c),
    connectionTimeoutMillis: timeoutSeconds > 0 ? timeoutSeconds * 1000 : undefined,
    max: 10,
    idleTimeoutMillis: 10_000,
  };
  return pools.get({ kind: 'postgres', ...config }, () => {
    const pool = new Pool(config);
    // An idle connection dropped by the server must not crash the process; the pool replaces it.
    pool.on('error', () => {});
    return pool;
  });
}

/** int8 and numeric as numbers (n8n's "Output Large-Format Numbers As: Numbers"). */
function numberTypes(types: typeof pg.types): pg.CustomTypesConfig {
  return {
    getTypeParser: ((oid: number, format?: string) => {
      if (oid === 20) return (v: string) => Number.parseInt(v, 10);
      if (oid === 1700) return (v: string) => Number.parseFloat(v);
      return types.getTypeParser(oid, format as 'text');
    }) as pg.CustomTypesConfig['getTypeParser'],
  };
}

interface ColumnInfo {
  name: string;
  dataType: string;
}

async function execute(ctx: NodeContext<Params>): Promise<Item[][]> {
  if (ctx.items.length === 0) return [[]];
  const first = ctx.getParams(0);
  const credential = credentialSchema.parse(await ctx.getCredentials('postgres'));
  const pool = await poolFor(credential, first.options.connectionTimeout);
  const target = { host: credential.host, port: credential.port };
  const operation = first.operation;

  // Column lists of the tables written, read once per execution.
  const schemas = new Map<string, ColumnInfo[]>();
  for (let i = 0; i < ctx.items.length && ['insert', 'upsert', 'update'].includes(operation); i++) {
    const p = ctx.getParams(i);
    const key = JSON.stringify([locatorValue(p.schema, 'schema'), locatorValue(p.table, 'table')]);
    if (schemas.has(key)) continue;
    try {
      const { rows } = await pool.query<{ column_name: string; data_type: string }>(
        'select column_name, data_type from information_schema.columns where table_schema = $1 and table_name = $2',
        JSON.parse(key),
      );
      schemas.set(
        key,
        rows.map((r) => ({ name: r.column_name, dataType: r.data_type })),
      );
    } catch (error) {
      throw postgresError(error, target, undefined, i);
    }
  }

  const errors: Item[] = [];
  const plans = planItems(ctx, (i) => planItem(ctx, i, schemas), errors);
  const out = await run(pool, plans, first, ctx.continueOnFail, target, ctx.items.length);
  return [[...out, ...errors].sort((a, b) => firstPair(a) - firstPair(b))];
}

function firstPair(item: Item): number {
  const p = item.pairedItem;
  return Array.isArray(p) ? (p[0]?.item ?? 0) : (p?.item ?? 0);
}

function planItem(ctx: NodeContext<Params>, i: number, schemas: Map<string, ColumnInfo[]>): Plan {
  const p = ctx.getParams(i);
  const operation = p.operation === 'delete' ? 'deleteTable' : p.operation;
  if (operation === 'executeQuery') {
    const raw = typeof ctx.node.parameters.query === 'string' ? ctx.node.parameters.query : p.query;
    if (!raw.trim()) throw new NonRetryableError("Parameter 'query' is required");
    const statements = prepareQuery(raw, {
      dialect: 'postgres',
      values: queryReplacements(ctx, i, p.options.queryReplacement),
      evaluate: (expression) => ctx.evaluate(`={{ ${expression} }}`, i, 'query'),
      quoteIdent: (name) => quoteIdent('postgres', name),
    });
    return plan(i, statements);
  }
  const schema = locatorValue(p.schema, 'schema');
  const tableName = locatorValue(p.table, 'table');
  const table = tableRef('postgres', tableName, schema);
  const returning =
    p.options.outputColumns && p.options.outputColumns.length > 0 ? p.options.outputColumns : '*';
  const one = (q: Parameters<typeof compile>[1], extra?: Partial<Plan>) =>
    plan(i, [compile('postgres', q)], extra);

  if (operation === 'select') {
    return one(
      selectSql({
        table,
        columns: p.options.outputColumns ?? [],
        where: checkedWhere(p.where.values),
        combine: p.combineConditions,
        sort: p.sort.values,
        limit: p.returnAll ? undefined : p.limit,
      }),
    );
  }
  if (operation === 'deleteTable') {
    const command = p.operation === 'delete' ? 'delete' : p.deleteCommand;
    if (command === 'drop') return one(dropSql('postgres', table, p.options.cascade));
    if (command === 'truncate')
      return one(truncateSql('postgres', table, p.restartSequences, p.options.cascade));
    return one(deleteSql(table, checkedWhere(p.where.values), p.combineConditions));
  }

  const columns = schemas.get(JSON.stringify([schema, tableName])) ?? [];
  if (columns.length === 0)
    throw new NonRetryableError(`Table "${schema}"."${tableName}" does not exist or has no columns`);
  const row = toColumns(
    emptyStringsToNull(
      rowFromItem(p.columns.mappingMode, ctx.items[i], p.columns.value),
      p.options.replaceEmptyStrings,
    ),
    columns,
  );
  const keys = p.columns.matchingColumns;
  if (operation === 'insert') {
    const names = Object.keys(row);
    return one(
      insertSql('postgres', {
        table,
        columns: names,
        rows: [names.map((n) => row[n])],
        returning,
        skipOnConflict: p.options.skipOnConflict,
      }),
    );
  }
  if (operation === 'upsert') {
    checkUpsertRow(row, keys);
    return one(upsertSql('postgres', table, row, keys, returning));
  }
  const { set, match } = splitUpdate(row, keys);
  return one(updateSql('postgres', table, set, match, returning), {
    mustMatch: describeMatch(match, tableName),
  });
}

/** n8n's `checkItemAgainstSchema`, and the values as `pg` should send them (json columns as JSON). */
function toColumns(row: JsonObject, columns: ColumnInfo[]): JsonObject {
  const byName = new Map(columns.map((c) => [c.name, c]));
  const out: JsonObject = {};
  for (const [name, value] of Object.entries(row)) {
    const column = byName.get(name);
    if (!column) throw new NonRetryableError(`Column '${name}' does not exist in selected table`);
    if (column.dataType === 'json' || column.dataType === 'jsonb') {
      out[name] =
        value === null || value === undefined || typeof value === 'string'
          ? (value ?? null)
          : JSON.stringify(value);
    } else if (column.dataType === 'ARRAY' && Array.isArray(value)) {
      out[name] = value;
    } else {
      out[name] = plain(value);
    }
  }
  return out;
}

async function run(
  pool: pg.Pool,
  plans: Plan[],
  p: Params,
  continueOnFail: boolean,
  target: { host: string; port: number },
  itemCount: number,
): Promise<Item[]> {
  if (plans.length === 0) return [];
  const types = p.options.largeNumbersOutput === 'numbers' ? numberTypes((await driver()).types) : undefined;
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw postgresError(error, target, undefined, plans[0].itemIndex);
  }
  let broken: Error | undefined;
  const session: SqlSession = {
    async run(s, plan) {
      try {
        const result = await client.query({ text: s.text, values: s.values, types });
        // Without parameters a query may hold several statements (simple protocol): each has rows.
        return (Array.isArray(result) ? result : [result]).flatMap((r: pg.QueryResult) => r.rows ?? []);
      } catch (error) {
        const failed = postgresError(error, target, s.text, plan.itemIndex);
        // A connection that failed below SQL is not handed back to the pool.
        if (!(failed instanceof NonRetryableError)) broken = failed;
        throw failed;
      }
    },
    begin: async () => void (await client.query('begin')),
    commit: async () => void (await client.query('commit')),
    rollback: async () => void (await client.query('rollback')),
  };
  try {
    return await runPlans(session, plans, p.options.queryBatching, {
      continueOnFail,
      itemCount,
      singleInTransaction: true,
    });
  } finally {
    client.release(broken);
  }
}

export const postgresNode = defineNode({
  type: 'postgres',
  version: 2.6,
  displayName: 'Postgres',
  description: 'Get, add and update data in Postgres',
  group: 'action',
  params,
  inputs: 1,
  outputs: ['main'],
  credentials: [{ name: 'postgres', required: true }],
  execute,
});
