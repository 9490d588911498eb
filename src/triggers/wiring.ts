/**
 * The durable trigger kinds of one process, built together: schedule, poll and app events, the
 * timer handlers the timer loop needs for them (`schedule`, `poll`, `event`), and the engine hooks
 * that keep the index of runs waiting for events. src/server/runtime.ts registers the kinds with
 * the trigger registry and passes the handlers and hooks on.
 */
import type { EngineHooks } from '../engine/engine.js';
import type { TimerHandler } from '../queue/timer-loop.js';
import { EventTrigger } from './event.js';
import { type CredentialResolver, PollTrigger } from './poll.js';
import { ScheduleTrigger } from './schedule.js';
import type { TriggerServices } from './shared.js';

export interface DurableTriggers {
  schedule: ScheduleTrigger;
  poll: PollTrigger;
  events: EventTrigger;
  /** Timer handlers by timer kind. */
  handlers: Record<'schedule' | 'poll' | 'event', TimerHandler>;
  engineHooks: EngineHooks;
}

export function createDurableTriggers(
  services: TriggerServices,
  opts: { credentials?: CredentialResolver; fetch?: typeof fetch; missedAfterMs?: number } = {},
): DurableTriggers {
  const schedule = new ScheduleTrigger(services, { missedAfterMs: opts.missedAfterMs });
  const poll = new PollTrigger(services, { credentials: opts.credentials, fetch: opts.fetch });
  const events = new EventTrigger(services);
  return {
    schedule,
    poll,
    events,
    handlers: { schedule: schedule.handle, poll: poll.handle, event: events.handle },
    engineHooks: events.engineHooks(),
  };
}
