/**
 * The rows of the trigger tables (migration 0005) as TriggerStateStore sees them, shared by its two
 * halves: the schedule and poll state (trigger-state-store.ts) and the one-time claims
 * (event-claims.ts). One `TriggerTables` type for both, because Kysely types a transaction by the
 * exact set of tables it was opened on.
 *
 * Timer rows are written here directly (same table and codec as timer-store.ts) because they must
 * change in the same transaction as the state that points at them.
 */
import type { Transaction } from 'kysely';
import type { ValueCodec } from './dialects/types.js';
import type { NewTimer } from './ports-timers.js';
import type { DbBool, DbDate, DbJson, TimersTable } from './schema.js';

export interface TriggerStateTable {
  workflow_id: string;
  node_id: string;
  kind: string;
  timer_id: string | null;
  state: DbJson;
  updated_at: DbDate;
}

export interface TriggerKeysTable {
  workflow_id: string;
  node_id: string;
  key_hash: string;
  key: string;
  run_id: string | null;
  item: DbJson | null;
  started: DbBool;
  created_at: DbDate;
}

export interface EventKeysTable {
  scope: string;
  key: string;
  answer: DbJson;
  created_at: DbDate;
}

export interface EventWaitsTable {
  run_id: string;
  event_type: string;
  event_key: string | null;
  wait_version: number;
  created_at: DbDate;
}

// A type literal, not an interface: `withTables` needs an index-signature-compatible type.
export type TriggerTables = {
  trigger_state: TriggerStateTable;
  trigger_keys: TriggerKeysTable;
  event_keys: EventKeysTable;
  event_waits: EventWaitsTable;
  timers: TimersTable;
};

/** A timer row written with the state (id required: the state points at it). */
export type TriggerTimer = NewTimer & { id: string };

export async function insertTimer(
  trx: Transaction<TriggerTables>,
  codec: ValueCodec,
  timer: TriggerTimer,
  now: Date,
): Promise<void> {
  await trx
    .insertInto('timers')
    .values({
      id: timer.id,
      run_id: timer.runId ?? null,
      kind: timer.kind,
      due_at: codec.date(timer.dueAt),
      payload: codec.json(timer.payload ?? {}),
      claimed_by: null,
      claimed_until: null,
      created_at: codec.date(now),
    })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
}
