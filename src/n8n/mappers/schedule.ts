/**
 * Cron (`Cron/Cron.node.ts`, n8n's `toCronExpression` in `packages/workflow/src/cron.ts`) and
 * Interval (`Interval/Interval.node.ts`) → Schedule Trigger rules; Schedule Trigger 1–1.2 keeps its
 * shape.
 *
 * Cron: `triggerTimes.item[{ mode (everyDay), hour (14), minute (0), dayOfMonth (1), weekday ('1'),
 * value (2), unit (hours), cronExpression }]`; each item fires at a random second of its minute,
 * Relais uses a second fixed per node. Interval: `interval` (1) `unit` (seconds) after activation,
 * again and again; a schedule rule fires on clock-aligned times instead.
 */
import { isExpression, record, records } from '../params.js';
import type { MapContext, MappedNode, Params } from '../types.js';

function num(value: unknown, fallback: number): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) ? n : fallback;
}

function cronItem(item: Params, index: number, ctx: MapContext): Params | undefined {
  const mode = typeof item.mode === 'string' ? item.mode : 'everyDay';
  const hour = num(item.hour, 14);
  const minute = num(item.minute, 0);
  switch (mode) {
    case 'everyMinute':
      return { field: 'minutes', minutesInterval: 1 };
    case 'everyHour':
      return { field: 'hours', hoursInterval: 1, triggerAtMinute: minute };
    case 'everyX': {
      const value = num(item.value, 2);
      if (item.unit === 'minutes') return { field: 'minutes', minutesInterval: value };
      return { field: 'hours', hoursInterval: value, triggerAtMinute: 0 };
    }
    case 'everyDay':
      return { field: 'days', daysInterval: 1, triggerAtHour: hour, triggerAtMinute: minute };
    case 'everyWeek':
      return {
        field: 'weeks',
        weeksInterval: 1,
        triggerAtDay: [num(item.weekday, 1)],
        triggerAtHour: hour,
        triggerAtMinute: minute,
      };
    case 'everyMonth':
      return {
        field: 'months',
        monthsInterval: 1,
        triggerAtDayOfMonth: num(item.dayOfMonth, 1),
        triggerAtHour: hour,
        triggerAtMinute: minute,
      };
    case 'custom': {
      const expression = typeof item.cronExpression === 'string' ? item.cronExpression.trim() : '* * * * * *';
      if (isExpression(expression))
        ctx.changed(`triggerTimes.item[${index}].cronExpression`, 'an expression is not evaluated');
      return { field: 'cronExpression', expression };
    }
    default:
      ctx.changed(`triggerTimes.item[${index}].mode`, `unknown mode '${mode}': dropped`);
      return undefined;
  }
}

export function mapCron(p: Params, ctx: MapContext): MappedNode {
  const items = records(record(p.triggerTimes).item);
  const interval = items.map((item, i) => cronItem(item, i, ctx)).filter((r): r is Params => r !== undefined);
  if (items.length === 0) ctx.changed('triggerTimes', 'no trigger time is set: the schedule never fires');
  return { type: 'scheduleTrigger', parameters: { rule: { interval } }, outputs: [[0]] };
}

const UNIT_SECONDS: Record<string, number> = { seconds: 1, minutes: 60, hours: 3600 };

export function mapInterval(p: Params, ctx: MapContext): MappedNode {
  const amount = num(p.interval, 1);
  const unit = typeof p.unit === 'string' && p.unit in UNIT_SECONDS ? p.unit : 'seconds';
  const seconds = amount * UNIT_SECONDS[unit];
  let rule: Params;
  if (seconds % 3600 === 0 && seconds / 3600 <= 23)
    rule = { field: 'hours', hoursInterval: seconds / 3600, triggerAtMinute: 0 };
  else if (seconds % 60 === 0 && seconds / 60 <= 59)
    rule = { field: 'minutes', minutesInterval: seconds / 60 };
  else if (Number.isInteger(seconds) && seconds >= 1 && seconds <= 59)
    rule = { field: 'seconds', secondsInterval: seconds };
  else {
    const hours = Math.max(1, Math.min(23, Math.round(seconds / 3600)));
    rule = { field: 'hours', hoursInterval: hours, triggerAtMinute: 0 };
    ctx.changed('interval', `every ${amount} ${unit} has no schedule rule: runs every ${hours} hour(s)`);
  }
  ctx.changed(
    'interval',
    'fires at clock-aligned times (like a cron schedule), not every interval counted from activation',
  );
  return { type: 'scheduleTrigger', parameters: { rule: { interval: [rule] } }, outputs: [[0]] };
}

export function mapScheduleTrigger(p: Params): MappedNode {
  return { type: 'scheduleTrigger', parameters: p, outputs: [[0]] };
}
