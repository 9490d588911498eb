/**
 * What schedule, poll and event triggers keep between runs (migration 0005). Every operation that
 * must not be doubled is one transaction guarded by the database:
 *
 * - `advance` replaces a trigger's pending timer (schedule tick, next poll) and saves its state,
 *   only if the caller still holds the timer it expects (compare-and-set on `timer_id`): a tick
 *   fired late by one process and a re-activation in another can never leave two timers behind.
 * - `recordKeys` inserts a poll's new dedup keys (the primary key decides what is new), with the
 *   items still to start, the cursor and the next timer, all or nothing.
 * - `claimOnce` and `claimEventWait`, the one-time claims, are in event-claims.ts.
 *
 * This file holds the schedule and poll state and assembles the whole store; the table rows and the
 * timer rows written with the state are in trigger-rows.ts.
 */
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { JsonObject } from '../engine/items.js';
import type { StoreDialect, ValueCodec } from './dialects/types.js';
import { createEventClaims, type EventClaims } from './event-claims.js';
import {
  insertTimer,
  type TriggerStateTable,
  type TriggerTables,
  type TriggerTimer,
} from './trigger-rows.js';

// What the store's users name (index.ts, the triggers) stays importable from here.
export type { EventWait } from './event-claims.js';
export type { TriggerTimer } from './trigger-rows.js';

export interface TriggerState {
  workflowId: string;
  nodeId: string;
  kind: string;
  /** The trigger's pending timer (next tick, next poll), or null when it has none. */
  timerId: string | null;
  state: JsonObject;
  updatedAt: Date;
}

export interface AdvanceInput {
  workflowId: string;
  nodeId: string;
  kind: string;
  /**
   * The timer the caller acts for: the write happens only if the stored timer is still this one
   * (`null`: the trigger has no timer or no row yet). Absent: unconditional (activation).
   */
  expectedTimerId?: string | null;
  /** The timer that replaces the current one (null: none, e.g. the workflow was deactivated). */
  next: TriggerTimer | null;
  state: JsonObject;
  now: Date;
}

/** A poll result item identified by its dedup key. */
export interface KeyCandidate {
  hash: string;
  /** The key as evaluated (shown in status and logs; truncated to 500 characters). */
  key: string;
  /** The run to start for it (null: recorded only, e.g. the first poll). */
  runId: string | null;
  item: JsonObject | null;
}

export interface RecordKeysResult {
  /** Candidates that were new, in the order given, at most `limit`. */
  recorded: KeyCandidate[];
  /** More new keys than `limit`: the rest wait for the next poll. */
  capped: boolean;
}

/** The schedule and poll state, and the one-time claims (event-claims.ts). */
export interface TriggerStateStore extends EventClaims {
  get(workflowId: string, nodeId: string): Promise<TriggerState | null>;
  list(workflowId: string): Promise<TriggerState[]>;
  /** Replaces the timer and saves the state (see file comment). False when `expectedTimerId` no longer holds. */
  advance(input: AdvanceInput): Promise<boolean>;
  /** Deactivation: removes the pending timers of the workflow's triggers (of one kind, if given). Returns how many. */
  clearTimers(workflowId: string, kind?: string): Promise<number>;
  timerExists(id: string): Promise<boolean>;
  /**
   * Inserts the candidates whose key is new (first `limit` of them) and applies `advance` with the
   * state `stateFor` makes of the outcome (the cursor moves only when nothing was held back), in one
   * transaction. Null when `advance.expectedTimerId` no longer holds (nothing is written then).
   */
  recordKeys(
    candidates: readonly KeyCandidate[],
    limit: number,
    advance: Omit<AdvanceInput, 'state'>,
    stateFor: (result: RecordKeysResult) => JsonObject,
  ): Promise<RecordKeysResult | null>;
  /** Recorded keys whose run is not started yet (a crash between recording and starting). */
  pendingKeys(workflowId: string, nodeId: string, limit: number): Promise<KeyCandidate[]>;
  markStarted(workflowId: string, nodeId: string, hashes: readonly string[]): Promise<void>;
  countKeys(workflowId: string, nodeId: string): Promise<number>;
}

/** Thrown inside a transaction to roll it back when a compare-and-set fails. */
class Stale extends Error {}

const IN_CHUNK = 400;

export function createTriggerStateStore(dialect: StoreDialect): TriggerStateStore {
  // These tables are this repository's alone: typed here rather than in the shared Database type.
  const db = dialect.db.withTables<TriggerTables>() as unknown as Kysely<TriggerTables>;
  const { codec } = dialect;

  async function advanceIn(trx: Transaction<TriggerTables>, input: AdvanceInput): Promise<void> {
    const current = await trx
      .selectFrom('trigger_state')
      .select('timer_id')
      .where('workflow_id', '=', input.workflowId)
      .where('node_id', '=', input.nodeId)
      .executeTakeFirst();
    const values = {
      kind: input.kind,
      timer_id: input.next?.id ?? null,
      state: codec.json(input.state),
      updated_at: codec.date(input.now),
    };
    if (current) {
      const held = current.timer_id;
      if (input.expectedTimerId !== undefined) {
        // The compare-and-set: the UPDATE's WHERE re-checks it, so a concurrent writer that moved
        // the timer between the SELECT and here makes this one affect no row.
        const result = await trx
          .updateTable('trigger_state')
          .set(values)
          .where('workflow_id', '=', input.workflowId)
          .where('node_id', '=', input.nodeId)
          .where((eb) =>
            input.expectedTimerId === null
              ? eb('timer_id', 'is', null)
              : eb('timer_id', '=', input.expectedTimerId as string),
          )
          .executeTakeFirst();
        if (result.numUpdatedRows === 0n) throw new Stale();
      } else {
        await trx
          .updateTable('trigger_state')
          .set(values)
          .where('workflow_id', '=', input.workflowId)
          .where('node_id', '=', input.nodeId)
          .execute();
      }
      if (held && held !== input.next?.id) await trx.deleteFrom('timers').where('id', '=', held).execute();
    } else {
      if (input.expectedTimerId !== undefined && input.expectedTimerId !== null) throw new Stale();
      const inserted = await trx
        .insertInto('trigger_state')
        .values({ workflow_id: input.workflowId, node_id: input.nodeId, ...values })
        .onConflict((oc) => oc.columns(['workflow_id', 'node_id']).doNothing())
        .returning('node_id')
        .executeTakeFirst();
      // Another writer created the row first: it won.
      if (!inserted) throw new Stale();
    }
    if (input.next) await insertTimer(trx, codec, input.next, input.now);
  }

  async function staleAware<T>(work: (trx: Transaction<TriggerTables>) => Promise<T>): Promise<T | null> {
    try {
      return await db.transaction().execute(work);
    } catch (error) {
      if (error instanceof Stale) return null;
      throw error;
    }
  }

  return {
    async get(workflowId, nodeId) {
      const row = await db
        .selectFrom('trigger_state')
        .selectAll()
        .where('workflow_id', '=', workflowId)
        .where('node_id', '=', nodeId)
        .executeTakeFirst();
      return row ? stateFromRow(codec, row) : null;
    },

    async list(workflowId) {
      const rows = await db
        .selectFrom('trigger_state')
        .selectAll()
        .where('workflow_id', '=', workflowId)
        .orderBy('node_id')
        .execute();
      return rows.map((row) => stateFromRow(codec, row));
    },

    async advance(input) {
      return (await staleAware((trx) => advanceIn(trx, input).then(() => true))) ?? false;
    },

    async clearTimers(workflowId, kind) {
      return db.transaction().execute(async (trx) => {
        const rows = await trx
          .selectFrom('trigger_state')
          .select('timer_id')
          .where('workflow_id', '=', workflowId)
          .where('timer_id', 'is not', null)
          .$if(kind !== undefined, (q) => q.where('kind', '=', kind as string))
          .execute();
        const ids = rows.map((r) => r.timer_id as string);
        for (let i = 0; i < ids.length; i += IN_CHUNK) {
          await trx
            .deleteFrom('timers')
            .where('id', 'in', ids.slice(i, i + IN_CHUNK))
            .execute();
        }
        await trx
          .updateTable('trigger_state')
          .set({ timer_id: null })
          .where('workflow_id', '=', workflowId)
          .$if(kind !== undefined, (q) => q.where('kind', '=', kind as string))
          .execute();
        return ids.length;
      });
    },

    async timerExists(id) {
      const row = await db.selectFrom('timers').select('id').where('id', '=', id).executeTakeFirst();
      return row !== undefined;
    },

    async recordKeys(candidates, limit, advance, stateFor) {
      const unique = new Map<string, KeyCandidate>();
      for (const c of candidates) if (!unique.has(c.hash)) unique.set(c.hash, c);
      const list = [...unique.values()];
      return staleAware(async (trx) => {
        const seen = new Set<string>();
        for (let i = 0; i < list.length; i += IN_CHUNK) {
          const rows = await trx
            .selectFrom('trigger_keys')
            .select('key_hash')
            .where('workflow_id', '=', advance.workflowId)
            .where('node_id', '=', advance.nodeId)
            .where(
              'key_hash',
              'in',
              list.slice(i, i + IN_CHUNK).map((c) => c.hash),
            )
            .execute();
          for (const row of rows) seen.add(row.key_hash);
        }
        const fresh = list.filter((c) => !seen.has(c.hash));
        const recorded: KeyCandidate[] = [];
        for (const c of fresh.slice(0, Math.max(0, limit))) {
          // ON CONFLICT: a concurrent poller recorded the key meanwhile; it owns its run.
          const inserted = await trx
            .insertInto('trigger_keys')
            .values({
              workflow_id: advance.workflowId,
              node_id: advance.nodeId,
              key_hash: c.hash,
              key: c.key.slice(0, 500),
              run_id: c.runId,
              item: c.runId && c.item ? codec.json(c.item) : null,
              started: codec.bool(c.runId === null),
              created_at: codec.date(advance.now),
            })
            .onConflict((oc) => oc.columns(['workflow_id', 'node_id', 'key_hash']).doNothing())
            .returning('key_hash')
            .executeTakeFirst();
          if (inserted) recorded.push(c);
        }
        const result = { recorded, capped: fresh.length > limit };
        await advanceIn(trx, { ...advance, state: stateFor(result) });
        return result;
      });
    },

    async pendingKeys(workflowId, nodeId, limit) {
      const rows = await db
        .selectFrom('trigger_keys')
        .selectAll()
        .where('workflow_id', '=', workflowId)
        .where('node_id', '=', nodeId)
        .where('started', '=', codec.bool(false))
        .orderBy('created_at')
        .limit(limit)
        .execute();
      return rows.map((row) => ({
        hash: row.key_hash,
        key: row.key,
        runId: row.run_id,
        item: row.item === null ? null : codec.readJson<JsonObject>(row.item),
      }));
    },

    async markStarted(workflowId, nodeId, hashes) {
      for (let i = 0; i < hashes.length; i += IN_CHUNK) {
        await db
          .updateTable('trigger_keys')
          // The item was only kept to start the run; the run holds it now.
          .set({ started: codec.bool(true), item: null })
          .where('workflow_id', '=', workflowId)
          .where('node_id', '=', nodeId)
          .where('key_hash', 'in', hashes.slice(i, i + IN_CHUNK))
          .execute();
      }
    },

    async countKeys(workflowId, nodeId) {
      const row = await db
        .selectFrom('trigger_keys')
        .select((eb) => eb.fn.countAll().as('count'))
        .where('workflow_id', '=', workflowId)
        .where('node_id', '=', nodeId)
        .executeTakeFirstOrThrow();
      return Number(row.count);
    },

    ...createEventClaims(db, codec),
  };
}

function stateFromRow(codec: ValueCodec, row: Selectable<TriggerStateTable>): TriggerState {
  return {
    workflowId: row.workflow_id,
    nodeId: row.node_id,
    kind: row.kind,
    timerId: row.timer_id,
    state: codec.readJson<JsonObject>(row.state),
    updatedAt: codec.readDate(row.updated_at),
  };
}
