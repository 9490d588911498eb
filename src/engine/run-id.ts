/**
 * Run ids are UUIDv7 (RFC 9562): the millisecond first, so the rows of runs started together (a
 * run, its steps, their payloads, all keyed by run id) land side by side at the right edge of their
 * B-tree indexes. With random v4 ids each run dirtied its own leaf page in every index, and a
 * SQLite commit of a dozen runs wrote about twice the WAL pages. The other 74 bits are random
 * (taken from `randomUUID`, which draws from a cached entropy pool: the `uuid` package's v7 cost
 * 12 µs a call); knowing an id grants nothing (resume URLs are signed: src/server/routes/resume.ts).
 */
import { randomUUID } from 'node:crypto';

export function newRunId(nowMs: number = Date.now()): string {
  const ms = nowMs.toString(16).padStart(12, '0');
  // v4 layout: 8-4-"4"xxx-"y"xxx-12; keep its random digits, put the time and version 7 in front.
  const random = randomUUID();
  return `${ms.slice(0, 8)}-${ms.slice(8, 12)}-7${random.slice(15, 18)}-${random.slice(19)}`;
}
