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
  /** 0006: the run's concurrency group within its workflow (NULL: the workflow has no limit). */
  concurrency_key: string | null;
  /** 0006: a waiting run keeps its slot (`holdWhileWaiting`). */
  concurrency_hold: ColumnType<boolean | number, boolean | number | undefined, boolean | number>;
  /** 0009: the run's version when a worker claimed its concurrency slot (see run-slots.ts). */
  slot_version: ColumnType<number | null, number | null | undefined, number | null>;
  /** 0009: the drive that claimed the slot. */
  slot_owner: ColumnType<string | null, string | null | undefined, string | null>;
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

/** Credentials: `data` is ciphertext (src/server/credentials/cipher.ts); the store never sees secrets. */
export interface CredentialsTable {
  id: string;
  name: string;
  type: string;
  /** Encrypted JSON of the fields, `v1.<keyId>.<base64url(iv | tag | ciphertext)>`. */
  data: string;
  /** Names of the fields that hold a value (not secret: shown by the API instead of the values). */
  fields: DbJson;
  created_at: DbDate;
  updated_at: DbDate;
}

/** Accounts (0002): e-mails are stored normalised (trimmed, lower case), so `unique` is case-insensitive. */
export interface UsersTable {
  id: string;
  email: string;
  /** argon2id PHC string. */
  password_hash: string;
  role: string;
  disabled: DbBool;
  created_at: DbDate;
  updated_at: DbDate;
}

/** A login: the family of refresh tokens rotated from one another. Revoking it ends them all. */
export interface SessionsTable {
  id: string;
  user_id: string;
  created_at: DbDate;
  /** Expiry of the newest refresh token; expired sessions are pruned. */
  expires_at: DbDate;
  revoked_at: DbDate | null;
}

/** Refresh tokens, by SHA-256; `used_at` is set when rotated, and presenting a used one again is theft. */
export interface RefreshTokensTable {
  token_hash: string;
  session_id: string;
  created_at: DbDate;
  expires_at: DbDate;
  used_at: DbDate | null;
}

export interface ApiKeysTable {
  id: string;
  name: string;
  /** The first characters of the key, shown in lists so people can tell keys apart. */
  prefix: string;
  key_hash: string;
  role: string;
  created_by: string | null;
  created_at: DbDate;
  expires_at: DbDate | null;
  last_used_at: DbDate | null;
  revoked_at: DbDate | null;
}

export interface AuditLogTable {
  id: string;
  created_at: DbDate;
  /** 'user', 'apiKey', or 'anonymous' (failed logins, setup). */
  actor_type: string;
  actor_id: string | null;
  actor_label: string | null;
  ip: string | null;
  action: string;
  entity_type: string;
  entity_id: string | null;
  details: DbJson | null;
}

export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
  refresh_tokens: RefreshTokensTable;
  api_keys: ApiKeysTable;
  audit_log: AuditLogTable;
  credentials: CredentialsTable;
  workflows: WorkflowsTable;
  workflow_versions: WorkflowVersionsTable;
  runs: RunsTable;
  steps: StepsTable;
  step_data: StepDataTable;
  timers: TimersTable;
}
