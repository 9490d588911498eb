/**
 * The TappPlus reminders example end to end (seeds/001): a real Relais (SQLite) set up through its
 * HTTP API exactly as README.md does — tables, rules, credentials, both workflows from this folder —
 * then the clinic application's events (`POST /api/events` with an API key), a real SMTP server,
 * Twilio and Google/FCM stand-ins on loopback, and the injected clock moved to each reminder's time.
 *
 * Checked: J-7 / J-1 / H-2 go out once each, by the person's channel, with the right content, and
 * survive a restart of Relais between planning and sending; rescheduling moves the pending
 * reminders (the old runs wake and send nothing), cancelling cancels them; rows record status,
 * sentAt and the provider's id; the rules table changes the plan; reminders already past are
 * skipped; bad events, unknown interventions, a refused number and bad API keys fail visibly.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startSmtp, type TestSmtp } from '../../src/email/test-smtp.js';
import { ManualClock } from '../../src/engine/clock.js';
import type { RunRecord } from '../../src/engine/ports.js';
import { startTestServer, type TestServer, testDatabases } from '../../src/testing/server.js';
import { type Providers, startProviders } from './stand-ins.js';

type Json = Record<string, unknown>;
// biome-ignore lint/suspicious/noExplicitAny: rows and replies are read field by field.
type Row = Record<string, any>;

const HERE = new URL('.', import.meta.url);
const load = (name: string): Json => JSON.parse(readFileSync(new URL(name, HERE), 'utf8')) as Json;
const REFUSED_NUMBER = '+41790000000';

let smtp: TestSmtp;
let providers: Providers;

before(async () => {
  smtp = await startSmtp();
  providers = await startProviders({ refuse: [REFUSED_NUMBER] });
});

/** RELAIS_TWILIO_BASE_URL, RELAIS_GOOGLE_TOKEN_URL and RELAIS_FCM_BASE_URL: the stand-ins. */
const providerUrls = () => ({
  twilio: providers.url,
  googleToken: `${providers.url}/token`,
  fcm: providers.url,
});

after(async () => {
  await smtp.close();
  await providers.close();
});

/** What README.md does with curl, through the same API: returns the application's API key. */
async function setUp(server: TestServer): Promise<string> {
  const created = await server.request('POST', '/api/api-keys', {
    as: 'owner',
    json: { name: 'TappPlus API', role: 'editor' },
  });
  assert.equal(created.status, 201, created.text);
  const key = created.body.key as string;
  const as = { key };
  for (const table of load('tables.json') as unknown as Json[]) {
    const res = await server.request('POST', '/api/tables', { as, json: table });
    assert.equal(res.status, 201, res.text);
  }
  const rules = await server.request('POST', '/api/tables/regles_rappel/rows', {
    as,
    json: load('regles_rappel.rows.json'),
  });
  assert.equal(rules.status, 201, rules.text);
  const credentials = [
    { type: 'smtp', name: 'SMTP TappPlus', data: smtp.credential() },
    { type: 'twilioApi', name: 'Twilio TappPlus', data: providers.twilio },
    { type: 'fcmServiceAccount', name: 'FCM TappPlus', data: providers.fcm },
  ];
  for (const json of credentials) {
    const res = await server.request('POST', '/api/credentials', { as, json });
    assert.equal(res.status, 201, res.text);
  }
  const envoi = await server.request('POST', '/api/automations', { as, json: load('envoi.workflow.json') });
  assert.equal(envoi.status, 201, envoi.text);
  const plan = await server.request('POST', '/api/automations', {
    as,
    json: load('planification.workflow.json'),
  });
  assert.equal(plan.status, 201, plan.text);
  const on = await server.request('PATCH', `/api/automations/${plan.body.id}/toggle`, {
    as,
    json: { isActive: true },
  });
  assert.equal(on.status, 200, on.text);
  return key;
}

interface Person {
  id: string;
  firstName: string;
  lastName: string;
  channel: string;
  email?: string;
  phone?: string;
  pushToken?: string;
}

function created(interventionId: string, scheduledAt: string, person: Person): Json {
  return {
    type: 'intervention.created',
    key: interventionId,
    idempotencyKey: `${interventionId}:created`,
    data: {
      interventionId,
      type: 'Détartrage',
      scheduledAt,
      organization: { name: 'Cabinet du Lac', phone: '+41 21 555 01 02' },
      person,
    },
  };
}

const zoe: Person = {
  id: 'pat-17',
  firstName: 'Zoé',
  lastName: 'Martin',
  channel: 'email',
  email: 'zoe.martin@example.com',
  phone: '+41791234567',
};

async function publish(server: TestServer, key: string, event: Json) {
  return server.request('POST', '/api/events', { as: { key }, json: event });
}

/** Fires due timers until no run is queued or running (bounded; the clock does not move). */
async function settle(server: TestServer): Promise<void> {
  let quiet = 0;
  for (let i = 0; i < 3000 && quiet < 3; i++) {
    await server.runtime.timerLoop.tick();
    await new Promise((r) => setImmediate(r));
    const busy = await server.runtime.store.db
      .selectFrom('runs')
      .select('id')
      .where('status', 'in', ['queued', 'running'])
      .execute();
    quiet = busy.length === 0 ? quiet + 1 : 0;
  }
  assert.equal(quiet, 3, 'runs still in flight');
}

async function advanceTo(server: TestServer, at: string): Promise<void> {
  const clock = server.clock as ManualClock;
  const ms = new Date(at).getTime() - clock.now().getTime();
  assert.ok(ms >= 0, `the clock cannot go back to ${at}`);
  clock.advance(ms);
  await settle(server);
}

async function rows(server: TestServer, key: string, table: string, filter: Json = {}): Promise<Row[]> {
  const query = new URLSearchParams({
    filter: JSON.stringify(filter),
    sort: 'scheduledAt,_id',
    limit: '1000',
  });
  const res = await server.request('GET', `/api/tables/${table}/rows?${query}`, { as: { key } });
  assert.equal(res.status, 200, res.text);
  return res.body.items as Row[];
}

async function run(server: TestServer, id: string): Promise<RunRecord> {
  const found = await server.runtime.store.runs.getRun(id);
  assert.ok(found, `run ${id}`);
  return found;
}

async function runsOf(server: TestServer, status?: string): Promise<RunRecord[]> {
  const all = (await server.runtime.store.runs.listRuns({ limit: 200 })).items;
  return status ? all.filter((r) => r.status === status) : all;
}

describe('TappPlus reminders (seeds/001)', () => {
  it('plans J-7, J-1, H-2, survives a restart (SQLite file), and sends each by e-mail exactly once', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'tappplus-'));
    const clock = new ManualClock('2027-01-01T08:00:00Z');
    const mails = smtp.received.length;
    try {
      const first = await startTestServer({ clock, config: { dataDir, providerUrls: providerUrls() } });
      let key: string;
      try {
        key = await setUp(first);
        // 14:30 in Paris (UTC+1 in January).
        const res = await publish(first, key, created('itv-1001', '2027-01-20T14:30:00+01:00', zoe));
        assert.equal(res.status, 202, res.text);
        assert.equal(res.body.runs.length, 1);
        await settle(first);
        assert.equal((await run(first, res.body.runs[0])).status, 'succeeded');

        const planned = await rows(first, key, 'rappels', { interventionId: 'itv-1001' });
        assert.deepEqual(
          planned.map((r) => [r.type, r.scheduledAt, r.status, r.channel, r.sentAt]),
          [
            ['J-7', '2027-01-13T13:30:00.000Z', 'pending', 'email', null],
            ['J-1', '2027-01-19T13:30:00.000Z', 'pending', 'email', null],
            ['H-2', '2027-01-20T11:30:00.000Z', 'pending', 'email', null],
          ],
        );
        const [itv] = await rows(first, key, 'interventions', { interventionId: 'itv-1001' });
        assert.equal(itv.status, 'scheduled');
        assert.equal(itv.scheduledAt, '2027-01-20T13:30:00.000Z');
        const waiting = await runsOf(first, 'waiting');
        assert.equal(waiting.length, 3, 'one waiting sending run per reminder');
        assert.ok(waiting.every((r) => r.mode === 'subworkflow'));

        // The same event again (the application retries): nothing new.
        const again = await publish(first, key, created('itv-1001', '2027-01-20T14:30:00+01:00', zoe));
        assert.equal(again.status, 200);
        assert.deepEqual(again.body.runs, res.body.runs);
      } finally {
        await first.stop();
      }

      // A new process on the same SQLite file and key; no users seeded: the API key still works.
      const second = await startTestServer({
        clock,
        config: { dataDir, providerUrls: providerUrls() },
        seed: false,
      });
      try {
        assert.equal((await runsOf(second, 'waiting')).length, 3);
        await advanceTo(second, '2027-01-13T13:29:00Z');
        assert.equal(smtp.received.length, mails, 'nothing before J-7');

        await advanceTo(second, '2027-01-13T13:30:00Z');
        assert.equal(smtp.received.length, mails + 1);
        const j7 = smtp.received[mails];
        assert.deepEqual(j7.to, ['zoe.martin@example.com']);
        assert.equal(j7.from, 'rappels@tappplus.example');
        assert.equal(
          j7.subject,
          'Rappel : votre rendez-vous dans 7 jours (mercredi 20 janvier 2027 à 14 h 30)',
        );
        assert.match(j7.html ?? '', /Bonjour Zoé,/);
        assert.match(j7.html ?? '', /Motif : Détartrage/);
        assert.match(j7.html ?? '', /Cabinet du Lac/);
        assert.match(j7.text ?? '', /au \+41 21 555 01 02/);

        let state = await rows(second, key, 'rappels', { interventionId: 'itv-1001' });
        assert.deepEqual(
          state.map((r) => [r.type, r.status, r.sentAt]),
          [
            ['J-7', 'sent', '2027-01-13T13:30:00.000Z'],
            ['J-1', 'pending', null],
            ['H-2', 'pending', null],
          ],
        );
        assert.match(state[0].providerId, /@/, 'the SMTP message id');

        await advanceTo(second, '2027-01-19T13:30:00Z');
        await advanceTo(second, '2027-01-20T11:30:00Z');
        await advanceTo(second, '2027-01-21T00:00:00Z');
        const sent = smtp.received.slice(mails);
        assert.deepEqual(
          sent.map((m) => m.subject.replace(/ \(.*/, '')),
          [
            'Rappel : votre rendez-vous dans 7 jours',
            'Rappel : votre rendez-vous demain',
            'Rappel : votre rendez-vous dans 2 heures',
          ],
          'three mails, once each',
        );
        state = await rows(second, key, 'rappels', { interventionId: 'itv-1001' });
        assert.deepEqual(
          state.map((r) => [r.status, r.sentAt]),
          [
            ['sent', '2027-01-13T13:30:00.000Z'],
            ['sent', '2027-01-19T13:30:00.000Z'],
            ['sent', '2027-01-20T11:30:00.000Z'],
          ],
        );
        const all = await runsOf(second);
        assert.equal(all.length, 4);
        assert.ok(
          all.every((r) => r.status === 'succeeded'),
          all.map((r) => r.status).join(),
        );
      } finally {
        await second.stop();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  for (const database of testDatabases()) {
    it(`rescheduling moves the pending reminders and cancelling cancels them (SMS, ${database})`, async () => {
      const server = await startTestServer({
        database,
        clock: new ManualClock('2027-01-01T08:00:00Z'),
        config: { providerUrls: providerUrls() },
      });
      const texts = providers.sms.length;
      try {
        const key = await setUp(server);
        const luc: Person = {
          id: 'pat-21',
          firstName: 'Luc',
          lastName: 'Girard',
          channel: 'sms',
          phone: '+41797654321',
        };
        await publish(server, key, created('itv-2002', '2027-01-20T09:00:00+01:00', luc));
        await settle(server);

        // Moved one week later.
        const moved = await publish(server, key, {
          type: 'intervention.rescheduled',
          key: 'itv-2002',
          idempotencyKey: 'itv-2002:rescheduled:1',
          data: { interventionId: 'itv-2002', scheduledAt: '2027-01-27T09:00:00+01:00' },
        });
        assert.equal(moved.status, 202, moved.text);
        await settle(server);
        assert.equal((await run(server, moved.body.runs[0])).status, 'succeeded');
        const afterMove = await rows(server, key, 'rappels', { interventionId: 'itv-2002' });
        assert.deepEqual(
          afterMove.map((r) => [r.type, r.scheduledAt, r.status]),
          [
            ['J-7', '2027-01-13T08:00:00.000Z', 'replaced'],
            ['J-1', '2027-01-19T08:00:00.000Z', 'replaced'],
            ['J-7', '2027-01-20T08:00:00.000Z', 'pending'],
            ['H-2', '2027-01-20T06:00:00.000Z', 'replaced'],
            ['J-1', '2027-01-26T08:00:00.000Z', 'pending'],
            ['H-2', '2027-01-27T06:00:00.000Z', 'pending'],
          ].sort((a, b) => a[1].localeCompare(b[1])),
        );
        const [itv] = await rows(server, key, 'interventions', { interventionId: 'itv-2002' });
        assert.equal(itv.scheduledAt, '2027-01-27T08:00:00.000Z');

        // The old plan's runs wake at the old times and send nothing.
        await advanceTo(server, '2027-01-20T07:00:00Z');
        assert.equal(providers.sms.length, texts, 'no SMS for the old dates');
        assert.equal((await runsOf(server, 'waiting')).length, 3, 'the three new reminders still wait');

        await advanceTo(server, '2027-01-20T08:00:00Z');
        assert.equal(providers.sms.length, texts + 1);
        assert.deepEqual(providers.sms[texts], {
          to: '+41797654321',
          from: 'TappPlus',
          body:
            'Rappel Cabinet du Lac : votre rendez-vous (Détartrage) est dans 7 jours, le mercredi 27 janvier à 9 h 00.' +
            ' Empêchement ? Appelez le +41 21 555 01 02.',
        });

        const cancelled = await publish(server, key, {
          type: 'intervention.cancelled',
          key: 'itv-2002',
          data: { interventionId: 'itv-2002' },
        });
        assert.equal(cancelled.status, 202, cancelled.text);
        await settle(server);
        const afterCancel = await rows(server, key, 'rappels', { interventionId: 'itv-2002' });
        assert.deepEqual(
          afterCancel
            .filter((r) => r.planId === afterMove.find((m) => m.status === 'pending')?.planId)
            .map((r) => [r.type, r.status]),
          [
            ['J-7', 'sent'],
            ['J-1', 'cancelled'],
            ['H-2', 'cancelled'],
          ],
        );
        assert.equal(
          (await rows(server, key, 'interventions', { interventionId: 'itv-2002' }))[0].status,
          'cancelled',
        );

        await advanceTo(server, '2027-01-28T00:00:00Z');
        assert.equal(providers.sms.length, texts + 1, 'nothing after the cancellation');
        const all = await runsOf(server);
        assert.ok(
          all.every((r) => r.status === 'succeeded'),
          all.map((r) => r.status).join(),
        );
      } finally {
        await server.stop();
      }
    });

    it(`push, rules from the table, past reminders skipped, and refusals recorded (${database})`, async () => {
      const server = await startTestServer({
        database,
        clock: new ManualClock('2027-01-01T08:00:00Z'),
        config: { providerUrls: providerUrls() },
      });
      const texts = providers.sms.length;
      const pushes = providers.push.length;
      const refusals = providers.refused.length;
      const mails = smtp.received.length;
      try {
        const key = await setUp(server);
        // The clinic turns J-7 off: a change of the rules table, no workflow edit.
        const off = await server.request('PATCH', '/api/tables/regles_rappel/rows', {
          as: { key },
          json: { filter: { code: { eq: 'J-7' } }, set: { actif: false } },
        });
        assert.equal(off.status, 200, off.text);

        const ines: Person = {
          id: 'pat-5',
          firstName: 'Inès',
          lastName: 'Roy',
          channel: 'push',
          pushToken: 'fcm-token-ines',
        };
        const paul: Person = {
          id: 'pat-6',
          firstName: 'Paul',
          lastName: 'Dubois',
          channel: 'sms',
          phone: REFUSED_NUMBER,
        };
        // Created 5 h before the intervention: J-1 is already past.
        const late = { ...zoe, id: 'pat-7', email: 'late@example.com' };
        for (const event of [
          created('itv-3001', '2027-01-05T10:00:00+01:00', ines),
          created('itv-3002', '2027-01-05T11:00:00+01:00', paul),
          created('itv-3003', '2027-01-01T14:00:00+01:00', late),
        ]) {
          assert.equal((await publish(server, key, event)).status, 202);
        }
        await settle(server);
        const plan = await rows(server, key, 'rappels');
        assert.deepEqual(
          plan.map((r) => [r.interventionId, r.type, r.status]),
          [
            ['itv-3003', 'J-1', 'skipped'],
            ['itv-3003', 'H-2', 'pending'],
            ['itv-3001', 'J-1', 'pending'],
            ['itv-3002', 'J-1', 'pending'],
            ['itv-3001', 'H-2', 'pending'],
            ['itv-3002', 'H-2', 'pending'],
          ],
        );

        // Each due time in turn, so that sentAt can be checked against it.
        for (const due of plan.filter((r) => r.status === 'pending').map((r) => r.scheduledAt as string)) {
          await advanceTo(server, due);
        }
        await advanceTo(server, '2027-01-06T00:00:00Z');
        assert.equal(smtp.received.length, mails + 1);
        assert.deepEqual(smtp.received[mails].to, ['late@example.com']);
        assert.match(smtp.received[mails].subject, /dans 2 heures \(vendredi 1 janvier 2027 à 14 h 00\)/);

        assert.deepEqual(providers.push.slice(pushes), [
          {
            token: 'fcm-token-ines',
            title: 'Rendez-vous demain',
            body: 'Rappel Cabinet du Lac : votre rendez-vous (Détartrage) est demain, le mardi 5 janvier à 10 h 00. Empêchement ? Appelez le +41 21 555 01 02.',
            data: { interventionId: 'itv-3001', reminder: 'J-1' },
            collapseKey: 'itv-3001',
          },
          {
            token: 'fcm-token-ines',
            title: 'Rendez-vous dans 2 heures',
            body: 'Rappel Cabinet du Lac : votre rendez-vous (Détartrage) est dans 2 heures, le mardi 5 janvier à 10 h 00. Empêchement ? Appelez le +41 21 555 01 02.',
            data: { interventionId: 'itv-3001', reminder: 'H-2' },
            collapseKey: 'itv-3001',
          },
        ]);
        assert.equal(providers.sms.length, texts, 'Twilio refused the number');
        assert.deepEqual(providers.refused.slice(refusals), [
          `twilio: ${REFUSED_NUMBER}`,
          `twilio: ${REFUSED_NUMBER}`,
        ]);

        const done = await rows(server, key, 'rappels');
        const byKey = new Map(done.map((r) => [`${r.interventionId} ${r.type}`, r]));
        assert.equal(byKey.get('itv-3001 J-1')?.status, 'sent');
        assert.equal(byKey.get('itv-3001 J-1')?.sentAt, '2027-01-04T09:00:00.000Z');
        assert.match(byKey.get('itv-3001 J-1')?.providerId, /^0:\d+$/, 'the FCM message id');
        assert.equal(byKey.get('itv-3003 H-2')?.sentAt, '2027-01-01T11:00:00.000Z');
        for (const r of done.filter((r) => r.status === 'sent')) assert.equal(r.sentAt, r.scheduledAt);
        for (const type of ['J-1', 'H-2']) {
          const failed = byKey.get(`itv-3002 ${type}`);
          assert.equal(failed?.status, 'failed');
          assert.equal(failed?.sentAt, null);
          assert.match(failed?.error, /21211/);
        }
      } finally {
        await server.stop();
      }
    });

    it(`refuses bad events, unknown interventions and callers without the right key (${database})`, async () => {
      const server = await startTestServer({
        database,
        clock: new ManualClock('2027-01-01T08:00:00Z'),
        config: { providerUrls: providerUrls() },
      });
      try {
        const key = await setUp(server);
        const bad = await publish(server, key, {
          type: 'intervention.created',
          data: {
            interventionId: 'itv-9',
            organization: { name: 'Cabinet du Lac' },
            person: { firstName: 'Zoé', channel: 'fax', email: 'not-an-address' },
          },
        });
        assert.equal(bad.status, 202);
        await settle(server);
        const failed = await run(server, bad.body.runs[0]);
        assert.equal(failed.status, 'failed');
        assert.equal(
          failed.error?.message,
          "Événement intervention.created refusé : Field 'data.scheduledAt' is required ; " +
            'Field \'data.person.channel\' must be one of: "email", "sms", "push" ; ' +
            "Field 'data.person.email' must be a valid email address",
        );
        assert.deepEqual(await rows(server, key, 'interventions'), []);

        const unknown = await publish(server, key, {
          type: 'intervention.rescheduled',
          data: { interventionId: 'itv-404', scheduledAt: '2027-02-01T10:00:00+01:00' },
        });
        await settle(server);
        const lost = await run(server, unknown.body.runs[0]);
        assert.equal(lost.status, 'failed');
        assert.equal(lost.error?.message, 'Intervention inconnue : itv-404 (intervention.rescheduled)');
        assert.deepEqual(await rows(server, key, 'rappels'), []);

        const event = created('itv-1', '2027-02-01T10:00:00+01:00', zoe);
        const anonymous = await server.request('POST', '/api/events', { json: event });
        assert.equal(anonymous.status, 401);
        const viewer = await server.request('POST', '/api/events', { as: { apiKey: 'viewer' }, json: event });
        assert.equal(viewer.status, 403);
        const wrong = await server.request('POST', '/api/events', {
          as: { key: 'rls_not-a-key' },
          json: event,
        });
        assert.equal(wrong.status, 401);
        assert.deepEqual(await rows(server, key, 'interventions'), [], 'no refused call planned anything');
      } finally {
        await server.stop();
      }
    });
  }
});
