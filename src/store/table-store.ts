/**
 * The data-table catalog (`data_tables`, migration 0008): one row per user table with its name,
 * its physical SQL table, its typed columns and its indexes. The user tables themselves are plain
 * SQL tables that src/tables creates and queries through `db` — untyped, since they are not part
 * of the store's schema. DDL and catalog change together in `transaction`, so a table never
 * exists without its description (SQLite and PostgreSQL both run DDL transactionally).
 */
import type { Kysely, Selectable } from 'kysely';
import type { ColumnDef } from '../tables/port.js';
import { type Page, readPage } from './cursor.js';
import type { DialectCapabilities, DialectName, StoreDialect, ValueCodec } from './dialects/types.js';
import type { Database, DbDate, DbJson } from './schema.js';
import { nameContains } from './search.js';
import { isUniqueViolation } from './unique-violation.js';

export { isUniqueViolation };

export type DataTablesTable = {
  id: string;
  name: string;
  /** `lower(name)`: the unique key, so names differ by more than case. */
  name_key: string;
  physical: string;
  columns: DbJson;
  indexes: DbJson;
  version: number;
  created_at: DbDate;
  updated_at: DbDate;
};

type CatalogSchema = { data_tables: DataTablesTable };
type CatalogDb = Database & CatalogSchema;

/** An index as the catalog keeps it: its user-facing name and its SQL name. */
export interface StoredIndex {
  name: string;
  physical: string;
  columns: string[];
  unique: boolean;
}

export interface DataTableRecord {
  id: string;
  name: string;
  physical: string;
  columns: ColumnDef[];
  indexes: StoredIndex[];
  /** Bumped by every alteration. */
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface DataTableListQuery {
  limit: number;
  cursor?: string | null;
  /** Case-insensitive substring of the name. */
  search?: string;
}

/** Another table already has this name (compared case-insensitively). */
export class DuplicateTableNameError extends Error {
  override readonly name = 'DuplicateTableNameError';
}

/** Catalog reads and writes on one executor: the store's connection or a transaction. */
export interface CatalogOps {
  /** By id, else by name (case-insensitive). `lock` holds the row until the transaction ends (PostgreSQL). */
  find(ref: string, opts?: { lock?: boolean }): Promise<DataTableRecord | null>;
  insert(record: DataTableRecord): Promise<void>;
  /** Writes `record` if its row still has `expectedVersion`; false when another change came first. */
  update(record: DataTableRecord, expectedVersion: number): Promise<boolean>;
  remove(id: string): Promise<boolean>;
}

export interface TableStore {
  dialect: DialectName;
  caps: DialectCapabilities;
  codec: ValueCodec;
  /** The store's database, untyped: user tables (`t_<id>`) are created and queried through it. */
  // biome-ignore lint/suspicious/noExplicitAny: user tables have no static schema.
  db: Kysely<any>;
  catalog: CatalogOps;
  /** Newest first, with an opaque cursor. */
  list(query: DataTableListQuery): Promise<Page<DataTableRecord>>;
  /** Runs `fn` in one transaction: DDL, catalog changes and row writes commit or roll back together. */
  // biome-ignore lint/suspicious/noExplicitAny: user tables have no static schema.
  transaction<T>(fn: (trx: Kysely<any>, catalog: CatalogOps) => Promise<T>): Promise<T>;
}

export function createTableStore(dialect: StoreDialect): TableStore {
  const { codec, caps } = dialect;
  const db = dialect.db.withTables<CatalogSchema>();

  const catalogOn = (ex: Kysely<CatalogDb>): CatalogOps => ({
    async find(ref, opts = {}) {
      const rows = await ex
        .selectFrom('data_tables')
        .selectAll()
        .where((eb) => eb.or([eb('id', '=', ref), eb('name_key', '=', ref.toLowerCase())]))
        .$if(!!opts.lock && caps.supportsSkipLocked, (q) => q.forUpdate())
        .execute();
      // An id wins over another table's name that happens to equal it.
      const row = rows.find((r) => r.id === ref) ?? rows[0];
      return row ? recordFromRow(codec, row) : null;
    },

    async insert(record) {
      try {
        await ex.insertInto('data_tables').values(toRow(codec, record)).execute();
      } catch (error) {
        if (isUniqueViolation(error))
          throw new DuplicateTableNameError(`A table named '${record.name}' exists`);
        throw error;
      }
    },

    async update(record, expectedVersion) {
      const { id, created_at, ...rest } = toRow(codec, record);
      try {
        const result = await ex
          .updateTable('data_tables')
          .set(rest)
          .where('id', '=', id)
          .where('version', '=', expectedVersion)
          .executeTakeFirst();
        return result.numUpdatedRows > 0n;
      } catch (error) {
        if (isUniqueViolation(error))
          throw new DuplicateTableNameError(`A table named '${record.name}' exists`);
        throw error;
      }
    },

    async remove(id) {
      const result = await ex.deleteFrom('data_tables').where('id', '=', id).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },
  });

  return {
    dialect: dialect.name,
    caps,
    codec,
    db: dialect.db,
    catalog: catalogOn(db),

    async list(query) {
      const rows = db
        .selectFrom('data_tables')
        .selectAll()
        .$if(!!query.search, (q) => q.where(nameContains('name', query.search!)));
      return readPage(rows, codec, query, (row) => recordFromRow(codec, row));
    },

    transaction(fn) {
      return db.transaction().execute((trx) => fn(trx, catalogOn(trx)));
    },
  };
}

function toRow(codec: ValueCodec, r: DataTableRecord) {
  return {
    id: r.id,
    name: r.name,
    name_key: r.name.toLowerCase(),
    physical: r.physical,
    columns: codec.json(r.columns),
    indexes: codec.json(r.indexes),
    version: r.version,
    created_at: codec.date(r.createdAt),
    updated_at: codec.date(r.updatedAt),
  };
}

function recordFromRow(codec: ValueCodec, row: Selectable<DataTablesTable>): DataTableRecord {
  return {
    id: row.id,
    name: row.name,
    physical: row.physical,
    columns: codec.readJson<ColumnDef[]>(row.columns),
    indexes: codec.readJson<StoredIndex[]>(row.indexes),
    version: Number(row.version),
    createdAt: codec.readDate(row.created_at),
    updatedAt: codec.readDate(row.updated_at),
  };
}
