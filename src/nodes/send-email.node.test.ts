/**
 * Send Email against a real SMTP server on 127.0.0.1 (src/email/test-smtp.ts): envelope and
 * headers, text/HTML parts, attachments, templates, login, and the failure paths (bad login,
 * refused recipient, refused connection, bad parameters).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BINARY } from '../binary/access.js';
import { BinaryStore } from '../binary/store.js';
import type { EmailTemplateContent, EmailTemplateSource } from '../email/template-port.js';
import { EMAIL_TEMPLATES } from '../email/template-port.js';
import { startSmtp, type TestSmtp } from '../email/test-smtp.js';
import { sharedMailer } from '../email/transport.js';
import { NodeError, NonRetryableError } from '../engine/errors.js';
import type { JsonObject } from '../engine/items.js';
import { runNode } from '../testing/run-node.js';
import { sendEmailNode } from './send-email.node.js';

const base = { fromEmail: 'Cabinet <cabinet@relais.test>', toEmail: 'zoe@relais.test' };

function templates(list: EmailTemplateContent[]): Record<string, EmailTemplateSource> {
  return {
    [EMAIL_TEMPLATES.name]: {
      async find(ref) {
        return list.find((t) => t.id === ref) ?? list.find((t) => t.name === ref) ?? null;
      },
    },
  };
}

const reminder: EmailTemplateContent = {
  id: 'tpl-1',
  name: 'Rappel',
  subject: 'Rappel : rendez-vous {{reminder.when}} pour {{customer.firstName}}',
  body: '<p>Bonjour {{customer.firstName}} {{customer.lastName}}, <b>{{appointment.date}}</b></p>',
  text: null,
  isActive: true,
};

function rejects(code: string, retryable: boolean, message?: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof NodeError, String(error));
    assert.equal(error.code, code);
    assert.equal(error instanceof NonRetryableError, !retryable, `retryable should be ${retryable}`);
    if (message) assert.match(error.message, message);
    return true;
  };
}

describe('Send Email', () => {
  let smtp: TestSmtp;
  let credentials: Record<string, JsonObject>;
  before(async () => {
    smtp = await startSmtp({ refuse: { 'gone@relais.test': 550, 'busy@relais.test': 450 } });
    credentials = { smtp: smtp.credential() };
  });
  after(async () => {
    await sharedMailer.close();
    await smtp.close();
  });
  const last = () => smtp.received[smtp.received.length - 1];

  it('sends to, cc and bcc (bcc in the envelope only) and outputs what the server answered', async () => {
    const { json, outputs } = await runNode(sendEmailNode, {
      parameters: {
        ...base,
        toEmail: 'Zoé Martin <zoe@relais.test>',
        subject: 'Votre rendez-vous de l’été',
        emailFormat: 'text',
        text: 'Bonjour Zoé,\nà demain.',
        options: {
          ccEmail: 'cc@relais.test',
          bccEmail: 'secret@relais.test',
          replyTo: 'accueil@relais.test',
          appendAttribution: false,
        },
      },
      items: [{ id: 1 }],
      credentials,
    });
    const mail = last();
    assert.equal(mail.from, 'cabinet@relais.test');
    assert.deepEqual(mail.to, ['zoe@relais.test', 'cc@relais.test', 'secret@relais.test']);
    assert.equal(mail.header('from'), 'Cabinet <cabinet@relais.test>');
    assert.equal(mail.header('to'), 'Zoé Martin <zoe@relais.test>');
    assert.equal(mail.header('cc'), 'cc@relais.test');
    assert.equal(mail.header('bcc'), undefined);
    assert.equal(mail.header('reply-to'), 'accueil@relais.test');
    assert.equal(mail.subject, 'Votre rendez-vous de l’été');
    assert.equal(mail.message.contentType, 'text/plain');
    assert.equal(mail.text, 'Bonjour Zoé,\nà demain.');
    assert.equal(mail.html, undefined);

    const info = json[0][0];
    assert.deepEqual(info.accepted, ['zoe@relais.test', 'cc@relais.test', 'secret@relais.test']);
    assert.deepEqual(info.rejected, []);
    assert.match(String(info.response), /^250/);
    assert.equal(info.messageId, mail.header('message-id'));
    assert.deepEqual(outputs[0][0].pairedItem, { item: 0 });
  });

  it("follows n8n v2.1's defaults: HTML format with the attribution line", async () => {
    await runNode(sendEmailNode, {
      parameters: { ...base, subject: 'S', html: '<p>Bonjour</p>' },
      items: [{}],
      credentials,
    });
    assert.equal(last().message.contentType, 'text/html');
    assert.match(
      last().html ?? '',
      /^<p>Bonjour<\/p>\n<br>\n<br>\n---\n<br>\n<em>This email was sent automatically with Relais<\/em>/,
    );
    assert.equal(last().text, undefined);

    await runNode(sendEmailNode, {
      parameters: { ...base, emailFormat: 'text', text: 'Bonjour' },
      items: [{}],
      credentials,
    });
    assert.equal(last().text, 'Bonjour\n\n---\nThis email was sent automatically with Relais');
  });

  it('sends both parts as multipart/alternative', async () => {
    await runNode(sendEmailNode, {
      parameters: {
        ...base,
        subject: 'Deux formats',
        emailFormat: 'both',
        text: 'Texte brut',
        html: '<h1>Titre</h1>',
        options: { appendAttribution: false },
      },
      items: [{}],
      credentials,
    });
    assert.equal(last().message.contentType, 'multipart/alternative');
    assert.equal(last().text, 'Texte brut');
    assert.equal(last().html, '<h1>Titre</h1>');
  });

  it('sends one e-mail per item with expressions evaluated per item, over one pooled connection', async () => {
    const before = smtp.received.length;
    const connections = smtp.connections();
    const { json } = await runNode(sendEmailNode, {
      parameters: {
        ...base,
        toEmail: '={{ $json.email }}',
        subject: '=Commande {{ $json.order }}',
        emailFormat: 'text',
        text: '=Merci {{ $json.name }}',
        options: { appendAttribution: false },
      },
      items: [
        { email: 'a@relais.test', name: 'Ana', order: 101 },
        { email: 'b@relais.test', name: 'Bob', order: 102 },
        { email: 'c@relais.test', name: 'Cléa', order: 103 },
      ],
      credentials,
    });
    const sent = smtp.received.slice(before);
    assert.deepEqual(
      sent.map((m) => [m.to[0], m.subject, m.text]),
      [
        ['a@relais.test', 'Commande 101', 'Merci Ana'],
        ['b@relais.test', 'Commande 102', 'Merci Bob'],
        ['c@relais.test', 'Commande 103', 'Merci Cléa'],
      ],
    );
    assert.equal(json[0].length, 3);
    assert.ok(smtp.connections() - connections <= 1, 'the pooled connection is reused');
  });

  it('attaches binary properties with their name, type and Content-ID', async () => {
    const pdf = Buffer.from('%PDF-1.4 dossier');
    await runNode(sendEmailNode, {
      parameters: {
        ...base,
        subject: 'Pièces jointes',
        html: '<img src="cid:logo">',
        options: { attachments: 'dossier, logo', appendAttribution: false },
      },
      items: [
        {
          json: {},
          binary: {
            dossier: {
              data: pdf.toString('base64'),
              mimeType: 'application/pdf',
              fileName: 'dossier-patient.pdf',
            },
            logo: { data: Buffer.from('png').toString('base64'), mimeType: 'image/png' },
          },
        },
      ],
      credentials,
    });
    const files = last().attachments;
    assert.equal(files.length, 2);
    assert.deepEqual(
      files.map((f) => [f.filename, f.contentType, f.cid]),
      [
        ['dossier-patient.pdf', 'application/pdf', 'dossier'],
        ['unknown', 'image/png', 'logo'],
      ],
    );
    assert.deepEqual(files[0].content, pdf);
    assert.equal(files[1].content.toString(), 'png');
  });

  it('attaches a file kept in the binary store (by id), read from the data directory', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'relais-mail-'));
    try {
      const store = new BinaryStore({ dataDir, inlineLimit: 1024 });
      const scan = Buffer.alloc(200_000, 7);
      const stored = await store.put(
        scan,
        { fileName: 'radio.pdf', mimeType: 'application/pdf' },
        'run-test',
      );
      assert.ok(stored.id && stored.data === undefined, 'stored on disk, not inline');
      await runNode(sendEmailNode, {
        parameters: { ...base, options: { attachments: 'scan', appendAttribution: false } },
        items: [{ json: {}, binary: { scan: stored } }],
        credentials,
        services: { [BINARY.name]: store },
      });
      const [file] = last().attachments;
      assert.equal(file.filename, 'radio.pdf');
      assert.deepEqual(file.content, scan);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('fails clearly on a missing binary property, and ignores attachments of items without binary data (n8n)', async () => {
    await assert.rejects(
      runNode(sendEmailNode, {
        parameters: { ...base, options: { attachments: 'facture' } },
        items: [{ json: {}, binary: { autre: { data: 'eA==', mimeType: 'text/plain' } } }],
        credentials,
      }),
      rejects('BINARY_MISSING', false, /binary file 'facture'/),
    );
    const before = smtp.received.length;
    await runNode(sendEmailNode, {
      parameters: { ...base, options: { attachments: 'facture', appendAttribution: false } },
      items: [{ x: 1 }],
      credentials,
    });
    assert.equal(smtp.received.length, before + 1);
    assert.equal(last().attachments.length, 0);
  });

  describe('with a template', () => {
    it('renders subject, HTML and text from the item, sends both parts, reports missing variables', async () => {
      const { json, logs } = await runNode(sendEmailNode, {
        parameters: { ...base, template: 'Rappel' },
        items: [
          {
            customer: { firstName: 'Zoé' },
            reminder: { when: 'demain' },
            appointment: { date: '14/04 <9h>' },
          },
        ],
        credentials,
        services: templates([reminder]),
      });
      const mail = last();
      assert.equal(mail.subject, 'Rappel : rendez-vous demain pour Zoé');
      assert.equal(mail.html, '<p>Bonjour Zoé , <b>14/04 &lt;9h&gt;</b></p>');
      assert.equal(mail.text, 'Bonjour Zoé , 14/04 <9h>');
      assert.doesNotMatch(mail.html ?? '', /Relais/, 'no attribution by default with a template');
      assert.deepEqual(json[0][0].template, {
        id: 'tpl-1',
        name: 'Rappel',
        missingVariables: ['customer.lastName'],
      });
      assert.match(logs.join('\n'), /rendered without customer\.lastName/);
    });

    it('takes its data from templateData, finds the template by id, honours explicit format and attribution', async () => {
      await runNode(sendEmailNode, {
        parameters: {
          ...base,
          template: 'tpl-2',
          templateData: '={{ { customer: { firstName: $json.prenom } } }}',
          emailFormat: 'html',
          options: { appendAttribution: true },
        },
        items: [{ prenom: 'Léo' }],
        credentials,
        services: templates([
          reminder,
          {
            id: 'tpl-2',
            name: 'Autre',
            subject: 'Pour {{customer.firstName}}',
            body: '<p>{{customer.firstName}}</p>',
            text: 'x',
            isActive: true,
          },
        ]),
      });
      assert.equal(last().subject, 'Pour Léo');
      assert.equal(last().text, undefined);
      assert.match(last().html ?? '', /^<p>Léo<\/p>[\s\S]*sent automatically with Relais/);
    });

    it('refuses an unknown or inactive template, bad template data, and a process without templates', async () => {
      const services = templates([{ ...reminder, id: 'off', name: 'Inactif', isActive: false }]);
      await assert.rejects(
        runNode(sendEmailNode, {
          parameters: { ...base, template: 'Nope' },
          items: [{}],
          credentials,
          services,
        }),
        rejects('TEMPLATE_NOT_FOUND', false, /'Nope' does not exist/),
      );
      await assert.rejects(
        runNode(sendEmailNode, {
          parameters: { ...base, template: 'Inactif' },
          items: [{}],
          credentials,
          services,
        }),
        rejects('TEMPLATE_INACTIVE', false),
      );
      await assert.rejects(
        runNode(sendEmailNode, {
          parameters: { ...base, template: 'Rappel', templateData: '={{ [1, 2] }}' },
          items: [{}],
          credentials,
          services: templates([reminder]),
        }),
        rejects('INVALID_PARAMETER', false, /'Template Data' must be an object/),
      );
      await assert.rejects(
        runNode(sendEmailNode, { parameters: { ...base, template: 'Rappel' }, items: [{}], credentials }),
        rejects('SERVICE_UNAVAILABLE', false, /emailTemplates/),
      );
    });
  });

  describe('failures', () => {
    it('names an empty address parameter, refuses unsupported operations', async () => {
      await assert.rejects(
        runNode(sendEmailNode, { parameters: { ...base, toEmail: '' }, items: [{}], credentials }),
        rejects('INVALID_PARAMETER', false, /'To Email' is empty/),
      );
      await assert.rejects(
        runNode(sendEmailNode, { parameters: { toEmail: 'a@b.c' }, items: [{}], credentials }),
        rejects('INVALID_PARAMETER', false, /'From Email' is empty/),
      );
      await assert.rejects(
        runNode(sendEmailNode, {
          parameters: { ...base, operation: 'sendAndWait' },
          items: [{}],
          credentials,
        }),
        /only 'send' is supported/,
      );
    });

    it('turns a failure into an error item when continuing on fail', async () => {
      const { json } = await runNode(sendEmailNode, {
        parameters: { ...base, toEmail: '={{ $json.to }}', text: 'x', emailFormat: 'text' },
        items: [{ to: '' }, { to: 'ok@relais.test' }],
        onError: 'continue',
        credentials,
      });
      assert.deepEqual(json[0][0], { error: "Parameter 'To Email' is empty" });
      assert.deepEqual(json[0][1].accepted, ['ok@relais.test']);
    });

    it('refuses a permanently refused recipient, retries a temporarily refused one', async () => {
      await assert.rejects(
        runNode(sendEmailNode, {
          parameters: { ...base, toEmail: 'gone@relais.test' },
          items: [{}],
          credentials,
        }),
        rejects('EENVELOPE', false, /refused the sender or a recipient \(550\)/),
      );
      await assert.rejects(
        runNode(sendEmailNode, {
          parameters: { ...base, toEmail: 'busy@relais.test' },
          items: [{}],
          credentials,
        }),
        rejects('EENVELOPE', true, /\(450\)/),
      );
    });

    it('a refused connection is a retryable ECONNREFUSED', async () => {
      const closed = await startSmtp();
      const credential = closed.credential();
      await closed.close();
      await assert.rejects(
        runNode(sendEmailNode, { parameters: base, items: [{}], credentials: { smtp: credential } }),
        rejects('ECONNREFUSED', true, /refused the connection/),
      );
    });

    it('reports a missing credential and a credential without host', async () => {
      await assert.rejects(runNode(sendEmailNode, { parameters: base, items: [{}] }), /No credential 'smtp'/);
      await assert.rejects(
        runNode(sendEmailNode, { parameters: base, items: [{}], credentials: { smtp: { port: 25 } } }),
        rejects('INVALID_CREDENTIAL', false, /no 'host'/),
      );
    });

    it('outputs nothing for no items', async () => {
      assert.deepEqual((await runNode(sendEmailNode, { parameters: base, items: [], credentials })).json, [
        [],
      ]);
    });
  });
});

describe('Send Email with a server that requires a login', () => {
  let smtp: TestSmtp;
  before(async () => {
    smtp = await startSmtp({ auth: { user: 'cabinet', password: 'bon-mot-de-passe' } });
  });
  after(async () => {
    await sharedMailer.close();
    await smtp.close();
  });

  it('logs in with the credential', async () => {
    await runNode(sendEmailNode, {
      parameters: { ...base, text: 'x', emailFormat: 'text' },
      items: [{}],
      credentials: { smtp: smtp.credential() },
    });
    assert.equal(smtp.received[0].user, 'cabinet');
  });

  it('a wrong password is a non-retryable EAUTH', async () => {
    await assert.rejects(
      runNode(sendEmailNode, {
        parameters: base,
        items: [{}],
        credentials: { smtp: smtp.credential({ password: 'faux' }) },
      }),
      rejects('EAUTH', false, /refused the login/),
    );
    await assert.rejects(
      runNode(sendEmailNode, {
        parameters: base,
        items: [{}],
        credentials: { smtp: smtp.credential({ user: '', password: '' }) },
      }),
      (error: unknown) => error instanceof NodeError,
    );
    assert.equal(smtp.received.length, 1);
  });
});
