/**
 * Fires due timers: claims them from the store (with a lease, so several processes can run this
 * loop and each timer fires once), hands each to the handler of its kind, then completes it. A
 * timer is completed only after its handler finished, so a process that dies mid-way leaves it to
 * be claimed again when the lease ends; handlers are idempotent (the run store refuses stale moves).
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../engine/clock.js';
import type { TimerRecord, TimerStore } from '../store/index.js';

export type TimerHandler = (timer: TimerRecord) => Promise<void>;

export interface TimerLoopOptions {
  timers: TimerStore;
  clock: Clock;
  handlers: Record<string, TimerHandler>;
  /** How often to look for due timers when idle (ms). */
  pollMs?: number;
  /** How long a claim holds before another process may take the timer (ms). */
  leaseMs?: number;
  batch?: number;
  onError?: (timer: TimerRecord, error: unknown) => void;
}

export class TimerLoop {
  readonly owner = `timer-loop:${randomUUID()}`;
  private handle: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private unwatch: (() => void) | undefined;
  /** When the sleeping loop wakes (ms since epoch on the loop's clock); Infinity while it ticks. */
  private wakeAt = Number.POSITIVE_INFINITY;
  /** Earliest due time scheduled in this process while the loop was ticking. */
  private heard: number | undefined;

  constructor(private readonly opts: TimerLoopOptions) {}

  /** Fires every timer due now; returns how many were handled. Tests call it after moving the clock. */
  async tick(): Promise<number> {
    const { timers, clock, handlers } = this.opts;
    let handled = 0;
    for (;;) {
      const due = await timers.claimDue(
        clock.now(),
        this.opts.batch ?? 200,
        this.owner,
        this.opts.leaseMs ?? 60_000,
      );
      if (due.length === 0) return handled;
      const done: string[] = [];
      await Promise.all(
        due.map(async (timer) => {
          const handler = handlers[timer.kind];
          try {
            if (!handler) throw new Error(`No handler for timers of kind '${timer.kind}'`);
            await handler(timer);
            done.push(timer.id);
          } catch (error) {
            this.opts.onError?.(timer, error);
          }
        }),
      );
      // One statement for the batch; a timer whose handler failed stays claimed until its lease ends.
      await timers.complete(done, this.owner);
      handled += done.length;
    }
  }

  /**
   * Ticks, then sleeps until the next due timer, at most `pollMs` (timers of other processes are
   * found by polling); a timer this process schedules sooner wakes it early.
   */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.unwatch = this.opts.timers.onScheduled((dueAt) => this.hear(dueAt.getTime()));
    this.cycle();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unwatch?.();
    clearTimeout(this.handle);
    await this.running;
  }

  private readonly cycle = (): void => {
    this.wakeAt = Number.POSITIVE_INFINITY;
    this.heard = undefined;
    this.running = this.tick()
      .then(() => this.opts.timers.nextDueAt())
      .catch(() => null)
      .then((next) => {
        if (this.stopped) return;
        let wake = this.opts.clock.now().getTime() + (this.opts.pollMs ?? 1000);
        if (next) wake = Math.min(wake, next.getTime());
        if (this.heard !== undefined) wake = Math.min(wake, this.heard);
        this.sleepUntil(wake);
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
