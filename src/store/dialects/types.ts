/**
 * What differs between SQLite and PostgreSQL, declared once (STYLE: Kysely's capabilities, not
 * scattered `if`s). Repositories and migrations read `caps` and `codec`; nothing else in
 * src/store asks which database it is on.
 */
import type { Kysely, MigratorProps } from 'kysely';
import type { Database } from '../schema.js';
import type { BatchWriter } from '../write-plan.js';

export type DialectName = 'sqlite' | 'postgres';

export interface DialectCapabilities {
  /** Timer claims add `FOR UPDATE SKIP LOCKED` so concurrent schedulers skip each other's rows. */
  supportsSkipLocked: boolean;
  /** Column type of JSON columns (see `jsonColumnType` notes in postgres.ts for why not jsonb). */
  jsonColumnType: 'text' | 'json';
  /** Column type of instants. */
  dateColumnType: 'integer' | 'timestamptz';
  /** Column type of flags. */
  boolColumnType: 'integer' | 'boolean';
  /** A run's commit is one statement of data-modifying CTEs (see commit-statement.ts for why). */
  oneStatementCommit: boolean;
  /**
   * Group commits are written while earlier ones still are (PostgreSQL, over its pool). SQLite has
   * one writer: a batch is one transaction on its one connection, written after the one before.
   */
  concurrentBatches: boolean;
  /**
   * A run's steps and payloads are deleted with it by statement-level triggers, not foreign keys
   * (migration 0013 says why): PostgreSQL. SQLite keeps its foreign keys.
   */
  cascadeByTriggers: boolean;
}

/** Converts JS values to what the driver binds and back. The only place raw column shapes are known. */
export interface ValueCodec {
  date(value: Date): Date | number;
  readDate(raw: unknown): Date;
  json(value: unknown): string;
  readJson<T>(raw: unknown): T;
  bool(value: boolean): boolean | number;
  readBool(raw: unknown): boolean;
}

export interface StoreDialect {
  name: DialectName;
  caps: DialectCapabilities;
  codec: ValueCodec;
  db: Kysely<Database>;
  /** Extra Migrator settings (PostgreSQL: keep Kysely's bookkeeping tables in the store's schema). */
  migratorProps: Pick<MigratorProps, 'migrationTableSchema'>;
  /**
   * Runs `migrate` so that two processes starting at once cannot both apply a migration.
   * PostgreSQL: Kysely's Migrator already takes an advisory lock. SQLite: Kysely takes none, so the
   * whole migration runs in one `BEGIN IMMEDIATE` transaction (also making it all-or-nothing).
   */
  withMigrationLock(migrate: () => Promise<void>): Promise<void>;
  /** Gives freed pages back to the file system after pruning (SQLite); PostgreSQL's autovacuum does it. */
  reclaimSpace(): Promise<void>;
  /**
   * Executes group commits, the run writes of one event-loop turn (group-commit.ts): in one
   * transaction on SQLite (dialects/sqlite-batch.ts), the run commits in one statement on
   * PostgreSQL (dialects/postgres-batch.ts).
   */
  batchWriter: BatchWriter;
}

/** JSON text of a value, in one helper for both dialects. */
export function toJsonText(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError('value cannot be stored as JSON');
  return text;
}

/** Refuses `new Date('garbage')` here rather than storing NaN or failing deep inside the driver. */
export function checkDate(value: Date): Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw new RangeError('invalid date');
  return value;
}
