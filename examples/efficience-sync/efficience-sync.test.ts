/**
 * The Efficience synchronisation of seeds/000, end to end on a real Relais (SQLite; PostgreSQL too
 * when RELAIS_TEST_DATABASE_URL is set): everything the README creates is created through the HTTP
 * API from this folder's files, the Efficience backend's "Synchroniser" calls are real HTTP calls
 * to the webhook, the admin's mailbox is a real SMTP server, and the dashboard reads the recent
 * imports with a viewer API key, as its 10-second poll does.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { type ReceivedMail, startSmtp, type TestSmtp } from '../../src/email/test-smtp.js';
import type { ManualClock } from '../../src/engine/clock.js';
import { startTestServer, type TestServer, testDatabases } from '../../src/testing/server.js';

const HERE = new URL('./', import.meta.url);
// biome-ignore lint/suspicious/noExplicitAny: the example's JSON files are read as they are.
const load = (path: string): any => JSON.parse(readFileSync(new URL(path, HERE), 'utf8'));

const WORKFLOW = load('efficience-sync.workflow.json');
const TABLES = ['patients', 'donnees_cabinet', 'production', 'rendezvous', 'webhook_logs'];
const TOKEN = 'efficience-sync-secret-0123456789';
const ADMIN = 'admin@efficience.fr';

type Row = Record<string, unknown>;
interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: webhook answers are checked field by field.
  body: any;
}

for (const database of testDatabases()) {
  describe(`efficience-sync example (${database})`, () => {
    let server: TestServer;
    let smtp: TestSmtp;
    let automationId: string;
    let dashboardKey: string;
    let runsSeen = 0;

    before(async () => {
      server = await startTestServer({ database });
      smtp = await startSmtp();
      // 1. The five tables (the README's `for f in tables/*.table.json` loop).
      for (const table of TABLES) {
        const res = await server.request('POST', '/api/tables', {
          as: 'admin',
          json: load(`tables/${table}.table.json`),
        });
        assert.equal(res.status, 201, res.text);
      }
      // 2. The webhook's Bearer token and the SMTP account, by the names the workflow uses.
      for (const credential of [
        { type: 'httpBearerAuth', name: 'Efficience sync token', data: { token: TOKEN } },
        { type: 'smtp', name: 'SMTP Efficience', data: smtp.credential() },
      ]) {
        const res = await server.request('POST', '/api/credentials', { as: 'admin', json: credential });
        assert.equal(res.status, 201, res.text);
      }
      // 3. The workflow, then activation.
      const created = await server.request('POST', '/api/automations', { as: 'admin', json: WORKFLOW });
      assert.equal(created.status, 201, created.text);
      assert.deepEqual(created.body.warnings ?? [], []);
      automationId = created.body.id;
      const toggled = await server.request('PATCH', `/api/automations/${automationId}/toggle`, {
        as: 'admin',
        json: { isActive: true },
      });
      assert.equal(toggled.status, 200, toggled.text);
      // 4. The dashboard's read-only key.
      const key = await server.request('POST', '/api/api-keys', {
        as: 'owner',
        json: { name: 'Efficience dashboard', role: 'viewer' },
      });
      assert.equal(key.status, 201, key.text);
      dashboardKey = key.body.key;
    });

    after(async () => {
      await server?.stop();
      await smtp?.close();
    });

    /** The Efficience backend forwarding the admin's "Synchroniser". */
    async function sync(payload: unknown, authorization: string | null = `Bearer ${TOKEN}`): Promise<Answer> {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (authorization !== null) headers.authorization = authorization;
      const res = await fetch(`${server.url}/webhook/efficience-sync`, {
        method: 'POST',
        headers,
        body: JSON.stringify(payload),
      });
      const text = await res.text();
      return { status: res.status, body: text.startsWith('{') ? JSON.parse(text) : text };
    }

    /**
     * The webhook answers before the audit row and the e-mail: waits (bounded) until the runs
     * started so far are `expected` more than before and all finished, and returns the new ones.
     */
    async function settle(expected: number): Promise<{ status: string; error?: unknown }[]> {
      for (let i = 0; i < 400; i++) {
        const res = await server.request(
          'GET',
          `/api/automation-runs?automationId=${automationId}&limit=200`,
          {
            as: { apiKey: 'viewer' },
          },
        );
        assert.equal(res.status, 200, res.text);
        const runs = res.body.items as { status: string; error?: unknown }[];
        const done = runs.every((r) => ['succeeded', 'failed', 'canceled'].includes(r.status));
        if (runs.length >= runsSeen + expected && done) {
          const fresh = runs.slice(0, runs.length - runsSeen);
          runsSeen = runs.length;
          assert.equal(fresh.length, expected, 'no other run was started');
          return fresh;
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      throw new Error(`the runs did not finish (expected ${expected} new)`);
    }

    /** Rows of a table through the API, as the dashboard reads them (viewer key). */
    async function rows(table: string, query = 'limit=1000'): Promise<Row[]> {
      const res = await server.request('GET', `/api/tables/${table}/rows?${query}`, {
        as: { key: dashboardKey },
      });
      assert.equal(res.status, 200, res.text);
      return res.body.items;
    }

    async function lastLog(): Promise<Row> {
      const [log] = await rows('webhook_logs', 'sort=-_id&limit=1');
      return log;
    }

    const mailsSince = (count: number): ReceivedMail[] => smtp.received.slice(count);
    const advance = (ms: number) => (server.clock as ManualClock).advance(ms);

    it('starts from the practice as it is: 5 patients, no finances, production or appointments', async () => {
      const existing = ['Durand', 'Moreau', 'Girard', 'Blanc', 'Faure'].map((nom, i) => ({
        nom,
        prenom: 'Existant',
        email: `${nom.toLowerCase()}@example.com`,
        telephone: `060000000${i}`,
        cabinetId: 'cab_1',
        source: 'saisie',
      }));
      const res = await server.request('POST', '/api/tables/patients/rows', {
        as: 'editor',
        json: { rows: existing },
      });
      assert.equal(res.status, 201, res.text);
      assert.equal((await rows('patients')).length, 5);
      for (const table of ['donnees_cabinet', 'production', 'rendezvous', 'webhook_logs']) {
        assert.equal((await rows(table)).length, 0, table);
      }
    });

    it('imports 3 patients: rows with cabinetId, source and createdAt, an audit row, a success e-mail', async () => {
      advance(60_000);
      const mails = smtp.received.length;
      const answer = await sync(load('payloads/patients.json'));
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.deepEqual(answer.body, {
        success: true,
        type: 'patients',
        cabinetId: 'cab_1',
        recordsProcessed: 3,
        discardedCount: 0,
        message: '3 enregistrement(s) importé(s)',
        errors: [],
      });
      const [run] = await settle(1);
      assert.equal(run.status, 'succeeded', JSON.stringify(run.error));

      const now = server.clock.now().toISOString();
      const imported = (await rows('patients', 'filter[source]=n8n-import&sort=_id')).map((r) => ({
        nom: r.nom,
        prenom: r.prenom,
        email: r.email,
        telephone: r.telephone,
        cabinetId: r.cabinetId,
        createdAt: r.createdAt,
      }));
      assert.deepEqual(imported, [
        {
          nom: 'Dumitru',
          prenom: 'Marie',
          email: 'marie.dumitru@example.com',
          telephone: '06 12 34 56 78',
          cabinetId: 'cab_1',
          createdAt: now,
        },
        {
          nom: 'Rimbo',
          prenom: 'Juliette',
          email: 'juliette.rimbo@example.com',
          telephone: '+33 7 98 76 54 32',
          cabinetId: 'cab_1',
          createdAt: now,
        },
        {
          nom: 'Martin',
          prenom: 'Jean',
          email: 'jean.martin@example.com',
          telephone: '0145678901',
          cabinetId: 'cab_1',
          createdAt: now,
        },
      ]);
      assert.equal((await rows('patients')).length, 8, '5 + 3');

      const log = await lastLog();
      assert.deepEqual(
        {
          type: log.type,
          cabinetId: log.cabinetId,
          recordsProcessed: log.recordsProcessed,
          success: log.success,
          details: log.details,
          timestamp: log.timestamp,
        },
        {
          type: 'patients',
          cabinetId: 'cab_1',
          recordsProcessed: 3,
          success: true,
          details: { message: '3 enregistrement(s) importé(s)', step: '', discardedCount: 0, errors: [] },
          timestamp: now,
        },
      );

      const [mail, ...more] = mailsSince(mails);
      assert.equal(more.length, 0);
      assert.deepEqual(mail.to, [ADMIN]);
      assert.equal(mail.from, 'relais@efficience.fr');
      assert.equal(mail.subject, 'Import « Synchronisation patients (cab_1) » terminé : 3 lignes');
      assert.match(mail.html ?? '', /Lignes importées : <strong>3<\/strong>/);
      // 2026-01-01T00:01Z in the workflow's time zone (Europe/Paris).
      assert.match(mail.text ?? '', /01\/01\/2026 01:01/);
    });

    it('takes finances, production and appointments from three admins at once (seed §7)', async () => {
      advance(60_000);
      const mails = smtp.received.length;
      const answers = await Promise.all(
        ['finances', 'production', 'rendezvous'].map((name) => sync(load(`payloads/${name}.json`))),
      );
      assert.deepEqual(
        answers.map((a) => [a.status, a.body.type, a.body.recordsProcessed]),
        [
          [200, 'finances', 3],
          [200, 'production', 2],
          [200, 'rendezvous', 2],
        ],
      );
      const runs = await settle(3);
      assert.deepEqual(
        runs.map((r) => r.status),
        ['succeeded', 'succeeded', 'succeeded'],
      );

      // "finances" lands in donnees_cabinet; numbers sent as text are stored as numbers.
      const finances = await rows('donnees_cabinet', 'sort=periode');
      assert.deepEqual(
        finances.map((r) => [r.periode, r.chiffreAffaires, r.revenus, r.depenses, r.cabinetId, r.source]),
        [
          ['2026-01', 40000, 28000, 12000, 'cab_1', 'n8n-import'],
          ['2026-02', 45000, 31000, 14000, 'cab_1', 'n8n-import'],
          ['2026-03', 50000, 35500, 14500, 'cab_1', 'n8n-import'],
        ],
      );
      const average = finances.reduce((sum, r) => sum + (r.chiffreAffaires as number), 0) / finances.length;
      assert.equal(average, 45000, "the dashboard's « CA moyen : 45000 € »");
      assert.deepEqual(
        (await rows('production', 'sort=praticien')).map((r) => [r.praticien, r.periode, r.heures, r.actes]),
        [
          ['Dr Haddad', '2026-03', 120.5, 174],
          ['Dr Lefèvre', '2026-03', 140, 212],
        ],
      );
      assert.deepEqual(
        (await rows('rendezvous', 'sort=date')).map((r) => [r.patientNom, r.date, r.heure, r.type]),
        [
          ['Marie Dumitru', '2026-04-14T00:00:00.000Z', '14:30', 'détartrage'],
          ['Jean Martin', '2026-04-15T00:00:00.000Z', '09:00', 'contrôle'],
        ],
      );

      const logs = await rows('webhook_logs', 'filter[success]=true&sort=type');
      assert.deepEqual(
        logs.map((l) => [l.type, l.recordsProcessed]),
        [
          ['finances', 3],
          ['patients', 3],
          ['production', 2],
          ['rendezvous', 2],
        ],
      );
      assert.deepEqual(
        mailsSince(mails)
          .map((m) => m.subject)
          .sort(),
        [
          'Import « Synchronisation finances (cab_1) » terminé : 3 lignes',
          'Import « Synchronisation production (cab_1) » terminé : 2 lignes',
          'Import « Synchronisation rendezvous (cab_1) » terminé : 2 lignes',
        ],
      );
    });

    it('discards empty and malformed rows and imports the others, saying which were left out', async () => {
      advance(60_000);
      const mails = smtp.received.length;
      const answer = await sync(load('payloads/patients-mixed.json'));
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.equal(answer.body.recordsProcessed, 2);
      assert.equal(answer.body.discardedCount, 2);
      assert.equal(answer.body.message, '2 enregistrement(s) importé(s), 2 ligne(s) écartée(s)');
      assert.deepEqual(answer.body.errors, [
        { itemIndex: 1, field: 'nom', rule: 'required', message: '« nom » est obligatoire' },
        {
          itemIndex: 2,
          field: 'email',
          rule: 'email',
          message: '« email » : adresse e-mail valide attendue',
        },
      ]);
      assert.equal((await settle(1))[0].status, 'succeeded');

      const added = await rows('patients', 'filter[nom][in]=Bernard,Roux,Petit&sort=nom');
      assert.deepEqual(
        added.map((r) => r.nom),
        ['Bernard', 'Roux'],
      );
      assert.equal('notes' in added[1], false, 'a field the table does not have is left out');
      const log = await lastLog();
      assert.equal(log.recordsProcessed, 2);
      assert.equal(log.success, true);
      assert.deepEqual((log.details as Row).errors, answer.body.errors);
      assert.deepEqual(
        mailsSince(mails).map((m) => m.subject),
        ['Import « Synchronisation patients (cab_1) » terminé : 2 lignes'],
      );
    });

    it('inserts nothing and e-mails the error when no row is valid', async () => {
      advance(60_000);
      const mails = smtp.received.length;
      const before = (await rows('donnees_cabinet')).length;
      const answer = await sync(load('payloads/finances-invalid.json'));
      assert.equal(answer.status, 422, JSON.stringify(answer.body));
      assert.equal(answer.body.success, false);
      assert.equal(answer.body.recordsProcessed, 0);
      assert.equal(answer.body.discardedCount, 3);
      assert.deepEqual(
        answer.body.errors.map((e: Row) => [e.itemIndex, e.field, e.rule]),
        [
          [0, 'periode', 'date'],
          [1, 'chiffreAffaires', 'type'],
          [2, 'depenses', 'required'],
        ],
      );
      assert.equal((await settle(1))[0].status, 'succeeded', 'the workflow handled it');
      assert.equal((await rows('donnees_cabinet')).length, before);

      const log = await lastLog();
      assert.equal(log.type, 'finances');
      assert.equal(log.success, false);
      assert.equal(log.recordsProcessed, 0);
      assert.equal((log.details as Row).step, 'Valider les données');

      const [mail, ...more] = mailsSince(mails);
      assert.equal(more.length, 0);
      assert.deepEqual(mail.to, [ADMIN]);
      assert.equal(mail.subject, "Échec de l'import « Synchronisation finances (cab_1) »");
      assert.match(mail.text ?? '', /Aucune ligne valide, 3 ligne\(s\) écartée\(s\)/);
      assert.match(mail.text ?? '', /ligne 1, « periode » : mois au format AAAA-MM attendu/);
      assert.match(mail.text ?? '', /ligne 3, « depenses » : nombre positif attendu/);
      assert.match(mail.text ?? '', /étape « Valider les données »/);
    });

    it('refuses a malformed request (unknown type, no data) with 400, logged and e-mailed', async () => {
      advance(60_000);
      const mails = smtp.received.length;
      const unknown = await sync(load('payloads/unknown-type.json'));
      assert.equal(unknown.status, 400, JSON.stringify(unknown.body));
      assert.equal(unknown.body.success, false);
      assert.match(unknown.body.message, /^Requête invalide : « type » doit être patients, finances/);
      const empty = await sync({ type: 'patients', cabinetId: 'cab_1', data: [] });
      assert.equal(empty.status, 400);
      assert.match(empty.body.message, /« data » doit être une liste de 1 à 10 000 enregistrements/);
      const noCabinet = await sync({ type: 'patients', data: [{ nom: 'X' }] });
      assert.equal(noCabinet.status, 400);
      assert.match(noCabinet.body.message, /« cabinetId » est obligatoire/);
      const runs = await settle(3);
      assert.deepEqual(
        runs.map((r) => r.status),
        ['succeeded', 'succeeded', 'succeeded'],
      );

      // Each run answers 400 before it writes its log row, so the three rows may land in any order.
      const logs = await rows('webhook_logs', 'filter[success]=false&sort=-_id&limit=3');
      assert.deepEqual(logs.map((l) => [l.type, l.cabinetId, (l.details as Row).step]).sort(), [
        ['factures', 'cab_1', 'Vérifier la requête'],
        ['patients', '', 'Vérifier la requête'],
        ['patients', 'cab_1', 'Vérifier la requête'],
      ]);
      const subjects = mailsSince(mails).map((m) => m.subject);
      assert.equal(subjects.length, 3);
      assert.ok(subjects.includes("Échec de l'import « Synchronisation factures (cab_1) »"), subjects.join());
    });

    it('answers 401 without the Bearer token and 403 with a wrong one, and does nothing', async () => {
      const mails = smtp.received.length;
      const logs = (await rows('webhook_logs')).length;
      const payload = load('payloads/patients.json');
      const missing = await sync(payload, null);
      assert.equal(missing.status, 401);
      for (const authorization of [
        'Bearer wrong-token',
        TOKEN,
        `Basic ${Buffer.from(TOKEN).toString('base64')}`,
      ]) {
        assert.equal((await sync(payload, authorization)).status, 403, authorization);
      }
      const res = await server.request('GET', `/api/automation-runs?automationId=${automationId}&limit=200`, {
        as: 'viewer',
      });
      assert.equal(res.body.items.length, runsSeen, 'no run was started');
      assert.equal((await rows('webhook_logs')).length, logs);
      assert.equal((await rows('patients')).length, 10);
      assert.equal(smtp.received.length, mails);
    });

    it('logs and e-mails a failed insert, and writes none of its rows (all or nothing)', async () => {
      advance(60_000);
      // Someone removed a column the import writes: the insert is refused as a whole.
      const altered = await server.request('PATCH', '/api/tables/production', {
        as: 'admin',
        json: { actions: [{ action: 'dropColumn', name: 'actes' }] },
      });
      assert.equal(altered.status, 200, altered.text);
      const mails = smtp.received.length;
      const logs = (await rows('webhook_logs')).length;
      const answer = await sync(load('payloads/production.json'));
      assert.equal(answer.status, 500, JSON.stringify(answer.body));
      assert.equal(answer.body.success, false);
      assert.match(answer.body.message, /^Insertion impossible dans la table production : .*actes/);
      assert.equal((await settle(1))[0].status, 'succeeded');
      assert.equal((await rows('production')).length, 2, 'still the two rows of the first import');

      assert.equal(
        (await rows('webhook_logs')).length,
        logs + 1,
        'one audit row for the batch, not one per row',
      );
      const log = await lastLog();
      assert.deepEqual([log.type, log.success, log.recordsProcessed], ['production', false, 0]);
      assert.equal((log.details as Row).step, 'Insérer');
      const [mail, ...more] = mailsSince(mails);
      assert.equal(more.length, 0);
      assert.equal(mail.subject, "Échec de l'import « Synchronisation production (cab_1) »");
      assert.match(mail.text ?? '', /Insertion impossible dans la table production/);
    });

    it("serves the dashboard's recent imports: newest first, per practice, only what is new", async () => {
      // Another practice's import does not show in cab_1's banner.
      advance(60_000);
      const other = await sync({ ...load('payloads/rendezvous.json'), cabinetId: 'cab_2' });
      assert.equal(other.status, 200);
      await settle(1);
      // Two more appointment syncs: eleven for cab_1 in all, one more than a poll takes.
      for (let i = 0; i < 2; i++) {
        advance(60_000);
        assert.equal((await sync(load('payloads/rendezvous.json'))).status, 200);
      }
      await settle(2);

      const recent = (since?: string) =>
        rows(
          'webhook_logs',
          `filter[cabinetId]=cab_1&sort=-timestamp&limit=10${since ? `&filter[timestamp][gt]=${since}` : ''}`,
        );
      const first = await recent();
      assert.equal(first.length, 10, 'the ten newest of cab_1');
      assert.deepEqual(
        first.slice(0, 3).map((l) => [l.type, l.success]),
        [
          ['rendezvous', true],
          ['rendezvous', true],
          ['production', false],
        ],
      );
      const times = first.map((l) => Date.parse(l.timestamp as string));
      assert.deepEqual(
        times,
        [...times].sort((x, y) => y - x),
      );
      assert.ok(first.every((l) => l.cabinetId === 'cab_1'));
      const total = await rows('webhook_logs', 'filter[cabinetId]=cab_1');
      assert.equal(total.length, 11, 'eleven cab_1 syncs so far; the poll took the ten newest');

      // The next poll asks for what came after the newest it has: nothing, then the new import.
      const newest = first[0].timestamp as string;
      assert.deepEqual(await recent(newest), []);
      advance(10_000);
      assert.equal((await sync(load('payloads/rendezvous.json'))).status, 200);
      await settle(1);
      const fresh = await recent(newest);
      assert.deepEqual(
        fresh.map((l) => [l.type, l.recordsProcessed, l.success]),
        [['rendezvous', 2, true]],
      );

      // The dashboard's key reads; it cannot write.
      const write = await server.request('POST', '/api/tables/webhook_logs/rows', {
        as: { key: dashboardKey },
        json: { rows: [{ type: 'patients' }] },
      });
      assert.equal(write.status, 403);
    });
  });
}
