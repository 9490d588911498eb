/**
 * The table API's shapes (zod: validation and the OpenAPI document) and the mapping of the
 * service's refusals to HTTP errors. Routes: src/server/routes/tables.ts.
 */
import { z } from 'zod';
import { HttpError } from '../server/http-error.js';
import { instant, iso } from '../server/schemas/common.js';
import { InvalidCursorError } from '../store/cursor.js';
import { type COLUMN_TYPES, isTableError, type SortKey, type TableDef, TableError } from './port.js';
import { MAX_PAGE } from './rows.js';
import { MAX_COLUMNS, MAX_INDEXES } from './schema-changes.js';

/** Rows one request may write: an import of this size is one transaction. */
export const MAX_ROWS_PER_REQUEST = 10_000;

const columnType = z.enum(['string', 'number', 'boolean', 'date', 'json'] satisfies typeof COLUMN_TYPES);
const name = z.string().min(1).max(63);
const column = z.object({ name, type: columnType }).strict();
const index = z
  .object({
    name: name.optional().meta({ description: 'Default: the columns joined, then `_idx` or `_key`' }),
    columns: z.array(z.string().min(1)).min(1).max(16),
    unique: z.boolean().default(false),
  })
  .strict();

export const tableParams = z.object({
  table: z.string().min(1).meta({ description: 'The table name or id' }),
});

export const tableSchema = z.object({
  id: z.string(),
  name: z.string(),
  columns: z.array(z.object({ name: z.string(), type: columnType })),
  indexes: z.array(z.object({ name: z.string(), columns: z.array(z.string()), unique: z.boolean() })),
  rowCount: z.number().int().optional(),
  createdAt: instant,
  updatedAt: instant,
});

export function tableView(t: TableDef & { rowCount?: number }): z.infer<typeof tableSchema> {
  return {
    id: t.id,
    name: t.name,
    columns: t.columns,
    indexes: t.indexes,
    ...(t.rowCount !== undefined && { rowCount: t.rowCount }),
    createdAt: iso(t.createdAt),
    updatedAt: iso(t.updatedAt),
  };
}

export const tableListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).optional(),
  search: z.string().min(1).max(200).optional().meta({ description: 'Part of the name, any case' }),
});

export const createTableBody = z
  .object({
    name,
    columns: z.array(column).max(MAX_COLUMNS),
    indexes: z.array(index).max(MAX_INDEXES).optional(),
  })
  .strict();

const alterAction = z.discriminatedUnion('action', [
  z.object({ action: z.literal('addColumn'), name, type: columnType }).strict(),
  z.object({ action: z.literal('dropColumn'), name }).strict(),
  z.object({ action: z.literal('renameColumn'), from: name, to: name }).strict(),
  z
    .object({
      action: z.literal('addIndex'),
      name: name.optional(),
      columns: z.array(z.string().min(1)).min(1).max(16),
      unique: z.boolean().default(false),
    })
    .strict(),
  z.object({ action: z.literal('dropIndex'), name }).strict(),
]);

export const alterTableBody = z
  .object({
    name: name.optional(),
    actions: z
      .array(alterAction)
      .max(100)
      .default([])
      .meta({ description: 'Applied in order, all or nothing' }),
  })
  .strict();

/** A row: `_id`, the columns, `_created_at`, `_updated_at`, `_run_id`. */
export const rowSchema = z.looseObject({ _id: z.number().int() });

export const rowPage = z.object({ items: z.array(rowSchema), nextCursor: z.string().nullable() });

export const writeReply = z.object({
  count: z.number().int().meta({ description: 'Rows written or deleted' }),
  items: z.array(rowSchema).meta({ description: 'Those rows (empty with returnRows=false)' }),
});

const queryValue = z.union([z.string(), z.array(z.string())]);

export const rowListQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(50),
    cursor: z.string().min(1).optional(),
    sort: z.string().optional().meta({
      description: 'Columns, comma-separated; `-col` or `col:desc` sorts descending. `_id` ends every sort',
    }),
    match: z.enum(['all', 'any']).optional(),
    filter: z
      .string()
      .optional()
      .meta({ description: 'JSON: {"col": value} or {"col": {"gt": 3}} or [{column, op, value}]' }),
  })
  .catchall(queryValue)
  .meta({
    description:
      'Filters: `filter[col][op]=value` (op: eq, ne, gt, gte, lt, lte, like, ilike, in, isNull, isNotNull)',
  });

export const deleteRowsQuery = z
  .object({
    match: z.enum(['all', 'any']).optional(),
    filter: z.string().optional(),
    all: z.stringbool().default(false).meta({ description: 'Required to delete every row (no filter)' }),
    returnRows: z.stringbool().default(true),
  })
  .catchall(queryValue);

export const insertRowsBody = z
  .object({
    rows: z.array(z.record(z.string(), z.unknown())).min(1).max(MAX_ROWS_PER_REQUEST),
    upsert: z
      .object({
        keys: z.array(z.string().min(1)).min(1).max(16),
        createIndex: z.boolean().default(false),
      })
      .strict()
      .optional()
      .meta({ description: 'Insert or update by these key columns (a unique index on them is needed)' }),
    returnRows: z.boolean().default(true),
  })
  .strict();

export const updateRowsBody = z
  .object({
    filter: z.unknown().optional().meta({ description: 'As the JSON `filter` of GET .../rows' }),
    all: z.boolean().default(false).meta({ description: 'Required to update every row (no filter)' }),
    set: z.record(z.string(), z.unknown()),
    returnRows: z.boolean().default(true),
  })
  .strict();

/** `nom,-date` or `nom:asc,date:desc`. */
export function parseSort(text: string | undefined): SortKey[] {
  if (!text) return [];
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((part) => {
      if (part.startsWith('-')) return { column: part.slice(1), direction: 'desc' as const };
      const [column, dir = 'asc'] = part.split(':');
      if (dir !== 'asc' && dir !== 'desc') {
        throw new TableError('invalid', `sort: direction of '${column}' must be asc or desc`, {
          field: 'querystring.sort',
        });
      }
      return { column, direction: dir };
    });
}

/** Service refusals as HTTP errors; anything else goes on to the error handler (500). */
export function toHttpError(error: unknown): unknown {
  if (error instanceof InvalidCursorError) return error;
  if (!isTableError(error)) return error;
  const e = error as TableError;
  const details = [{ ...e.details, message: e.message }];
  if (e.code === 'not_found') return new HttpError(404, 'not_found', e.message, details);
  if (e.code === 'conflict') return new HttpError(409, 'conflict', e.message, details);
  return new HttpError(400, 'invalid_request', e.message, details);
}

export async function httpCall<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toHttpError(error);
  }
}
