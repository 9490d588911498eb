/** n8n's date extensions on Luxon DateTime, JS Date and ISO date strings. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DateTime } from 'luxon';
import { evaluate } from './fake-data.js';

const run = { input: [{ at: '2024-03-20T18:49:07.234Z', day: '2024-04-30T18:49' }] };
const ev = (expression: string) => evaluate(expression, run);
const iso = (expression: string) => (ev(expression) as DateTime).toISO();

describe('date extensions', () => {
  it('formats and extracts', () => {
    assert.equal(ev("={{ $json.day.toDateTime().format('dd/LL/yyyy') }}"), '30/04/2024');
    assert.equal(ev("={{ $json.day.toDateTime().format('dd LLL yy') }}"), '30 Apr 24');
    assert.equal(ev("={{ $json.day.toDateTime().setLocale('fr').format('dd LLL yyyy') }}"), '30 avr. 2024');
    assert.equal(ev("={{ $json.day.toDateTime().extract('month') }}"), 4);
    assert.equal(ev("={{ $json.day.toDateTime().extract('hour') }}"), 18);
    assert.equal(ev('={{ $json.day.toDateTime().extract() }}'), 18);
    assert.equal(ev("={{ $json.day.toDateTime().extract('yearDayNumber') }}"), 121);
  });

  it('adds and subtracts periods', () => {
    assert.equal(iso("={{ $json.day.toDateTime().plus(7, 'days') }}"), '2024-05-07T18:49:00.000+02:00');
    assert.equal(iso("={{ $json.day.toDateTime().minus(4, 'years') }}"), '2020-04-30T18:49:00.000+02:00');
    assert.equal(iso('={{ $json.day.toDateTime().plus({ hours: 2 }) }}'), '2024-04-30T20:49:00.000+02:00');
    assert.equal(iso("={{ $now.minus(1, 'day') }}"), '2024-03-14T11:30:00.000+01:00');
    // One argument is a Luxon duration: a bare number counts milliseconds (as in n8n).
    assert.equal(iso('={{ $now.plus(30) }}'), '2024-03-15T11:30:00.030+01:00');
  });

  it('moves to period boundaries', () => {
    assert.equal(iso("={{ $now.beginningOf('month') }}"), '2024-03-01T00:00:00.000+01:00');
    assert.equal(iso('={{ $now.beginningOf() }}'), '2024-03-11T00:00:00.000+01:00');
    assert.equal(iso('={{ $now.endOfMonth() }}'), '2024-03-31T23:59:59.999+02:00');
  });

  it('compares', () => {
    assert.equal(ev("={{ $json.day.toDateTime().isBetween('2020-06-01', '2025-06-01') }}"), true);
    assert.equal(ev("={{ $json.day.toDateTime().isBetween('2025-06-01', '2020-06-01') }}"), true);
    assert.throws(() => ev("={{ $now.isBetween('2020') }}"), /expected exactly two args/);
    assert.equal(
      ev("={{ '2025-01-01'.toDateTime().diffTo('2024-03-30T18:49:07.234', 'days').toFixed(2) }}"),
      '276.22',
    );
    const diff = ev(
      "={{ '2025-01-01T00:00:00.000'.toDateTime().diffTo('2024-03-30T18:49:07.234'.toDateTime(), ['months', 'days']) }}",
    ) as { months: number; days: number };
    assert.equal(diff.months, 9);
    assert.equal(diff.days.toFixed(2), '1.22');
    assert.equal(ev("={{ $now.diffToNow('hours') }}"), 0);
    assert.throws(() => ev("={{ $now.diffTo($now, 'fortnights') }}"), /Unsupported unit 'fortnights'/);
    assert.equal(ev("={{ $now.minus(5, 'minutes').isInLast(10, 'minutes') }}"), true);
    assert.equal(ev("={{ $now.minus(1, 'hour').isInLast(10) }}"), false);
  });

  it('answers calendar questions', () => {
    assert.equal(ev('={{ $now.isWeekend() }}'), false);
    assert.equal(ev("={{ $now.plus(1, 'day').isWeekend() }}"), true);
    assert.equal(ev('={{ $now.isDst() }}'), false);
    assert.equal(ev('={{ $now.toInt() }}'), Date.parse('2024-03-15T10:30:00Z'));
    assert.deepEqual(ev('={{ [$now.isEmpty(), $now.isNotEmpty(), $now.toBoolean()] }}'), [
      false,
      true,
      undefined,
    ]);
  });

  it('treats exact ISO strings as dates and JS Dates like n8n (a Date in, a Date out)', () => {
    assert.equal(ev("={{ $json.at.format('yyyy-LL-dd HH:mm') }}"), '2024-03-20 19:49');
    const date = ev("={{ $json.at.plus(1, 'day') }}");
    assert.ok(date instanceof Date);
    assert.equal(date.toISOString(), '2024-03-21T18:49:07.234Z');
    assert.ok(ev('={{ new Date().toDateTime() }}') instanceof DateTime);
    assert.equal(ev("={{ new Date('2024-01-01T12:00:00Z').format('HH:mm') }}"), '13:00');
  });

  it('keeps all native Luxon methods', () => {
    assert.equal(ev('={{ $now.toISODate() }}'), '2024-03-15');
    assert.equal(ev("={{ $now.setZone('Asia/Tokyo').hour }}"), 19);
    assert.equal(ev("={{ $now.startOf('year').toMillis() < $now.toMillis() }}"), true);
    assert.equal(ev('={{ $now.toLocaleString(DateTime.DATE_MED) }}'), 'Mar 15, 2024');
    assert.equal(ev('={{ $now.toUTC().toISO() }}'), '2024-03-15T10:30:00.000Z');
  });
});
