/**
 * Concurrency slots across processes (issue 7, point 4). A worker that takes a run of a limited
 * workflow claims a slot on the run row before it drives it: `slot_version` is the run's version
 * when the slot was claimed, `slot_owner` the claiming drive (so a late release by a stalled
 * driver never frees the slot of the one that took over). The claim holds while the run is still
 * at that version (queued, or waiting being resumed: the engine writes nothing before its first
 * commit); from the first commit on, `running` holds the slot. So slots stay derivable from the
 * store: a dead worker's claims are its runs' own, taken over with them or freed when they end.
 */
import { type Kysely, type Migration, type SqlBool, sql } from 'kysely';
import type { DialectCapabilities } from '../dialects/types.js';

export function slotClaims(_caps: DialectCapabilities): Migration {
  return {
    // biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's Database type.
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('runs').addColumn('slot_version', 'integer').execute();
      await db.schema.alterTable('runs').addColumn('slot_owner', 'text').execute();
      // Only claimed runs (a handful per limited group; cleared when their drive ends).
      await db.schema
        .createIndex('runs_slot_claims')
        .on('runs')
        .columns(['workflow_id', 'concurrency_key'])
        .where(sql<SqlBool>`slot_version is not null`)
        .execute();
    },
  };
}
