/**
 * The lead-enrichment example end to end: a real Relais (startTestServer) set up through the HTTP
 * API exactly as README.md does it (credentials, tables, rows, the two workflows of this folder),
 * real loopback stand-ins of PVGIS, INPN and the backend's substation table, and the backend's
 * side played by fetch calls on the webhooks. Retry back-offs are timers: the test moves the
 * ManualClock and ticks the timer loop.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ManualClock } from '../../src/engine/clock.js';
import { extractPdfText } from '../../src/pdf/extract-text.js';
import { startTestServer, type TestServer, testDatabases } from '../../src/testing/server.js';
import { until } from '../../src/testing/until.js';
import { inpn, postes, pvgis, type StandIn } from './stand-ins.js';

const here = new URL('.', import.meta.url).pathname;
const load = async (file: string) => JSON.parse(await readFile(join(here, file), 'utf8'));

const BACKEND_KEY = 'lfs-backend-key-0123456789';
const API_TOKEN = 'lfs-api-token-abcdef';
/** The retry back-off of the three HTTP nodes in enrich-lead.workflow.json. */
const RETRY_DELAY_MS = 2000;

interface Reply {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: the test reads the workflow's JSON answers.
  body: any;
  bytes: Buffer;
}

async function call(server: TestServer, method: string, path: string, json?: unknown, key = BACKEND_KEY) {
  const headers: Record<string, string> = {};
  if (key) headers['x-relais-key'] = key;
  if (json !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers,
    body: json === undefined ? undefined : JSON.stringify(json),
  });
  const bytes = Buffer.from(await res.arrayBuffer());
  const type = res.headers.get('content-type') ?? '';
  const body =
    type.includes('json') && bytes.length > 0 ? JSON.parse(bytes.toString('utf8')) : bytes.toString('utf8');
  return { status: res.status, headers: res.headers, body, bytes } satisfies Reply;
}

async function api(
  server: TestServer,
  method: string,
  path: string,
  json?: unknown,
  as: 'admin' | 'editor' = 'editor',
) {
  const res = await server.request(method, path, { as, json });
  assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${res.text}`);
  return res.body;
}

async function rows(server: TestServer, table: string, query = '') {
  return (await api(server, 'GET', `/api/tables/${table}/rows?limit=100${query}`)).items as Record<
    string,
    unknown
  >[];
}

/** The workflow's runs (the ManualClock gives many the same creation time: find new ones by id). */
async function runsOf(server: TestServer, workflowId: string) {
  return server.runtime.store.db
    .selectFrom('runs')
    .select(['id', 'status'])
    .where('workflow_id', '=', workflowId)
    .execute();
}

/** The id of the run started after `known` was listed. */
async function newRun(server: TestServer, workflowId: string, known: { id: string }[]): Promise<string> {
  const seen = new Set(known.map((r) => r.id));
  let id: string | undefined;
  await until('the new run', async () => {
    id = (await runsOf(server, workflowId)).find((r) => !seen.has(r.id))?.id;
    return id !== undefined;
  });
  return id as string;
}

/** The answer comes from Respond to Webhook: the run writes its end just after it. */
async function ended(server: TestServer, runId: string, status: string): Promise<void> {
  let last: string | undefined;
  await until(`run ${runId} ${status}`, async () => {
    last = (await server.runtime.store.runs.getRun(runId))?.status;
    return last !== 'running' && last !== 'queued';
  });
  assert.equal(last, status);
}

async function settle(times = 3): Promise<void> {
  for (let i = 0; i < times; i++) await new Promise((r) => setImmediate(r));
}

/** The run's pending timer rows (a retry back-off is one). */
async function timersOf(server: TestServer, runId: string) {
  return server.runtime.store.db.selectFrom('timers').select(['id']).where('run_id', '=', runId).execute();
}

/**
 * Lets a run that waits on a retry back-off go on: waits until it waits with a timer, moves the
 * clock by the back-off and ticks the timer loop until that timer is done. The timer's handler
 * drives the run to its next pause or its end before the timer row goes, so afterwards the run
 * has made its next try.
 */
async function releaseRetry(server: TestServer, runId: string): Promise<void> {
  let timer: string | undefined;
  await until(`run ${runId} to wait with a timer`, async () => {
    const run = await server.runtime.store.runs.getRun(runId);
    timer = (await timersOf(server, runId))[0]?.id;
    return run?.status === 'waiting' && timer !== undefined;
  });
  (server.clock as ManualClock).advance(RETRY_DELAY_MS);
  await until(`timer ${timer} to fire`, async () => {
    await server.runtime.timerLoop.tick();
    return !(await timersOf(server, runId)).some((t) => t.id === timer);
  });
}

for (const database of testDatabases()) {
  describe(`lead enrichment example (${database})`, () => {
    let server: TestServer;
    let filesDir: string;
    let enrichId: string;
    let dossierId: string;
    const sources: { pvgis: StandIn; inpn: StandIn; postes: StandIn } = {
      pvgis: pvgis(),
      inpn: inpn(),
      postes: postes(API_TOKEN),
    };
    const all = () => Object.values(sources);

    before(async () => {
      // The Read/Write Files node writes under RELAIS_FILES_DIR (the configuration's filesDir).
      filesDir = await mkdtemp(join(tmpdir(), 'lead-dossiers-'));
      for (const s of all()) await s.start();
      server = await startTestServer({ database, config: { filesDir } });

      // README step 2: credentials.
      await api(server, 'POST', '/api/credentials', {
        type: 'httpHeaderAuth',
        name: 'LFS backend',
        data: { name: 'X-Relais-Key', value: BACKEND_KEY },
      });
      await api(server, 'POST', '/api/credentials', {
        type: 'httpBearerAuth',
        name: 'LFS API',
        data: { token: API_TOKEN },
      });
      // README step 3: tables and their first rows.
      for (const table of ['leads', 'lead_activity', 'lead_documents', 'enrichment_config']) {
        await api(server, 'POST', '/api/tables', await load(`tables/${table}.json`));
      }
      await api(server, 'POST', '/api/tables/leads/rows', await load('rows/leads.json'));
      const config = await load('rows/enrichment_config.json');
      config.rows[0] = {
        pvgisUrl: `${sources.pvgis.url}/api/v5_2`,
        inpnUrl: `${sources.inpn.url}/inpn`,
        postesUrl: `${sources.postes.url}/api`,
      };
      await api(server, 'POST', '/api/tables/enrichment_config/rows', config);
      // README step 4: the workflows, activated.
      enrichId = (await api(server, 'POST', '/api/automations', await load('enrich-lead.workflow.json'))).id;
      dossierId = (await api(server, 'POST', '/api/automations', await load('lead-dossier.workflow.json')))
        .id;
      for (const id of [enrichId, dossierId]) {
        await api(server, 'PATCH', `/api/automations/${id}/toggle`, { isActive: true });
      }
    });

    after(async () => {
      await server?.stop();
      for (const s of all()) await s.stop();
      await rm(filesDir, { recursive: true, force: true });
    });

    const enrich = (leadId: string, key?: string) =>
      call(server, 'POST', `/webhook/leads/${leadId}/enrich`, { requestedBy: 'user-ops-7' }, key);

    it('enriches a lead: three sources, score, lead row, activity log, PDF dossier, answer', async () => {
      for (const s of all()) s.reset();
      const known = await runsOf(server, enrichId);
      const res = await enrich('lead-0042');
      assert.equal(res.status, 200, JSON.stringify(res.body));

      // Each source was called once, with the lead's coordinates; the backend with its token.
      const coords = { lat: '43.7314', lon: '3.3194' };
      assert.deepEqual(
        sources.pvgis.received.map((r) => [r.path, r.query]),
        [['/api/v5_2/PVcalc', { ...coords, peakpower: '1', loss: '14', outputformat: 'json' }]],
      );
      assert.deepEqual(
        sources.inpn.received.map((r) => [r.path, r.query]),
        [['/inpn/zonages', { ...coords, rayon: '500' }]],
      );
      assert.deepEqual(
        sources.postes.received.map((r) => [r.path, r.query, r.authorization]),
        [['/api/postes-sources/nearest', coords, `Bearer ${API_TOKEN}`]],
      );

      // Score: sun (1380.5 - 900) / 600 × 40 = 32; environment 30 - 5 × 1 zonage = 25;
      // grid (20 - 6.4) / 18 × 20 = 15, plus 12 MW available ≥ 3.5 MW wanted = 10 → 82.
      const body = res.body;
      assert.equal(body.leadId, 'lead-0042');
      assert.deepEqual(body.points, { ensoleillement: 32, environnement: 25, reseau: 25 });
      assert.equal(body.qualityScore, 82);
      assert.equal(body.enrichmentStatus, 'complete');
      assert.deepEqual(body.failedSources, []);
      assert.deepEqual(body.sources.pvgis, { status: 'ok', productibleKwhKwc: 1381, irradiationKwhM2: 1800 });
      assert.deepEqual(body.sources.inpn, {
        status: 'ok',
        zonages: [{ type: 'ZNIEFF2', code: '910030590', nom: 'Causse du Larzac' }],
        contraignants: [],
      });
      assert.equal(body.sources.poste.nom, 'Poste source de Lodève');
      assert.equal(body.enrichedAt, server.clock.now().toISOString());
      assert.equal(body.dossier.fileName, 'dossiers/lead-0042.pdf');
      assert.equal(body.dossier.url, `${server.publicUrl}/webhook/leads/lead-0042/dossier`);

      // The lead row.
      const [lead] = await rows(server, 'leads', '&filter[leadId]=lead-0042');
      assert.equal(lead.qualityScore, 82);
      assert.equal(lead.status, 'ENRICHED');
      assert.equal(lead.enrichmentStatus, 'complete');
      assert.equal(lead.productibleKwhKwc, 1381);
      assert.equal(lead.irradiationKwhM2, 1800);
      assert.deepEqual(lead.zonages, [{ type: 'ZNIEFF2', code: '910030590', nom: 'Causse du Larzac' }]);
      assert.equal(lead.zonagesContraignants, 0);
      assert.equal(lead.posteSource, 'Poste source de Lodève');
      assert.equal(lead.posteDistanceKm, 6.4);
      assert.equal(lead.posteCapaciteMw, 12);
      assert.equal(lead.enrichedAt, body.enrichedAt);
      assert.equal(lead.commune, 'Lodève', 'other columns are kept');

      // The activity log row.
      const activity = await rows(server, 'lead_activity', '&filter[leadId]=lead-0042');
      assert.equal(activity.length, 1);
      assert.equal(activity[0].action, 'ENRICHMENT');
      assert.equal(activity[0].userId, 'user-ops-7');
      assert.deepEqual(activity[0].details, {
        qualityScore: 82,
        enrichmentStatus: 'complete',
        failedSources: [],
      });

      // The PDF dossier: on disk, recorded, a real PDF with its cover, synthesis and sources.
      const pdf = await readFile(join(filesDir, 'dossiers', 'lead-0042.pdf'));
      assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
      assert.match(pdf.subarray(-8).toString('latin1'), /%%EOF\s*$/);
      const text = extractPdfText(pdf).join('\n');
      for (const expected of [
        'Dossier de pré-qualification',
        'LFS-34-0042 — Lodève (34)',
        'Score qualité',
        'Synthèse',
        'Poste source de Lodève à 6.4 km, 12 MW disponibles',
        'ZNIEFF2 910030590 — Causse du Larzac',
        'Sources',
        'PVGIS (irradiation)',
      ]) {
        assert.ok(text.includes(expected), `the PDF shows "${expected}"`);
      }
      const [doc] = await rows(server, 'lead_documents', '&filter[leadId]=lead-0042');
      assert.equal(doc.type, 'DOSSIER_PDF');
      assert.equal(doc.fileName, 'dossiers/lead-0042.pdf');
      assert.equal(doc.sizeBytes, pdf.length);
      assert.equal(body.dossier.sizeBytes, pdf.length);
      assert.equal(body.dossier.documentId, doc._id);

      // The dossier is downloadable from the URL the answer gives.
      const download = await call(server, 'GET', '/webhook/leads/lead-0042/dossier');
      assert.equal(download.status, 200);
      assert.equal(download.headers.get('content-type'), 'application/pdf');
      assert.match(download.headers.get('content-disposition') ?? '', /filename="lead-0042.pdf"/);
      assert.ok(download.bytes.equals(pdf), 'the same bytes as the stored dossier');

      const runId = await newRun(server, enrichId, known);
      await ended(server, runId, 'succeeded');
    });

    it('a source answering 503 is retried after its back-off; the caller gets the complete result', async () => {
      for (const s of all()) s.reset();
      sources.pvgis.failWith = [503];
      let answered = false;
      const known = await runsOf(server, enrichId);
      const pending = enrich('lead-0042').finally(() => {
        answered = true;
      });
      const runId = await newRun(server, enrichId, known);
      await until('the first PVGIS call', async () => sources.pvgis.received.length === 1);
      await settle();
      assert.equal(answered, false, 'no answer while the retry waits');
      assert.equal(sources.inpn.received.length, 0, 'branches run one after the other: INPN waits too');
      await releaseRetry(server, runId);

      const res = await pending;
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.enrichmentStatus, 'complete');
      assert.equal(res.body.qualityScore, 82);
      assert.equal(sources.pvgis.received.length, 2);
      assert.equal(sources.inpn.received.length, 1);
      assert.equal(sources.postes.received.length, 1);
      const steps = await server.runtime.store.runs.listSteps(runId);
      const pvgisSteps = steps.filter((s) => s.nodeName === 'PVGIS irradiation');
      assert.deepEqual(
        pvgisSteps.map((s) => s.status),
        ['retried', 'succeeded'],
      );
      assert.equal(pvgisSteps[0].error?.httpStatus, 503);
    });

    it('a source still failing after its tries is reported; the other two results are kept', async () => {
      for (const s of all()) s.reset();
      // A lead enriched before: its zonages must survive a failed INPN call.
      const before = { type: 'ZNIEFF1', code: '910008522', nom: 'Ancien zonage' };
      await api(server, 'POST', '/api/tables/leads/rows', {
        rows: [
          {
            leadId: 'lead-0044',
            internalName: 'LFS-34-0044',
            commune: 'Le Caylar',
            departement: '34',
            latitude: 43.8667,
            longitude: 3.3167,
            surfaceHa: 6,
            puissanceKwc: 5000,
            status: 'ENRICHED',
            zonages: [before],
            zonagesContraignants: 1,
          },
        ],
      });
      sources.inpn.alwaysFail = 503;
      const known = await runsOf(server, enrichId);
      const pending = enrich('lead-0044');
      const runId = await newRun(server, enrichId, known);
      await releaseRetry(server, runId); // after try 1
      await releaseRetry(server, runId); // after try 2; try 3 fails and the run goes on
      const res = await pending;

      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(sources.inpn.received.length, 3, 'maxTries: 3');
      assert.equal(sources.pvgis.received.length, 1);
      assert.equal(sources.postes.received.length, 1);
      const body = res.body;
      assert.equal(body.enrichmentStatus, 'partial');
      assert.deepEqual(body.failedSources, ['inpn']);
      assert.equal(body.sources.inpn.status, 'failed');
      assert.match(body.sources.inpn.error, /Service unavailable/);
      assert.equal(body.sources.pvgis.status, 'ok');
      assert.equal(body.sources.poste.status, 'ok');
      // 32 (sun) + 0 (INPN failed) + 15 (6.4 km) + 10 (12 MW ≥ 5 MW) = 57.
      assert.equal(body.qualityScore, 57);

      const [lead] = await rows(server, 'leads', '&filter[leadId]=lead-0044');
      assert.equal(lead.enrichmentStatus, 'partial');
      assert.deepEqual(lead.failedSources, ['inpn']);
      assert.deepEqual(lead.zonages, [before], 'the failed source leaves its columns alone');
      assert.equal(lead.zonagesContraignants, 1);
      assert.equal(lead.productibleKwhKwc, 1381);
      assert.equal(lead.posteSource, 'Poste source de Lodève');
      const activity = await rows(server, 'lead_activity', '&filter[leadId]=lead-0044');
      assert.deepEqual(activity[0].details, {
        qualityScore: 57,
        enrichmentStatus: 'partial',
        failedSources: ['inpn'],
      });

      const text = extractPdfText(await readFile(join(filesDir, 'dossiers', 'lead-0044.pdf'))).join('\n');
      assert.ok(text.includes('partiel (inpn en échec)'), text);
      assert.ok(text.includes('Source INPN en échec'));
      const steps = await server.runtime.store.runs.listSteps(runId);
      assert.deepEqual(
        steps.filter((s) => s.nodeName === 'INPN zonages').map((s) => s.status),
        ['retried', 'retried', 'succeeded'],
      );
    });

    it('an error the retry rules do not list (404) is reported at once, without a wait', async () => {
      for (const s of all()) s.reset();
      sources.postes.alwaysFail = 404;
      const known = await runsOf(server, enrichId);
      const res = await enrich('lead-0042');
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(sources.postes.received.length, 1, 'no retry');
      assert.deepEqual(res.body.failedSources, ['poste']);
      assert.match(res.body.sources.poste.error, /could not be found/);
      assert.equal(res.body.qualityScore, 57); // 32 + 25 + 0
      const runId = await newRun(server, enrichId, known);
      const steps = await server.runtime.store.runs.listSteps(runId);
      assert.equal(steps.filter((s) => s.status === 'retried').length, 0);
      await ended(server, runId, 'succeeded');
    });

    it('refuses an unknown lead (404) and a lead without coordinates (422) without calling any source', async () => {
      for (const s of all()) s.reset();
      const unknown = await enrich('lead-9999');
      assert.equal(unknown.status, 404);
      assert.deepEqual(unknown.body, { error: { code: 'LEAD_NOT_FOUND', message: 'Aucun lead lead-9999' } });
      const noCoords = await enrich('lead-0043');
      assert.equal(noCoords.status, 422);
      assert.equal(noCoords.body.error.code, 'LEAD_WITHOUT_COORDINATES');
      assert.match(noCoords.body.error.message, /lead-0043/);
      assert.equal(
        all().reduce((n, s) => n + s.received.length, 0),
        0,
      );
      const [lead] = await rows(server, 'leads', '&filter[leadId]=lead-0043');
      assert.equal(lead.status, 'NEW');
      assert.equal((await rows(server, 'lead_activity', '&filter[leadId]=lead-0043')).length, 0);
      const missing = await call(server, 'GET', '/webhook/leads/lead-0043/dossier');
      assert.equal(missing.status, 404);
      assert.equal(missing.body.error.code, 'DOSSIER_NOT_FOUND');
    });

    it('refuses callers without the backend key (401) or with a wrong one (403), starting no run', async () => {
      const count = (await runsOf(server, enrichId)).length;
      assert.equal((await enrich('lead-0042', '')).status, 401);
      assert.equal((await enrich('lead-0042', 'not-the-key')).status, 403);
      assert.equal(
        (await call(server, 'GET', '/webhook/leads/lead-0042/dossier', undefined, 'nope')).status,
        403,
      );
      assert.equal((await runsOf(server, enrichId)).length, count);
    });
  });
}
