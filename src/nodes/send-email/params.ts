/**
 * Parameters of the Send Email node exactly as n8n's v2.1 exports them (`EmailSend/v2/
 * send.operation.ts`, `EmailSendV2.node.ts`): `fromEmail`, `toEmail`, `subject`, `emailFormat`,
 * `text`, `html`, and the `options` collection holding `appendAttribution`, `attachments`,
 * `ccEmail`, `bccEmail`, `allowUnauthorizedCerts` and `replyTo` (v2 moved CC and BCC there from
 * v1's top level; the importer converts v1). Plus Relais' `template` (id or name of a stored
 * template) and `templateData` (the variables; default: the item's JSON).
 *
 * `emailFormat` and `options.appendAttribution` have n8n's defaults (`html`, and true from v2.1)
 * when no template is used; with a template the defaults are `both` and false, so that a template
 * goes out as written, with its text part. Values given explicitly always win.
 */
import { z } from 'zod';

/** A text parameter: expressions may produce numbers or booleans (a zip code, an order number). */
const text = z
  .union([z.string(), z.number(), z.boolean(), z.null()])
  .transform((v) => (v === null ? '' : String(v)))
  .default('');

export const EMAIL_FORMATS = ['text', 'html', 'both'] as const;
export type EmailFormat = (typeof EMAIL_FORMATS)[number];

export const sendEmailParams = z
  .object({
    resource: z.literal('email').default('email'),
    operation: z
      .literal('send', {
        error: () => "Operation: only 'send' is supported (n8n's 'Send and Wait for Response' is not)",
      })
      .default('send'),
    fromEmail: text,
    toEmail: text,
    subject: text,
    emailFormat: z.enum(EMAIL_FORMATS).optional(),
    text,
    html: text,
    /** Relais: a stored e-mail template, by id or name; its subject, HTML and text are used. */
    template: text,
    /** Relais: the template's variables (an expression giving an object); default: the item's JSON. */
    templateData: z.unknown().optional(),
    options: z
      .object({
        appendAttribution: z.boolean().optional(),
        /** Binary properties to attach, comma-separated. */
        attachments: text,
        ccEmail: text,
        bccEmail: text,
        allowUnauthorizedCerts: z.boolean().default(false),
        replyTo: text,
      })
      .loose()
      .prefault({}),
  })
  .loose();

export type SendEmailParams = z.output<typeof sendEmailParams>;
