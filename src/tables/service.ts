/**
 * The data-table service: the TableAccess port nodes use (insert, upsert, update, delete, query)
 * plus what the REST API adds (list, create, alter, drop). Stateless over the store: the catalog
 * is read on every call, so several processes sharing one PostgreSQL see each other's changes.
 *
 * Wiring (runtime): `const tables = createTableService({ store: store.tables, clock })`, then
 * `new Engine({ ..., services: { [TABLES.name]: tables } })` for the Data Table node.
 */
import type { Clock } from '../engine/clock.js';
import type { Page } from '../store/cursor.js';
import {
  type DataTableListQuery,
  type DataTableRecord,
  DuplicateTableNameError,
  isUniqueViolation,
  type TableStore,
} from '../store/table-store.js';
import * as ddl from './ddl.js';
import {
  type Filter,
  type QueryOptions,
  type RowPage,
  type RowValues,
  type TableAccess,
  type TableDef,
  TableError,
  type UpsertOptions,
  type WriteOptions,
  type WriteResult,
} from './port.js';
import {
  countRows,
  deleteRows,
  insertRows,
  prepareRows,
  queryRows,
  type RowScope,
  updateRows,
  upsertRows,
} from './rows.js';
import {
  type AlterInput,
  type DdlStep,
  indexFor,
  type NewTableInput,
  newTableId,
  planAlter,
  planNewTable,
  uniqueIndexOn,
} from './schema-changes.js';

export interface TableService extends TableAccess {
  list(query: DataTableListQuery): Promise<Page<TableDef>>;
  /** The table with its current row count. */
  get(table: string): Promise<TableDef & { rowCount: number }>;
  create(input: NewTableInput): Promise<TableDef>;
  alter(table: string, input: AlterInput): Promise<TableDef>;
  drop(table: string): Promise<TableDef>;
}

export interface TableServiceOptions {
  store: TableStore;
  clock: Clock;
  /** Table ids (tests make them predictable). */
  newId?: () => string;
}

export function tableDef(record: DataTableRecord): TableDef {
  return {
    id: record.id,
    name: record.name,
    columns: record.columns.map((c) => ({ ...c })),
    indexes: record.indexes.map(({ name, columns, unique }) => ({ name, columns: [...columns], unique })),
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

export function createTableService(opts: TableServiceOptions): TableService {
  const { store, clock } = opts;
  const dialect = store.dialect;
  const newId = opts.newId ?? newTableId;

  async function load(ref: string): Promise<DataTableRecord> {
    if (typeof ref !== 'string' || ref === '')
      throw new TableError('invalid', 'A table name or id is required', { field: 'table' });
    const record = await store.catalog.find(ref);
    if (!record) throw new TableError('not_found', `Table '${ref}' not found`, { table: ref });
    return record;
  }

  const scopeOf = (table: DataTableRecord, runId?: string | null): RowScope => ({
    dialect,
    table,
    now: clock.now(),
    runId: runId ?? null,
  });

  async function applySteps(
    trx: Parameters<Parameters<TableStore['transaction']>[0]>[0],
    physical: string,
    steps: DdlStep[],
  ) {
    for (const step of steps) {
      switch (step.kind) {
        case 'addColumn':
          await ddl.addColumn(trx, dialect, physical, step.column);
          break;
        case 'dropColumn':
          await ddl.dropColumn(trx, physical, step.name);
          break;
        case 'renameColumn':
          await ddl.renameColumn(trx, physical, step.from, step.to);
          break;
        case 'createIndex':
          await createIndexOrExplain(trx, physical, step.index);
          break;
        case 'dropIndex':
          await ddl.dropIndex(trx, step.index);
          break;
      }
    }
  }

  async function createIndexOrExplain(
    trx: Parameters<Parameters<TableStore['transaction']>[0]>[0],
    physical: string,
    index: DataTableRecord['indexes'][number],
  ): Promise<void> {
    try {
      await ddl.createIndex(trx, physical, index);
    } catch (error) {
      if (index.unique && isUniqueViolation(error)) {
        throw new TableError(
          'conflict',
          `Cannot create unique index '${index.name}' on (${index.columns.join(', ')}): some rows share the same values`,
          { index: index.name },
        );
      }
      throw error;
    }
  }

  /** Runs a catalog-changing transaction, turning a duplicate name into a conflict. */
  async function changing<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof DuplicateTableNameError)
        throw new TableError('conflict', error.message, { field: 'name' });
      throw error;
    }
  }

  async function ensureUniqueIndex(
    table: DataTableRecord,
    keys: string[],
    create: boolean,
  ): Promise<DataTableRecord> {
    if (uniqueIndexOn(table, keys)) return table;
    const list = keys.join(', ');
    if (!create) {
      throw new TableError(
        'invalid',
        `Upsert on (${list}) needs a unique index on exactly these columns, and table '${table.name}' has none: ` +
          `add one (PATCH /api/tables/${table.name} with {"actions":[{"action":"addIndex","columns":${JSON.stringify(keys)},"unique":true}]}) ` +
          'or let the upsert create it',
        { keys },
      );
    }
    return changing(() =>
      store.transaction(async (trx, catalog) => {
        const current = await catalog.find(table.id, { lock: true });
        if (!current)
          throw new TableError('not_found', `Table '${table.name}' not found`, { table: table.name });
        if (uniqueIndexOn(current, keys)) return current;
        const index = indexFor(current, { columns: keys, unique: true }, 'keys');
        const next = {
          ...current,
          indexes: [...current.indexes, index],
          version: current.version + 1,
          updatedAt: clock.now(),
        };
        await createIndexOrExplain(trx, current.physical, index);
        if (!(await catalog.update(next, current.version))) throw staleTable(table.name);
        return next;
      }),
    );
  }

  function checkKeys(table: DataTableRecord, keys: unknown): string[] {
    if (!Array.isArray(keys) || keys.length === 0) {
      throw new TableError('invalid', 'keys: list the column(s) that identify a row', { field: 'keys' });
    }
    return keys.map((k, i) => {
      const column = table.columns.find((c) => c.name === k);
      if (!column)
        throw new TableError(
          'invalid',
          `keys[${i}]: unknown column ${JSON.stringify(k)} in table '${table.name}'`,
          { field: 'keys' },
        );
      if (column.type === 'json')
        throw new TableError('invalid', `keys[${i}]: json column '${k}' cannot be a key`, { field: 'keys' });
      return column.name;
    });
  }

  return {
    async describe(ref) {
      return tableDef(await load(ref));
    },

    async list(query) {
      const page = await store.list(query);
      return { items: page.items.map(tableDef), nextCursor: page.nextCursor };
    },

    async get(ref) {
      const record = await load(ref);
      return { ...tableDef(record), rowCount: await countRows(store.db, record) };
    },

    async create(input) {
      const record = planNewTable(newId(), input, clock.now());
      await changing(() =>
        store.transaction(async (trx, catalog) => {
          await catalog.insert(record);
          await ddl.createPhysicalTable(trx, dialect, record.physical, record.columns);
          for (const index of record.indexes) await createIndexOrExplain(trx, record.physical, index);
        }),
      );
      return tableDef(record);
    },

    async alter(ref, input) {
      const found = await load(ref);
      const record = await changing(() =>
        store.transaction(async (trx, catalog) => {
          const current = await catalog.find(found.id, { lock: true });
          if (!current) throw new TableError('not_found', `Table '${ref}' not found`, { table: ref });
          const { record: next, steps } = planAlter(current, input, clock.now());
          await applySteps(trx, current.physical, steps);
          if (!(await catalog.update(next, current.version))) throw staleTable(current.name);
          return next;
        }),
      );
      return tableDef(record);
    },

    async drop(ref) {
      const found = await load(ref);
      await store.transaction(async (trx, catalog) => {
        if (!(await catalog.remove(found.id)))
          throw new TableError('not_found', `Table '${ref}' not found`, { table: ref });
        await ddl.dropPhysicalTable(trx, found.physical);
      });
      return tableDef(found);
    },

    async insert(ref, rows, o: WriteOptions = {}): Promise<WriteResult> {
      const table = await load(ref);
      const scope = scopeOf(table, o.runId);
      const encoded = prepareRows(scope, rows);
      if (encoded.length === 0) return { count: 0, rows: [] };
      const returnRows = o.returnRows ?? true;
      const written = await store.transaction((trx) => insertRows(trx, scope, encoded, returnRows));
      return { count: encoded.length, rows: written };
    },

    async upsert(ref, rows, o: UpsertOptions): Promise<WriteResult> {
      let table = await load(ref);
      const keys = checkKeys(table, o.keys);
      const scope = scopeOf(table, o.runId);
      const encoded = prepareRows(scope, rows);
      if (encoded.length === 0) return { count: 0, rows: [] };
      table = await ensureUniqueIndex(table, keys, o.createIndex ?? false);
      const returnRows = o.returnRows ?? true;
      return store.transaction((trx) => upsertRows(trx, { ...scope, table }, encoded, keys, returnRows));
    },

    async update(ref, filter: Filter, values: RowValues, o: WriteOptions = {}): Promise<WriteResult> {
      const table = await load(ref);
      return updateRows(store.db, scopeOf(table, o.runId), filter, values, o.returnRows ?? true);
    },

    async delete(ref, filter: Filter, o: Pick<WriteOptions, 'returnRows'> = {}): Promise<WriteResult> {
      const table = await load(ref);
      return deleteRows(store.db, scopeOf(table), filter, o.returnRows ?? true);
    },

    async query(ref, o: QueryOptions = {}): Promise<RowPage> {
      const table = await load(ref);
      return queryRows(store.db, scopeOf(table), o);
    },
  };
}

function staleTable(name: string): TableError {
  return new TableError('conflict', `Table '${name}' was changed at the same time: try again`, {
    table: name,
  });
}
