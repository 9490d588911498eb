/**
 * seeds/002 (SWIGS) on a real Relais, set up through the HTTP API exactly as the README does, with
 * the same JSON files:
 *
 * - "Suivi des commandes": a Poll Trigger asks a stand-in of cms-backend (`GET /api/orders`, service
 *   Bearer token, `updatedSince`, `limit`) every minute; each new (order id, status) starts ONE run;
 *   `order.paid` waits 2 days, sends the thank-you template, waits 7 days, sends the review request.
 * - "Facture custom": `POST /webhook/projects/:projectId/invoices` with `customLines` → totals (VAT
 *   8.1 % by default), the year's next number, a row in `invoices`, 201 to the caller, a PDF mailed
 *   to the client, the row marked `sent`. Refusals: empty lines (the seed's 400), bad lines,
 *   unknown project (404), missing or wrong token (401/403).
 *
 * Time is the test server's ManualClock: waits and polls fire on `timerLoop.tick()`. E-mails go to a
 * real SMTP server on loopback (src/email/test-smtp.ts).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startSmtp, type TestSmtp } from '../../src/email/test-smtp.js';
import type { ManualClock } from '../../src/engine/clock.js';
import { extractPdfText } from '../../src/pdf/extract-text.js';
import {
  startTestServer,
  type TestResponse,
  type TestServer,
  testDatabases,
} from '../../src/testing/server.js';

const here = dirname(fileURLToPath(import.meta.url));
// biome-ignore lint/suspicious/noExplicitAny: the example's JSON files are read as they are.
const load = (file: string): any => JSON.parse(readFileSync(join(here, file), 'utf8'));

const CMS_TOKEN = 'service-workflow-2026';
const API_TOKEN = 'swigs-workflow-api-token';

function expectStatus(res: TestResponse, status: number): void {
  assert.equal(res.status, status, `${status} expected: ${res.text}`);
}

/** Ticks the timer loop (and lets runs progress in real time) until `done`; bounded in count and time. */
async function tickUntil(server: TestServer, done: () => Promise<boolean> | boolean, what: string) {
  const deadline = Date.now() + 15_000;
  for (let i = 0; i < 1500 && Date.now() < deadline; i++) {
    if (await done()) return;
    await server.runtime.timerLoop.tick();
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`not reached: ${what}`);
}

async function runsOf(server: TestServer, workflowId: string) {
  const page = await server.runtime.store.runs.listRuns({ workflowId, limit: 100 });
  return page.items;
}

/** What the README does before importing the workflows: SMTP credential, templates, tables. */
async function setUp(server: TestServer, smtp: TestSmtp): Promise<void> {
  const as = 'editor' as const;
  expectStatus(
    await server.request('POST', '/api/credentials', {
      as,
      json: { type: 'smtp', name: 'SMTP SWIGS', data: smtp.credential() },
    }),
    201,
  );
  for (const file of ['merci', 'avis', 'facture']) {
    expectStatus(
      await server.request('POST', '/api/email-templates', {
        as,
        json: load(`templates/${file}.template.json`),
      }),
      201,
    );
  }
  for (const table of ['projects', 'invoices']) {
    expectStatus(
      await server.request('POST', '/api/tables', { as, json: load(`tables/${table}.table.json`) }),
      201,
    );
  }
  expectStatus(
    await server.request('POST', '/api/tables/projects/rows', {
      as,
      json: load('tables/projects.rows.json'),
    }),
    201,
  );
}

/** Creates an automation from its JSON (through the API) and activates it. */
async function deploy(server: TestServer, workflow: unknown): Promise<string> {
  const created = await server.request('POST', '/api/automations', { as: 'editor', json: workflow });
  expectStatus(created, 201);
  const id = created.body.id as string;
  expectStatus(
    await server.request('PATCH', `/api/automations/${id}/toggle`, {
      as: 'editor',
      json: { isActive: true },
    }),
    200,
  );
  return id;
}

async function withSwigs(
  database: 'sqlite' | 'postgres',
  fn: (server: TestServer, smtp: TestSmtp) => Promise<void>,
  refuse?: Record<string, number>,
): Promise<void> {
  const server = await startTestServer({ database });
  const smtp = await startSmtp({ refuse });
  try {
    await setUp(server, smtp);
    await fn(server, smtp);
  } finally {
    await server.stop();
    await smtp.close();
  }
}

// ---------------------------------------------------------------- the CMS stand-in

interface Order {
  _id: string;
  orderNumber: string;
  status: 'pending' | 'paid' | 'shipped' | 'delivered';
  customer: { firstName: string; lastName: string; email: string };
  total: number;
  items: { name: string; quantity: number; price: number }[];
  site: string;
  updatedAt: string;
  trackingNumber?: string;
}

interface Cms {
  url: string;
  orders: Order[];
  requests: { authorization?: string; query: URLSearchParams }[];
  close(): Promise<void>;
}

/** cms-backend's `GET /api/orders`: service token required, orders updated since `updatedSince`, at most `limit`. */
async function startCms(): Promise<Cms> {
  const orders: Order[] = [];
  const requests: Cms['requests'] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://cms.local');
    const json = (status: number, body: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (req.method !== 'GET' || url.pathname !== '/api/orders') return json(404, { message: 'Not found' });
    requests.push({ authorization: req.headers.authorization, query: url.searchParams });
    if (req.headers.authorization !== `Bearer ${CMS_TOKEN}`) return json(401, { message: 'Token invalide' });
    const since = Date.parse(url.searchParams.get('updatedSince') ?? '');
    const limit = Number(url.searchParams.get('limit'));
    if (Number.isNaN(since) || !Number.isInteger(limit) || limit < 1) {
      return json(400, { message: 'updatedSince et limit sont requis' });
    }
    const data = orders.filter((o) => Date.parse(o.updatedAt) >= since).slice(0, limit);
    return json(200, { success: true, data });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/orders`,
    orders,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function order(
  id: string,
  status: Order['status'],
  updatedAt: Date,
  firstName: string,
  email: string,
): Order {
  return {
    _id: id,
    orderNumber: `CMD-${id}`,
    status,
    customer: { firstName, lastName: 'Martin', email },
    total: 129.9,
    items: [
      { name: 'Casque vélo', quantity: 1, price: 99.9 },
      { name: 'Gourde', quantity: 2, price: 15 },
    ],
    site: 'site-alpine',
    updatedAt: updatedAt.toISOString(),
  };
}

// ---------------------------------------------------------------- webhook calls

async function postInvoice(
  server: TestServer,
  projectId: string,
  body: unknown,
  token: string | null = API_TOKEN,
): Promise<TestResponse> {
  return server.request('POST', `/webhook/projects/${projectId}/invoices`, {
    json: body,
    headers: token === null ? {} : { authorization: `Bearer ${token}` },
  });
}

async function invoices(server: TestServer) {
  const res = await server.request('GET', '/api/tables/invoices/rows?sort=number&limit=100', {
    as: 'viewer',
  });
  expectStatus(res, 200);
  return res.body.items as Record<string, unknown>[];
}

for (const database of testDatabases()) {
  describe(`examples/swigs-automations (${database})`, () => {
    it('polls the CMS, starts one run per new order status, thanks after 2 days and asks a review 7 days later', () =>
      withSwigs(database, async (server, smtp) => {
        const cms = await startCms();
        try {
          const clock = server.clock as ManualClock;
          const t0 = new Date('2026-03-02T08:00:00Z');
          const at = (ms: number) => new Date(t0.getTime() + ms);
          clock.set(t0.toISOString());
          cms.orders.push(order('1000', 'paid', at(-2 * 3600_000), 'Ancien', 'ancien@example.ch'));

          expectStatus(
            await server.request('POST', '/api/credentials', {
              as: 'editor',
              json: { type: 'httpBearerAuth', name: 'CMS service token', data: { token: CMS_TOKEN } },
            }),
            201,
          );
          const workflow = load('orders-followup.workflow.json');
          workflow.nodes[0].parameters.url = cms.url;
          const id = await deploy(server, workflow);
          const status = async () => {
            const res = await server.request('GET', `/api/automations/${id}/trigger-status`, {
              as: 'viewer',
            });
            expectStatus(res, 200);
            return res.body.triggers[0] as Record<string, unknown>;
          };

          // First poll: what is already there is recorded, nothing is started (no thanks for old orders).
          await tickUntil(server, async () => (await status()).lastSuccessAt !== null, 'first poll');
          assert.equal(cms.requests.length, 1);
          assert.equal(cms.requests[0].authorization, `Bearer ${CMS_TOKEN}`);
          assert.equal(cms.requests[0].query.get('updatedSince'), at(-86_400_000).toISOString());
          assert.equal(cms.requests[0].query.get('limit'), '100');
          assert.equal((await status()).keysSeen, 1);
          assert.equal((await runsOf(server, id)).length, 0);

          // A new order (pending): one run, order.created, no e-mail.
          cms.orders.push(order('1001', 'pending', at(30_000), 'Zoé', 'zoe@example.ch'));
          clock.set(at(60_000).toISOString());
          await tickUntil(
            server,
            async () => (await runsOf(server, id)).some((r) => r.status === 'succeeded'),
            'pending order run',
          );
          assert.equal(
            cms.requests.at(-1)?.query.get('updatedSince'),
            t0.toISOString(),
            'cursor = last poll',
          );

          // It is paid: a new (id, status) key, a second run, which waits 2 days.
          Object.assign(cms.orders[1], { status: 'paid', updatedAt: at(90_000).toISOString() });
          clock.set(at(120_000).toISOString());
          await tickUntil(
            server,
            async () => (await runsOf(server, id)).some((r) => r.status === 'waiting'),
            'paid order run waiting',
          );
          const runs = await runsOf(server, id);
          assert.equal(runs.length, 2);
          const paidRun = runs.find((r) => r.status === 'waiting');
          assert.ok(paidRun);
          assert.equal((paidRun.triggerItems[0].json as { _id: string })._id, '1001');

          // The CMS sends the paid order again (tracking number added): same key, no new run.
          Object.assign(cms.orders[1], { trackingNumber: 'CH-42', updatedAt: at(150_000).toISOString() });
          const polls = cms.requests.length;
          clock.set(at(180_000).toISOString());
          await tickUntil(server, () => cms.requests.length > polls, 'third poll');
          await tickUntil(
            server,
            async () => (await status()).lastSuccessAt === at(180_000).toISOString(),
            'ok',
          );
          assert.equal((await status()).lastItems, 1);
          assert.equal((await status()).lastNew, 0);
          assert.equal((await runsOf(server, id)).length, 2);

          // The pending order's run went through order.created and stopped before any wait.
          const pendingRun = (await runsOf(server, id)).find((r) => r.id !== paidRun.id);
          const detail = await server.request('GET', `/api/automation-runs/${pendingRun?.id}`, {
            as: 'viewer',
          });
          expectStatus(detail, 200);
          const steps = detail.body.executionLog as { nodeName: string; output: unknown }[];
          assert.deepEqual(
            steps.map((s) => s.nodeName),
            ['Commandes CMS', 'Événement CMS', 'order.paid ?'],
          );
          assert.match(JSON.stringify(steps[1].output), /"eventType":"order\.created"/);
          assert.equal(smtp.received.length, 0);

          // Two days after the payment (the wait started at t0 + 2 min): the thank-you, not a minute before.
          const day = 86_400_000;
          clock.set(at(120_000 + 2 * day - 60_000).toISOString());
          for (let i = 0; i < 5; i++) await server.runtime.timerLoop.tick();
          assert.equal(smtp.received.length, 0, 'no thank-you before 2 days');
          clock.set(at(120_000 + 2 * day).toISOString());
          await tickUntil(server, () => smtp.received.length === 1, 'thank-you e-mail');
          const thanks = smtp.received[0];
          assert.deepEqual(thanks.to, ['zoe@example.ch']);
          assert.equal(thanks.from, 'boutique@swigs.online');
          assert.equal(thanks.subject, 'Merci Zoé pour votre commande CMD-1001');
          assert.match(thanks.html ?? '', /<p>Bonjour Zoé,<\/p>/);
          assert.match(thanks.html ?? '', /<li>2 × Gourde<\/li>/);
          assert.match(thanks.text ?? '', /^Bonjour Zoé,\n\nVotre commande CMD-1001 est bien payée/);
          assert.equal((await server.runtime.store.runs.getRun(paidRun.id))?.status, 'waiting');

          // Seven days later: the review request, and the run is over.
          clock.set(at(120_000 + 9 * day - 60_000).toISOString());
          for (let i = 0; i < 5; i++) await server.runtime.timerLoop.tick();
          assert.equal(smtp.received.length, 1, 'no review request before 7 more days');
          clock.set(at(120_000 + 9 * day).toISOString());
          await tickUntil(server, () => smtp.received.length === 2, 'review e-mail');
          const review = smtp.received[1];
          assert.deepEqual(review.to, ['zoe@example.ch']);
          assert.equal(review.subject, 'Zoé, votre avis sur la commande CMD-1001 ?');
          assert.match(review.html ?? '', /href="https:\/\/swigs\.online\/avis\/CMD-1001"/);
          await tickUntil(
            server,
            async () => (await server.runtime.store.runs.getRun(paidRun.id))?.status === 'succeeded',
            'paid run succeeded',
          );

          // A revoked service token: the poll fails (HTTP 401), shows it, and starts nothing.
          const creds = await server.request('GET', '/api/credentials', { as: 'editor' });
          const cmsCredential = (creds.body.items as { id: string; name: string }[]).find(
            (c) => c.name === 'CMS service token',
          );
          expectStatus(
            await server.request('PUT', `/api/credentials/${cmsCredential?.id}`, {
              as: 'editor',
              json: { data: { token: 'revoked' } },
            }),
            200,
          );
          cms.orders.push(order('1002', 'paid', clock.now(), 'Luc', 'luc@example.ch'));
          clock.set(new Date(clock.now().getTime() + 60_000).toISOString());
          await tickUntil(server, async () => (await status()).consecutiveFailures === 1, 'failed poll');
          assert.match(String((await status()).lastError), /HTTP 401/);
          assert.equal(cms.requests.at(-1)?.authorization, 'Bearer revoked');
          assert.equal((await runsOf(server, id)).length, 2);
          assert.equal(smtp.received.length, 2);
        } finally {
          await cms.close();
        }
      }));

    it('creates a custom invoice: totals, yearly number, row, 201, PDF mailed to the client', () =>
      withSwigs(database, async (server, smtp) => {
        const clock = server.clock as ManualClock;
        clock.set('2026-03-10T09:00:00Z');
        expectStatus(
          await server.request('POST', '/api/credentials', {
            as: 'editor',
            json: { type: 'httpBearerAuth', name: 'SWIGS API', data: { token: API_TOKEN } },
          }),
          201,
        );
        const id = await deploy(server, load('custom-invoice.workflow.json'));

        const res = await postInvoice(server, 'p-alpine', load('payloads/facture-custom.json'));
        expectStatus(res, 201);
        assert.equal(res.body.number, 'FAC-2026-0001');
        assert.deepEqual(
          {
            year: res.body.year,
            seq: res.body.seq,
            projectId: res.body.projectId,
            clientEmail: res.body.clientEmail,
            invoiceType: res.body.invoiceType,
            customLines: res.body.customLines,
            subtotal: res.body.subtotal,
            vatRate: res.body.vatRate,
            vatAmount: res.body.vatAmount,
            total: res.body.total,
            status: res.body.status,
            issueDate: res.body.issueDate,
            dueDate: res.body.dueDate,
            notes: res.body.notes,
          },
          {
            year: 2026,
            seq: 1,
            projectId: 'p-alpine',
            clientEmail: 'compta@alpine-bikes.ch',
            invoiceType: 'custom',
            customLines: [
              { description: 'Prestation conseil', quantity: 1, unitPrice: 500, total: 500 },
              { description: 'Développement module X', quantity: 3, unitPrice: 150, total: 450 },
            ],
            subtotal: 950,
            vatRate: 8.1,
            vatAmount: 76.95,
            total: 1026.95,
            status: 'draft',
            issueDate: '2026-03-10T00:00:00.000Z',
            dueDate: '2026-04-09T00:00:00.000Z',
            notes: 'Facture pour services divers',
          },
        );

        // After the answer: the PDF goes to the client and the row is marked sent.
        await tickUntil(server, async () => (await invoices(server))[0]?.status === 'sent', 'invoice sent');
        const [row] = await invoices(server);
        assert.equal(row.sentAt, '2026-03-10T09:00:00.000Z');
        assert.equal(smtp.received.length, 1);
        const mail = smtp.received[0];
        assert.deepEqual(mail.to, ['compta@alpine-bikes.ch']);
        assert.equal(mail.from, 'facturation@swigs.online');
        assert.equal(mail.subject, 'Facture FAC-2026-0001 – Site Alpine Bikes');
        assert.match(
          mail.text ?? '',
          /d’un montant de 1026\.95 CHF TTC \(TVA 8\.1 % incluse\), payable jusqu’au 09\.04\.2026/,
        );
        assert.equal(mail.attachments.length, 1);
        const [pdf] = mail.attachments;
        assert.equal(pdf.filename, 'FAC-2026-0001.pdf');
        assert.equal(pdf.contentType, 'application/pdf');
        assert.equal(pdf.content.subarray(0, 5).toString('latin1'), '%PDF-');
        assert.match(pdf.content.subarray(-8).toString('latin1'), /%%EOF\s*$/);
        const text = extractPdfText(pdf.content).join('\n');
        for (const expected of [
          'Facture FAC-2026-0001',
          'Alpine Bikes Sàrl',
          'Développement module X',
          '10.03.2026',
          '09.04.2026',
          'TVA 8.1 %',
        ]) {
          assert.ok(text.includes(expected), `PDF text has "${expected}":\n${text}`);
        }
        assert.match(text, /1\D?026\.95/, 'total in the PDF');

        // Six invoices at once (one with the reduced 2.6 % rate; quantities default to 1): the workflow
        // numbers one invoice at a time (settings.concurrency.max = 1), so none fails and none repeats
        // a number. (On PostgreSQL, without that setting, most of them collide on the unique index.)
        const bodies = [1, 2, 3, 4, 5, 6].map((n) => ({
          invoiceType: 'custom',
          customLines: [{ description: `Maintenance ${n}`, unitPrice: 100 * n }],
          ...(n === 6 && { vatRate: 2.6 }),
        }));
        const answers = await Promise.all(bodies.map((b) => postInvoice(server, 'p-alpine', b)));
        for (const a of answers) expectStatus(a, 201);
        assert.deepEqual(
          answers.map((a) => a.body.number).sort(),
          [2, 3, 4, 5, 6, 7].map((n) => `FAC-2026-000${n}`),
        );
        assert.deepEqual(
          { quantity: answers[5].body.customLines[0].quantity, vatAmount: answers[5].body.vatAmount },
          { quantity: 1, vatAmount: 15.6 },
        );
        await tickUntil(server, () => smtp.received.length === 7, 'seven invoices mailed');

        // The database refuses a duplicate number whatever writes it.
        const duplicate = await server.request('POST', '/api/tables/invoices/rows', {
          as: 'editor',
          json: { rows: [{ number: 'FAC-2026-0003', year: 2026, seq: 99 }] },
        });
        expectStatus(duplicate, 409);

        // A new year starts a new sequence.
        clock.set('2027-01-04T08:00:00Z');
        const newYear = await postInvoice(server, 'p-alpine', load('payloads/facture-custom.json'));
        expectStatus(newYear, 201);
        assert.equal(newYear.body.number, 'FAC-2027-0001');
        assert.equal(newYear.body.dueDate, '2027-02-03T00:00:00.000Z');
        await tickUntil(
          server,
          async () => (await runsOf(server, id)).filter((r) => r.status === 'succeeded').length === 8,
          'eight runs succeeded',
        );
        assert.equal(smtp.received.length, 8);
        const rows = await invoices(server);
        assert.deepEqual(
          rows.map((r) => `${r.number} ${r.status}`),
          [...[1, 2, 3, 4, 5, 6, 7].map((n) => `FAC-2026-000${n} sent`), 'FAC-2027-0001 sent'],
        );
        assert.equal((await runsOf(server, id)).length, 8);
      }));

    it('never stores a number twice, even without the concurrency limit: the unique index refuses the loser', () =>
      withSwigs(database, async (server) => {
        (server.clock as ManualClock).set('2026-03-10T09:00:00Z');
        expectStatus(
          await server.request('POST', '/api/credentials', {
            as: 'editor',
            json: { type: 'httpBearerAuth', name: 'SWIGS API', data: { token: API_TOKEN } },
          }),
          201,
        );
        // What a second Relais process or a hand-made change could do: number without the one-at-a-time rule.
        const workflow = load('custom-invoice.workflow.json');
        delete workflow.settings.concurrency;
        await deploy(server, workflow);
        const answers = await Promise.all(
          [1, 2, 3, 4, 5, 6, 7, 8].map((n) =>
            postInvoice(server, 'p-alpine', { customLines: [{ description: `Ligne ${n}`, unitPrice: n }] }),
          ),
        );
        const created = answers.filter((a) => a.status === 201);
        for (const a of answers) assert.ok(a.status === 201 || a.status === 500, a.text);
        assert.ok(created.length >= 1);
        const rows = await invoices(server);
        assert.equal(rows.length, created.length, 'a refused invoice leaves no row');
        const numbers = rows.map((r) => r.number);
        assert.equal(new Set(numbers).size, numbers.length, `no duplicate: ${numbers.join(', ')}`);
        assert.deepEqual(created.map((a) => a.body.number).sort(), numbers);
      }));

    it('refuses empty or invalid lines, unknown projects and bad tokens, and writes nothing', () =>
      withSwigs(database, async (server, smtp) => {
        (server.clock as ManualClock).set('2026-03-10T09:00:00Z');
        expectStatus(
          await server.request('POST', '/api/credentials', {
            as: 'editor',
            json: { type: 'httpBearerAuth', name: 'SWIGS API', data: { token: API_TOKEN } },
          }),
          201,
        );
        await deploy(server, load('custom-invoice.workflow.json'));

        const empty = await postInvoice(server, 'p-alpine', load('payloads/facture-vide.json'));
        expectStatus(empty, 400);
        assert.deepEqual(empty.body, { message: 'Ajoutez au moins une ligne à la facture' });
        const missing = await postInvoice(server, 'p-alpine', { invoiceType: 'custom' });
        expectStatus(missing, 400);
        assert.deepEqual(missing.body, { message: 'Ajoutez au moins une ligne à la facture' });

        const invalid = await postInvoice(server, 'p-alpine', {
          customLines: [{ description: '', quantity: -1, unitPrice: 'cent' }],
          dueDate: 'bientôt',
        });
        expectStatus(invalid, 400);
        assert.deepEqual(invalid.body, {
          message: 'Lignes de facture invalides',
          details: [
            'customLines[0].description est requise',
            'customLines[0].unitPrice doit être un nombre',
            'customLines[0].quantity doit être un nombre positif',
            'dueDate doit être une date ISO (AAAA-MM-JJ)',
          ],
        });
        const standard = await postInvoice(server, 'p-alpine', { invoiceType: 'standard', eventIds: ['e1'] });
        expectStatus(standard, 400);

        const unknown = await postInvoice(server, 'p-inconnu', load('payloads/facture-custom.json'));
        expectStatus(unknown, 404);
        assert.deepEqual(unknown.body, { message: 'Projet introuvable : p-inconnu' });

        expectStatus(await postInvoice(server, 'p-alpine', load('payloads/facture-custom.json'), null), 401);
        expectStatus(
          await postInvoice(server, 'p-alpine', load('payloads/facture-custom.json'), 'nope'),
          403,
        );

        assert.deepEqual(await invoices(server), []);
        assert.equal(smtp.received.length, 0);
      }));

    it('answers 201 even when the mail server refuses the client; the run fails and the invoice stays a draft', () =>
      withSwigs(
        database,
        async (server, smtp) => {
          (server.clock as ManualClock).set('2026-03-10T09:00:00Z');
          expectStatus(
            await server.request('POST', '/api/credentials', {
              as: 'editor',
              json: { type: 'httpBearerAuth', name: 'SWIGS API', data: { token: API_TOKEN } },
            }),
            201,
          );
          const id = await deploy(server, load('custom-invoice.workflow.json'));
          const res = await postInvoice(server, 'p-alpine', load('payloads/facture-custom.json'));
          expectStatus(res, 201);
          await tickUntil(
            server,
            async () => (await runsOf(server, id)).some((r) => r.status === 'failed'),
            'run failed',
          );
          const [run] = await runsOf(server, id);
          assert.equal(run.error?.node, 'Envoyer au client');
          assert.match(run.error?.message ?? '', /550|refused/i);
          const [row] = await invoices(server);
          assert.equal(row.number, 'FAC-2026-0001');
          assert.equal(row.status, 'draft');
          assert.equal(smtp.received.length, 0);
        },
        { 'compta@alpine-bikes.ch': 550 },
      ));
  });
}
