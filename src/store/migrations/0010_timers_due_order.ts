/**
 * Timers are claimed earliest first, ties by id (`claimDue`). Indexed on `due_at` alone, every
 * claim sorted all the timers due so far: with 10,000 falling due at once, each claim of a batch
 * sorted 10,000 rows (about 1 ms on SQLite). Indexed on `(due_at, id)`, a claim reads its batch in
 * index order and stops.
 */
import type { Kysely, Migration } from 'kysely';

export function timersDueOrder(): Migration {
  return {
    // biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's Database type.
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.createIndex('timers_due_id').on('timers').columns(['due_at', 'id']).execute();
      await db.schema.dropIndex('timers_due').execute();
    },
  };
}
