/**
 * `/api/email-templates` (`seeds/002` §6.3): list (filter by category, active flag, part of the
 * name), create, read, change, delete; `/:id/preview` renders with given data (missing variables
 * render empty and are listed); `/:id/send-test` sends the rendered e-mail to one address through
 * an SMTP credential (by id or name, or the only one there is). Reading needs `templates:read`,
 * everything else `templates:write`; writes and test e-mails go to the audit log.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { TEMPLATE_CATEGORIES } from '../../email/template-port.js';
import { EmailTemplateService, type SmtpCredentialSource } from '../../email/template-service.js';
import { sharedMailer } from '../../email/transport.js';
import type { JsonObject } from '../../engine/items.js';
import type { EmailTemplateRecord } from '../../store/email-template-store.js';
import type { ServerDeps } from '../deps.js';
import { badRequest, notFound } from '../http-error.js';
import {
  boolQuery,
  errorReplies,
  idParams,
  instant,
  iso,
  noContent,
  pageOf,
  pageQuery,
} from '../schemas/common.js';
import { audit } from './automations/shared.js';

const TAGS = ['email templates'];

const variable = z.union([
  z
    .string()
    .trim()
    .min(1)
    .max(200)
    .transform((name) => ({ name, description: '' })),
  z
    .object({ name: z.string().trim().min(1).max(200), description: z.string().max(1000).default('') })
    .strict(),
]);

const category = z.enum(TEMPLATE_CATEGORIES);

const fields = {
  name: z.string().trim().min(1).max(200),
  subject: z.string().min(1).max(2000).meta({ description: 'Handlebars; plain text (nothing is escaped)' }),
  body: z
    .string()
    .min(1)
    .max(1_000_000)
    .meta({ description: 'Handlebars, HTML: `{{x}}` is HTML-escaped, `{{{x}}}` inserted as is' }),
  text: z
    .string()
    .max(1_000_000)
    .nullable()
    .meta({ description: 'Handlebars, plain text part; null or absent: derived from the HTML' }),
  availableVariables: z.array(variable).max(200).meta({
    description: 'Documentation of the variables: `{ name: "customer.firstName", description }` or a name',
  }),
  category,
  isActive: z.boolean(),
};

const createSchema = z
  .object({
    ...fields,
    text: fields.text.optional(),
    availableVariables: fields.availableVariables.default([]),
    category: category.default('general'),
    isActive: z.boolean().default(true),
  })
  .strict();

const updateSchema = z
  .object({
    name: fields.name.optional(),
    subject: fields.subject.optional(),
    body: fields.body.optional(),
    text: fields.text.optional(),
    availableVariables: fields.availableVariables.optional(),
    category: category.optional(),
    isActive: z.boolean().optional(),
  })
  .strict();

const templateSchema = z.object({
  id: z.string(),
  name: z.string(),
  subject: z.string(),
  body: z.string(),
  text: z.string().nullable(),
  availableVariables: z.array(z.object({ name: z.string(), description: z.string() })),
  category,
  isActive: z.boolean(),
  createdAt: instant,
  updatedAt: instant,
});

const listQuery = pageQuery.extend({
  category: category.optional(),
  isActive: boolQuery.optional(),
  search: z.string().min(1).max(200).optional().meta({ description: 'Part of the name, any case' }),
});

const data = z
  .record(z.string(), z.unknown())
  .default({})
  .meta({ description: 'The variables: `{ customer: { firstName: "Zoé" } }`' });

const previewSchema = z.object({ data }).strict();

const previewReply = z.object({
  subject: z.string(),
  html: z.string(),
  text: z.string(),
  missingVariables: z.array(z.string()).meta({ description: 'Variables the data lacks (rendered empty)' }),
});

const sendTestSchema = z
  .object({
    to: z.email().max(320),
    from: z.string().min(3).max(320).optional().meta({ description: "Default: the SMTP credential's user" }),
    data,
    credentialId: z.string().min(1).optional(),
    credentialName: z.string().min(1).optional(),
    allowUnauthorizedCerts: z.boolean().default(false),
  })
  .strict();

const sendTestReply = z.object({
  accepted: z.array(z.string()),
  rejected: z.array(z.string()),
  messageId: z.string().nullable(),
  response: z.string().nullable(),
  missingVariables: z.array(z.string()),
});

function view(t: EmailTemplateRecord): z.infer<typeof templateSchema> {
  return {
    id: t.id,
    name: t.name,
    subject: t.subject,
    body: t.body,
    text: t.text,
    availableVariables: t.availableVariables,
    category: t.category,
    isActive: t.isActive,
    createdAt: iso(t.createdAt),
    updatedAt: iso(t.updatedAt),
  };
}

/** An `smtp` credential by id or name, or the only one; decrypted with its type's defaults. */
function smtpCredentialSource(deps: ServerDeps): SmtpCredentialSource {
  return async (ref) => {
    const store = deps.store.credentials;
    let record = ref.credentialId
      ? await store.get(ref.credentialId)
      : ref.credentialName
        ? await store.findByTypeAndName('smtp', ref.credentialName)
        : null;
    if (ref.credentialId || ref.credentialName) {
      if (record?.type !== 'smtp') throw notFound('SMTP credential');
    } else {
      const page = await store.list({ limit: 2, type: 'smtp' });
      if (page.items.length === 0) {
        throw badRequest('There is no SMTP credential: create one (POST /api/credentials, type smtp)');
      }
      if (page.items.length > 1) {
        throw badRequest('There are several SMTP credentials: give credentialId or credentialName', [
          { field: 'credentialId', message: 'required when several SMTP credentials exist' },
        ]);
      }
      record = page.items[0];
    }
    const fields = deps.credentials.decrypt(record!);
    const parsed = deps.credentials.types.get('smtp')?.schema.safeParse(fields);
    return (parsed?.success ? parsed.data : fields) as JsonObject;
  };
}

export function emailTemplateRoutes(deps: ServerDeps): FastifyPluginAsyncZod {
  const service = new EmailTemplateService({
    store: deps.store.emailTemplates,
    clock: deps.clock,
    mailer: sharedMailer,
    smtpCredential: smtpCredentialSource(deps),
  });
  const load = async (id: string) => {
    const found = await service.get(id);
    if (!found) throw notFound('Template');
    return found;
  };
  return async (app) => {
    app.get(
      '/api/email-templates',
      {
        config: { permission: 'templates:read' },
        schema: {
          tags: TAGS,
          summary: 'List e-mail templates, newest first',
          querystring: listQuery,
          response: { 200: pageOf(templateSchema), ...errorReplies(400) },
        },
      },
      async (request) => {
        const page = await service.list(request.query);
        return { items: page.items.map(view), nextCursor: page.nextCursor };
      },
    );

    app.post(
      '/api/email-templates',
      {
        config: { permission: 'templates:write' },
        schema: {
          tags: TAGS,
          summary: 'Create a template; its Handlebars must compile, its name be unique',
          body: createSchema,
          response: { 201: templateSchema, ...errorReplies(400, 409) },
        },
      },
      async (request, reply) => {
        const created = await service.create(request.body);
        await audit(deps, request, {
          action: 'template.created',
          entityType: 'emailTemplate',
          entityId: created.id,
          details: { name: created.name },
        });
        return reply.status(201).send(view(created));
      },
    );

    app.get(
      '/api/email-templates/:id',
      {
        config: { permission: 'templates:read' },
        schema: { tags: TAGS, params: idParams, response: { 200: templateSchema, ...errorReplies(404) } },
      },
      async (request) => view(await load(request.params.id)),
    );

    app.put(
      '/api/email-templates/:id',
      {
        config: { permission: 'templates:write' },
        schema: {
          tags: TAGS,
          summary: 'Change a template: the fields given (the others keep their value)',
          params: idParams,
          body: updateSchema,
          response: { 200: templateSchema, ...errorReplies(400, 404, 409) },
        },
      },
      async (request) => {
        const updated = await service.update(request.params.id, request.body);
        await audit(deps, request, {
          action: 'template.updated',
          entityType: 'emailTemplate',
          entityId: updated.id,
          details: { name: updated.name, fields: Object.keys(request.body).sort() },
        });
        return view(updated);
      },
    );

    app.delete(
      '/api/email-templates/:id',
      {
        config: { permission: 'templates:write' },
        schema: { tags: TAGS, params: idParams, response: { 204: noContent, ...errorReplies(404) } },
      },
      async (request, reply) => {
        const found = await load(request.params.id);
        if (!(await service.delete(found.id))) throw notFound('Template');
        await audit(deps, request, {
          action: 'template.deleted',
          entityType: 'emailTemplate',
          entityId: found.id,
          details: { name: found.name },
        });
        return reply.status(204).send(null);
      },
    );

    app.post(
      '/api/email-templates/:id/preview',
      {
        config: { permission: 'templates:read' },
        schema: {
          tags: TAGS,
          summary: 'Render subject, HTML and text with the given data; lists the variables it lacks',
          params: idParams,
          body: previewSchema,
          response: { 200: previewReply, ...errorReplies(400, 404) },
        },
      },
      async (request) => service.preview(request.params.id, request.body.data),
    );

    app.post(
      '/api/email-templates/:id/send-test',
      {
        config: { permission: 'templates:write' },
        schema: {
          tags: TAGS,
          summary: 'Send the rendered template to one address through an SMTP credential',
          params: idParams,
          body: sendTestSchema,
          response: { 200: sendTestReply, ...errorReplies(400, 404, 502) },
        },
      },
      async (request) => {
        const template = await load(request.params.id);
        const result = await service.sendTest(template.id, request.body);
        await audit(deps, request, {
          action: 'template.test_sent',
          entityType: 'emailTemplate',
          entityId: template.id,
          details: { name: template.name, to: request.body.to },
        });
        return {
          accepted: strings(result.accepted),
          rejected: strings(result.rejected),
          messageId: typeof result.messageId === 'string' ? result.messageId : null,
          response: typeof result.response === 'string' ? result.response : null,
          missingVariables: result.missingVariables,
        };
      },
    );
  };
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : [];
}
