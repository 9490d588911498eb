/**
 * Rows read ahead of need (`RunStore.prefetch`): the runs whose timers fall due in the next
 * seconds, with their steps, read before the due time. When ten thousand waits end at once, the
 * burst then only executes and writes; the reads were done while the process was idle.
 *
 * Rows are kept as the database returned them (strings, not parsed records): every read converts
 * its own copy, so no two callers share a record, and text costs a fraction of parsed objects.
 *
 * Freshness. An entry is dropped as soon as this store writes its run (the version it holds is then
 * stale), also when the write lands while the entry is being read; and it expires after `ttlMs`,
 * which bounds how long a write by another process (PostgreSQL without Redis) goes unseen. A stale
 * entry cannot do harm: every move of a run is conditional on its version, so a drive from an old
 * copy is refused at its first commit, and a node with effects outside the run only starts after
 * one (engine.ts, `executeNode`).
 */

/** What is held per run: its row and its steps' rows. */
export interface AheadRows<R, S> {
  run: R;
  steps: S[];
}

export interface ReadAheadLimits {
  /** Bound on the text held (string lengths, plus a fixed cost per row). */
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
  private readonly entries = new Map<string, { rows: AheadRows<R, S>; bytes: number; expires: number }>();
  private bytes = 0;
  /** Per fill in progress, the runs written since it began: rows it read may predate the write. */
  private readonly fills = new Set<Set<string>>();
  private readonly now: () => number;

  constructor(private readonly limits: ReadAheadLimits) {
    this.now = limits.now ?? (() => performance.now());
  }

  /**
   * Reads the runs not held yet, a chunk at a time (yielding to the event loop in between), until
   * the byte bound is reached. `read` returns the rows of the runs it found.
   */
  async fill(
    ids: readonly string[],
    read: (ids: readonly string[]) => Promise<Map<string, AheadRows<R, S>>>,
  ) {
    this.expire();
    const wanted = [...new Set(ids)].filter((id) => !this.entries.has(id));
    const written = new Set<string>();
    this.fills.add(written);
    try {
      for (let i = 0; i < wanted.length && this.bytes < this.limits.maxBytes; i += KEYS_PER_READ) {
        const found = await read(wanted.slice(i, i + KEYS_PER_READ));
        const expires = this.now() + this.limits.ttlMs;
        for (const [id, rows] of found) {
          if (written.has(id)) continue;
          const bytes = sizeOf(rows.run) + rows.steps.reduce((n, step) => n + sizeOf(step), 0);
          if (this.bytes + bytes > this.limits.maxBytes) return;
          this.drop(id);
          this.entries.set(id, { rows, bytes, expires });
          this.bytes += bytes;
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
    } finally {
      this.fills.delete(written);
    }
  }

  /** The rows held for a run, unless expired. */
  get(id: string): AheadRows<R, S> | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    if (entry.expires > this.now()) return entry.rows;
    this.drop(id);
    return undefined;
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

function sizeOf(row: unknown): number {
  let bytes = ROW_OVERHEAD;
  for (const value of Object.values(row as Record<string, unknown>))
    if (typeof value === 'string') bytes += value.length;
  return bytes;
}
