/**
 * The `timestamptz` reader gives exactly the Date `pg`'s own parser (`postgres-date`) gives, on the
 * texts PostgreSQL writes, and leaves every other text to it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import { parseTimestamptz } from './postgres-dates.js';

const pgParse = pg.types.getTypeParser(pg.types.builtins.TIMESTAMPTZ, 'text') as (text: string) => unknown;

test('reads what PostgreSQL writes exactly as pg does: fractions, zones of hours, minutes, seconds', () => {
  const texts = [
    '2026-11-25 16:31:02+00',
    '2026-11-25 16:31:02.1+00',
    '2026-11-25 16:31:02.123+00',
    '2026-11-25 16:31:02.123456+00',
    '2026-11-25 16:31:02.999999+00',
    '2026-03-29 02:30:00.5+01',
    '2026-11-25 16:31:02.04+05:30',
    '1894-01-01 00:00:00-03:21:09',
    '2000-02-29 23:59:59.999-12',
    '9999-12-31 23:59:59.999999+14',
    '1000-01-01 00:00:00+00',
  ];
  for (const text of texts) {
    const mine = parseTimestamptz(text, () => assert.fail(`fell back on ${text}`)) as Date;
    assert.equal(mine.getTime(), (pgParse(text) as Date).getTime(), text);
  }
  // A sweep of instants and zones, written as PostgreSQL writes them.
  for (let i = 0; i < 2000; i++) {
    const ms = Date.UTC(1970, 0, 1) + i * 7_919_993_357;
    const zoneMinutes = ((i * 37) % 1680) - 840;
    const local = new Date(ms + zoneMinutes * 60_000).toISOString().replace('T', ' ').replace('Z', '');
    const zone = `${zoneMinutes < 0 ? '-' : '+'}${String(Math.trunc(Math.abs(zoneMinutes) / 60)).padStart(2, '0')}${Math.abs(zoneMinutes) % 60 ? `:${String(Math.abs(zoneMinutes) % 60).padStart(2, '0')}` : ''}`;
    const text = `${local}${zone}`;
    const mine = parseTimestamptz(text, () => assert.fail(`fell back on ${text}`)) as Date;
    assert.equal(mine.getTime(), ms, text);
    assert.equal(mine.getTime(), (pgParse(text) as Date).getTime(), text);
  }
});

test('leaves anything else to pg: BC, far years, infinity, stray text', () => {
  for (const text of [
    '0044-03-15 12:00:00+00 BC',
    '0099-01-01 00:00:00+00',
    '12026-01-01 00:00:00+00',
    'infinity',
    '-infinity',
    '2026-11-25T16:31:02+00',
    '2026-11-25 16:31:02+0x',
    '2026-11-25 16:31:02.123',
  ]) {
    let fellBack = false;
    const got = parseTimestamptz(text, (t) => {
      fellBack = true;
      return pgParse(t);
    });
    assert.ok(fellBack, text);
    const expected = pgParse(text);
    // Invalid Dates included: the same time value (NaN is NaN), or the same non-Date value.
    if (expected instanceof Date) assert.ok(Object.is((got as Date).getTime(), expected.getTime()), text);
    else assert.equal(got, expected, text);
  }
});
