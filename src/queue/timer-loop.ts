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
  private running: Promise<number> | undefined;
  private stopped = true;

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
      await Promise.all(
        due.map(async (timer) => {
          const handler = handlers[timer.kind];
          try {
            if (!handler) throw new Error(`No handler for timers of kind '${timer.kind}'`);
            await handler(timer);
            await timers.complete(timer.id, this.owner);
            handled++;
          } catch (error) {
            this.opts.onError?.(timer, error);
          }
        }),
      );
    }
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const loop = () => {
      this.running = this.tick().finally(() => {
        if (!this.stopped) this.handle = setTimeout(loop, this.opts.pollMs ?? 1000);
      });
    };
    loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.handle);
    await this.running?.catch(() => 0);
  }
}
