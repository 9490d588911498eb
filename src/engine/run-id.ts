/**
 * Run ids are UUIDv7: time-ordered, so the rows of runs started together (a run, its steps, their
 * payloads, all keyed by run id) land side by side at the right edge of their B-tree indexes. With
 * random v4 ids each run dirtied its own leaf page in every index, and a SQLite commit of a dozen
 * runs wrote about a hundred pages to the WAL. The id still carries 74 random bits; knowing it
 * grants nothing (resume URLs are signed, see src/server/routes/resume.ts).
 */
import { v7 } from 'uuid';

export function newRunId(): string {
  return v7();
}
