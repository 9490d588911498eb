/**
 * Luxon in the sandbox must give what Luxon gives in Node: same instants, zones, offsets across
 * daylight-saving changes, and the same invalid results. Compared against the host's Luxon.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DateTime } from 'luxon';
import { codeNode } from '../nodes/code.node.js';
import { runNode } from '../testing/run-node.js';

async function inSandbox(expressions: string[], timezone = 'Europe/Paris'): Promise<unknown[]> {
  const jsCode = `return [{ json: { v: [${expressions.join(', ')}] } }];`;
  const { json } = await runNode(codeNode, {
    parameters: { jsCode },
    items: [{}],
    timezone,
    now: '2026-07-01T10:00:00.000Z',
  });
  return json[0][0].v as unknown[];
}

test('parsing matches the host Luxon (ISO, SQL, RFC 2822, HTTP, formats, zones, invalid input)', async () => {
  const cases: [string, () => unknown][] = [
    [
      "DateTime.fromISO('2026-01-15T08:30:00').toISO()",
      () => DateTime.fromISO('2026-01-15T08:30:00', { zone: 'Europe/Paris' }).toISO(),
    ],
    [
      "DateTime.fromISO('2026-03-29T02:30:00').toISO()",
      () => DateTime.fromISO('2026-03-29T02:30:00', { zone: 'Europe/Paris' }).toISO(),
    ],
    [
      "DateTime.fromISO('2026-10-25T02:30:00').toISO()",
      () => DateTime.fromISO('2026-10-25T02:30:00', { zone: 'Europe/Paris' }).toISO(),
    ],
    [
      "DateTime.fromISO('2026-07-01T10:00:00+05:30', { setZone: true }).toISO()",
      () => DateTime.fromISO('2026-07-01T10:00:00+05:30', { setZone: true }).toISO(),
    ],
    [
      "DateTime.fromISO('2026-07-01T10:00:00Z', { zone: 'America/New_York' }).toISO()",
      () => DateTime.fromISO('2026-07-01T10:00:00Z', { zone: 'America/New_York' }).toISO(),
    ],
    [
      "DateTime.fromISO('2026-W05-3').toISODate()",
      () => DateTime.fromISO('2026-W05-3', { zone: 'Europe/Paris' }).toISODate(),
    ],
    [
      "DateTime.fromSQL('2026-01-02 03:04:05').toISO()",
      () => DateTime.fromSQL('2026-01-02 03:04:05', { zone: 'Europe/Paris' }).toISO(),
    ],
    [
      "DateTime.fromRFC2822('Tue, 01 Nov 2016 13:23:12 +0630').toISO()",
      () => DateTime.fromRFC2822('Tue, 01 Nov 2016 13:23:12 +0630', { zone: 'Europe/Paris' }).toISO(),
    ],
    [
      "DateTime.fromHTTP('Sun, 06 Nov 1994 08:49:37 GMT').toMillis()",
      () => DateTime.fromHTTP('Sun, 06 Nov 1994 08:49:37 GMT').toMillis(),
    ],
    [
      "DateTime.fromFormat('15/01/2026 08:30', 'dd/LL/yyyy HH:mm').toISO()",
      () => DateTime.fromFormat('15/01/2026 08:30', 'dd/LL/yyyy HH:mm', { zone: 'Europe/Paris' }).toISO(),
    ],
    [
      "DateTime.fromFormat('29 mars 2026', 'dd LLLL yyyy', { locale: 'fr' }).toISODate()",
      () => DateTime.fromFormat('29 mars 2026', 'dd LLLL yyyy', { locale: 'fr' }).toISODate(),
    ],
    ["DateTime.fromISO('not a date').invalidReason", () => DateTime.fromISO('not a date').invalidReason],
    [
      "DateTime.fromISO('2026-01-01', { zone: 'Mars/Olympus' }).invalidReason",
      () => DateTime.fromISO('2026-01-01', { zone: 'Mars/Olympus' }).invalidReason,
    ],
    ["DateTime.fromFormat('2026', 'dd/LL').isValid", () => DateTime.fromFormat('2026', 'dd/LL').isValid],
  ];
  const actual = await inSandbox(cases.map(([expression]) => expression));
  assert.deepEqual(
    actual,
    cases.map(([, host]) => host()),
  );
});

test('offsets are right on both sides of daylight-saving changes, and arithmetic crosses them', async () => {
  const actual = await inSandbox([
    'DateTime.fromMillis(Date.UTC(2026, 2, 29, 0, 59, 59, 999)).toISO()',
    'DateTime.fromMillis(Date.UTC(2026, 2, 29, 1)).toISO()',
    'DateTime.fromMillis(Date.UTC(2026, 9, 25, 0, 59, 59, 999)).toISO()',
    'DateTime.fromMillis(Date.UTC(2026, 9, 25, 1)).toISO()',
    "DateTime.fromISO('2026-03-28T12:00:00').plus({ days: 1 }).toISO()",
    "DateTime.fromISO('2026-03-28T12:00:00').plus({ hours: 24 }).toISO()",
    "DateTime.fromISO('2025-06-01').plus({ months: 7 }).offset",
    "$now.setZone('Asia/Kolkata').toISO()",
    "$now.setZone('Australia/Lord_Howe').offset",
    '$now.offsetNameShort',
    "$now.setZone('utc').toISO()",
    "$now.setZone('UTC+3').toISO()",
  ]);
  assert.deepEqual(actual, [
    '2026-03-29T01:59:59.999+01:00',
    '2026-03-29T03:00:00.000+02:00',
    '2026-10-25T02:59:59.999+02:00',
    '2026-10-25T02:00:00.000+01:00',
    '2026-03-29T12:00:00.000+02:00',
    '2026-03-29T13:00:00.000+02:00',
    60,
    '2026-07-01T15:30:00.000+05:30',
    DateTime.fromISO('2026-07-01T10:00:00Z').setZone('Australia/Lord_Howe').offset,
    'GMT+2',
    '2026-07-01T10:00:00.000Z',
    '2026-07-01T13:00:00.000+03:00',
  ]);
});

test('formatting gives what Luxon gives in Node, in any locale (the guest has no Intl of its own)', async () => {
  const at = DateTime.fromISO('2026-03-09T07:05:00', { zone: 'Europe/Paris' });
  const cases: [string, unknown][] = [
    [
      "DateTime.fromISO('2026-03-09T07:05:00').toFormat('cccc d LLLL yyyy, HH:mm')",
      at.toFormat('cccc d LLLL yyyy, HH:mm'),
    ],
    [
      "DateTime.fromISO('2026-03-09T07:05:00').setLocale('fr').toFormat('cccc dd LLLL yyyy')",
      'lundi 09 mars 2026',
    ],
    [
      "DateTime.fromISO('2026-03-09T07:05:00').setLocale('fr-FR').toLocaleString(DateTime.DATETIME_MED)",
      at.setLocale('fr-FR').toLocaleString(DateTime.DATETIME_MED),
    ],
    ["DateTime.fromISO('2026-03-09T07:05:00').toLocaleString(DateTime.DATE_FULL)", 'March 9, 2026'],
    ["DateTime.fromISO('2026-03-09T07:05:00').toFormat('DDDD')", 'Monday, March 9, 2026'],
    ["DateTime.fromISO('2026-03-09T07:05:00').setLocale('de').monthLong", 'März'],
    ["DateTime.fromISO('2026-03-09T07:05:00').weekdayShort", 'Mon'],
    ["DateTime.fromISO('2026-03-09').toRelative({ base: DateTime.fromISO('2026-03-11') })", '2 days ago'],
    [
      "DateTime.fromISO('2026-03-09').setLocale('fr').toRelative({ base: DateTime.fromISO('2026-03-11') })",
      'il y a 2 jours',
    ],
    ["Duration.fromObject({ hours: 1, minutes: 30 }).toFormat('hh:mm')", '01:30'],
    ['Duration.fromObject({ hours: 2, minutes: 5 }).toHuman()', '2 hours, 5 minutes'],
    ["Duration.fromISO('PT90M').as('hours')", 1.5],
    [
      "Interval.fromDateTimes(DateTime.fromISO('2026-01-01'), DateTime.fromISO('2026-03-01')).length('days')",
      59,
    ],
    ["DateTime.fromISO('2026-01-31').diff(DateTime.fromISO('2026-01-01'), 'days').days", 30],
    ["DateTime.fromISO('nope').toFormat('yyyy')", 'Invalid DateTime'],
    ['$today.toISODate()', '2026-07-01'],
    ['DateTime.local().zoneName', 'Europe/Paris'],
  ];
  assert.deepEqual(
    await inSandbox(cases.map(([expression]) => expression)),
    cases.map(([, expected]) => expected),
  );
});

test('the workflow time zone is the default zone; UTC when the workflow has none', async () => {
  assert.deepEqual(
    await inSandbox(['$now.zoneName', "DateTime.fromISO('2026-01-01T00:00').toISO()"], 'UTC'),
    ['UTC', '2026-01-01T00:00:00.000Z'],
  );
  assert.deepEqual(await inSandbox(['$now.toISO()'], 'America/Los_Angeles'), [
    '2026-07-01T03:00:00.000-07:00',
  ]);
});
