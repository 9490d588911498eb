/**
 * The one-time claims of TriggerStateStore (migration 0005; the store is assembled in
 * trigger-state-store.ts): `claimOnce` and `claimEventWait` let exactly one caller act on an
 * idempotency key, a resume URL call or an event awaited by a run. The database decides who:
 *
 * - `claimOnce` inserts the key, and the primary key (scope, key) lets one insert through; every
 *   other caller reads the answer stored by the one that took it.
 * - `claimEventWait` deletes the run's wait and writes the timer that resumes the run in one
 *   transaction: only the caller whose delete removed the row writes the timer.
 */
import type { Kysely } from 'kysely';
import type { JsonObject } from '../engine/items.js';
import type { ValueCodec } from './dialects/types.js';
import { insertTimer, type TriggerTables, type TriggerTimer } from './trigger-rows.js';

export interface EventWait {
  runId: string;
  type: string;
  key: string | null;
  /** Version of the run when its waiting step was recorded; it waits once its version is higher. */
  waitVersion: number;
  createdAt: Date;
}

export type ClaimOnceResult = { claimed: true } | { claimed: false; answer: JsonObject };

export interface EventClaims {
  /** Takes `key` in `scope` with `answer`, or returns the answer stored by whoever took it first. */
  claimOnce(scope: string, key: string, answer: JsonObject, now: Date): Promise<ClaimOnceResult>;
  setAnswer(scope: string, key: string, answer: JsonObject): Promise<void>;
  addEventWait(wait: EventWait): Promise<void>;
  /** Waits for events of `type` with this key, or with no key (any event of the type). */
  findEventWaits(type: string, key: string | null, limit: number): Promise<EventWait[]>;
  /** Removes a run's event wait (it ended). True when there was one. */
  removeEventWait(runId: string): Promise<boolean>;
  /** Takes the run's event wait and writes `delivery` (the timer that resumes it), or false if taken already. */
  claimEventWait(runId: string, delivery: TriggerTimer, now: Date): Promise<boolean>;
}

/** Over the database the trigger state store opened (the same typed instance, not a second one). */
export function createEventClaims(db: Kysely<TriggerTables>, codec: ValueCodec): EventClaims {
  return {
    async claimOnce(scope, key, answer, now) {
      const inserted = await db
        .insertInto('event_keys')
        .values({ scope, key, answer: codec.json(answer), created_at: codec.date(now) })
        .onConflict((oc) => oc.columns(['scope', 'key']).doNothing())
        .returning('key')
        .executeTakeFirst();
      if (inserted) return { claimed: true };
      const row = await db
        .selectFrom('event_keys')
        .select('answer')
        .where('scope', '=', scope)
        .where('key', '=', key)
        .executeTakeFirstOrThrow();
      return { claimed: false, answer: codec.readJson<JsonObject>(row.answer) };
    },

    async setAnswer(scope, key, answer) {
      await db
        .updateTable('event_keys')
        .set({ answer: codec.json(answer) })
        .where('scope', '=', scope)
        .where('key', '=', key)
        .execute();
    },

    async addEventWait(wait) {
      await db
        .insertInto('event_waits')
        .values({
          run_id: wait.runId,
          event_type: wait.type,
          event_key: wait.key,
          wait_version: wait.waitVersion,
          created_at: codec.date(wait.createdAt),
        })
        // A run waits for one event at a time: a later wait of the same run replaces the earlier.
        .onConflict((oc) =>
          oc.column('run_id').doUpdateSet({
            event_type: wait.type,
            event_key: wait.key,
            wait_version: wait.waitVersion,
            created_at: codec.date(wait.createdAt),
          }),
        )
        .execute();
    },

    async findEventWaits(type, key, limit) {
      const rows = await db
        .selectFrom('event_waits')
        .selectAll()
        .where('event_type', '=', type)
        .where((eb) =>
          key === null
            ? eb('event_key', 'is', null)
            : eb.or([eb('event_key', '=', key), eb('event_key', 'is', null)]),
        )
        .orderBy('created_at')
        .orderBy('run_id')
        .limit(limit)
        .execute();
      return rows.map((row) => ({
        runId: row.run_id,
        type: row.event_type,
        key: row.event_key,
        waitVersion: row.wait_version,
        createdAt: codec.readDate(row.created_at),
      }));
    },

    async removeEventWait(runId) {
      const result = await db.deleteFrom('event_waits').where('run_id', '=', runId).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },

    async claimEventWait(runId, delivery, now) {
      return db.transaction().execute(async (trx) => {
        const result = await trx.deleteFrom('event_waits').where('run_id', '=', runId).executeTakeFirst();
        if (result.numDeletedRows === 0n) return false;
        await insertTimer(trx, codec, delivery, now);
        return true;
      });
    },
  };
}
