/**
 * TimerStore on Kysely (interface and lifecycle in ports-timers.ts). A claim is one UPDATE whose
 * subquery picks the due rows: on PostgreSQL with FOR UPDATE SKIP LOCKED, so concurrent schedulers
 * take disjoint rows without waiting for each other; on SQLite the single statement is atomic by
 * itself because SQLite runs one writer at a time.
 */
import { randomUUID } from 'node:crypto';
import type { Expression, ExpressionBuilder, Selectable, SqlBool } from 'kysely';
import type { JsonObject } from '../engine/items.js';
import type { StoreDialect, ValueCodec } from './dialects/types.js';
import { byDueTime, type NewTimer, type TimerRecord, type TimerStore } from './ports-timers.js';
import { nullable } from './run-rows.js';
import type { Database, TimersTable } from './schema.js';

export function createTimerStore(dialect: StoreDialect): TimerStore {
  const { db, codec, caps } = dialect;
  const listeners = new Set<(dueAt: Date) => void>();

  /** Claims for `owner`, until `until`, up to `limit` of the timers `which` picks, earliest first. */
  async function claim(
    which: (eb: ExpressionBuilder<Database, 'timers'>) => Expression<SqlBool>,
    limit: number,
    owner: string,
    until: Date,
  ): Promise<TimerRecord[]> {
    if (limit <= 0) return [];
    const picked = db
      .selectFrom('timers')
      .select('id')
      .where(which)
      .orderBy('due_at')
      .orderBy('id')
      .limit(limit)
      .$if(caps.supportsSkipLocked, (q) => q.forUpdate().skipLocked());
    const rows = await db
      .updateTable('timers')
      .set({ claimed_by: owner, claimed_until: codec.date(until) })
      .where('id', 'in', picked)
      .returningAll()
      .execute();
    // RETURNING gives no order guarantee; callers get the earliest due first.
    return rows.map((row) => timerFromRow(codec, row)).sort(byDueTime);
  }

  return {
    async schedule(timer: NewTimer, opts?: { now?: Date }): Promise<TimerRecord> {
      const record: TimerRecord = {
        id: timer.id ?? randomUUID(),
        runId: timer.runId ?? null,
        kind: timer.kind,
        dueAt: timer.dueAt,
        payload: timer.payload ?? {},
        claimedBy: null,
        claimedUntil: null,
        createdAt: opts?.now ?? new Date(),
      };
      const inserted = await db
        .insertInto('timers')
        .values({
          id: record.id,
          run_id: record.runId,
          kind: record.kind,
          due_at: codec.date(record.dueAt),
          payload: codec.json(record.payload),
          claimed_by: null,
          claimed_until: null,
          created_at: codec.date(record.createdAt),
        })
        .onConflict((oc) => oc.column('id').doNothing())
        .returning('id')
        .executeTakeFirst();
      for (const listener of listeners) listener(record.dueAt);
      if (inserted) return record;
      // Same id scheduled before (a retried schedule after a crash): the first one stands.
      const existing = await db
        .selectFrom('timers')
        .selectAll()
        .where('id', '=', record.id)
        .executeTakeFirst();
      return existing ? timerFromRow(codec, existing) : record;
    },

    claimDue(now: Date, limit: number, owner: string, leaseMs: number): Promise<TimerRecord[]> {
      const at = codec.date(now);
      return claim(
        (eb) =>
          eb.and([
            eb('due_at', '<=', at),
            eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<=', at)]),
          ]),
        limit,
        owner,
        new Date(now.getTime() + leaseMs),
      );
    },

    complete(ids: readonly string[], owner?: string): Promise<number> {
      return inChunks(ids, async (chunk) => {
        const result = await db
          .deleteFrom('timers')
          .where('id', 'in', chunk)
          .$if(owner !== undefined, (q) => q.where('claimed_by', '=', owner!))
          .executeTakeFirst();
        return Number(result.numDeletedRows);
      });
    },

    async peekDue(after: Date, by: Date, limit: number): Promise<TimerRecord[]> {
      if (limit <= 0) return [];
      const rows = await db
        .selectFrom('timers')
        .selectAll()
        .where('due_at', '>', codec.date(after))
        .where('due_at', '<=', codec.date(by))
        .where('claimed_until', 'is', null)
        .orderBy('due_at')
        .orderBy('id')
        .limit(limit)
        .execute();
      return rows.map((row) => timerFromRow(codec, row));
    },

    claimAhead(after, by, kinds, limit, owner, until): Promise<TimerRecord[]> {
      if (kinds.length === 0) return Promise.resolve([]);
      return claim(
        (eb) =>
          eb.and([
            eb('due_at', '>', codec.date(after)),
            eb('due_at', '<=', codec.date(by)),
            eb('claimed_until', 'is', null),
            eb('kind', 'in', kinds),
          ]),
        limit,
        owner,
        until,
      );
    },

    async release(claims): Promise<number> {
      const free = () => db.updateTable('timers').set({ claimed_by: null, claimed_until: null });
      if (claims === 'all') {
        const result = await free().where('claimed_until', 'is not', null).executeTakeFirst();
        return Number(result.numUpdatedRows);
      }
      return inChunks(claims.ids, async (chunk) => {
        const result = await free()
          .where('id', 'in', chunk)
          .where('claimed_by', '=', claims.owner)
          .executeTakeFirst();
        return Number(result.numUpdatedRows);
      });
    },

    async nextDueAt(): Promise<Date | null> {
      const row = await db
        .selectFrom('timers')
        .select('due_at')
        .where('claimed_until', 'is', null)
        .orderBy('due_at')
        .limit(1)
        .executeTakeFirst();
      return row ? codec.readDate(row.due_at) : null;
    },

    onScheduled(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    async cancelForRun(runId: string): Promise<number> {
      const result = await db.deleteFrom('timers').where('run_id', '=', runId).executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    async countPending(): Promise<number> {
      const row = await db
        .selectFrom('timers')
        .select((eb) => eb.fn.countAll().as('count'))
        .executeTakeFirstOrThrow();
      // PostgreSQL returns count(*) as a bigint string.
      return Number(row.count);
    },
  };
}

/**
 * `write` for each 500 ids at most, one statement each: within every driver's bound-parameter
 * limit. Returns the rows they changed in all.
 */
async function inChunks(
  ids: readonly string[],
  write: (chunk: readonly string[]) => Promise<number>,
): Promise<number> {
  let changed = 0;
  for (let i = 0; i < ids.length; i += 500) changed += await write(ids.slice(i, i + 500));
  return changed;
}

function timerFromRow(codec: ValueCodec, row: Selectable<TimersTable>): TimerRecord {
  return {
    id: row.id,
    runId: row.run_id,
    kind: row.kind,
    dueAt: codec.readDate(row.due_at),
    payload: codec.readJson<JsonObject>(row.payload),
    claimedBy: row.claimed_by,
    claimedUntil: nullable(row.claimed_until, codec.readDate),
    createdAt: codec.readDate(row.created_at),
  };
}
