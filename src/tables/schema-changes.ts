/**
 * Creating and altering table descriptions: the checks (names, types, limits, what an index may
 * cover, what a dropped column would break) and the new catalog record, before any SQL runs.
 * The service then applies the matching DDL in the same transaction as the catalog write.
 */
import { randomBytes } from 'node:crypto';
import type { DataTableRecord, StoredIndex } from '../store/table-store.js';
import { checkName, nameKey } from './names.js';
import { COLUMN_TYPES, type ColumnDef, type ColumnType, SYSTEM_COLUMNS, TableError } from './port.js';

export const MAX_COLUMNS = 200;
export const MAX_INDEXES = 20;

export interface NewColumnInput {
  name: string;
  type: ColumnType;
}

export interface NewIndexInput {
  name?: string;
  columns: string[];
  unique?: boolean;
}

export interface NewTableInput {
  name: string;
  columns: NewColumnInput[];
  indexes?: NewIndexInput[];
}

export type AlterAction =
  | { action: 'addColumn'; name: string; type: ColumnType }
  | { action: 'dropColumn'; name: string }
  | { action: 'renameColumn'; from: string; to: string }
  | { action: 'addIndex'; name?: string; columns: string[]; unique?: boolean }
  | { action: 'dropIndex'; name: string };

export interface AlterInput {
  /** A new name for the table. */
  name?: string;
  /** Applied in order, all or nothing. */
  actions?: AlterAction[];
}

/** What to run against the SQL table, in order, for an alteration. */
export type DdlStep =
  | { kind: 'addColumn'; column: ColumnDef }
  | { kind: 'dropColumn'; name: string }
  | { kind: 'renameColumn'; from: string; to: string }
  | { kind: 'createIndex'; index: StoredIndex }
  | { kind: 'dropIndex'; index: StoredIndex };

export function newTableId(): string {
  return randomBytes(8).toString('hex');
}

export function physicalName(id: string): string {
  return `t_${id}`;
}

function checkType(type: unknown, field: string): ColumnType {
  if (typeof type === 'string' && (COLUMN_TYPES as readonly string[]).includes(type))
    return type as ColumnType;
  throw new TableError(
    'invalid',
    `${field}: unknown column type ${JSON.stringify(type)} (one of ${COLUMN_TYPES.join(', ')})`,
    {
      field,
    },
  );
}

/** A description with `column` added, refusing duplicates (case-insensitive) and too many columns. */
function withColumn(
  columns: ColumnDef[],
  input: { name: unknown; type: unknown },
  field: string,
): ColumnDef[] {
  const name = checkName('column', input.name, `${field}.name`);
  const type = checkType(input.type, `${field}.type`);
  if (columns.some((c) => nameKey(c.name) === nameKey(name))) {
    throw new TableError('conflict', `${field}.name: the table already has a column '${name}'`, {
      field: `${field}.name`,
    });
  }
  if (columns.length >= MAX_COLUMNS) {
    throw new TableError('invalid', `${field}: a table has at most ${MAX_COLUMNS} columns`, { field });
  }
  return [...columns, { name, type }];
}

function indexFor(
  table: Pick<DataTableRecord, 'physical' | 'columns' | 'indexes'>,
  input: NewIndexInput,
  field: string,
): StoredIndex {
  const columns = input.columns;
  if (!Array.isArray(columns) || columns.length === 0) {
    throw new TableError('invalid', `${field}.columns: list at least one column`, {
      field: `${field}.columns`,
    });
  }
  for (const [i, name] of columns.entries()) {
    const column = table.columns.find((c) => c.name === name);
    const system = name !== '_id' && (SYSTEM_COLUMNS as readonly string[]).includes(name as string);
    if (!column && !system) {
      throw new TableError('invalid', `${field}.columns[${i}]: unknown column ${JSON.stringify(name)}`, {
        field: `${field}.columns`,
      });
    }
    if (column?.type === 'json') {
      throw new TableError('invalid', `${field}.columns[${i}]: json column '${name}' cannot be indexed`, {
        field: `${field}.columns`,
      });
    }
  }
  if (new Set(columns).size !== columns.length) {
    throw new TableError('invalid', `${field}.columns: a column is listed twice`, {
      field: `${field}.columns`,
    });
  }
  const unique = input.unique ?? false;
  const name = checkName('index', input.name ?? defaultIndexName(columns, unique), `${field}.name`);
  if (table.indexes.some((i) => nameKey(i.name) === nameKey(name))) {
    throw new TableError('conflict', `${field}.name: the table already has an index '${name}'`, {
      field: `${field}.name`,
    });
  }
  if (table.indexes.length >= MAX_INDEXES) {
    throw new TableError('invalid', `${field}: a table has at most ${MAX_INDEXES} indexes`, { field });
  }
  // Index names are per schema on PostgreSQL: the SQL name carries the table's and a random part.
  return {
    name,
    physical: `${table.physical}_i${randomBytes(4).toString('hex')}`,
    columns: [...columns],
    unique,
  };
}

function defaultIndexName(columns: string[], unique: boolean): string {
  const base = columns.map((c) => c.replace(/^_+/, '')).join('_');
  return `${base.slice(0, 50)}_${unique ? 'key' : 'idx'}`;
}

/** The catalog record of a new table, with its indexes' SQL names. */
export function planNewTable(id: string, input: NewTableInput, now: Date): DataTableRecord {
  const name = checkName('table', input.name, 'name');
  if (!Array.isArray(input.columns))
    throw new TableError('invalid', 'columns: a list is required', { field: 'columns' });
  let columns: ColumnDef[] = [];
  for (const [i, c] of input.columns.entries()) columns = withColumn(columns, c, `columns[${i}]`);
  const record: DataTableRecord = {
    id,
    name,
    physical: physicalName(id),
    columns,
    indexes: [],
    version: 1,
    createdAt: now,
    updatedAt: now,
  };
  for (const [i, index] of (input.indexes ?? []).entries()) {
    record.indexes = [...record.indexes, indexFor(record, index, `indexes[${i}]`)];
  }
  return record;
}

/** The altered record and the DDL steps that turn the old SQL table into it. */
export function planAlter(
  current: DataTableRecord,
  input: AlterInput,
  now: Date,
): { record: DataTableRecord; steps: DdlStep[] } {
  const next: DataTableRecord = { ...current, version: current.version + 1, updatedAt: now };
  if (input.name !== undefined) next.name = checkName('table', input.name, 'name');
  const steps: DdlStep[] = [];
  for (const [i, action] of (input.actions ?? []).entries()) {
    const field = `actions[${i}]`;
    switch (action.action) {
      case 'addColumn': {
        next.columns = withColumn(next.columns, action, field);
        steps.push({ kind: 'addColumn', column: next.columns[next.columns.length - 1] });
        break;
      }
      case 'dropColumn': {
        const column = existingColumn(next, action.name, `${field}.name`);
        const used = next.indexes.filter((x) => x.columns.includes(column.name));
        if (used.length > 0) {
          throw new TableError(
            'conflict',
            `${field}: column '${column.name}' is used by index ${used.map((x) => `'${x.name}'`).join(', ')}: drop the index first`,
            { field },
          );
        }
        next.columns = next.columns.filter((c) => c !== column);
        steps.push({ kind: 'dropColumn', name: column.name });
        break;
      }
      case 'renameColumn': {
        const column = existingColumn(next, action.from, `${field}.from`);
        const to = checkName('column', action.to, `${field}.to`);
        const others = next.columns.filter((c) => c !== column);
        if (others.some((c) => nameKey(c.name) === nameKey(to))) {
          throw new TableError('conflict', `${field}.to: the table already has a column '${to}'`, {
            field: `${field}.to`,
          });
        }
        next.columns = next.columns.map((c) => (c === column ? { ...c, name: to } : c));
        next.indexes = next.indexes.map((x) => ({
          ...x,
          columns: x.columns.map((n) => (n === column.name ? to : n)),
        }));
        steps.push({ kind: 'renameColumn', from: column.name, to });
        break;
      }
      case 'addIndex': {
        const index = indexFor(next, action, field);
        next.indexes = [...next.indexes, index];
        steps.push({ kind: 'createIndex', index });
        break;
      }
      case 'dropIndex': {
        const index = next.indexes.find((x) => nameKey(x.name) === nameKey(String(action.name)));
        if (!index)
          throw new TableError('not_found', `${field}.name: no index named ${JSON.stringify(action.name)}`, {
            field,
          });
        next.indexes = next.indexes.filter((x) => x !== index);
        steps.push({ kind: 'dropIndex', index });
        break;
      }
      default:
        throw new TableError('invalid', `${field}.action: unknown action`, { field: `${field}.action` });
    }
  }
  return { record: next, steps };
}

function existingColumn(table: DataTableRecord, name: unknown, field: string): ColumnDef {
  const column = table.columns.find((c) => c.name === name);
  if (!column) {
    throw new TableError(
      'not_found',
      `${field}: no column ${JSON.stringify(name)} in table '${table.name}'`,
      { field },
    );
  }
  return column;
}

/** The unique index covering exactly `keys` (in any order), if the table has one. */
export function uniqueIndexOn(table: DataTableRecord, keys: readonly string[]): StoredIndex | undefined {
  const wanted = new Set(keys);
  return table.indexes.find(
    (x) => x.unique && x.columns.length === wanted.size && x.columns.every((c) => wanted.has(c)),
  );
}

export { indexFor };
