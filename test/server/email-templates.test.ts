/**
 * `/api/email-templates` over HTTP, route by route and role by role: the default templates, list
 * filters and pages, create/read/change/delete with the Handlebars checked at save time, preview
 * with missing variables, send-test through an SMTP credential to a real SMTP server, the audit
 * log; and a workflow whose Send Email node uses a stored template (the runtime's service).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startSmtp, type TestSmtp } from '../../src/email/test-smtp.js';
import { type Caller, startTestServer, type TestServer, testDatabases } from '../../src/testing/server.js';
import { allPages, auditActions, createAutomation, expectStatus } from './api-kit.js';

const template = {
  name: 'Relance facture',
  subject: 'Facture {{invoice.number}} : rappel',
  body: '<p>Bonjour {{customer.firstName}}, la facture <b>{{invoice.number}}</b> de {{invoice.total}} est échue.</p>',
  availableVariables: [{ name: 'invoice.number', description: 'Numéro' }, 'customer.firstName'],
  category: 'invoice',
};

for (const database of testDatabases()) {
  describe(`email templates API (${database})`, () => {
    let server: TestServer;
    let smtp: TestSmtp;
    before(async () => {
      server = await startTestServer({ database });
      smtp = await startSmtp();
    });
    after(async () => {
      await server.stop();
      await smtp.close();
    });
    const call = (method: string, path: string, as: Caller, json?: unknown) =>
      server.request(method, path, { as, json });

    it('lists the default French templates to any role, with filters and pages', async () => {
      const list = await call('GET', '/api/email-templates', 'viewer');
      expectStatus(list, 200);
      assert.deepEqual(list.body.items.map((t: { name: string }) => t.name).sort(), [
        "Demande d'avis",
        'Import réussi',
        'Import échoué',
        'Merci pour votre commande',
        'Rappel de rendez-vous',
      ]);
      assert.equal(list.body.nextCursor, null);
      const orders = await call('GET', '/api/email-templates?category=order', { apiKey: 'viewer' });
      assert.deepEqual(orders.body.items.map((t: { name: string }) => t.name).sort(), [
        "Demande d'avis",
        'Merci pour votre commande',
      ]);
      const inactive = await call('GET', '/api/email-templates?isActive=false', 'viewer');
      assert.deepEqual(inactive.body.items, []);
      const search = await call('GET', '/api/email-templates?search=RAPPEL', 'viewer');
      assert.deepEqual(
        search.body.items.map((t: { name: string }) => t.name),
        ['Rappel de rendez-vous'],
      );
      const paged = await allPages(server, '/api/email-templates', 2);
      assert.equal(paged.ids.length, 5);
      assert.equal(paged.pages, 3);
      expectStatus(await call('GET', '/api/email-templates?category=spam', 'viewer'), 400);
      expectStatus(await call('GET', '/api/email-templates', 'anonymous'), 401);
    });

    it('creates, reads, changes and deletes, with templates:write; audits each change', async () => {
      expectStatus(await call('POST', '/api/email-templates', 'viewer', template), 403);
      expectStatus(await call('POST', '/api/email-templates', { apiKey: 'viewer' }, template), 403);
      const created = await call('POST', '/api/email-templates', 'editor', template);
      expectStatus(created, 201);
      const id = created.body.id;
      assert.deepEqual(
        { ...created.body, id: undefined, createdAt: undefined, updatedAt: undefined },
        {
          ...template,
          id: undefined,
          text: null,
          availableVariables: [
            { name: 'invoice.number', description: 'Numéro' },
            { name: 'customer.firstName', description: '' },
          ],
          isActive: true,
          createdAt: undefined,
          updatedAt: undefined,
        },
      );
      const read = await call('GET', `/api/email-templates/${id}`, 'viewer');
      expectStatus(read, 200);
      assert.deepEqual(read.body, created.body);
      expectStatus(await call('GET', '/api/email-templates/nope', 'viewer'), 404);

      const changed = await call(
        'PUT',
        `/api/email-templates/${id}`,
        { apiKey: 'editor' },
        { isActive: false, text: 'Facture {{invoice.number}}' },
      );
      expectStatus(changed, 200);
      assert.equal(changed.body.isActive, false);
      assert.equal(changed.body.text, 'Facture {{invoice.number}}');
      assert.equal(changed.body.subject, template.subject, 'fields not given keep their value');
      expectStatus(await call('PUT', `/api/email-templates/${id}`, 'viewer', { isActive: true }), 403);
      expectStatus(await call('PUT', '/api/email-templates/nope', 'editor', { isActive: true }), 404);
      const cleared = await call('PUT', `/api/email-templates/${id}`, 'editor', { text: null });
      assert.equal(cleared.body.text, null);

      expectStatus(await call('DELETE', `/api/email-templates/${id}`, 'viewer'), 403);
      expectStatus(await call('DELETE', `/api/email-templates/${id}`, 'editor'), 204);
      expectStatus(await call('DELETE', `/api/email-templates/${id}`, 'editor'), 404);
      assert.deepEqual(await auditActions(server, id), [
        'template.created',
        'template.updated',
        'template.updated',
        'template.deleted',
      ]);
    });

    it('refuses a taken name (409), a template that does not compile (400 with the position), bad fields', async () => {
      const first = await call('POST', '/api/email-templates', 'editor', { ...template, name: 'Unique' });
      expectStatus(first, 201);
      const dup = await call('POST', '/api/email-templates', 'editor', { ...template, name: 'Unique' });
      expectStatus(dup, 409);
      assert.equal(dup.body.error.code, 'conflict');
      const other = await call('POST', '/api/email-templates', 'editor', { ...template, name: 'Autre' });
      expectStatus(
        await call('PUT', `/api/email-templates/${other.body.id}`, 'editor', { name: 'Unique' }),
        409,
      );

      const broken = await call('POST', '/api/email-templates', 'editor', {
        ...template,
        name: 'Cassé',
        body: '<p>\n{{#if client}}Bonjour {{client.nom}\n</p>',
      });
      expectStatus(broken, 400);
      assert.match(broken.body.error.message, /does not compile: Parse error on line 2/);
      assert.equal(broken.body.error.details[0].field, 'body');
      assert.equal(broken.body.error.details[0].line, 2);
      assert.equal(typeof broken.body.error.details[0].column, 'number');
      const mismatch = await call('PUT', `/api/email-templates/${first.body.id}`, 'editor', {
        subject: '{{#each a}}{{/if}}',
      });
      expectStatus(mismatch, 400);
      assert.deepEqual(
        [mismatch.body.error.details[0].field, mismatch.body.error.details[0].line],
        ['subject', 1],
      );
      assert.equal(
        (await call('GET', `/api/email-templates/${first.body.id}`, 'viewer')).body.subject,
        template.subject,
      );

      for (const bad of [
        { ...template, category: 'spam' },
        { ...template, name: '' },
        { ...template, subject: undefined },
        { ...template, unknown: 1 },
      ]) {
        expectStatus(await call('POST', '/api/email-templates', 'editor', bad), 400);
      }
    });

    it('previews with the given data, rendering missing variables empty and listing them', async () => {
      const created = await call('POST', '/api/email-templates', 'editor', { ...template, name: 'Aperçu' });
      const preview = await call('POST', `/api/email-templates/${created.body.id}/preview`, 'viewer', {
        data: { customer: { firstName: 'Zoé <3' }, invoice: { number: 'F-2026-042' } },
      });
      expectStatus(preview, 200);
      assert.deepEqual(preview.body, {
        subject: 'Facture F-2026-042 : rappel',
        html: '<p>Bonjour Zoé &lt;3, la facture <b>F-2026-042</b> de  est échue.</p>',
        text: 'Bonjour Zoé <3, la facture F-2026-042 de est échue.',
        missingVariables: ['invoice.total'],
      });
      const empty = await call('POST', `/api/email-templates/${created.body.id}/preview`, 'viewer', {});
      assert.deepEqual(empty.body.missingVariables, [
        'invoice.number',
        'customer.firstName',
        'invoice.total',
      ]);
      expectStatus(await call('POST', '/api/email-templates/nope/preview', 'viewer', {}), 404);
      expectStatus(
        await call('POST', `/api/email-templates/${created.body.id}/preview`, 'anonymous', {}),
        401,
      );
      expectStatus(
        await call('POST', `/api/email-templates/${created.body.id}/preview`, 'viewer', { data: [] }),
        400,
      );
    });

    it('sends a test e-mail through the SMTP credential (templates:write), and says why it cannot', async () => {
      const list = await call('GET', '/api/email-templates?search=Rappel de rendez-vous', 'viewer');
      const id = list.body.items[0].id;
      const body = {
        to: 'test@relais.test',
        from: 'Cabinet <cabinet@relais.test>',
        data: {
          customer: { firstName: 'Zoé' },
          reminder: { when: 'dans 2 heures' },
          appointment: { date: 'lundi', time: '10 h' },
          organization: { name: 'Cabinet du Lac' },
        },
      };
      expectStatus(await call('POST', `/api/email-templates/${id}/send-test`, 'viewer', body), 403);
      const none = await call('POST', `/api/email-templates/${id}/send-test`, 'editor', body);
      expectStatus(none, 400);
      assert.match(none.body.error.message, /no SMTP credential/);

      const credential = await call('POST', '/api/credentials', 'editor', {
        name: 'Relais SMTP',
        type: 'smtp',
        data: smtp.credential(),
      });
      expectStatus(credential, 201);
      const sent = await call('POST', `/api/email-templates/${id}/send-test`, 'editor', body);
      expectStatus(sent, 200);
      assert.deepEqual(sent.body.accepted, ['test@relais.test']);
      assert.deepEqual(sent.body.rejected, []);
      assert.deepEqual(sent.body.missingVariables, []);
      assert.match(sent.body.response, /^250/);
      const mail = smtp.received[smtp.received.length - 1];
      assert.deepEqual([mail.from, mail.to], ['cabinet@relais.test', ['test@relais.test']]);
      assert.equal(mail.subject, 'Rappel : votre rendez-vous dans 2 heures (lundi à 10 h)');
      assert.match(mail.html ?? '', /Bonjour Zoé,/);
      assert.match(mail.text ?? '', /Nous vous rappelons votre rendez-vous dans 2 heures :/);
      assert.equal(mail.message.contentType, 'multipart/alternative');
      assert.deepEqual((await auditActions(server, id)).slice(-1), ['template.test_sent']);

      // The sender defaults to the credential's user when that is an address.
      const noFrom = await call('POST', `/api/email-templates/${id}/send-test`, 'editor', {
        ...body,
        from: undefined,
      });
      expectStatus(noFrom, 400);
      assert.equal(noFrom.body.error.details[0].field, 'from');

      const closed = await startSmtp();
      await closed.close();
      const down = await call('POST', '/api/credentials', 'editor', {
        name: 'Panne',
        type: 'smtp',
        data: closed.credential({ user: 'cabinet@relais.test' }),
      });
      expectStatus(down, 201);
      const several = await call('POST', `/api/email-templates/${id}/send-test`, 'editor', body);
      expectStatus(several, 400);
      assert.match(several.body.error.message, /several SMTP credentials/);
      const byName = await call('POST', `/api/email-templates/${id}/send-test`, 'editor', {
        ...body,
        from: undefined,
        credentialName: 'Panne',
      });
      expectStatus(byName, 502);
      assert.equal(byName.body.error.code, 'send_failed');
      assert.equal(byName.body.error.details.code, 'ECONNREFUSED');
      const byId = await call('POST', `/api/email-templates/${id}/send-test`, 'editor', {
        ...body,
        credentialId: credential.body.id,
      });
      expectStatus(byId, 200);
      expectStatus(
        await call('POST', `/api/email-templates/${id}/send-test`, 'editor', {
          ...body,
          credentialName: 'Inconnu',
        }),
        404,
      );
      expectStatus(
        await call('POST', `/api/email-templates/${id}/send-test`, 'editor', {
          ...body,
          to: 'pas une adresse',
        }),
        400,
      );
      expectStatus(await call('POST', '/api/email-templates/nope/send-test', 'editor', body), 404);
      await call('DELETE', `/api/credentials/${down.body.id}`, 'editor');
    });

    it('a Send Email node of a workflow renders a stored template by name', async () => {
      const id = await createAutomation(server, {
        name: 'Merci',
        nodes: [
          { id: 'start', name: 'Start', type: 'manualTrigger', position: [0, 0] },
          {
            id: 'mail',
            name: 'Mail',
            type: 'emailSend',
            typeVersion: 2.1,
            position: [200, 0],
            parameters: {
              fromEmail: 'boutique@relais.test',
              toEmail: '={{ $json.customer.email }}',
              template: 'Merci pour votre commande',
            },
            credentials: { smtp: { name: 'Relais SMTP' } },
          },
        ],
        connections: [{ from: 'Start', to: 'Mail' }],
      });
      const run = await server.request('POST', `/api/automations/${id}/run`, {
        as: 'editor',
        json: {
          items: [
            {
              customer: { firstName: 'Léa', email: 'lea@relais.test' },
              order: {
                number: 'C-77',
                total: '49,00 CHF',
                items: [{ name: 'Tasse', quantity: 2, price: '24,50 CHF' }],
              },
              site: { name: 'Atelier' },
            },
          ],
        },
      });
      expectStatus(run, 200);
      assert.equal(run.body.status, 'succeeded', JSON.stringify(run.body.executionLog?.at(-1)?.error));
      const mail = smtp.received[smtp.received.length - 1];
      assert.deepEqual(mail.to, ['lea@relais.test']);
      assert.equal(mail.subject, 'Merci pour votre commande n° C-77');
      assert.match(mail.html ?? '', /2 × Tasse/);
      assert.match(mail.text ?? '', /Total 49,00 CHF/);
      const output = run.body.executionLog.at(-1).output[0][0].json;
      assert.deepEqual(output.accepted, ['lea@relais.test']);
      assert.equal(output.template.name, 'Merci pour votre commande');
      assert.deepEqual(output.template.missingVariables, []);
    });
  });
}
