/**
 * Send Email (n8n `emailSend` v2.1, `EmailSend/v2/send.operation.ts`): one e-mail per input item
 * over SMTP (nodemailer, pooled connections per credential: src/email/transport.ts), with n8n's
 * parameters — from, to, subject, format (text, HTML or both), and in `options` CC, BCC, reply-to,
 * attachments from binary properties, "Ignore SSL Issues" and the attribution line. The output item
 * is what the SMTP server answered (nodemailer's info: accepted, rejected, messageId, response...),
 * as in n8n.
 *
 * Relais adds stored templates: `template` (id or name) renders the subject, HTML and text with
 * Handlebars from `templateData` (default: the item's JSON); the output then also carries
 * `template: { id, name, missingVariables }`. Templates come through the `emailTemplates` service
 * (src/email/template-port.ts), never from the store directly.
 *
 * n8n behaviours kept: attachments are read only when the item has binary data (an item without
 * any is sent without attachments), each attachment's Content-ID is its property name (for
 * `<img src="cid:...">`), a missing file name is "unknown". Failures are NodeErrors the engine's
 * retry rules can match (ECONNREFUSED, ETIMEDOUT... retryable; bad login, refused recipient and
 * bad parameters are not).
 */
import { getBinaryAccess, requireBinary } from '../binary/access.js';
import { renderEmail, TemplateRenderError } from '../email/render.js';
import { EMAIL_TEMPLATES } from '../email/template-port.js';
import { type MailAttachment, type MailMessage, sharedMailer, smtpSettings } from '../email/transport.js';
import { NonRetryableError } from '../engine/errors.js';
import type { Item, JsonObject } from '../engine/items.js';
import { defineNode, mapItems, type NodeContext } from './sdk.js';
import { type EmailFormat, type SendEmailParams, sendEmailParams } from './send-email/params.js';

const ATTRIBUTION = 'This email was sent automatically with Relais';

interface Content {
  subject: string;
  format: EmailFormat;
  text: string;
  html: string;
  template?: { id: string; name: string; missingVariables: string[] };
}

function required(value: string, label: string, itemIndex: number): string {
  if (value.trim() === '') {
    throw new NonRetryableError(`Parameter '${label}' is empty`, {
      code: 'INVALID_PARAMETER',
      itemIndex,
      description: `Give the ${label.toLowerCase()} address, e.g. "Nathan Doe <nate@example.com>".`,
    });
  }
  return value;
}

async function templateContent(
  ctx: NodeContext<SendEmailParams>,
  p: SendEmailParams,
  item: Item,
  itemIndex: number,
): Promise<Content> {
  const found = await ctx.service(EMAIL_TEMPLATES).find(p.template);
  if (!found) {
    throw new NonRetryableError(`The e-mail template '${p.template}' does not exist`, {
      code: 'TEMPLATE_NOT_FOUND',
      itemIndex,
      description:
        'Parameter "Template" takes the id or the exact name of a template (GET /api/email-templates).',
    });
  }
  if (!found.isActive) {
    throw new NonRetryableError(`The e-mail template '${found.name}' is inactive`, {
      code: 'TEMPLATE_INACTIVE',
      itemIndex,
      description: 'Activate it (PUT /api/email-templates/:id with isActive: true) or choose another one.',
    });
  }
  const data = p.templateData ?? item.json;
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new NonRetryableError(`Parameter 'Template Data' must be an object`, {
      code: 'INVALID_PARAMETER',
      itemIndex,
      description: `It is ${Array.isArray(data) ? 'an array' : typeof data}; use e.g. {{ $json }} or {{ { customer: $json.client } }}.`,
    });
  }
  let rendered: ReturnType<typeof renderEmail>;
  try {
    rendered = renderEmail(found, data);
  } catch (error) {
    if (!(error instanceof TemplateRenderError)) throw error;
    throw new NonRetryableError(`The e-mail template '${found.name}' cannot be rendered: ${error.message}`, {
      code: 'TEMPLATE_ERROR',
      itemIndex,
    });
  }
  if (rendered.missingVariables.length > 0) {
    ctx.stepLog(
      `Item ${itemIndex}: template '${found.name}' rendered without ${rendered.missingVariables.join(', ')}`,
    );
  }
  return {
    subject: rendered.subject,
    format: p.emailFormat ?? 'both',
    text: rendered.text,
    html: rendered.html,
    template: { id: found.id, name: found.name, missingVariables: rendered.missingVariables },
  };
}

/** n8n's attribution: appended to the HTML when there is HTML, otherwise to the text. */
function withAttribution(content: Content): Content {
  if (content.format === 'html' || (content.format === 'both' && content.html)) {
    return { ...content, html: `${content.html}\n<br>\n<br>\n---\n<br>\n<em>${ATTRIBUTION}</em>\n` };
  }
  return { ...content, text: `${content.text}\n\n---\n${ATTRIBUTION}` };
}

async function attachments(
  ctx: NodeContext<SendEmailParams>,
  item: Item,
  list: string,
  itemIndex: number,
): Promise<MailAttachment[]> {
  // n8n reads attachments only when the item carries binary data at all.
  if (list.trim() === '' || item.binary === undefined) return [];
  const access = getBinaryAccess(ctx);
  const out: MailAttachment[] = [];
  for (const property of list.split(',').map((s) => s.trim())) {
    if (property === '') continue;
    const binary = requireBinary(item, property, itemIndex);
    out.push({
      filename: binary.fileName || 'unknown',
      content: await access.get(binary),
      ...(binary.mimeType && { contentType: binary.mimeType }),
      cid: property,
    });
  }
  return out;
}

async function execute(ctx: NodeContext<SendEmailParams>): Promise<Item[][]> {
  let credential: Promise<JsonObject> | undefined;
  const out = await mapItems(ctx, async (item, i) => {
    const p = ctx.getParams(i);
    const from = required(p.fromEmail, 'From Email', i);
    const to = required(p.toEmail, 'To Email', i);
    let content: Content =
      p.template.trim() !== ''
        ? await templateContent(ctx, p, item, i)
        : { subject: p.subject, format: p.emailFormat ?? 'html', text: p.text, html: p.html };
    if (p.options.appendAttribution ?? content.template === undefined) content = withAttribution(content);
    const message: MailMessage = {
      from,
      to,
      subject: content.subject,
      ...(p.options.ccEmail.trim() !== '' && { cc: p.options.ccEmail }),
      ...(p.options.bccEmail.trim() !== '' && { bcc: p.options.bccEmail }),
      ...(p.options.replyTo.trim() !== '' && { replyTo: p.options.replyTo }),
      ...(content.format !== 'html' && { text: content.text }),
      ...(content.format !== 'text' && { html: content.html }),
    };
    const files = await attachments(ctx, item, p.options.attachments, i);
    if (files.length > 0) message.attachments = files;
    credential ??= ctx.getCredentials('smtp');
    const settings = smtpSettings(await credential, p.options.allowUnauthorizedCerts);
    const info = await sharedMailer.send(settings, message, ctx.signal);
    return {
      json: content.template ? { ...info, template: content.template } : info,
      pairedItem: { item: i },
    };
  });
  return [out];
}

export const sendEmailNode = defineNode({
  type: 'emailSend',
  version: 2.1,
  displayName: 'Send Email',
  description: 'Sends an e-mail over SMTP: text, HTML, attachments, or a stored template.',
  group: 'action',
  params: sendEmailParams,
  inputs: 1,
  outputs: ['main'],
  credentials: [{ name: 'smtp', required: true }],
  execute,
});
