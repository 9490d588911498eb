/**
 * The data-table port: what nodes (the Data Table node) and the REST API see of Relais' built-in
 * tables. Nodes never touch the store; they ask the engine for this port by its key:
 *
 *   const tables = ctx.service(TABLES);
 *   await tables.insert('patients', rows, { runId: ctx.execution.id });
 *
 * The runtime provides the implementation (`createTableService` in ./service.ts) with
 * `new Engine({ services: { [TABLES.name]: service } })`. A table is named by its name or its id.
 */
import { serviceKey } from '../nodes/sdk.js';

export type ColumnType = 'string' | 'number' | 'boolean' | 'date' | 'json';
export const COLUMN_TYPES: readonly ColumnType[] = ['string', 'number', 'boolean', 'date', 'json'];

export interface ColumnDef {
  name: string;
  type: ColumnType;
}

export interface IndexDef {
  name: string;
  columns: string[];
  unique: boolean;
}

export interface TableDef {
  id: string;
  name: string;
  columns: ColumnDef[];
  indexes: IndexDef[];
  createdAt: Date;
  updatedAt: Date;
}

/**
 * Columns every table has. `_id` grows with each insert (keyset pages follow it); `_run_id` is the
 * run that last wrote the row (null for rows written through the API).
 */
export const SYSTEM_COLUMNS = ['_id', '_created_at', '_updated_at', '_run_id'] as const;
export type SystemColumn = (typeof SYSTEM_COLUMNS)[number];

/** Values to write, by column name. Types are checked and converted per column (see values.ts). */
export type RowValues = Record<string, unknown>;

/** A row as read back: `_id`, the columns in table order, then `_created_at`, `_updated_at`, `_run_id`. Dates are ISO strings. */
export type TableRow = Record<string, unknown> & { _id: number };

export type FilterOp =
  | 'eq'
  | 'ne'
  | 'gt'
  | 'gte'
  | 'lt'
  | 'lte'
  | 'like'
  | 'ilike'
  | 'in'
  | 'isNull'
  | 'isNotNull';
export const FILTER_OPS: readonly FilterOp[] = [
  'eq',
  'ne',
  'gt',
  'gte',
  'lt',
  'lte',
  'like',
  'ilike',
  'in',
  'isNull',
  'isNotNull',
];

export interface Condition {
  column: string;
  op: FilterOp;
  /** Converted to the column's type; `in` takes a list; `isNull` takes an optional boolean. */
  value?: unknown;
}

export interface Filter {
  /** `all` (AND, the default) or `any` (OR). */
  match?: 'all' | 'any';
  conditions: Condition[];
}

export interface SortKey {
  column: string;
  direction: 'asc' | 'desc';
}

export interface QueryOptions {
  filter?: Filter;
  /** Default `_id` ascending; `_id` is always the last key, so pages are stable. */
  sort?: SortKey[];
  /** Default 50, at most 1000 per page. */
  limit?: number;
  /** The previous page's `nextCursor`. */
  cursor?: string | null;
}

export interface RowPage {
  items: TableRow[];
  nextCursor: string | null;
}

export interface WriteOptions {
  /** The run writing the rows (`_run_id`); null or absent for API writes. */
  runId?: string | null;
  /** Return the written rows (default true); false answers with the count only. */
  returnRows?: boolean;
}

export interface UpsertOptions extends WriteOptions {
  /** Columns identifying a row; a unique index on exactly these columns must exist. */
  keys: string[];
  /** Create that unique index when it is missing instead of refusing. */
  createIndex?: boolean;
}

export interface WriteResult {
  count: number;
  /** Written rows (empty when `returnRows` is false). Inserts: in input order; upserts: one per distinct key, in first-seen order. */
  rows: TableRow[];
}

export interface TableAccess {
  describe(table: string): Promise<TableDef>;
  /** All rows in ONE transaction: one invalid row and nothing is written. */
  insert(table: string, rows: RowValues[], opts?: WriteOptions): Promise<WriteResult>;
  /** Insert or update by `keys` (`ON CONFLICT ... DO UPDATE`), in one transaction. */
  upsert(table: string, rows: RowValues[], opts: UpsertOptions): Promise<WriteResult>;
  /** Sets `values` on every row matching `filter`. */
  update(table: string, filter: Filter, values: RowValues, opts?: WriteOptions): Promise<WriteResult>;
  delete(table: string, filter: Filter, opts?: Pick<WriteOptions, 'returnRows'>): Promise<WriteResult>;
  query(table: string, opts?: QueryOptions): Promise<RowPage>;
}

/** The key nodes use: `ctx.service(TABLES)`. */
export const TABLES = serviceKey<TableAccess>('tables');

export type TableErrorCode = 'not_found' | 'invalid' | 'conflict';

/**
 * A refusal the caller can fix (unknown table or column, a value of the wrong type, a missing
 * unique index): the API answers 404/400/409, the node fails without retrying. `details` names
 * where (`{ row, column }`, `{ field }`).
 */
export class TableError extends Error {
  override readonly name = 'TableError';
  constructor(
    readonly code: TableErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export function isTableError(error: unknown): error is TableError {
  return error instanceof Error && error.name === 'TableError' && 'code' in error;
}
