/**
 * Schedule Trigger, n8n `n8n-nodes-base.scheduleTrigger` v1.2 (`packages/nodes-base/nodes/Schedule/
 * ScheduleTrigger.node.ts`, `GenericFunctions.ts`, `SchedulerInterface.ts`). The node itself only
 * hands on the tick's item; the schedule lives in src/triggers/schedule.ts as timer rows. This file
 * holds the schedule arithmetic, pure and shared by both:
 *
 * - each rule becomes a cron expression (`toCronExpression`): seconds → every N seconds; minutes →
 *   every N minutes at a fixed second; hours/days/weeks/months → at `triggerAtMinute`/`triggerAtHour`/
 *   `triggerAtDay`/`triggerAtDayOfMonth` (n8n's defaults: minute 0, midnight, Sunday, the 1st). The
 *   second n8n leaves open is derived from `workflowId:nodeId` like n8n's `stableInt`, so it never
 *   moves between activations;
 * - intervals cron cannot say (every 3 days, every 2 weeks, every 18 hours) fire on the cron and are
 *   filtered by n8n's recurrence check (`recurrenceCheckAt`) against the last fired hour/day/week/month;
 * - Relais adds `missedTicks`: what to do with a tick that came due while Relais was down.
 */
import { createHash } from 'node:crypto';
import { Cron } from 'croner';
import { DateTime } from 'luxon';
import { z } from 'zod';
import type { JsonObject } from '../engine/items.js';
import { defineNode } from './sdk.js';

const FIELDS = ['seconds', 'minutes', 'hours', 'days', 'weeks', 'months', 'cronExpression'] as const;
const toNumber = (v: unknown): unknown => (typeof v === 'string' && v.trim() !== '' ? Number(v) : v);
const int = (fallback: number) => z.preprocess(toNumber, z.number().int()).default(fallback);

export const scheduleInterval = z
  .object({
    field: z.enum(FIELDS).default('days'),
    secondsInterval: int(30),
    minutesInterval: int(5),
    hoursInterval: int(1),
    daysInterval: int(1),
    weeksInterval: int(1),
    monthsInterval: int(1),
    triggerAtDayOfMonth: z.preprocess(toNumber, z.number().int().min(1).max(31)).default(1),
    triggerAtDay: z.array(z.preprocess(toNumber, z.number().int().min(0).max(7))).default([0]),
    triggerAtHour: z.preprocess(toNumber, z.number().int().min(0).max(23)).default(0),
    triggerAtMinute: z.preprocess(toNumber, z.number().int().min(0).max(59)).default(0),
    expression: z.string().default(''),
  })
  .loose();

export const scheduleParams = z
  .object({
    rule: z
      .object({ interval: z.array(scheduleInterval).prefault([{ field: 'days' }]) })
      .loose()
      .prefault({}),
    /** Relais: a tick missed while Relais was down is skipped (default) or run once on restart. */
    missedTicks: z.enum(['skip', 'runOnce']).default('skip'),
  })
  .loose();

export type ScheduleParams = z.output<typeof scheduleParams>;
export type ScheduleInterval = z.output<typeof scheduleInterval>;

/** n8n's IRecurrenceRule: which calendar unit an interval is counted in, when cron cannot count it. */
export type Recurrence =
  | { activated: false }
  | { activated: true; intervalSize: number; typeInterval: 'hours' | 'days' | 'weeks' | 'months' };

/** n8n 1.3's validateInterval: ranges cron can express. */
export function intervalProblems(interval: ScheduleInterval): string[] {
  const range = (value: number, min: number, max: number, what: string) =>
    value < min || value > max ? [`${what} must be in range ${min}-${max}`] : [];
  switch (interval.field) {
    case 'seconds':
      return range(interval.secondsInterval, 1, 59, 'Seconds');
    case 'minutes':
      return range(interval.minutesInterval, 1, 59, 'Minutes');
    case 'hours':
      return range(interval.hoursInterval, 1, 23, 'Hours');
    case 'days':
      return range(interval.daysInterval, 1, 31, 'Days');
    case 'weeks':
      return range(interval.weeksInterval, 1, 52, 'Weeks');
    case 'months':
      return interval.monthsInterval < 1 ? ['Months must be larger than 0'] : [];
    case 'cronExpression':
      return interval.expression.trim() === '' ? ['a cron expression is required'] : [];
  }
}

/** n8n's stableInt: a deterministic integer in [min, max) from `seed` and `label`. */
export function stableInt(seed: string, label: string, min: number, max: number): number {
  const hash = createHash('sha256').update(`${seed}:${label}`).digest();
  return min + (hash.readUInt32BE(0) % (max - min));
}

/** n8n's toCronExpression (6 fields, seconds first); `nodeKey` = `${workflowId}:${nodeId}`. */
export function toCronExpression(interval: ScheduleInterval, nodeKey: string): string {
  if (interval.field === 'cronExpression') return interval.expression.trim();
  if (interval.field === 'seconds') return `*/${interval.secondsInterval} * * * * *`;
  const second = stableInt(nodeKey, 'second', 0, 60);
  if (interval.field === 'minutes') return `${second} */${interval.minutesInterval} * * * *`;
  const minute = interval.triggerAtMinute;
  if (interval.field === 'hours') {
    const hours = interval.hoursInterval;
    // `*/18` fires at 00 and 18 only; such intervals fire hourly and the recurrence check counts.
    return 24 % hours === 0 ? `${second} ${minute} */${hours} * * *` : `${second} ${minute} * * * *`;
  }
  const hour = interval.triggerAtHour;
  if (interval.field === 'days') return `${second} ${minute} ${hour} * * *`;
  if (interval.field === 'weeks') {
    const days = interval.triggerAtDay.length === 0 ? '*' : interval.triggerAtDay.join(',');
    return `${second} ${minute} ${hour} * * ${days}`;
  }
  return `${second} ${minute} ${hour} ${interval.triggerAtDayOfMonth} */${interval.monthsInterval} *`;
}

/** n8n's intervalToRecurrence. */
export function intervalToRecurrence(interval: ScheduleInterval): Recurrence {
  const size: Partial<Record<ScheduleInterval['field'], number>> = {
    hours: interval.hoursInterval,
    days: interval.daysInterval,
    weeks: interval.weeksInterval,
    months: interval.monthsInterval,
  };
  const n = size[interval.field];
  if (n === undefined || n === 1) return { activated: false };
  return {
    activated: true,
    intervalSize: n,
    typeInterval: interval.field as 'hours' | 'days' | 'weeks' | 'months',
  };
}

/** moment's `week()` in the `en` locale: weeks start on Sunday; week 1 holds January 1st. */
export function localeWeek(date: DateTime): number {
  const day = (y: number, m: number, d: number) => Date.UTC(y, m - 1, d) / 86_400_000;
  const today = day(date.year, date.month, date.day);
  const weekStart = today - (date.weekday % 7); // luxon weekday: Monday 1 … Sunday 7
  const nextJan1 = day(date.year + 1, 1, 1);
  if (weekStart + 6 >= nextJan1) return 1;
  const jan1 = day(date.year, 1, 1);
  const jan1Dow = new Date(jan1 * 86_400_000).getUTCDay();
  return Math.floor((weekStart - (jan1 - jan1Dow)) / 7) + 1;
}

/** The calendar value a recurrence counts in, at `at` in `zone`. */
export function recurrenceValue(recurrence: Recurrence, at: Date, zone: string): number | null {
  if (!recurrence.activated) return null;
  const dt = DateTime.fromJSDate(at, { zone });
  switch (recurrence.typeInterval) {
    case 'hours':
      return dt.hour;
    case 'days':
      return dt.ordinal;
    case 'weeks':
      return localeWeek(dt);
    case 'months':
      return dt.month - 1;
  }
}

/** n8n's recurrenceCheckAt: whether a cron occurrence at `at` fires, given the last fired value. */
export function recurrencePasses(
  recurrence: Recurrence,
  last: number | null,
  at: Date,
  zone: string,
): boolean {
  if (!recurrence.activated) return true;
  const value = recurrenceValue(recurrence, at, zone) as number;
  if (last === null) return true;
  const n = recurrence.intervalSize;
  switch (recurrence.typeInterval) {
    case 'hours':
      return (value - last + 24) % 24 >= n;
    case 'days':
      return (value - last + 365) % 365 >= n;
    case 'weeks':
      return (value - last + 52) % 52 >= n || value === last;
    case 'months':
      return (value - last + 12) % 12 >= n;
  }
}

/** One rule ready to compute ticks. */
export interface CompiledRule {
  cron: Cron;
  recurrence: Recurrence;
}

export function compileRules(params: ScheduleParams, nodeKey: string, zone: string): CompiledRule[] {
  return params.rule.interval.map((interval) => ({
    cron: new Cron(toCronExpression(interval, nodeKey), {
      timezone: zone,
      paused: true,
      mode: '5-or-6-parts',
    }),
    recurrence: intervalToRecurrence(interval),
  }));
}

export interface NextTick {
  at: Date;
  /** Indexes of the rules that fire at `at` (several rules firing at one instant make one run). */
  rules: number[];
}

/** Cron occurrences looked at per rule before giving up (a never-firing recurrence). */
const MAX_OCCURRENCES = 5000;

/** The first instant after `after` at which some rule fires, given each rule's last fired value. */
export function nextTick(
  rules: readonly CompiledRule[],
  last: readonly (number | null)[],
  after: Date,
  zone: string,
): NextTick | null {
  let best: NextTick | null = null;
  for (const [index, rule] of rules.entries()) {
    let from = after;
    for (let i = 0; i < MAX_OCCURRENCES; i++) {
      const at: Date | null = rule.cron.nextRun(from);
      if (!at || (best !== null && at.getTime() > best.at.getTime())) break;
      if (recurrencePasses(rule.recurrence, last[index] ?? null, at, zone)) {
        if (best !== null && at.getTime() === best.at.getTime()) best.rules.push(index);
        else best = { at, rules: [index] };
        break;
      }
      from = at;
    }
  }
  return best;
}

/** The last fired values after the given rules fired at `at`. */
export function afterFiring(
  rules: readonly CompiledRule[],
  last: readonly (number | null)[],
  fired: readonly number[],
  at: Date,
  zone: string,
): (number | null)[] {
  const next = rules.map((_, i) => last[i] ?? null);
  for (const i of fired) {
    const rule = rules[i];
    if (rule) next[i] = recurrenceValue(rule.recurrence, at, zone);
  }
  return next;
}

function ordinal(n: number): string {
  const rest = n % 100;
  if (rest >= 11 && rest <= 13) return `${n}th`;
  return `${n}${({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[n % 10] ?? 'th'}`;
}

/** n8n's item for a tick (moment formats of ScheduleTrigger.node.ts, English). */
export function tickItem(at: Date, zone: string): JsonObject {
  const dt = DateTime.fromJSDate(at, { zone }).setLocale('en-US');
  const time = `${dt.toFormat('h:mm:ss')} ${dt.hour < 12 ? 'am' : 'pm'}`;
  return {
    // moment's toISOString(true): the offset always as ±hh:mm, +00:00 for UTC too.
    timestamp: dt.toFormat("yyyy-MM-dd'T'HH:mm:ss.SSSZZ"),
    'Readable date': `${dt.toFormat('MMMM')} ${ordinal(dt.day)} ${dt.toFormat('yyyy')}, ${time}`,
    'Readable time': time,
    'Day of week': dt.toFormat('cccc'),
    Year: dt.toFormat('yyyy'),
    Month: dt.toFormat('MMMM'),
    'Day of month': dt.toFormat('dd'),
    Hour: dt.toFormat('HH'),
    Minute: dt.toFormat('mm'),
    Second: dt.toFormat('ss'),
    Timezone: `${zone} (UTC${dt.toFormat('ZZ')})`,
  };
}

export const scheduleTriggerNode = defineNode({
  type: 'scheduleTrigger',
  version: 1.2,
  displayName: 'Schedule Trigger',
  description:
    'Starts the workflow on a schedule: intervals or cron expressions (with seconds), in the workflow time zone',
  group: 'trigger',
  replaySafe: true,
  params: scheduleParams,
  inputs: 0,
  outputs: ['main'],
  execute(ctx) {
    // A scheduled run brings its tick's item; a run started by hand gets one for now (n8n's manual trigger).
    if (ctx.items.length > 0) return [ctx.items.map((item) => ({ json: item.json }))];
    const now = ctx.now();
    return [[{ json: tickItem(now.toJSDate(), now.zoneName ?? 'UTC') }]];
  },
});
