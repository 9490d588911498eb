/**
 * The CRM → Relais action dispatcher of seeds/003 ("Payload Action Enrichi"), end to end: a real
 * Relais (SQLite) set up through its HTTP API exactly as the README does (credentials, tables,
 * the eight workflow files of this folder), a real SMTP server, and a node:http stand-in of the
 * CRM ABJ that checks its API key and records what Relais sends (status updates, notifications)
 * and serves the entities legacy payloads do not carry. The timestamp window runs on the
 * server's ManualClock.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type ReceivedMail, startSmtp, type TestSmtp } from '../../src/email/test-smtp.js';
import { ManualClock } from '../../src/engine/clock.js';
import { extractPdfText } from '../../src/pdf/extract-text.js';
import { startTestServer, type TestResponse, type TestServer } from '../../src/testing/server.js';

const DIR = dirname(fileURLToPath(import.meta.url));
// biome-ignore lint/suspicious/noExplicitAny: the example's JSON files are read as they are.
const load = (file: string): any => JSON.parse(readFileSync(join(DIR, file), 'utf8'));

const WEBHOOK_KEY = 'cle-webhook-crm-abj-0123456789';
const CRM_KEY = 'cle-api-crm-abj-9876543210';
const SUBWORKFLOWS = [
  'marjorie-candidat-relance',
  'marjorie-prospect-relance',
  'marjorie-documents-generation',
  'marjorie-validation',
  'marjorie-planning',
  'marjorie-communication',
  'log-erreur',
];

type Json = Record<string, unknown>;

interface CrmCall {
  method: string;
  path: string;
  apiKey: string | undefined;
  // biome-ignore lint/suspicious/noExplicitAny: recorded request bodies of any shape.
  body: any;
}

/** The CRM ABJ's API as Relais sees it: entities by type and id, status updates, notifications. */
interface FakeCrm {
  url: string;
  calls: CrmCall[];
  entities: Map<string, Json>;
  /** Notifications answered 503 before one is accepted. */
  failNotifications: number;
  notifications(): CrmCall[];
  close(): Promise<void>;
}

async function startCrm(): Promise<FakeCrm> {
  const calls: CrmCall[] = [];
  const entities = new Map<string, Json>();
  const crm = { failNotifications: 0 } as FakeCrm;
  const read = async (req: IncomingMessage): Promise<unknown> => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    return text === '' ? undefined : JSON.parse(text);
  };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const call: CrmCall = {
        method: req.method ?? '',
        path: req.url ?? '',
        apiKey: req.headers['x-api-key'] as string | undefined,
        body: await read(req),
      };
      calls.push(call);
      const answer = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (call.apiKey !== CRM_KEY) return answer(401, { error: 'clé API invalide' });
      if (call.method === 'GET') {
        if (call.path.endsWith('/PANNE01')) return answer(500, { error: 'base de données indisponible' });
        const entity = entities.get(call.path);
        return entity ? answer(200, entity) : answer(404, { error: 'introuvable' });
      }
      if (call.method === 'POST' && call.path === '/api/relais/notifications') {
        if (crm.failNotifications > 0) {
          crm.failNotifications--;
          return answer(503, { error: 'maintenance' });
        }
        return answer(200, { recu: true });
      }
      if (call.method === 'PATCH' && /^\/api\/[a-z]+s\/[A-Za-z0-9_-]+$/.test(call.path))
        return answer(200, { ok: true });
      return answer(404, { error: 'route inconnue' });
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(crm, {
    url: `http://127.0.0.1:${port}`,
    calls,
    entities,
    notifications: () => calls.filter((c) => c.path === '/api/relais/notifications' && c.method === 'POST'),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

function expect(res: TestResponse, status: number): void {
  assert.equal(res.status, status, `${res.status}: ${res.text}`);
}

/** What the README does, through the API: credentials, tables, sub-workflows, the active dispatcher. */
async function setUp(server: TestServer, crm: FakeCrm, smtp: TestSmtp): Promise<string> {
  const credentials = [
    { type: 'httpHeaderAuth', name: 'Clé webhook CRM ABJ', data: { name: 'X-API-Key', value: WEBHOOK_KEY } },
    { type: 'httpHeaderAuth', name: 'API CRM ABJ', data: { name: 'X-API-Key', value: CRM_KEY } },
    { type: 'smtp', name: 'SMTP ABJ', data: smtp.credential() },
  ];
  for (const json of credentials)
    expect(await server.request('POST', '/api/credentials', { as: 'admin', json }), 201);
  for (const table of load('tables.json')) {
    expect(await server.request('POST', '/api/tables', { as: 'editor', json: table }), 201);
  }
  const rows = load('documents-candidats.json');
  expect(
    await server.request('POST', '/api/tables/documents_candidats/rows', { as: 'editor', json: rows }),
    201,
  );
  for (const name of SUBWORKFLOWS) {
    const doc = load(`${name}.workflow.json`);
    expect(await server.request('POST', '/api/automations', { as: 'editor', json: doc }), 201);
  }
  // The README's one edit: the CRM's address in the dispatcher's "Paramètres" node.
  const text = readFileSync(join(DIR, 'crm-dispatch.workflow.json'), 'utf8');
  assert.ok(text.includes('http://127.0.0.1:4000'));
  const created = await server.request('POST', '/api/automations', {
    as: 'editor',
    json: JSON.parse(text.replaceAll('http://127.0.0.1:4000', crm.url)),
  });
  expect(created, 201);
  const toggled = await server.request('PATCH', `/api/automations/${created.body.id}/toggle`, {
    as: 'editor',
    json: { isActive: true },
  });
  expect(toggled, 200);
  return created.body.id as string;
}

describe('crm-dispatch example (seeds/003)', () => {
  let server: TestServer;
  let crm: FakeCrm;
  let smtp: TestSmtp;
  let dispatcherId: string;
  const clock = new ManualClock('2026-02-19T10:30:00.000Z');

  before(async () => {
    server = await startTestServer({ clock });
    crm = await startCrm();
    smtp = await startSmtp({ refuse: { 'rebond@example.com': 550 } });
    crm.entities.set('/api/candidats/DUMI15091992', {
      nom: 'Dumitru',
      prenom: 'Marie',
      email: 'marie.dumitru@example.com',
      statutDossier: 'DOSSIER_INCOMPLET',
      formation: 'CAP Bijouterie-Joaillerie',
    });
    dispatcherId = await setUp(server, crm, smtp);
  });
  after(async () => {
    await server?.stop();
    await crm?.close();
    await smtp?.close();
  });
  beforeEach(() => {
    crm.calls.length = 0;
    smtp.received.length = 0;
  });

  /** The CRM's call: a payload file with a fresh timestamp (the server's clock), changes merged over it. */
  async function send(
    file: string,
    changes: Json = {},
    headers: Record<string, string> = { 'X-API-Key': WEBHOOK_KEY },
  ): Promise<TestResponse> {
    const payload = { ...load(`payloads/${file}`), timestamp: clock.now().toISOString(), ...changes };
    return server.request('POST', '/webhook/crm-action', { json: payload, headers });
  }

  /** Polls the run through the API until it ends or pauses (bounded: ~4 s). */
  // biome-ignore lint/suspicious/noExplicitAny: the API's run reply.
  async function settled(runId: string): Promise<any> {
    for (let i = 0; i < 400; i++) {
      const res = await server.request('GET', `/api/automation-runs/${runId}`, { as: 'viewer' });
      expect(res, 200);
      if (['succeeded', 'failed', 'canceled', 'waiting'].includes(res.body.status)) return res.body;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`run ${runId} did not settle`);
  }

  /** Sends an accepted action and returns its finished run and the one notification the CRM got. */
  async function dispatch(file: string, changes: Json = {}) {
    const res = await send(file, changes);
    expect(res, 202);
    assert.equal(res.body.ok, true);
    assert.equal(res.body.statut, 'acceptee');
    const run = await settled(res.body.runId);
    assert.equal(run.status, 'succeeded', JSON.stringify(run.error));
    const notifications = crm.notifications();
    assert.equal(notifications.length, 1, JSON.stringify(crm.calls));
    assert.equal(notifications[0].apiKey, CRM_KEY);
    assert.equal(notifications[0].body.runId, run.id);
    return { reply: res.body, run, notification: notifications[0].body };
  }

  const routeOf = (run: { executionLog: { nodeName: string; status: string }[] }) =>
    run.executionLog
      .filter((s) => s.nodeName !== 'Dispatcher' && s.status === 'succeeded')
      .map((s) => s.nodeName);

  async function rows(table: string, query = ''): Promise<Json[]> {
    const res = await server.request('GET', `/api/tables/${table}/rows?sort=_id${query}`, { as: 'viewer' });
    expect(res, 200);
    return res.body.items;
  }

  const mailTo = (address: string): ReceivedMail => {
    const found = smtp.received.filter((m) => m.to.includes(address));
    assert.equal(found.length, 1, `mails to ${address}: ${smtp.received.map((m) => m.to).join(' | ')}`);
    return found[0];
  };

  it('example 1: RELANCE_CANDIDAT_EMAIL → personalised e-mail listing the missing documents → CRM notified', async () => {
    const { reply, run, notification } = await dispatch('relance-candidat-email.json');
    assert.equal(reply.actionType, 'RELANCE_CANDIDAT_EMAIL');
    assert.equal(reply.format, 'enrichi');
    assert.ok(routeOf(run).includes('Relance candidat'));
    // The webhook's secret never reaches the run history.
    assert.equal(run.triggerData[0].json.headers['x-api-key'], '[redacted]');

    const mail = mailTo('marie.dumitru@example.com');
    assert.match(mail.from, /marjorie@abj-formation\.example/);
    assert.equal(mail.subject, 'Documents manquants pour votre dossier - CAP Bijouterie-Joaillerie');
    assert.match(mail.text ?? '', /^Bonjour Marie,/);
    assert.match(mail.text ?? '', /depuis 15 jours/);
    assert.match(mail.text ?? '', / {2}- Carte d'identité \(verso\)\n {2}- Lettre de motivation\n/);
    // The team's comment is internal: not in the candidate's e-mail.
    assert.doesNotMatch(mail.text ?? '', /CNI manquants/);
    assert.match(mail.html ?? '', /^<p>Bonjour Marie,<\/p>\n/);
    assert.match(
      mail.html ?? '',
      /<ul><li>Carte d'identité \(verso\)<\/li>\n<li>Lettre de motivation<\/li><\/ul>/,
    );

    assert.deepEqual(
      { ...notification, traiteLe: undefined },
      {
        source: 'relais',
        runId: run.id,
        notificationId: 42,
        actionType: 'RELANCE_CANDIDAT_EMAIL',
        entiteType: 'candidat',
        entiteId: 'DUMI15091992',
        decidePar: 1,
        statut: 'traitee',
        message: 'Relance envoyée à Marie Dumitru',
        traiteLe: undefined,
      },
    );
    assert.equal(notification.traiteLe.slice(0, 10), clock.now().toISOString().slice(0, 10));
  });

  it('example 2: GENERER_DEVIS → PDF quote mailed as an attachment, dossier set to DEVIS_ENVOYE', async () => {
    const { notification } = await dispatch('generer-devis.json');
    const mail = mailTo('juliette.rimbo@example.com');
    assert.equal(mail.subject, 'Devis de formation - CAP ATBJ');
    assert.equal(mail.attachments.length, 1);
    const [pdf] = mail.attachments;
    assert.equal(pdf.filename, 'Devis-JURI102025.pdf');
    assert.equal(pdf.contentType, 'application/pdf');
    assert.equal(pdf.content.subarray(0, 5).toString('latin1'), '%PDF-');
    const text = extractPdfText(pdf.content).join(' ');
    for (const expected of [
      'Devis de formation',
      'Juliette Rimbo',
      'CAP ATBJ',
      'Septembre 2026',
      'Reste à charge',
    ]) {
      assert.ok(text.includes(expected), `${expected} not in ${text}`);
    }
    assert.match(text, /8\s?500,00\s?€/);
    assert.match(text, /500,00\s?€/);
    const reference = `DEV-JURI102025-${clock.now().toISOString().slice(0, 10).replaceAll('-', '')}`;
    assert.match(mail.text ?? '', new RegExp(`référence ${reference}`));

    const updates = crm.calls.filter((c) => c.method === 'PATCH');
    assert.deepEqual(
      updates.map((c) => [c.path, c.apiKey, c.body]),
      [['/api/candidats/JURI102025', CRM_KEY, { statutDossier: 'DEVIS_ENVOYE', reference }]],
    );
    assert.equal(notification.statut, 'traitee');
    assert.equal(notification.message, 'Devis généré et envoyé à Juliette Rimbo');
  });

  it('example 3: VALIDER_DOCUMENT → document VALIDE, dossier checked, DOSSIER_COMPLET once all are valid', async () => {
    // The letter first: the CV is still pending, so the dossier is not complete yet.
    const first = await dispatch('valider-document.json', {
      entiteId: '43',
      entiteData: { typeDocument: 'LETTRE_MOTIVATION', candidatNom: 'Dumitru', candidatPrenom: 'Marie' },
      commentaire: 'Lettre claire',
    });
    assert.equal(
      first.notification.message,
      'Document LETTRE_MOTIVATION validé pour Marie Dumitru ; pièces obligatoires encore attendues : CV',
    );
    assert.equal(crm.calls.filter((c) => c.method === 'PATCH').length, 0);

    crm.calls.length = 0;
    const second = await dispatch('valider-document.json');
    assert.equal(second.notification.message, 'Dossier Marie Dumitru complet et prêt pour jury');
    const updates = crm.calls.filter((c) => c.method === 'PATCH');
    assert.deepEqual(
      updates.map((c) => [c.path, c.body]),
      [['/api/candidats/DUMI15091992', { statutDossier: 'DOSSIER_COMPLET' }]],
    );
    const docs = await rows('documents_candidats');
    assert.deepEqual(
      docs.map((d) => [d.documentId, d.statut, d.commentaire, d.decidePar]),
      [
        ['41', 'VALIDE', null, null],
        ['42', 'VALIDE', 'CV conforme, profil artistique pertinent', 1],
        ['43', 'VALIDE', 'Lettre claire', 1],
        ['44', 'EN_ATTENTE', null, null],
      ],
    );
    // Written by the validation sub-workflow's run, not through the API.
    assert.notEqual(docs[1]._run_id, null);
  });

  it('an unknown document fails the validation sub-workflow and the CRM is told so', async () => {
    const { notification } = await dispatch('valider-document.json', { entiteId: '99' });
    assert.equal(notification.statut, 'erreur');
    assert.match(notification.message, /^Échec du traitement : Sub-workflow 'marjorie-validation' failed/);
    assert.match(notification.message, /Document 99 inconnu/);
    const failed = await server.request('GET', '/api/automation-runs?mode=subworkflow&status=failed', {
      as: 'viewer',
    });
    expect(failed, 200);
    assert.ok(failed.body.items.length >= 1);
  });

  it('a legacy payload (typeAction, resultat) is normalised and its candidate read from the CRM', async () => {
    const { reply, notification } = await dispatch('ancien-format.json');
    assert.equal(reply.format, 'ancien');
    assert.equal(reply.actionType, 'RELANCE_CANDIDAT_EMAIL');
    const lookups = crm.calls.filter((c) => c.method === 'GET');
    assert.deepEqual(
      lookups.map((c) => [c.path, c.apiKey]),
      [['/api/candidats/DUMI15091992', CRM_KEY]],
    );
    const mail = mailTo('marie.dumitru@example.com');
    assert.match(mail.text ?? '', / {2}- Carte d'identité \(verso\)\n/);
    assert.equal(notification.actionType, 'RELANCE_CANDIDAT_EMAIL');
    assert.equal(notification.decidePar, 1);
    assert.equal(notification.notificationId, 45);
    assert.equal(notification.message, 'Relance envoyée à Marie Dumitru');
  });

  it('a legacy payload whose entity the CRM does not know is refused with 422', async () => {
    const res = await send('ancien-format.json', {
      metadata: { entiteType: 'candidat', entiteId: 'INCONNU01' },
    });
    expect(res, 422);
    assert.deepEqual(res.body, {
      ok: false,
      error: { code: 'ENTITE_INTROUVABLE', message: 'Le CRM ne connaît pas candidat INCONNU01' },
    });
    assert.equal(crm.notifications().length, 0);
    assert.equal(smtp.received.length, 0);
  });

  it('a legacy payload while the CRM fails to answer the lookup: 502 CRM_INJOIGNABLE', async () => {
    const res = await send('ancien-format.json', {
      metadata: { entiteType: 'candidat', entiteId: 'PANNE01' },
    });
    expect(res, 502);
    assert.equal(res.body.error.code, 'CRM_INJOIGNABLE');
    assert.match(res.body.error.message, /Impossible de lire candidat PANNE01 dans le CRM \(HTTP 500\)/);
    assert.equal(crm.notifications().length, 0);
  });

  it('RELANCE_PROSPECT_TELEPHONE → a call task for the team', async () => {
    const { run, notification } = await dispatch('relance-prospect-telephone.json');
    assert.ok(routeOf(run).includes('Relance prospect'));
    const tasks = await rows('taches', '&filter[entiteId]=PROS-0193');
    assert.equal(tasks.length, 1);
    assert.deepEqual(
      {
        type: tasks[0].type,
        contact: tasks[0].contact,
        telephone: tasks[0].telephone,
        motif: tasks[0].motif,
        demandePar: tasks[0].demandePar,
        statut: tasks[0].statut,
      },
      {
        type: 'appel',
        contact: 'Lucas Moreau',
        telephone: '0698765432',
        motif: 'A demandé à être rappelé après 18 h',
        demandePar: 2,
        statut: 'A_FAIRE',
      },
    );
    assert.equal(smtp.received.length, 0);
    assert.equal(notification.message, 'Appel à faire ajouté pour Lucas Moreau (0698765432)');
  });

  it('PLANIFIER_ENTRETIEN → convocation with the date in Paris time', async () => {
    const { notification } = await dispatch('planifier-entretien.json');
    const mail = mailTo('juliette.rimbo@example.com');
    assert.match(mail.subject, /dimanche 15 mars 2026 à 11h00/);
    assert.match(mail.text ?? '', / {2}dimanche 15 mars 2026 à 11h00 - Atelier 2, École ABJ/);
    assert.equal(
      notification.message,
      'Entretien du dimanche 15 mars 2026 à 11h00 planifié avec Juliette Rimbo',
    );
  });

  it('DEMANDER_DOCUMENTS → e-mail asking for the documents (HTML escaped)', async () => {
    const { notification } = await dispatch('demander-documents.json', {
      commentaire: 'Scan <b>lisible</b> & net',
    });
    const mail = mailTo('marie.dumitru@example.com');
    assert.match(mail.text ?? '', /Précision : Scan <b>lisible<\/b> & net/);
    assert.match(mail.html ?? '', /<p>Précision : Scan &lt;b&gt;lisible&lt;\/b&gt; &amp; net<\/p>/);
    assert.match(
      mail.html ?? '',
      /<ul><li>Carte d'identité \(verso\)<\/li><li>Justificatif de domicile<\/li><\/ul>/,
    );
    assert.match(mail.text ?? '', / {2}- Carte d'identité \(verso\)\n {2}- Justificatif de domicile\n/);
    assert.match(mail.text ?? '', /Date limite : 2026-03-01/);
    assert.equal(
      notification.message,
      "Demande de documents (Carte d'identité (verso), Justificatif de domicile) envoyée à Marie Dumitru",
    );
  });

  it('a catalogued action without a route (ENVOYER_DEVIS) goes to log-erreur', async () => {
    const { run, notification } = await dispatch('envoyer-devis.json');
    assert.ok(routeOf(run).includes('Journal des erreurs'));
    assert.equal(notification.statut, 'non_traitee');
    assert.match(notification.message, /^Action ENVOYER_DEVIS reçue mais sans workflow associé/);
    const logged = await rows('actions_non_traitees');
    assert.equal(logged.length, 1);
    assert.equal(logged[0].actionType, 'ENVOYER_DEVIS');
    assert.equal(logged[0].entiteId, 'JURI102025');
    assert.equal(logged[0].notificationId, 49);
    assert.deepEqual(logged[0].payload, { decisionType: 'renvoi_devis', commentaire: '', metadonnees: {} });
    assert.equal(logged[0].recuLe, clock.now().toISOString());
  });

  it('an e-mail the SMTP server refuses: the CRM is notified of the failure', async () => {
    const { notification } = await dispatch('relance-candidat-email.json', {
      entiteData: { nom: 'Rebond', prenom: 'Rémi', email: 'rebond@example.com' },
    });
    assert.equal(notification.statut, 'erreur');
    assert.match(
      notification.message,
      /Sub-workflow 'marjorie-candidat-relance' failed at node 'Envoyer la relance'/,
    );
  });

  it('a CRM down for the notification: retried on the run clock until it answers', async () => {
    crm.failNotifications = 1;
    const res = await send('demander-documents.json');
    expect(res, 202);
    const waiting = await settled(res.body.runId);
    assert.equal(waiting.status, 'waiting', JSON.stringify(waiting.error));
    assert.equal(crm.notifications().length, 1);
    clock.advance(30_000);
    await server.runtime.timerLoop.tick();
    const run = await settled(res.body.runId);
    assert.equal(run.status, 'succeeded', JSON.stringify(run.error));
    assert.equal(crm.notifications().length, 2);
    assert.equal(smtp.received.length, 1, 'the e-mail is not sent twice');
  });

  describe('refused calls answer the CRM with a 4xx JSON error and start nothing', () => {
    async function refused(res: TestResponse, status: number, code: string): Promise<void> {
      expect(res, status);
      assert.equal(res.body.ok, false);
      assert.equal(res.body.error.code, code);
      assert.equal(typeof res.body.error.message, 'string');
      assert.equal(crm.calls.length, 0);
      assert.equal(smtp.received.length, 0);
    }

    it('without or with a wrong X-API-Key (the webhook itself, no run)', async () => {
      const before = await server.request('GET', `/api/automations/${dispatcherId}/runs?limit=200`, {
        as: 'viewer',
      });
      const none = await send('relance-candidat-email.json', {}, {});
      expect(none, 401);
      assert.equal(none.body.error.code, 'unauthorized');
      const wrong = await send('relance-candidat-email.json', {}, { 'X-API-Key': 'devine' });
      expect(wrong, 403);
      assert.equal(wrong.body.error.code, 'forbidden');
      const afterwards = await server.request('GET', `/api/automations/${dispatcherId}/runs?limit=200`, {
        as: 'viewer',
      });
      assert.equal(afterwards.body.items.length, before.body.items.length);
    });

    it('a source other than crm-abj: 403, and the run is recorded as failed', async () => {
      const res = await send('relance-candidat-email.json', { source: 'crm-pirate' });
      await refused(res, 403, 'SOURCE_INVALIDE');
      const runs = await server.request(
        'GET',
        `/api/automation-runs?automationId=${dispatcherId}&status=failed`,
        {
          as: 'viewer',
        },
      );
      assert.ok(
        runs.body.items.some((r: { error?: { message: string } }) =>
          /^Action CRM refusée \(SOURCE_INVALIDE\)/.test(r.error?.message ?? ''),
        ),
      );
    });

    it('a timestamp older than 5 minutes by the run clock: 403; 4 min 59 s is still accepted', async () => {
      const sentAt = clock.now().toISOString();
      clock.advance(301_000);
      await refused(
        await send('relance-candidat-email.json', { timestamp: sentAt }),
        403,
        'TIMESTAMP_EXPIRE',
      );
      const justInTime = new Date(clock.now().getTime() - 299_000).toISOString();
      const { notification } = await dispatch('relance-candidat-email.json', { timestamp: justInTime });
      assert.equal(notification.statut, 'traitee');
      // From the future beyond the window too (a CRM clock far ahead).
      crm.calls.length = 0;
      smtp.received.length = 0;
      const ahead = new Date(clock.now().getTime() + 600_000).toISOString();
      await refused(await send('relance-candidat-email.json', { timestamp: ahead }), 403, 'TIMESTAMP_EXPIRE');
    });

    it('malformed fields: 400; an action outside the catalogue: 422', async () => {
      await refused(
        await send('relance-candidat-email.json', { timestamp: 'hier' }),
        400,
        'TIMESTAMP_INVALIDE',
      );
      await refused(await send('relance-candidat-email.json', { actionType: '' }), 400, 'ACTION_MANQUANTE');
      await refused(
        await send('relance-candidat-email.json', { actionType: 'SUPPRIMER_TOUT' }),
        422,
        'ACTION_INCONNUE',
      );
      await refused(
        await send('relance-candidat-email.json', { entiteType: 'client' }),
        400,
        'ENTITE_INVALIDE',
      );
      await refused(
        await send('relance-candidat-email.json', { entiteId: '../admin' }),
        400,
        'ENTITE_INVALIDE',
      );
      const legacyUnknown = await send('ancien-format.json', { resultat: 'autre_chose' });
      await refused(legacyUnknown, 422, 'ACTION_INCONNUE');
      assert.match(legacyUnknown.body.error.message, /"RELANCER" n'est pas dans le catalogue/);
      const array = await server.request('POST', '/webhook/crm-action', {
        json: [1, 2],
        headers: { 'X-API-Key': WEBHOOK_KEY },
      });
      await refused(array, 400, 'PAYLOAD_INVALIDE');
    });

    it('a body that is not JSON: 400 from the webhook, no run', async () => {
      const res = await server.request('POST', '/webhook/crm-action', {
        body: '{"actionType": ',
        headers: { 'X-API-Key': WEBHOOK_KEY, 'content-type': 'application/json' },
      });
      expect(res, 400);
      assert.equal(crm.calls.length, 0);
    });
  });
});
