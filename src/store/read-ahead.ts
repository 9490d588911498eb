/**
 * Runs read ahead of need (`RunStore.prefetch`): the runs whose timers fall due in the next
 * seconds, with their steps, read and parsed before the due time. When ten thousand waits end at
 * once, the burst then only executes and writes; the reads and their parsing (a tenth of a
 * resume's work) were done while the process was idle.
 *
 * Each record is handed out once (`takeRun`, `takeSteps`): its taker owns it and may change it,
 * and no two callers share a record. A second read of the same run goes to the database.
 *
 * Freshness. An entry is dropped as soon as this store writes its run (the version it holds is then
 * stale), also when the write lands while the entry is being read; and it expires after `ttlMs`,
 * which bounds how long a write by another process (PostgreSQL without Redis) goes unseen. A stale
 * entry cannot do harm: every move of a run is conditional on its version, so a drive from an old
 * copy is refused at its first commit, and a node with effects outside the run only starts after
 * one (engine.ts, `executeNode`).
 */

/** What is held per run: its record and its steps' records, each until taken. */
export interface AheadRecords<R, S> {
  run: R | undefined;
  steps: S[] | undefined;
}

/** A run read: its records, and the size of the text they were parsed from (`textSize`). */
export interface AheadRead<R, S> {
  records: AheadRecords<R, S>;
  bytes: number;
}

export interface ReadAheadLimits {
  /** Bound on what is held, counted as the text it was parsed from (see `textSize`). */
  maxBytes: number;
  ttlMs: number;
  /** Monotonic milliseconds (tests inject their own). */
  now?: () => number;
}

/** Keys per read: within every driver's bound-parameter limit (as coalesced-read.ts). */
const KEYS_PER_READ = 256;
/** What a row costs beyond its strings: the object and its slots, roughly. */
const ROW_OVERHEAD = 256;

export class ReadAhead<R, S> {
  private readonly entries = new Map<
    string,
    { records: AheadRecords<R, S>; bytes: number; expires: number }
  >();
  private bytes = 0;
  /** Per fill in progress, the runs written since it began: rows it read may predate the write. */
  private readonly fills = new Set<Set<string>>();
  private readonly now: () => number;

  constructor(private readonly limits: ReadAheadLimits) {
    this.now = limits.now ?? (() => performance.now());
  }

  /**
   * Reads the runs not held yet, a chunk at a time (yielding to the event loop in between), until
   * the byte bound is reached. `read` returns the records of the runs it found.
   */
  async fill(
    ids: readonly string[],
    read: (ids: readonly string[]) => Promise<Map<string, AheadRead<R, S>>>,
  ) {
    this.expire();
    const wanted = [...new Set(ids)].filter((id) => !this.entries.has(id));
    const written = new Set<string>();
    this.fills.add(written);
    try {
      for (let i = 0; i < wanted.length && this.bytes < this.limits.maxBytes; i += KEYS_PER_READ) {
        const found = await read(wanted.slice(i, i + KEYS_PER_READ));
        const expires = this.now() + this.limits.ttlMs;
        for (const [id, { records, bytes }] of found) {
          if (written.has(id)) continue;
          if (this.bytes + bytes > this.limits.maxBytes) return;
          this.drop(id);
          this.entries.set(id, { records, bytes, expires });
          this.bytes += bytes;
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
    } finally {
      this.fills.delete(written);
    }
  }

  /** The run's record, unless taken already or expired. */
  takeRun(id: string): R | undefined {
    return this.take(id, 'run');
  }

  /** The run's steps, unless taken already or expired. */
  takeSteps(id: string): S[] | undefined {
    return this.take(id, 'steps');
  }

  private take<K extends keyof AheadRecords<R, S>>(id: string, part: K): AheadRecords<R, S>[K] | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    if (entry.expires <= this.now()) {
      this.drop(id);
      return undefined;
    }
    const taken = entry.records[part];
    entry.records[part] = undefined;
    if (entry.records.run === undefined && entry.records.steps === undefined) this.drop(id);
    return taken;
  }

  /** The run was written: what is held of it (or being read of it) is stale. */
  forget(id: string): void {
    this.drop(id);
    for (const written of this.fills) written.add(id);
  }

  /** Runs held and the text they hold (for tests and diagnostics). */
  size(): { runs: number; bytes: number } {
    return { runs: this.entries.size, bytes: this.bytes };
  }

  private drop(id: string): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.entries.delete(id);
    this.bytes -= entry.bytes;
  }

  private expire(): void {
    const now = this.now();
    for (const [id, entry] of this.entries) if (entry.expires <= now) this.drop(id);
  }
}

/** What rows cost to hold: their strings' lengths, plus a fixed cost per row. */
export function textSize(rows: readonly object[]): number {
  let bytes = 0;
  for (const row of rows) {
    bytes += ROW_OVERHEAD;
    for (const value of Object.values(row)) if (typeof value === 'string') bytes += value.length;
  }
  return bytes;
}
