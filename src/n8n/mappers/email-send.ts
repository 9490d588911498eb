/**
 * Send Email v1/v2/v2.1 (`EmailSend/v1/EmailSendV1.node.ts`, `EmailSend/v2/send.operation.ts`) → v2.1.
 *
 * v1: `fromEmail`, `toEmail`, `ccEmail`, `bccEmail`, `subject`, `text`, `html`, `attachments` and
 * `options.allowUnauthorizedCerts`; it sent the text and/or the HTML that were filled in.
 * v2: `emailFormat` (text, the default | html | both) and CC, BCC, attachments, reply-to in
 * `options`. v2.1 defaults `emailFormat` to html and appends n8n's attribution line unless
 * `options.appendAttribution` is false: v1 and v2 never did, so it is written out as false.
 */
import { clone, omit, record } from '../params.js';
import type { MapContext, MappedNode, Params } from '../types.js';

export function mapEmailSend(p: Params, ctx: MapContext): MappedNode {
  if (ctx.version >= 2.1) return { type: 'emailSend', parameters: clone(p), outputs: [[0]] };
  if (ctx.version >= 2) {
    const options = record(p.options);
    return {
      type: 'emailSend',
      parameters: {
        ...clone(p),
        emailFormat: p.emailFormat ?? 'text',
        options: { ...clone(options), appendAttribution: options.appendAttribution ?? false },
      },
      outputs: [[0]],
    };
  }
  const hasText = typeof p.text === 'string' && p.text !== '';
  const hasHtml = typeof p.html === 'string' && p.html !== '';
  const options: Params = { ...clone(record(p.options)), appendAttribution: false };
  for (const key of ['ccEmail', 'bccEmail', 'attachments'])
    if (p[key] !== undefined && p[key] !== '') options[key] = p[key];
  return {
    type: 'emailSend',
    parameters: {
      ...omit(clone(p), ['ccEmail', 'bccEmail', 'attachments', 'options']),
      operation: 'send',
      emailFormat: hasText && hasHtml ? 'both' : hasHtml ? 'html' : 'text',
      options,
    },
    outputs: [[0]],
  };
}
