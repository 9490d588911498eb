/**
 * The e-mail templates as nodes see them: read-only, by id or by name, through a service the
 * runtime provides (`ctx.service(EMAIL_TEMPLATES)`). Nodes never reach the store: the runtime wires
 * `templateSourceOf(store.emailTemplates)` (src/email/template-service.ts) into the engine's services.
 */
import { serviceKey } from '../nodes/sdk.js';

export const TEMPLATE_CATEGORIES = ['order', 'customer', 'project', 'invoice', 'general'] as const;
export type TemplateCategory = (typeof TEMPLATE_CATEGORIES)[number];

/** A variable a template documents (`seeds/002`: `availableVariables: [{ name, description }]`). */
export interface TemplateVariable {
  name: string;
  description: string;
}

/** What rendering needs of a stored template. */
export interface EmailTemplateContent {
  id: string;
  name: string;
  /** Handlebars, rendered as plain text (a header: nothing is HTML-escaped). */
  subject: string;
  /** Handlebars, HTML: `{{ }}` escapes, `{{{ }}}` inserts raw HTML. */
  body: string;
  /** Handlebars, plain text; absent: derived from the HTML. */
  text: string | null;
  isActive: boolean;
}

export interface EmailTemplateSource {
  /** The template with this id, else the one with this name; null when there is none. */
  find(idOrName: string): Promise<EmailTemplateContent | null>;
}

export const EMAIL_TEMPLATES = serviceKey<EmailTemplateSource>('emailTemplates');
