/**
 * Fires due timers: claims them from the store (with a lease, so several processes can run this
 * loop and each timer fires once), hands each to the handler of its kind, then completes it. A
 * timer is completed only after its handler finished, so a process that dies mid-way leaves it to
 * be claimed again when the lease ends; handlers are idempotent (the run store refuses stale moves).
 *
 * Handlers run side by side and the loop goes on claiming while they run: one slow handler (a
 * resume waiting for a dead worker's job to clear) never holds back the timers due after it.
 *
 * Timers falling due within `lookaheadMs` are handed to their kind's `prepare` beforehand: the
 * resume of a waiting run reads it then (RunStore.prefetch), so when thousands fall due together
 * the burst only executes and writes. Where several processes may share the timers (PostgreSQL)
 * they are not claimed then, and go to whichever process claims them first when due. A loop that
 * alone schedules from its store (SQLite, `claimAhead`) claims them as it prepares them, holds them
 * and fires each when due: the burst then makes no claims either (a tenth of its work).
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../engine/clock.js';
import { byDueTime, type TimerRecord, type TimerStore } from '../store/index.js';

export type TimerHandler = (timer: TimerRecord) => Promise<void>;
/** Readies what handlers will need for timers about to fall due. Best effort: must not throw. */
export type TimerPreparer = (timers: TimerRecord[]) => Promise<void>;

/** How far ahead timers are prepared by default (ms): more than a poll, so a burst is seen in time. */
const LOOKAHEAD_MS = 2000;
/** Timers prepared per pass. */
const PREPARE_LIMIT = 10_000;
/** Timers claimed per statement, and handlers running at once, unless told (see `timerLoopSizing`). */
const BATCH = 200;
const MAX_IN_FLIGHT = 200;

/**
 * The batch and the handlers in flight for a process that drives `concurrency` runs at once: a loop
 * holding fewer resumes than the queue may drive leaves its slots empty while it waits for room
 * (10,000 due at once on PostgreSQL: see POSTGRES_CONCURRENCY in contract.ts).
 */
export function timerLoopSizing(concurrency: number): { batch: number; maxInFlight: number } {
  return {
    batch: Math.max(BATCH, Math.ceil(concurrency / 2)),
    maxInFlight: Math.max(MAX_IN_FLIGHT, concurrency),
  };
}

export interface TimerLoopOptions {
  timers: TimerStore;
  clock: Clock;
  handlers: Record<string, TimerHandler>;
  /** Per kind, what to do for timers due within `lookaheadMs` before they are (see the header). */
  prepare?: Record<string, TimerPreparer>;
  lookaheadMs?: number;
  /** How often to look for due timers when idle (ms). */
  pollMs?: number;
  /** How long a claim holds before another process may take the timer (ms). */
  leaseMs?: number;
  batch?: number;
  /** Handlers running at once; claiming pauses beyond it. Default 200. */
  maxInFlight?: number;
  onError?: (timer: TimerRecord, error: unknown) => void;
  /**
   * This loop alone schedules from its store: the timers it prepares are claimed then (those of
   * kinds with a preparer only: a schedule tick switched off meanwhile must not fire), held, fired
   * when due, and given back by `stop` if not fired. Default false.
   */
  claimAhead?: boolean;
}

export class TimerLoop {
  readonly owner = `timer-loop:${randomUUID()}`;
  private handle: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  /** `stop` was called: the claims under way end at once (they would go on while timers are due). */
  private halting = false;
  private unwatch: (() => void) | undefined;
  /** When the sleeping loop wakes (ms since epoch on the loop's clock); Infinity while it ticks. */
  private wakeAt = Number.POSITIVE_INFINITY;
  /** Earliest due time scheduled in this process while the loop was ticking. */
  private heard: number | undefined;
  /** Handlers running, and the ids of timers handled but not yet deleted. */
  private readonly inFlight = new Set<Promise<boolean>>();
  private readonly completed: string[] = [];
  private flushing: Promise<void> = Promise.resolve();
  private flushScheduled = false;
  /** Timers due up to here (ms on the loop's clock) were handed to `prepare`; the pass running. */
  private preparedUntil = Number.NEGATIVE_INFINITY;
  private preparing: Promise<number> | undefined;
  /** Timers claimed ahead (`claimAhead`) and not fired yet, earliest due first. */
  private held: TimerRecord[] = [];
  private readonly lookaheadMs: number;
  private readonly leaseMs: number;

  constructor(private readonly opts: TimerLoopOptions) {
    this.lookaheadMs = opts.lookaheadMs ?? LOOKAHEAD_MS;
    this.leaseMs = opts.leaseMs ?? 60_000;
  }

  /**
   * Fires every timer due now and waits for their handlers (and for timers they made due);
   * returns how many this call handled. Tests call it after moving the clock.
   */
  async tick(): Promise<number> {
    let handled = 0;
    for (;;) {
      const fired = await this.claimAndFire();
      if (fired.length === 0) return handled;
      handled += (await Promise.all(fired)).filter(Boolean).length;
      await this.flushCompleted();
    }
  }

  /**
   * Hands the timers due within the look-ahead, and not handed over before, to their kind's
   * `prepare`; one pass at a time. Returns how many were handed over. The running loop calls it when
   * the next timer is near; tests call it directly.
   */
  prepareAhead(): Promise<number> {
    this.preparing ??= this.prepareWindow().finally(() => {
      this.preparing = undefined;
    });
    return this.preparing;
  }

  private async prepareWindow(): Promise<number> {
    const { prepare, timers, clock } = this.opts;
    if (!prepare) return 0;
    const now = clock.now().getTime();
    const after = Math.max(now, this.preparedUntil);
    const by = now + this.lookaheadMs;
    if (by <= after) return 0;
    const ahead = this.opts.claimAhead
      ? await timers.claimAhead(
          new Date(after),
          new Date(by),
          Object.keys(prepare),
          PREPARE_LIMIT,
          this.owner,
          new Date(by + this.leaseMs),
        )
      : await timers.peekDue(new Date(after), new Date(by), PREPARE_LIMIT);
    if (this.opts.claimAhead) this.held = [...this.held, ...ahead].sort(byDueTime);
    // A full page ends at its last due time (timers sharing it beyond the page are not prepared).
    this.preparedUntil = ahead.length === PREPARE_LIMIT ? ahead[ahead.length - 1].dueAt.getTime() : by;
    const byKind = new Map<string, TimerRecord[]>();
    for (const timer of ahead) {
      if (!prepare[timer.kind]) continue;
      const list = byKind.get(timer.kind);
      if (list) list.push(timer);
      else byKind.set(timer.kind, [timer]);
    }
    let handed = 0;
    for (const [kind, list] of byKind) {
      await prepare[kind](list);
      handed += list.length;
    }
    return handed;
  }

  /** Claims what is due and starts the handlers without waiting for them; their outcomes (true: handled). */
  private async claimAndFire(): Promise<Promise<boolean>[]> {
    const { timers, clock } = this.opts;
    const fired: Promise<boolean>[] = [];
    const batch = this.opts.batch ?? BATCH;
    const maxInFlight = this.opts.maxInFlight ?? MAX_IN_FLIGHT;
    // Claims wait for a quarter of a batch of room: one claim per finished handler would cost a
    // statement per timer when thousands fall due at once.
    const enough = Math.max(1, Math.floor(Math.min(batch, maxInFlight) / 4));
    for (;;) {
      if (this.halting) return fired;
      const room = maxInFlight - this.inFlight.size;
      if (room < enough) {
        await Promise.race(this.inFlight);
        continue;
      }
      const limit = Math.min(batch, room);
      const now = clock.now();
      const held = this.takeHeld(now, limit);
      const due = held.length > 0 ? held : await timers.claimDue(now, limit, this.owner, this.leaseMs);
      for (const timer of due) fired.push(this.fire(timer));
      if (held.length === 0 && due.length < limit) return fired;
    }
  }

  /** Up to `limit` of the timers held (claimed ahead) that are due at `now`. */
  private takeHeld(now: Date, limit: number): TimerRecord[] {
    let count = 0;
    while (count < this.held.length && count < limit && this.held[count].dueAt <= now) count++;
    return count === 0 ? [] : this.held.splice(0, count);
  }

  /**
   * Starts the timer's handler. Promise callbacks, not an async function: a handler's promises live
   * as long as its run (a resume), hundreds at once in a burst, and each async frame is kept too.
   */
  private fire(timer: TimerRecord): Promise<boolean> {
    let started: Promise<void>;
    try {
      const handler = this.opts.handlers[timer.kind];
      if (!handler) throw new Error(`No handler for timers of kind '${timer.kind}'`);
      started = handler(timer);
    } catch (error) {
      started = Promise.reject(error);
    }
    const handled: Promise<boolean> = started.then(
      () => {
        this.completed.push(timer.id);
        this.settled(handled);
        return true;
      },
      (error) => {
        // A failed handler's timer stays claimed until its lease ends, then fires again.
        this.opts.onError?.(timer, error);
        this.settled(handled);
        return false;
      },
    );
    this.inFlight.add(handled);
    return handled;
  }

  private settled(handled: Promise<boolean>): void {
    this.inFlight.delete(handled);
    // One flush for the handlers finished in this turn (thousands when a burst falls due).
    if (this.stopped || this.completed.length === 0 || this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      void this.flushCompleted();
    });
  }

  /** Deletes the handled timers, a batch per statement, one flush at a time. */
  private flushCompleted(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      const ids = this.completed.splice(0);
      if (ids.length > 0) await this.opts.timers.complete(ids, this.owner);
    });
    const flushed = this.flushing;
    this.flushing = flushed.catch(() => undefined);
    return flushed;
  }

  /**
   * Ticks, then sleeps until the next due timer, at most `pollMs` (timers of other processes are
   * found by polling); a timer this process schedules sooner wakes it early.
   */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.halting = false;
    this.unwatch = this.opts.timers.onScheduled((dueAt) => this.hear(dueAt.getTime()));
    this.cycle();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.halting = true;
    this.unwatch?.();
    clearTimeout(this.handle);
    await this.running;
    await this.preparing?.catch(() => undefined);
    await Promise.allSettled([...this.inFlight]);
    await this.flushCompleted().catch(() => undefined);
    // Not given back (the store failing), they wait for their lease to end.
    const unfired = this.held.splice(0).map((t) => t.id);
    if (unfired.length > 0)
      await this.opts.timers.release({ ids: unfired, owner: this.owner }).catch(() => undefined);
  }

  private readonly cycle = (): void => {
    this.wakeAt = Number.POSITIVE_INFINITY;
    this.heard = undefined;
    // The background loop does not wait for the handlers it starts (see the header).
    this.running = this.claimAndFire()
      .then(() => this.opts.timers.nextDueAt())
      .catch(() => null)
      .then((next) => {
        if (this.stopped) return;
        const now = this.opts.clock.now().getTime();
        // In the background: the loop must wake on time even while a large pass still reads.
        if (this.opts.prepare && next && next.getTime() <= now + this.lookaheadMs)
          this.prepareAhead().catch(() => undefined); // Preparers do not throw; nothing is lost if one did.
        this.sleepUntil(
          wakeTime({
            now,
            pollMs: this.opts.pollMs ?? 1000,
            next: next?.getTime(),
            held: this.held[0]?.dueAt.getTime(),
            heard: this.heard,
            lookaheadMs: this.opts.prepare ? this.lookaheadMs : undefined,
          }),
        );
      });
  };

  private hear(dueAt: number): void {
    if (this.stopped) return;
    if (this.wakeAt === Number.POSITIVE_INFINITY) this.heard = Math.min(this.heard ?? dueAt, dueAt);
    else if (dueAt < this.wakeAt) this.sleepUntil(dueAt);
  }

  private sleepUntil(at: number): void {
    clearTimeout(this.handle);
    this.wakeAt = at;
    this.handle = setTimeout(this.cycle, Math.max(0, at - this.opts.clock.now().getTime()));
  }
}

/**
 * When the sleeping loop wakes (ms): at the next poll, the next due timer (free, held, or heard of
 * in this process), or, where timers are prepared, when the next one enters the look-ahead, so its
 * preparation starts the full look-ahead before it is due rather than at a poll within it.
 */
export function wakeTime(at: {
  now: number;
  pollMs: number;
  next?: number;
  held?: number;
  heard?: number;
  lookaheadMs?: number;
}): number {
  let wake = at.now + at.pollMs;
  for (const due of [at.next, at.held, at.heard]) if (due !== undefined) wake = Math.min(wake, due);
  if (at.next !== undefined && at.lookaheadMs !== undefined && at.next - at.lookaheadMs > at.now)
    wake = Math.min(wake, at.next - at.lookaheadMs);
  return wake;
}
