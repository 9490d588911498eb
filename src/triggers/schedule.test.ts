import assert from 'node:assert/strict';
import { describe, it, test } from 'node:test';
import { DateTime } from 'luxon';
import type { WorkflowInput } from '../engine/workflow.js';
import {
  compileRules,
  localeWeek,
  nextTick,
  scheduleInterval,
  scheduleParams,
  scheduleTriggerNode,
  stableInt,
  tickItem,
  toCronExpression,
} from '../nodes/schedule-trigger.node.js';
import { runNode } from '../testing/run-node.js';
import { ScheduleTrigger } from './schedule.js';
import { type Harness, harness, triggerFixtures } from './test-harness.js';

const doc = (parameters: Record<string, unknown>, timezone = 'UTC'): WorkflowInput => ({
  name: 'scheduled',
  nodes: [
    { id: 'sched', name: 'Every minute', type: 'scheduleTrigger', typeVersion: 1.2, parameters },
    { id: 'after', name: 'After', type: 'noOp', position: [200, 0] },
  ],
  connections: [{ from: 'Every minute', to: 'After' }],
  settings: { timezone },
});
const everyMinute = { rule: { interval: [{ field: 'cronExpression', expression: '0 * * * * *' }] } };

async function activate(h: Harness, id: string, parameters: Record<string, unknown>, timezone?: string) {
  const saved = await h.save(id, doc(parameters, timezone));
  const kind = new ScheduleTrigger(h.proc.services);
  const node = saved.workflow.nodes[0];
  assert.deepEqual(await kind.check(saved, node), []);
  await kind.activate(saved, node);
  return { kind, saved, node, loop: h.proc.loop({ schedule: kind.handle }) };
}

async function tickAt(h: Harness, loop: { tick(): Promise<number> }, iso: string): Promise<number> {
  h.clock.set(iso);
  const n = await loop.tick();
  await h.settle();
  return n;
}

for (const fixture of triggerFixtures()) {
  if (fixture.skip) {
    test(`schedule trigger: ${fixture.name}`, (t) => t.skip(fixture.skip));
    continue;
  }
  describe(`schedule trigger: ${fixture.name}`, () => {
    it('two activations make one timer; three ticks make three runs, one each', async () => {
      const h = await harness(fixture, '2026-03-28T10:00:30.000Z');
      try {
        const { kind, saved, node, loop } = await activate(h, 'wf-s', everyMinute);
        await kind.activate(saved, node);
        assert.equal(await h.store.timers.countPending(), 1);
        for (const at of ['10:01', '10:02', '10:03']) {
          assert.equal(await tickAt(h, loop, `2026-03-28T${at}:00.400Z`), 1);
        }
        const runs = await h.runs('wf-s');
        assert.equal(runs.length, 3);
        assert.ok(runs.every((r) => r.status === 'succeeded' && r.mode === 'schedule'));
        assert.deepEqual(
          runs.map((r) => r.triggerItems[0].json.timestamp),
          ['2026-03-28T10:01:00.000+00:00', '2026-03-28T10:02:00.000+00:00', '2026-03-28T10:03:00.000+00:00'],
        );
        assert.equal(await h.store.timers.countPending(), 1, 'always exactly one pending tick');
        assert.equal(
          (await h.store.triggers.get('wf-s', 'sched'))?.state.nextTick,
          '2026-03-28T10:04:00.000Z',
        );
      } finally {
        await h.dispose();
      }
    });

    it('a restart re-activates without a second timer; a repeated delivery starts no second run', async () => {
      const h = await harness(fixture, '2026-03-28T10:00:30.000Z');
      try {
        const { saved, node } = await activate(h, 'wf-r', everyMinute);
        const [pending] = await h.store.timers.claimDue(
          new Date('2026-03-28T10:01:00Z'),
          10,
          'dead-process',
          5_000,
        );
        assert.ok(pending, 'the tick was claimed by a process that then died');

        h.restart();
        const kind = new ScheduleTrigger(h.proc.services);
        await kind.activate(saved, node);
        assert.equal(await h.store.timers.countPending(), 1, 'start-up activation keeps the pending tick');

        // The dead process' claim runs out; the timer is delivered here, and once more by a late duplicate.
        h.clock.set('2026-03-28T10:01:06Z');
        await Promise.all([kind.handle(pending), kind.handle(pending)]);
        await kind.handle(pending);
        const loop = h.proc.loop({ schedule: kind.handle });
        await h.settle();
        const runs = await h.runs('wf-r');
        assert.equal(runs.length, 1, 'one run for the 10:01 tick');
        assert.equal(await h.store.timers.countPending(), 1);
        assert.equal(await tickAt(h, loop, '2026-03-28T10:02:00Z'), 1);
        assert.equal((await h.runs('wf-r')).length, 2);
      } finally {
        await h.dispose();
      }
    });

    it('editing the rules replaces the tick; deactivation removes it; stale timers do nothing', async () => {
      const h = await harness(fixture, '2026-03-28T10:00:30.000Z');
      try {
        const { kind, loop } = await activate(h, 'wf-e', everyMinute);
        const edited = await h.save(
          'wf-e',
          doc({ rule: { interval: [{ field: 'cronExpression', expression: '0 */5 * * * *' }] } }),
        );
        await kind.activate(edited, edited.workflow.nodes[0]);
        assert.equal(await h.store.timers.countPending(), 1);
        assert.equal(await tickAt(h, loop, '2026-03-28T10:01:00Z'), 0, 'the old minute tick is gone');
        assert.equal(await tickAt(h, loop, '2026-03-28T10:05:00Z'), 1);
        assert.equal((await h.runs('wf-e')).length, 1);

        await kind.deactivate('wf-e');
        assert.equal(await h.store.timers.countPending(), 0);
        assert.equal(await tickAt(h, loop, '2026-03-28T10:10:00Z'), 0);
        assert.equal((await h.runs('wf-e')).length, 1);
      } finally {
        await h.dispose();
      }
    });

    it('missed ticks while down: skipped by default', async () => {
      const h = await harness(fixture, '2026-03-28T10:00:30.000Z');
      try {
        const { saved, node } = await activate(h, 'wf-m', everyMinute);
        // Down from 10:00:30 to 10:03:30: ticks 10:01, 10:02 and 10:03 are missed.
        h.clock.set('2026-03-28T10:03:30Z');
        h.restart();
        const kind = new ScheduleTrigger(h.proc.services);
        await kind.activate(saved, node);
        const loop = h.proc.loop({ schedule: kind.handle });
        assert.equal(await loop.tick(), 1);
        await h.settle();
        assert.equal((await h.runs('wf-m')).length, 0);
        assert.equal(
          (await h.store.triggers.get('wf-m', 'sched'))?.state.nextTick,
          '2026-03-28T10:04:00.000Z',
        );
        assert.equal(await tickAt(h, loop, '2026-03-28T10:04:00Z'), 1);
        assert.equal((await h.runs('wf-m')).length, 1);
      } finally {
        await h.dispose();
      }
    });

    it('missed ticks while down: run once when asked', async () => {
      const h = await harness(fixture, '2026-03-28T10:00:30.000Z');
      try {
        const { saved, node } = await activate(h, 'wf-o', { ...everyMinute, missedTicks: 'runOnce' });
        h.clock.set('2026-03-28T10:03:30Z');
        h.restart();
        const kind = new ScheduleTrigger(h.proc.services);
        await kind.activate(saved, node);
        const loop = h.proc.loop({ schedule: kind.handle });
        assert.equal(await loop.tick(), 1);
        assert.equal(await loop.tick(), 0, 'the other missed ticks are not run');
        await h.settle();
        const runs = await h.runs('wf-o');
        assert.equal(runs.length, 1);
        assert.equal(runs[0].triggerItems[0].json.timestamp, '2026-03-28T10:01:00.000+00:00');
        assert.equal(await tickAt(h, loop, '2026-03-28T10:04:00Z'), 1);
        assert.equal((await h.runs('wf-o')).length, 2);
      } finally {
        await h.dispose();
      }
    });

    it('cron with seconds in Europe/Paris across the spring DST change', async () => {
      const h = await harness(fixture, '2026-03-28T06:00:00.000Z');
      try {
        const { loop } = await activate(
          h,
          'wf-p',
          { rule: { interval: [{ field: 'cronExpression', expression: '15 30 8 * * *' }] } },
          'Europe/Paris',
        );
        // 08:30:15 in Paris is 07:30:15Z before the change (CET) and 06:30:15Z after (CEST).
        assert.equal(await tickAt(h, loop, '2026-03-28T07:30:15Z'), 1);
        assert.equal(
          (await h.store.triggers.get('wf-p', 'sched'))?.state.nextTick,
          '2026-03-29T06:30:15.000Z',
        );
        assert.equal(await tickAt(h, loop, '2026-03-29T06:30:15Z'), 1);
        const items = (await h.runs('wf-p')).map((r) => r.triggerItems[0].json);
        assert.deepEqual(
          items.map((i) => [i.timestamp, i.Hour, i.Timezone]),
          [
            ['2026-03-28T08:30:15.000+01:00', '08', 'Europe/Paris (UTC+01:00)'],
            ['2026-03-29T08:30:15.000+02:00', '08', 'Europe/Paris (UTC+02:00)'],
          ],
        );
      } finally {
        await h.dispose();
      }
    });
  });
}

describe('schedule arithmetic (n8n GenericFunctions)', () => {
  const interval = (v: Record<string, unknown>) => scheduleInterval.parse(v);
  const ticks = (parameters: Record<string, unknown>, from: string, n: number, zone = 'UTC', key = ':1') => {
    const rules = compileRules(scheduleParams.parse(parameters), key, zone);
    let last: (number | null)[] = [];
    let at = new Date(from);
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      const next = nextTick(rules, last, at, zone);
      if (!next) break;
      out.push(next.at.toISOString());
      last = rules.map((r, j) =>
        next.rules.includes(j)
          ? r.recurrence.activated
            ? valueAt(r, next.at, zone)
            : null
          : (last[j] ?? null),
      );
      at = next.at;
    }
    return out;
  };
  const valueAt = (r: ReturnType<typeof compileRules>[number], at: Date, zone: string) => {
    const dt = DateTime.fromJSDate(at, { zone });
    if (!r.recurrence.activated) return null;
    return { hours: dt.hour, days: dt.ordinal, weeks: localeWeek(dt), months: dt.month - 1 }[
      r.recurrence.typeInterval
    ];
  };

  test("the open second comes from workflow and node ids, as n8n's stableInt", () => {
    // n8n's ScheduleTrigger test: no workflow id and node id `1` (key `:1`) give second 13, minute 47.
    assert.equal(stableInt(':1', 'second', 0, 60), 13);
    assert.equal(stableInt(':1', 'minute', 0, 60), 47);
    assert.equal(
      toCronExpression(interval({ field: 'minutes', minutesInterval: 5 }), ':1'),
      '13 */5 * * * *',
    );
  });

  test('cron expressions per field, with n8n defaults', () => {
    const cron = (v: Record<string, unknown>) => toCronExpression(interval(v), ':1');
    assert.equal(cron({ field: 'seconds' }), '*/30 * * * * *');
    assert.equal(cron({ field: 'hours', hoursInterval: 3, triggerAtMinute: 15 }), '13 15 */3 * * *');
    assert.equal(cron({ field: 'hours', hoursInterval: 18 }), '13 0 * * * *');
    assert.equal(cron({}), '13 0 0 * * *', 'default rule: every day at midnight');
    assert.equal(cron({ field: 'weeks', triggerAtDay: [1, 5], triggerAtHour: 9 }), '13 0 9 * * 1,5');
    assert.equal(cron({ field: 'weeks' }), '13 0 0 * * 0', 'default weekday: Sunday');
    assert.equal(
      cron({ field: 'months', monthsInterval: 2, triggerAtDayOfMonth: 15, triggerAtHour: 8 }),
      '13 0 8 15 */2 *',
    );
    assert.equal(cron({ field: 'cronExpression', expression: ' 0 9 * * 1-5 ' }), '0 9 * * 1-5');
  });

  test('intervals cron cannot count are filtered by the recurrence rules', () => {
    assert.deepEqual(
      ticks(
        { rule: { interval: [{ field: 'hours', hoursInterval: 18, triggerAtMinute: 0 }] } },
        '2026-01-01T00:30:00Z',
        3,
        'UTC',
      ),
      ['2026-01-01T01:00:13.000Z', '2026-01-01T19:00:13.000Z', '2026-01-02T13:00:13.000Z'],
    );
    assert.deepEqual(
      ticks(
        { rule: { interval: [{ field: 'days', daysInterval: 3, triggerAtHour: 9 }] } },
        '2026-01-01T00:00:00Z',
        3,
      ),
      ['2026-01-01T09:00:13.000Z', '2026-01-04T09:00:13.000Z', '2026-01-07T09:00:13.000Z'],
    );
    assert.deepEqual(
      ticks({ rule: { interval: [{ field: 'seconds', secondsInterval: 20 }] } }, '2026-01-01T00:00:05Z', 3),
      ['2026-01-01T00:00:20.000Z', '2026-01-01T00:00:40.000Z', '2026-01-01T00:01:00.000Z'],
    );
  });

  test('two rules due at one instant make one tick naming both', () => {
    const rules = compileRules(
      scheduleParams.parse({
        rule: {
          interval: [
            { field: 'cronExpression', expression: '0 0 * * * *' },
            { field: 'cronExpression', expression: '0 */30 * * * *' },
          ],
        },
      }),
      'k',
      'UTC',
    );
    const next = nextTick(rules, [], new Date('2026-01-01T00:10:00Z'), 'UTC');
    assert.deepEqual(next, { at: new Date('2026-01-01T00:30:00Z'), rules: [1] });
    const both = nextTick(rules, [], new Date('2026-01-01T00:40:00Z'), 'UTC');
    assert.deepEqual(both, { at: new Date('2026-01-01T01:00:00Z'), rules: [0, 1] });
  });

  test("moment's en week numbers", () => {
    const week = (iso: string) => localeWeek(DateTime.fromISO(iso, { zone: 'UTC' }));
    assert.equal(week('2026-01-01'), 1, 'Thursday, Jan 1');
    assert.equal(week('2026-01-03'), 1);
    assert.equal(week('2026-01-04'), 2, 'the next Sunday starts week 2');
    assert.equal(week('2025-12-28'), 1, 'the week holding Jan 1st is week 1 already');
    assert.equal(week('2025-12-27'), 52);
  });

  test("the tick item has n8n's fields and formats", () => {
    assert.deepEqual(tickItem(new Date('2023-12-28T14:47:13Z'), 'Europe/Berlin'), {
      'Day of month': '28',
      'Day of week': 'Thursday',
      Hour: '15',
      Minute: '47',
      Month: 'December',
      'Readable date': 'December 28th 2023, 3:47:13 pm',
      'Readable time': '3:47:13 pm',
      Second: '13',
      Timezone: 'Europe/Berlin (UTC+01:00)',
      Year: '2023',
      timestamp: '2023-12-28T15:47:13.000+01:00',
    });
    assert.equal(
      tickItem(new Date('2026-01-02T00:05:00Z'), 'UTC')['Readable date'],
      'January 2nd 2026, 12:05:00 am',
    );
  });

  test('run by hand, the node emits an item for now; scheduled, the tick item', async () => {
    const manual = await runNode(scheduleTriggerNode, {
      now: '2026-03-28T10:00:00Z',
      timezone: 'Europe/Paris',
    });
    assert.equal(manual.json[0][0].timestamp, '2026-03-28T11:00:00.000+01:00');
    const scheduled = await runNode(scheduleTriggerNode, { items: [{ timestamp: 'x' }] });
    assert.deepEqual(scheduled.json, [[{ timestamp: 'x' }]]);
  });
});
