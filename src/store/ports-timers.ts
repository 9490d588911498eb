/**
 * TimerStore: waits, retry back-offs and schedules as rows indexed by due time (ARCHITECTURE
 * decision 4), claimed with a lease by any number of scheduler processes ("Scaling past one
 * machine"). Delivery is at least once: a claimer that dies, or outlives its lease, lets the timer
 * be claimed again, so whoever acts on a timer must tolerate a repeat (e.g. a run transition that
 * refuses stale callers).
 *
 *   schedule ──► pending ──claimDue──► claimed (until now + leaseMs) ──complete──► gone
 *                   ▲      └─claimAhead─►  │
 *                   └─ lease expires, ─────┘          cancelForRun: gone, from any state
 *                      or release
 *
 * A candidate for src/engine/ports.ts once the engine uses it; kept here until then.
 */
import type { JsonObject } from '../engine/items.js';

export interface NewTimer {
  /** Caller-chosen id makes `schedule` idempotent (e.g. `${runId}:${step}`); generated when absent. */
  id?: string;
  /** The run the timer belongs to; timers of a run go when it is canceled or deleted. */
  runId?: string | null;
  /** What to do when due, read by the scheduler: e.g. `resume`, `retry`, `schedule`, `poll`. */
  kind: string;
  dueAt: Date;
  payload?: JsonObject;
}

export interface TimerRecord {
  id: string;
  runId: string | null;
  kind: string;
  dueAt: Date;
  payload: JsonObject;
  /** Owner of the current (or last, if expired) claim. */
  claimedBy: string | null;
  claimedUntil: Date | null;
  createdAt: Date;
}

export interface TimerStore {
  /** Adds a timer; with an `id` that already exists, keeps and returns the existing one unchanged. */
  schedule(timer: NewTimer, opts?: { now?: Date }): Promise<TimerRecord>;
  /**
   * Atomically claims up to `limit` timers due at `now` (earliest first) that nobody holds, or whose
   * lease ended, for `owner` until `now + leaseMs`. Two claimers never get the same timer while its
   * lease runs.
   */
  claimDue(now: Date, limit: number, owner: string, leaseMs: number): Promise<TimerRecord[]>;
  /**
   * Removes handled timers. With `owner`, only those that owner still holds the latest claim of (a
   * claimer whose lease ran out and was re-claimed removes nothing). Returns how many were removed.
   */
  complete(ids: readonly string[], owner?: string): Promise<number>;
  /**
   * Up to `limit` timers nobody holds that fall due after `after` and by `by`, earliest first
   * (ties by id): what a loop may prepare for before they are due. Claims nothing.
   */
  peekDue(after: Date, by: Date, limit: number): Promise<TimerRecord[]>;
  /**
   * Claims for `owner`, until `until`, up to `limit` timers of `kinds` nobody holds that fall due
   * after `after` and by `by`, earliest first (ties by id): what a loop that alone schedules from
   * this store takes before it is due (TimerLoop `claimAhead`).
   */
  claimAhead(
    after: Date,
    by: Date,
    kinds: readonly string[],
    limit: number,
    owner: string,
    until: Date,
  ): Promise<TimerRecord[]>;
  /**
   * Gives claims back, so that the timers are claimed again as if never claimed: those of `ids`
   * that `owner` holds, or `'all'` (at the start of the one process scheduling from this store,
   * every claim is a dead process's). Returns how many.
   */
  release(claims: { ids: readonly string[]; owner: string } | 'all'): Promise<number>;
  /** The earliest due time of the timers nobody holds (null: none), for a loop to sleep until. */
  nextDueAt(): Promise<Date | null>;
  /**
   * Calls `listener` with the due time of every timer this store instance schedules, so a loop of
   * this process sleeping past it wakes up in time (other processes' timers are found by polling).
   * Returns the unsubscribe function.
   */
  onScheduled(listener: (dueAt: Date) => void): () => void;
  /** Removes every timer of a run (cancel, end of a wait by webhook or event). Returns how many. */
  cancelForRun(runId: string): Promise<number>;
  /** Timers not yet completed, claimed or not (a gauge for /metrics). */
  countPending(): Promise<number>;
}

/** Earliest due first, ties by id: the order timers are claimed, and fired, in. */
export function byDueTime(a: TimerRecord, b: TimerRecord): number {
  return a.dueAt.getTime() - b.dueAt.getTime() || (a.id < b.id ? -1 : 1);
}
