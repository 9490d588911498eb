/**
 * The tables as Kysely sees them. Column types that differ between dialects (dates, JSON, booleans)
 * are unions here and converted in exactly one place, the dialect's `ValueCodec`
 * (src/store/dialects/types.ts); repositories never look at the raw shapes themselves.
 */
import type { ColumnType } from 'kysely';
import type { StepStatus } from '../engine/ports.js';
import type { RunStatus } from '../engine/run-state.js';
import type { RunMode } from '../nodes/sdk.js';

/** SQLite: integer milliseconds since the epoch. PostgreSQL: timestamptz (a `Date` through `pg`). */
export type DbDate = ColumnType<Date | number, Date | number, Date | number>;
/** Written as JSON text on both dialects; read back as text (SQLite) or already parsed (PostgreSQL). */
export type DbJson = ColumnType<unknown, string, string>;
/** SQLite: 0/1 integer (better-sqlite3 cannot bind booleans). PostgreSQL: boolean. */
export type DbBool = ColumnType<boolean | number, boolean | number, boolean | number>;

export interface WorkflowsTable {
  id: string;
  name: string;
  active: DbBool;
  version: number;
  document: DbJson;
  created_at: DbDate;
  updated_at: DbDate;
}

export interface WorkflowVersionsTable {
  workflow_id: string;
  version: number;
  document: DbJson;
  created_at: DbDate;
}

export interface RunsTable {
  id: string;
  workflow_id: string;
  workflow_version: number;
  status: RunStatus;
  mode: RunMode;
  trigger_items: DbJson;
  checkpoint: DbJson | null;
  error: DbJson | null;
  current_node: string | null;
  version: number;
  is_test: DbBool;
  retry_of: string | null;
  created_at: DbDate;
  started_at: DbDate | null;
  finished_at: DbDate | null;
  wait_till: DbDate | null;
}

/** Step metadata: what a run inspector lists. Payloads live in `step_data` so listing stays cheap. */
export interface StepsTable {
  run_id: string;
  seq: number;
  node_id: string;
  node_name: string;
  node_type: string;
  run_index: number;
  status: StepStatus;
  started_at: DbDate;
  finished_at: DbDate;
  input_count: number;
  output_counts: DbJson;
  sources: DbJson;
  error: DbJson | null;
  logs: DbJson;
}

/** Step payloads (items), possibly megabytes; absent when neither input nor output is kept. */
export interface StepDataTable {
  run_id: string;
  seq: number;
  input: DbJson | null;
  output: DbJson | null;
}

export interface TimersTable {
  id: string;
  run_id: string | null;
  kind: string;
  due_at: DbDate;
  payload: DbJson;
  claimed_by: string | null;
  claimed_until: DbDate | null;
  created_at: DbDate;
}

export interface Database {
  workflows: WorkflowsTable;
  workflow_versions: WorkflowVersionsTable;
  runs: RunsTable;
  steps: StepsTable;
  step_data: StepDataTable;
  timers: TimersTable;
}
