import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DateTime } from 'luxon';
import { runNode } from '../testing/run-node.js';
import { dateTimeNode, parseDate } from './date-time.node.js';

async function one(
  parameters: Record<string, unknown>,
  opts: { timezone?: string; now?: string; item?: object } = {},
) {
  const { json } = await runNode(dateTimeNode, {
    parameters,
    items: [opts.item ?? {}],
    timezone: opts.timezone ?? 'UTC',
    now: opts.now ?? '2026-03-15T10:00:00.000Z',
  });
  return json[0][0];
}

test('getCurrentDate (the default operation) uses the injected clock in the workflow zone', async () => {
  assert.deepEqual(await one({}, { timezone: 'Europe/Paris' }), {
    currentDate: '2026-03-15T11:00:00.000+01:00',
  });
  assert.deepEqual(await one({ includeTime: false }, { timezone: 'Europe/Paris' }), {
    currentDate: '2026-03-15T00:00:00.000+01:00',
  });
  assert.deepEqual(await one({ options: { timezone: 'America/New_York' } }, { timezone: 'Europe/Paris' }), {
    currentDate: '2026-03-15T06:00:00.000-04:00',
  });
  assert.deepEqual(await one({ outputFieldName: 'now' }, { timezone: 'Etc/UTC' }), {
    now: '2026-03-15T10:00:00.000+00:00',
  });
});

test('getCurrentDate refuses an unknown time zone', async () => {
  await assert.rejects(
    one({ options: { timezone: 'Mars/Olympus' } }),
    /The timezone Mars\/Olympus is not valid/,
  );
});

// n8n's own test workflow DateTime/test/node/DateTimeWorkflowV2.json (workflow zone Etc/GMT).
test('n8n DateTimeWorkflowV2: add, subtract, format, round, between, extract', async () => {
  const tz = { timezone: 'Etc/GMT' };
  const current = '2023-04-11T13:51:59.965+00:00';
  const added = await one({ operation: 'addToDate', magnitude: current, duration: 2 }, tz);
  assert.deepEqual(added, { newDate: '2023-04-13T13:51:59.965+00:00' });
  const subtracted = await one({ operation: 'subtractFromDate', magnitude: added.newDate, duration: 2 }, tz);
  assert.deepEqual(subtracted, { newDate: current });
  const formatted = await one(
    { operation: 'formatDate', date: subtracted.newDate, format: 'yyyy/MM/dd' },
    tz,
  );
  assert.deepEqual(formatted, { formattedDate: '2023/04/11' });
  const rounded = await one({ operation: 'roundDate', date: formatted.formattedDate, toNearest: 'day' }, tz);
  assert.deepEqual(rounded, { roundedDate: '2023-04-11T00:00:00.000+00:00' });
  const between = await one(
    {
      operation: 'getTimeBetweenDates',
      startDate: subtracted.newDate,
      endDate: added.newDate,
      units: ['day'],
    },
    tz,
  );
  assert.deepEqual(between, { timeDifference: { days: 2 } });
  const hour = await one(
    { operation: 'extractDate', date: current, part: 'hour', outputFieldName: 'date' },
    tz,
  );
  assert.deepEqual(hour, { date: 13 });
});

// n8n's test workflow workflow.timestamp_v2.json: Unix seconds, milliseconds, fractional seconds.
test('n8n timestamp_v2: numbers and numeric strings are Unix timestamps', async () => {
  for (const date of [
    1682918315906,
    1682918315.906,
    1682918315,
    '1682918315906',
    '1682918315.906',
    '1682918315',
  ]) {
    assert.deepEqual(
      await one({ operation: 'formatDate', date, format: 'yyyy/MM/dd', outputFieldName: 'data' }),
      {
        data: '2023/05/01',
      },
    );
  }
});

test('formatDate: presets, custom Luxon format, unix formats', async () => {
  const date = '2026-03-15T10:05:00Z';
  assert.deepEqual(await one({ operation: 'formatDate', date }), { formattedDate: '03/15/2026' });
  assert.deepEqual(
    await one({ operation: 'formatDate', date, format: 'custom', customFormat: 'dd/MM/yyyy HH:mm' }),
    {
      formattedDate: '15/03/2026 10:05',
    },
  );
  assert.deepEqual(await one({ operation: 'formatDate', date, format: 'X' }), {
    formattedDate: '1773569100',
  });
  assert.deepEqual(await one({ operation: 'formatDate', date, format: 'x' }), {
    formattedDate: '1773569100000',
  });
});

test('formatDate keeps the input zone unless options.timezone asks for the workflow zone', async () => {
  const params = {
    operation: 'formatDate',
    date: '2026-03-15T10:05:00+02:00',
    format: 'custom',
    customFormat: 'HH:mm ZZ',
  };
  assert.deepEqual(await one(params, { timezone: 'Europe/Paris' }), { formattedDate: '10:05 +02:00' });
  assert.deepEqual(await one({ ...params, options: { timezone: true } }, { timezone: 'Europe/Paris' }), {
    formattedDate: '09:05 +01:00',
  });
  // A date without offset is read as UTC wall-clock time, or in the workflow zone with the option.
  const naive = { ...params, date: '2026-03-15 10:05' };
  assert.deepEqual(await one(naive, { timezone: 'Europe/Paris' }), { formattedDate: '10:05 +00:00' });
  assert.deepEqual(await one({ ...naive, options: { timezone: true } }, { timezone: 'Europe/Paris' }), {
    formattedDate: '10:05 +01:00',
  });
});

test('formatDate with options.fromFormat reads non-ISO input', async () => {
  assert.deepEqual(
    await one({
      operation: 'formatDate',
      date: '15/03/2026',
      format: 'yyyy-MM-dd',
      options: { fromFormat: 'dd/MM/yyyy' },
    }),
    { formattedDate: '2026-03-15' },
  );
  assert.deepEqual(
    await one({
      operation: 'formatDate',
      date: '20260315',
      format: 'yyyy-MM-dd',
      options: { fromFormat: 'yyyyMMdd' },
    }),
    { formattedDate: '2026-03-15' },
  );
});

test('formatDate passes a null date through (n8n workflow.nullDate_v2.json)', async () => {
  assert.deepEqual(await one({ operation: 'formatDate', date: null, options: {} }), { formattedDate: null });
});

test('add and subtract in every unit, in the workflow zone (DST-aware)', async () => {
  const base = { operation: 'addToDate', magnitude: '2026-03-28T12:00:00+01:00' };
  const paris = { timezone: 'Europe/Paris' };
  assert.deepEqual(await one({ ...base, duration: 1 }, paris), { newDate: '2026-03-29T12:00:00.000+02:00' });
  assert.deepEqual(await one({ ...base, timeUnit: 'hours', duration: 24 }, paris), {
    newDate: '2026-03-29T13:00:00.000+02:00',
  });
  assert.deepEqual(await one({ ...base, timeUnit: 'quarters', duration: 1 }, paris), {
    newDate: '2026-06-28T12:00:00.000+02:00',
  });
  assert.deepEqual(await one({ ...base, timeUnit: 'minutes', duration: '30' }, paris), {
    newDate: '2026-03-28T12:30:00.000+01:00',
  });
  assert.deepEqual(
    await one({
      operation: 'subtractFromDate',
      magnitude: '2026-03-31T10:00:00Z',
      timeUnit: 'months',
      duration: 1,
    }),
    { newDate: '2026-02-28T10:00:00.000Z' },
  );
});

test('roundDate: down to a unit, up to the start of the next month (n8n "End of Month")', async () => {
  const date = '2026-03-15T10:35:20+01:00';
  const paris = { timezone: 'Europe/Paris' };
  assert.deepEqual(await one({ operation: 'roundDate', date }, paris), {
    roundedDate: '2026-03-01T00:00:00.000+01:00',
  });
  assert.deepEqual(await one({ operation: 'roundDate', date, toNearest: 'hour' }, paris), {
    roundedDate: '2026-03-15T10:00:00.000+01:00',
  });
  assert.deepEqual(await one({ operation: 'roundDate', date, toNearest: 'week' }, paris), {
    roundedDate: '2026-03-09T00:00:00.000+01:00',
  });
  assert.deepEqual(await one({ operation: 'roundDate', date, mode: 'roundUp' }, paris), {
    roundedDate: '2026-04-01T00:00:00.000+02:00',
  });
});

test('getTimeBetweenDates: several units, and an ISO duration', async () => {
  const base = {
    operation: 'getTimeBetweenDates',
    startDate: '2026-01-01T00:00:00Z',
    endDate: '2026-03-15T12:30:00Z',
  };
  assert.deepEqual(await one({ ...base, units: ['month', 'day', 'hour', 'minute'] }), {
    timeDifference: { months: 2, days: 14, hours: 12, minutes: 30 },
  });
  assert.deepEqual(await one({ ...base, units: ['day'], options: { isoString: true } }), {
    timeDifference: 'P73.52083333333333D',
  });
});

test('extractDate: year, month, week, day, hour, minute, second in the workflow zone', async () => {
  const date = '2026-03-15T23:30:45Z';
  const paris = { timezone: 'Europe/Paris' };
  const parts: Record<string, number> = {
    year: 2026,
    month: 3,
    week: 12,
    day: 16,
    hour: 0,
    minute: 30,
    second: 45,
  };
  for (const [part, value] of Object.entries(parts)) {
    assert.deepEqual(await one({ operation: 'extractDate', date, part }, paris), { datePart: value }, part);
  }
  assert.deepEqual(await one({ operation: 'extractDate', date }, paris), { datePart: 3 });
});

test('dates without offset keep their wall-clock time; explicit offsets are converted', () => {
  const ny = { zone: 'America/New_York' };
  assert.equal(parseDate('2023-04-11T14:30:00', 'date', ny).hour, 14);
  assert.equal(parseDate('2023-04-11T14:30:00+05:00', 'date', ny).hour, 5);
  assert.equal(parseDate('2023-04-11T14:30:00Z', 'date', ny).hour, 10);
  assert.equal(parseDate('2023-04-11T14:30:00+0500', 'date', ny).hour, 5);
  assert.equal(parseDate('2023-04-11T14:30:00+05', 'date', ny).hour, 5);
  const athens = { zone: 'Europe/Athens' };
  const day = parseDate('2023-04-11', 'date', athens);
  assert.deepEqual([day.day, day.hour], [11, 0]);
  assert.equal(parseDate('2023-04-11 14:30:00', 'date', athens).hour, 14);
  assert.equal(parseDate('2014-08-06 10:00:00 AM', 'date', athens).hour, 10);
  assert.equal(parseDate('2023-04-11 14:30:00', 'date', { zone: 'Etc/UTC' }).hour, 14);
  assert.equal(parseDate('Tue, 11 Apr 2023 14:30:00 +0200', 'date', { zone: 'Etc/UTC' }).hour, 12);
});

test('Luxon DateTime and JS Date values (from expressions) are accepted', () => {
  const dt = DateTime.fromISO('2023-04-11T14:30:00+05:00');
  assert.equal(parseDate(dt, 'date', { zone: 'America/New_York' }).hour, 5);
  const utc = parseDate(dt, 'date');
  assert.deepEqual([utc.zoneName, utc.hour], ['Etc/UTC', 9]);
  assert.equal(parseDate(new Date('2023-04-11T14:30:00Z'), 'date', { zone: 'Europe/Paris' }).hour, 16);
});

test('options.includeInputFields copies the input item; pairedItem follows the input', async () => {
  const { json, outputs } = await runNode(dateTimeNode, {
    parameters: {
      operation: 'extractDate',
      date: '2026-03-15',
      part: 'year',
      options: { includeInputFields: true },
    },
    items: [{ id: 1 }, { id: 2 }],
  });
  assert.deepEqual(json, [
    [
      { id: 1, datePart: 2026 },
      { id: 2, datePart: 2026 },
    ],
  ]);
  assert.deepEqual(
    outputs[0].map((i) => i.pairedItem),
    [{ item: 0 }, { item: 1 }],
  );
});

test("an invalid date fails with n8n's message naming the parameter; continue-on-fail gives an error item", async () => {
  await assert.rejects(
    one({ operation: 'addToDate', magnitude: 'not-a-date' }),
    (error: Error & { description?: string }) =>
      error.message === 'Invalid date format' && /'magnitude'/.test(error.description ?? ''),
  );
  await assert.rejects(one({ operation: 'roundDate', date: '' }), /Invalid date format/);
  await assert.rejects(one({ operation: 'extractDate', date: { a: 1 } }), /Invalid date format/);
  const { json } = await runNode(dateTimeNode, {
    parameters: { operation: 'formatDate', date: '2026-02-30' },
    items: [{}],
    onError: 'continue',
  });
  assert.deepEqual(json, [[{ error: 'Invalid date format' }]]);
});

test('empty input gives empty output', async () => {
  assert.deepEqual(
    (await runNode(dateTimeNode, { parameters: { operation: 'formatDate' }, items: [] })).json,
    [[]],
  );
});

test('bad parameters are refused with the parameter named', async () => {
  await assert.rejects(one({ operation: 'shiftDate' }), /Invalid parameter 'operation'/);
  await assert.rejects(
    one({ operation: 'addToDate', timeUnit: 'decades', magnitude: '2026-01-01' }),
    /Invalid parameter 'timeUnit'/,
  );
  await assert.rejects(
    one({ operation: 'addToDate', duration: 'lots', magnitude: '2026-01-01' }),
    /Invalid parameter 'duration'/,
  );
  await assert.rejects(
    one({ operation: 'getTimeBetweenDates', units: ['fortnight'] }),
    /Invalid parameter 'units.0'/,
  );
});

test('expressions: a Luxon DateTime ($now) and per-item dates', async () => {
  assert.deepEqual(
    await one(
      { operation: 'addToDate', magnitude: '={{ $now }}', duration: 1 },
      { timezone: 'Europe/Paris' },
    ),
    { newDate: '2026-03-16T11:00:00.000+01:00' },
  );
  const { json } = await runNode(dateTimeNode, {
    parameters: {
      operation: 'formatDate',
      date: '={{ $json.d }}',
      format: 'custom',
      customFormat: 'dd/MM/yyyy',
    },
    items: [{ d: '2026-03-15T23:30:00Z' }, { d: 1773619200 }],
    timezone: 'Europe/Paris',
  });
  assert.deepEqual(json, [[{ formattedDate: '15/03/2026' }, { formattedDate: '16/03/2026' }]]);
});
