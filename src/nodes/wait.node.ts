/**
 * Wait, n8n `n8n-nodes-base.wait` v1/v1.1 (`packages/nodes-base/nodes/Wait/Wait.node.ts`): pauses the
 * run for a duration, until a date-time, until its resume URL is called, or (Relais) until an app
 * event with a given type and key arrives. The node only returns the engine's `wait` command: the
 * wait is a timer row (or nothing, for a webhook/event without a limit), never a sleep in memory —
 * n8n's in-process `setTimeout` for waits under 65 s is deliberately not copied.
 *
 * Parameters keep n8n's names and per-version defaults (v1: 1 hour; v1.1: 5 seconds, read from
 * `typeVersion` because exports omit defaults). Relais additions: `resume: 'event'` with
 * `eventType`/`eventKey`, and `timeoutBranch`: a webhook/event wait with a time limit may send its
 * items to a second output `timeout` when the limit is reached. n8n has no such output (its timed-out
 * webhook wait continues on `main`), so for `webhook` it is off unless asked for; for `event` it is on.
 */
import { DateTime } from 'luxon';
import { z } from 'zod';
import { NonRetryableError } from '../engine/errors.js';
import type { Item } from '../engine/items.js';
import { defineNode, type NodeOutcome } from './sdk.js';

const UNITS = ['seconds', 'minutes', 'hours', 'days'] as const;
type Unit = (typeof UNITS)[number];
const UNIT_MS: Record<Unit, number> = { seconds: 1000, minutes: 60_000, hours: 3_600_000, days: 86_400_000 };

export const WAIT_METHODS = ['DELETE', 'GET', 'HEAD', 'PATCH', 'POST', 'PUT'] as const;
export type WaitMethod = (typeof WAIT_METHODS)[number];

const toNumber = (v: unknown): unknown => (typeof v === 'string' && v.trim() !== '' ? Number(v) : v);

export const waitParams = z
  .object({
    resume: z.enum(['timeInterval', 'specificTime', 'webhook', 'form', 'event']).default('timeInterval'),
    /** Default by version: 1 (v1) or 5 (v1.1). */
    amount: z.preprocess(toNumber, z.number().min(0)).optional(),
    /** Default by version: `hours` (v1) or `seconds` (v1.1). */
    unit: z.enum(UNITS).optional(),
    /** `specificTime`: an ISO date-time; without an offset it is read in the workflow's time zone. */
    dateTime: z.unknown().default(''),
    /** `webhook`: the method(s) the resume URL accepts. Absent: GET (n8n's default) and POST. */
    httpMethod: z.union([z.enum(WAIT_METHODS), z.array(z.enum(WAIT_METHODS)).min(1)]).optional(),
    incomingAuthentication: z.enum(['none', 'basicAuth', 'headerAuth', 'jwtAuth']).default('none'),
    responseCode: z.preprocess(toNumber, z.number().int().min(100).max(599)).default(200),
    responseMode: z.enum(['onReceived', 'lastNode', 'responseNode']).default('onReceived'),
    responseData: z
      .enum(['allEntries', 'firstEntryJson', 'firstEntryBinary', 'noData'])
      .default('firstEntryJson'),
    limitWaitTime: z.boolean().default(false),
    limitType: z.enum(['afterTimeInterval', 'atSpecifiedTime']).default('afterTimeInterval'),
    resumeAmount: z.preprocess(toNumber, z.number().min(0)).default(1),
    resumeUnit: z.enum(UNITS).default('hours'),
    maxDateAndTime: z.unknown().default(''),
    options: z
      .object({
        /** Appended to the resume URL (`<resumeUrl>/<suffix>`); no expressions (n8n). */
        webhookSuffix: z.string().default(''),
      })
      .loose()
      .prefault({}),
    /** Relais, `event`: the app event type to wait for (exact, e.g. `order.paid`). */
    eventType: z.string().default(''),
    /** Relais, `event`: the event's `key` must equal this (e.g. `={{ $json.orderId }}`); empty = any. */
    eventKey: z.union([z.string(), z.number(), z.boolean(), z.null()]).optional(),
    /** Relais: send the items to a `timeout` output when a limited webhook/event wait times out. */
    timeoutBranch: z.boolean().optional(),
  })
  .loose();

export type WaitParams = z.output<typeof waitParams>;

/** Whether the node has the `timeout` output (a limited webhook/event wait with the branch on). */
export function hasTimeoutOutput(p: WaitParams): boolean {
  if (p.resume !== 'webhook' && p.resume !== 'event') return false;
  return p.limitWaitTime && (p.timeoutBranch ?? p.resume === 'event');
}

/** The methods the resume URL of a webhook wait accepts. */
export function resumeMethods(p: Pick<WaitParams, 'httpMethod'>): WaitMethod[] {
  if (p.httpMethod === undefined) return ['GET', 'POST'];
  return Array.isArray(p.httpMethod) ? [...p.httpMethod] : [p.httpMethod];
}

/** Prefix of the step log line that names the awaited event (read by src/triggers/event.ts). */
export const EVENT_WAIT_LOG = 'waiting for event ';

/** The event a waiting step waits for, from its log line; undefined when it waits for something else. */
export function awaitedEvent(logs: readonly string[]): { type: string; key: string | null } | undefined {
  const line = logs.find((l) => l.startsWith(EVENT_WAIT_LOG));
  if (!line) return undefined;
  try {
    const parsed = JSON.parse(line.slice(EVENT_WAIT_LOG.length)) as { type?: unknown; key?: unknown };
    if (typeof parsed.type !== 'string') return undefined;
    return { type: parsed.type, key: typeof parsed.key === 'string' ? parsed.key : null };
  } catch {
    return undefined;
  }
}

/**
 * An instant from a parameter: an ISO string (read in `zone` when it has no offset, as n8n reads
 * `dateTime` in the workflow's time zone), a SQL-style `yyyy-MM-dd HH:mm:ss`, a Date, a Luxon
 * DateTime (expressions) or epoch milliseconds. Undefined when it is none of these.
 */
export function parseInstant(value: unknown, zone: string): Date | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value;
  if (DateTime.isDateTime(value)) return value.isValid ? value.toJSDate() : undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return new Date(value);
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const text = value.trim();
  for (const parse of [DateTime.fromISO, DateTime.fromSQL, DateTime.fromRFC2822]) {
    const parsed = parse(text, { zone });
    if (parsed.isValid) return parsed.toJSDate();
  }
  return undefined;
}

function duration(amount: number, unit: Unit): number {
  return Math.round(amount * UNIT_MS[unit]);
}

export const waitNode = defineNode({
  type: 'wait',
  version: 1.1,
  displayName: 'Wait',
  description: 'Waits for a time, until a date, for a call of its resume URL, or for an app event',
  group: 'flow',
  params: waitParams,
  inputs: 1,
  outputs: (p) => (hasTimeoutOutput(p) ? ['main', 'timeout'] : ['main']),
  credentials: [{ name: 'httpBasicAuth' }, { name: 'httpHeaderAuth' }, { name: 'jwtAuth' }],
  execute(ctx): NodeOutcome {
    const p = ctx.getParams(0);
    // Each item goes on as itself: paired with its input item, so `$('X').item` keeps working after the wait.
    const items: Item[] = ctx.items.map((item, i) => ({ ...item, pairedItem: { item: i } }));
    const now = ctx.now().toMillis();
    const zone = ctx.now().zoneName ?? 'UTC';
    const v1 = ctx.node.typeVersion < 1.1;

    if (p.resume === 'timeInterval' || p.resume === 'specificTime') {
      let until: number;
      if (p.resume === 'timeInterval') {
        until = now + duration(p.amount ?? (v1 ? 1 : 5), p.unit ?? (v1 ? 'hours' : 'seconds'));
      } else {
        const at = parseInstant(p.dateTime, zone);
        if (!at) {
          throw new NonRetryableError(
            `Invalid parameter 'dateTime': '${String(p.dateTime)}' is not a date and time`,
            {
              code: 'INVALID_PARAMETER',
              description:
                'Use an ISO date-time such as 2026-03-01T09:00:00 (read in the workflow time zone) or one with an offset.',
            },
          );
        }
        until = at.getTime();
      }
      // Already due (n8n resolves at once too): no timer, the items go on now.
      if (until <= now) return [items];
      return { kind: 'wait', until: new Date(until), items };
    }

    if (p.resume === 'form') {
      throw new NonRetryableError(
        "Invalid parameter 'resume': waiting for a form submission is not supported",
        {
          code: 'INVALID_PARAMETER',
          description: 'Use resume: webhook and serve the form elsewhere.',
        },
      );
    }

    const until = p.limitWaitTime ? limit(p, now, zone) : undefined;
    const timeoutOutput = until && hasTimeoutOutput(p) ? 1 : undefined;
    if (p.resume === 'webhook') {
      return { kind: 'wait', webhook: true, until, timeoutOutput, items };
    }
    const type = p.eventType.trim();
    if (type === '') {
      throw new NonRetryableError("Invalid parameter 'eventType': the event type to wait for is required", {
        code: 'INVALID_PARAMETER',
      });
    }
    const key =
      p.eventKey === undefined || p.eventKey === null || p.eventKey === '' ? null : String(p.eventKey);
    // The engine's wait state does not carry the event; this line does, for the event index.
    ctx.stepLog(`${EVENT_WAIT_LOG}${JSON.stringify({ type, key })}`);
    return { kind: 'wait', event: { type, ...(key === null ? {} : { key }) }, until, timeoutOutput, items };
  },
});

function limit(p: WaitParams, now: number, zone: string): Date {
  if (p.limitType === 'afterTimeInterval') return new Date(now + duration(p.resumeAmount, p.resumeUnit));
  const at = parseInstant(p.maxDateAndTime, zone);
  if (!at) {
    throw new NonRetryableError(
      `Invalid parameter 'maxDateAndTime': '${String(p.maxDateAndTime)}' is not a date and time`,
      { code: 'INVALID_PARAMETER' },
    );
  }
  return at;
}
