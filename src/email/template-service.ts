/**
 * E-mail templates as the API sees them (`seeds/002` §6.3): create, change and delete with the
 * Handlebars checked at save time (a template that does not compile is refused with the line and
 * column), render a preview with given data (missing variables are rendered empty and listed), and
 * send a test e-mail through an SMTP credential. Also the read-only port nodes use
 * (`templateSourceOf`).
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../engine/clock.js';
import { NodeError } from '../engine/errors.js';
import type { JsonObject } from '../engine/items.js';
import { badRequest, conflict, HttpError, notFound } from '../server/http-error.js';
import type { Page } from '../store/cursor.js';
import type {
  EmailTemplateListQuery,
  EmailTemplateRecord,
  EmailTemplateStore,
  EmailTemplateWriteResult,
} from '../store/email-template-store.js';
import { checkTemplate, type RenderedEmail, renderEmail, TemplateRenderError } from './render.js';
import type { EmailTemplateSource, TemplateCategory, TemplateVariable } from './template-port.js';
import { type Mailer, type SentInfo, smtpSettings } from './transport.js';

export interface TemplateInput {
  name: string;
  subject: string;
  body: string;
  text?: string | null;
  availableVariables?: TemplateVariable[];
  category?: TemplateCategory;
  isActive?: boolean;
}

export type TemplateUpdate = Partial<TemplateInput>;

/** Which SMTP credential a test e-mail goes through: by id or name, or the only one there is. */
export interface SmtpCredentialRef {
  credentialId?: string;
  credentialName?: string;
}

/** Finds and decrypts an `smtp` credential (the server wires it to the credential service). */
export type SmtpCredentialSource = (ref: SmtpCredentialRef) => Promise<JsonObject>;

export interface SendTestRequest extends SmtpCredentialRef {
  to: string;
  /** Default: the credential's user when it is an address. */
  from?: string;
  data?: Record<string, unknown>;
  /** n8n's "Ignore SSL Issues". */
  allowUnauthorizedCerts?: boolean;
}

export interface SendTestResult {
  accepted: unknown;
  rejected: unknown;
  messageId: unknown;
  response: unknown;
  missingVariables: string[];
}

export interface EmailTemplateServiceDeps {
  store: EmailTemplateStore;
  clock: Clock;
  mailer: Mailer;
  smtpCredential: SmtpCredentialSource;
}

export class EmailTemplateService {
  constructor(private readonly deps: EmailTemplateServiceDeps) {}

  list(query: EmailTemplateListQuery): Promise<Page<EmailTemplateRecord>> {
    return this.deps.store.list(query);
  }

  get(id: string): Promise<EmailTemplateRecord | null> {
    return this.deps.store.get(id);
  }

  async create(input: TemplateInput): Promise<EmailTemplateRecord> {
    checkCompiles(input);
    const result = await this.deps.store.create({
      id: randomUUID(),
      name: input.name,
      subject: input.subject,
      body: input.body,
      text: emptyToNull(input.text),
      availableVariables: input.availableVariables ?? [],
      category: input.category ?? 'general',
      isActive: input.isActive ?? true,
      now: this.deps.clock.now(),
    });
    return written(result, input.name);
  }

  async update(id: string, patch: TemplateUpdate): Promise<EmailTemplateRecord> {
    checkCompiles(patch);
    const result = await this.deps.store.update(id, {
      ...patch,
      ...(patch.text !== undefined && { text: emptyToNull(patch.text) }),
      now: this.deps.clock.now(),
    });
    return written(result, patch.name ?? '');
  }

  delete(id: string): Promise<boolean> {
    return this.deps.store.delete(id);
  }

  async preview(id: string, data: Record<string, unknown>): Promise<RenderedEmail> {
    const template = await this.deps.store.get(id);
    if (!template) throw notFound('Template');
    return render(template, data);
  }

  async sendTest(id: string, request: SendTestRequest): Promise<SendTestResult> {
    const template = await this.deps.store.get(id);
    if (!template) throw notFound('Template');
    const rendered = render(template, request.data ?? {});
    const credential = await this.deps.smtpCredential(request);
    const from =
      request.from ??
      (typeof credential.user === 'string' && credential.user.includes('@') ? credential.user : '');
    if (from === '') {
      throw badRequest('Give the sender address: the SMTP credential has no user that is an e-mail address', [
        { field: 'from', message: 'required with this credential' },
      ]);
    }
    let info: SentInfo;
    try {
      info = await this.deps.mailer.send(smtpSettings(credential, request.allowUnauthorizedCerts ?? false), {
        from,
        to: request.to,
        subject: rendered.subject,
        html: rendered.html,
        text: rendered.text,
      });
    } catch (error) {
      if (!(error instanceof NodeError)) throw error;
      // The SMTP server, not this API, failed: 502 with what it said.
      throw new HttpError(502, 'send_failed', error.message, {
        code: error.code,
        description: error.description,
      });
    }
    return {
      accepted: info.accepted ?? [],
      rejected: info.rejected ?? [],
      messageId: info.messageId ?? null,
      response: info.response ?? null,
      missingVariables: rendered.missingVariables,
    };
  }
}

/** The port the Send Email node reads templates through: by id, else by name. */
export function templateSourceOf(store: EmailTemplateStore): EmailTemplateSource {
  return {
    async find(idOrName: string) {
      const found = (await store.get(idOrName)) ?? (await store.findByName(idOrName));
      if (!found) return null;
      const { id, name, subject, body, text, isActive } = found;
      return { id, name, subject, body, text, isActive };
    },
  };
}

function render(template: EmailTemplateRecord, data: Record<string, unknown>): RenderedEmail {
  try {
    return renderEmail(template, data);
  } catch (error) {
    if (error instanceof TemplateRenderError) {
      throw badRequest(`The template cannot be rendered: ${error.message}`, [
        { field: 'template', message: error.message },
      ]);
    }
    throw error;
  }
}

function checkCompiles(fields: TemplateUpdate): void {
  const problems = checkTemplate(fields);
  if (problems.length > 0) {
    throw badRequest(
      `The template does not compile: ${problems[0].message.split('\n')[0]}`,
      problems.map((p) => ({ ...p, message: p.message })),
    );
  }
}

function emptyToNull(text: string | null | undefined): string | null {
  return text === undefined || text === null || text === '' ? null : text;
}

function written(result: EmailTemplateWriteResult, name: string): EmailTemplateRecord {
  if (result.ok) return result.template;
  if (result.reason === 'not_found') throw notFound('Template');
  throw conflict(`A template named '${name}' exists already`, [{ field: 'name', message: 'already used' }]);
}
