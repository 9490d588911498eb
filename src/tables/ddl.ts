/**
 * The SQL tables behind data tables, built with Kysely's schema builder (names quoted by it).
 * Every table has `_id` (an increasing integer key), the user columns, `_created_at`,
 * `_updated_at` and `_run_id`. Column types per database: see values.ts.
 */
import type { ColumnDataType, Kysely } from 'kysely';
import type { DialectName } from '../store/dialects/types.js';
import type { StoredIndex } from '../store/table-store.js';
import type { ColumnDef, ColumnType } from './port.js';

// biome-ignore lint/suspicious/noExplicitAny: user tables have no static schema.
type Db = Kysely<any>;

const SQL_TYPES: Record<DialectName, Record<ColumnType, ColumnDataType>> = {
  sqlite: { string: 'text', number: 'real', boolean: 'integer', date: 'integer', json: 'text' },
  // json, not jsonb: values come back with their keys in the order written.
  postgres: {
    string: 'text',
    number: 'double precision',
    boolean: 'boolean',
    date: 'timestamptz',
    json: 'json',
  },
};

export function sqlType(dialect: DialectName, type: ColumnType): ColumnDataType {
  return SQL_TYPES[dialect][type];
}

export async function createPhysicalTable(
  db: Db,
  dialect: DialectName,
  physical: string,
  columns: readonly ColumnDef[],
): Promise<void> {
  let table = db.schema.createTable(physical);
  table =
    dialect === 'sqlite'
      ? // AUTOINCREMENT: ids never come back after a delete, so keyset pages stay in insertion order.
        table.addColumn('_id', 'integer', (c) => c.primaryKey().autoIncrement())
      : table.addColumn('_id', 'bigint', (c) => c.primaryKey().generatedByDefaultAsIdentity());
  for (const column of columns) table = table.addColumn(column.name, sqlType(dialect, column.type));
  const date = sqlType(dialect, 'date');
  await table
    .addColumn('_created_at', date, (c) => c.notNull())
    .addColumn('_updated_at', date, (c) => c.notNull())
    .addColumn('_run_id', 'text')
    .execute();
}

export async function dropPhysicalTable(db: Db, physical: string): Promise<void> {
  await db.schema.dropTable(physical).execute();
}

export async function addColumn(
  db: Db,
  dialect: DialectName,
  physical: string,
  column: ColumnDef,
): Promise<void> {
  await db.schema.alterTable(physical).addColumn(column.name, sqlType(dialect, column.type)).execute();
}

export async function dropColumn(db: Db, physical: string, name: string): Promise<void> {
  await db.schema.alterTable(physical).dropColumn(name).execute();
}

export async function renameColumn(db: Db, physical: string, from: string, to: string): Promise<void> {
  await db.schema.alterTable(physical).renameColumn(from, to).execute();
}

export async function createIndex(db: Db, physical: string, index: StoredIndex): Promise<void> {
  let builder = db.schema.createIndex(index.physical).on(physical).columns(index.columns);
  if (index.unique) builder = builder.unique();
  await builder.execute();
}

export async function dropIndex(db: Db, index: StoredIndex): Promise<void> {
  await db.schema.dropIndex(index.physical).execute();
}
