/**
 * Postgres and MySQL v1 → v2.x (`Postgres/v1/PostgresV1.node.ts`, `Postgres/v2/actions/*`,
 * `MySql/v1/MySqlV1.node.ts`, `MySql/v2/actions/*`); v2.x keep their shape.
 *
 * Postgres v1: `operation` (insert by default) = executeQuery (`query`, `additionalFields.queryParams`
 * "a,b" = item fields bound to $1, $2; `mode` multiple|independently|transaction) | insert / update
 * (`schema` public, `table`, `columns` "a,b:int", update's `updateKey` "id", `returnFields` "*").
 * v2: `options.queryReplacement`, `options.queryBatching` (single|independently|transaction), schema
 * and table as resource locators, `columns` as a resource mapper written field by field here
 * (`defineBelow`), the update key in `columns.matchingColumns`.
 * v2.0/2.1 insert/upsert/update: `dataMode` + `valuesToSend` + `columnToMatchOn`/`valueToMatchOn`,
 * which 2.2 replaced by the `columns` resource mapper (`Postgres/v2/actions/database/*.operation.ts`
 * read either by `nodeVersion < 2.2`).
 * MySQL v1's insert and update have no faithful v2 form and stay unsupported; MySQL v2.x kept
 * `dataMode` and keeps its shape.
 */
import { clone, isExpression, omit, record, records, Unmappable } from '../params.js';
import type { MapContext, MappedNode, Params } from '../types.js';

function names(value: unknown): string[] {
  return typeof value === 'string'
    ? value
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '')
    : [];
}

/** `a,b` → `={{ [$json["a"], $json["b"]] }}`: the values v1 bound to $1, $2 for each item. */
function replacement(fields: string[]): string {
  return `={{ [${fields.map((f) => `$json[${JSON.stringify(f)}]`).join(', ')}] }}`;
}

function locator(value: unknown): Params {
  return { __rl: true, mode: isExpression(value) ? 'id' : 'list', value: value ?? '' };
}

const BATCHING: Record<string, string> = {
  multiple: 'single',
  independently: 'independently',
  transaction: 'transaction',
};

function postgresV1(p: Params, ctx: MapContext): Params {
  const operation = typeof p.operation === 'string' ? p.operation : 'insert';
  const extra = record(p.additionalFields);
  const options: Params = {};
  if (typeof extra.mode === 'string' && extra.mode in BATCHING) options.queryBatching = BATCHING[extra.mode];
  if (extra.largeNumbersOutput !== undefined) options.largeNumbersOutput = extra.largeNumbersOutput;
  if (operation === 'executeQuery') {
    const fields = names(extra.queryParams);
    if (fields.length > 0) options.queryReplacement = replacement(fields);
    return { operation, query: p.query ?? '', options };
  }
  if (operation !== 'insert' && operation !== 'update')
    throw new Unmappable(`operation '${operation}' does not exist`);
  if (isExpression(p.columns)) throw new Unmappable('the columns are computed by an expression');
  const columns = names(p.columns);
  const keys = operation === 'update' ? names(p.updateKey ?? 'id') : [];
  if (columns.some((c) => c.includes(':'))) {
    ctx.changed('columns', 'type casts (name:type) are dropped: the database converts the values');
  }
  const value: Params = {};
  for (const column of [...keys, ...columns.map((c) => c.split(':')[0])])
    value[column] = `={{ $json[${JSON.stringify(column)}] }}`;
  const returnFields = typeof p.returnFields === 'string' ? p.returnFields : '*';
  if (returnFields.trim() !== '*') options.outputColumns = names(returnFields);
  return {
    operation,
    schema: locator(p.schema ?? 'public'),
    table: locator(p.table ?? ''),
    columns: { mappingMode: 'defineBelow', value, matchingColumns: keys, schema: [] },
    options,
  };
}

/**
 * Postgres 2.0/2.1 insert, upsert and update: `dataMode` (autoMapInputData by default) with
 * `valuesToSend.values[{ column, value }]`, and for upsert/update `columnToMatchOn` plus, when
 * mapping by hand, `valueToMatchOn`. From 2.2 all of it lives in the `columns` resource mapper.
 */
function postgresV20(p: Params): Params {
  const operation = typeof p.operation === 'string' ? p.operation : 'insert';
  if (!['insert', 'upsert', 'update'].includes(operation) || p.columns !== undefined) return clone(p);
  const mappingMode = p.dataMode === 'defineBelow' ? 'defineBelow' : 'autoMapInputData';
  const match =
    typeof p.columnToMatchOn === 'string' && operation !== 'insert' ? p.columnToMatchOn : undefined;
  const value: Params = {};
  if (mappingMode === 'defineBelow') {
    for (const entry of records(record(p.valuesToSend).values)) {
      if (typeof entry.column === 'string') value[entry.column] = entry.value ?? '';
    }
    if (match !== undefined) value[match] = p.valueToMatchOn ?? '';
  }
  return {
    ...omit(clone(p), ['dataMode', 'valuesToSend', 'columnToMatchOn', 'valueToMatchOn']),
    columns: { mappingMode, value, matchingColumns: match === undefined ? [] : [match], schema: [] },
  };
}

export function mapPostgres(p: Params, ctx: MapContext): MappedNode {
  const parameters = ctx.version < 2 ? postgresV1(p, ctx) : ctx.version < 2.2 ? postgresV20(p) : clone(p);
  return { type: 'postgres', parameters, outputs: [[0]] };
}

export function mapMySql(p: Params, ctx: MapContext): MappedNode {
  if (ctx.version >= 2) return { type: 'mySql', parameters: clone(p), outputs: [[0]] };
  const operation = typeof p.operation === 'string' ? p.operation : 'insert';
  if (operation !== 'executeQuery') {
    throw new Unmappable(
      `MySQL v1 '${operation}' has no faithful v2 form: recreate it with the current MySQL node`,
    );
  }
  return { type: 'mySql', parameters: { operation, query: p.query ?? '', options: {} }, outputs: [[0]] };
}
