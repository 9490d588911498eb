/**
 * E-mail templates on Kysely (migration 0007). Names are unique (the database decides, so two
 * concurrent creations cannot both win); lists are newest first with an opaque cursor and filter
 * by category, active flag and a part of the name.
 */
import type { Kysely, Selectable } from 'kysely';
import type { TemplateCategory, TemplateVariable } from '../email/template-port.js';
import { type Page, readPage } from './cursor.js';
import type { StoreDialect, ValueCodec } from './dialects/types.js';
import type { DbBool, DbDate, DbJson } from './schema.js';
import { nameContains } from './search.js';
import { isUniqueViolation } from './unique-violation.js';

export interface EmailTemplatesTable {
  id: string;
  name: string;
  subject: string;
  body: string;
  text: string | null;
  available_variables: DbJson;
  category: string;
  is_active: DbBool;
  created_at: DbDate;
  updated_at: DbDate;
}

export interface EmailTemplateRecord {
  id: string;
  name: string;
  subject: string;
  body: string;
  text: string | null;
  availableVariables: TemplateVariable[];
  category: TemplateCategory;
  isActive: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewEmailTemplate {
  id: string;
  name: string;
  subject: string;
  body: string;
  text: string | null;
  availableVariables: TemplateVariable[];
  category: TemplateCategory;
  isActive: boolean;
  now: Date;
}

/** Fields left undefined keep their value; `text: null` removes the text part. */
export interface EmailTemplatePatch {
  name?: string;
  subject?: string;
  body?: string;
  text?: string | null;
  availableVariables?: TemplateVariable[];
  category?: TemplateCategory;
  isActive?: boolean;
  now: Date;
}

export interface EmailTemplateListQuery {
  limit: number;
  cursor?: string | null;
  category?: TemplateCategory;
  isActive?: boolean;
  /** Case-insensitive part of the name. */
  search?: string;
}

/** Named outcome of a write: another template has this name, or the id is unknown. */
export type EmailTemplateWriteResult =
  | { ok: true; template: EmailTemplateRecord }
  | { ok: false; reason: 'duplicate' | 'not_found' };

export interface EmailTemplateStore {
  create(template: NewEmailTemplate): Promise<EmailTemplateWriteResult>;
  get(id: string): Promise<EmailTemplateRecord | null>;
  findByName(name: string): Promise<EmailTemplateRecord | null>;
  /** Newest first. */
  list(query: EmailTemplateListQuery): Promise<Page<EmailTemplateRecord>>;
  update(id: string, patch: EmailTemplatePatch): Promise<EmailTemplateWriteResult>;
  /** False when it did not exist. */
  delete(id: string): Promise<boolean>;
}

// A type literal, not an interface: `withTables` needs an index-signature-compatible type.
type Tables = { email_templates: EmailTemplatesTable };

export function createEmailTemplateStore(dialect: StoreDialect): EmailTemplateStore {
  // The table is this repository's alone: typed here rather than in the shared Database type.
  const db = dialect.db.withTables<Tables>() as unknown as Kysely<Tables>;
  const { codec } = dialect;
  const read = (row: Selectable<EmailTemplatesTable>) => templateFromRow(codec, row);

  return {
    async create(t: NewEmailTemplate): Promise<EmailTemplateWriteResult> {
      const now = codec.date(t.now);
      try {
        await db
          .insertInto('email_templates')
          .values({
            id: t.id,
            name: t.name,
            subject: t.subject,
            body: t.body,
            text: t.text,
            available_variables: codec.json(t.availableVariables),
            category: t.category,
            is_active: codec.bool(t.isActive),
            created_at: now,
            updated_at: now,
          })
          .execute();
      } catch (error) {
        if (isUniqueViolation(error)) return { ok: false, reason: 'duplicate' };
        throw error;
      }
      const { now: at, ...rest } = t;
      return { ok: true, template: { ...rest, createdAt: at, updatedAt: at } };
    },

    async get(id: string): Promise<EmailTemplateRecord | null> {
      const row = await db.selectFrom('email_templates').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? read(row) : null;
    },

    async findByName(name: string): Promise<EmailTemplateRecord | null> {
      const row = await db
        .selectFrom('email_templates')
        .selectAll()
        .where('name', '=', name)
        .executeTakeFirst();
      return row ? read(row) : null;
    },

    async list(query: EmailTemplateListQuery): Promise<Page<EmailTemplateRecord>> {
      const rows = db
        .selectFrom('email_templates')
        .selectAll()
        .$if(query.category !== undefined, (q) => q.where('category', '=', query.category!))
        .$if(query.isActive !== undefined, (q) => q.where('is_active', '=', codec.bool(query.isActive!)))
        .$if(!!query.search, (q) => q.where(nameContains('name', query.search!)));
      return readPage(rows, codec, query, read);
    },

    async update(id: string, patch: EmailTemplatePatch): Promise<EmailTemplateWriteResult> {
      let row: Selectable<EmailTemplatesTable> | undefined;
      try {
        row = await db
          .updateTable('email_templates')
          .set({
            ...(patch.name !== undefined && { name: patch.name }),
            ...(patch.subject !== undefined && { subject: patch.subject }),
            ...(patch.body !== undefined && { body: patch.body }),
            ...(patch.text !== undefined && { text: patch.text }),
            ...(patch.availableVariables !== undefined && {
              available_variables: codec.json(patch.availableVariables),
            }),
            ...(patch.category !== undefined && { category: patch.category }),
            ...(patch.isActive !== undefined && { is_active: codec.bool(patch.isActive) }),
            updated_at: codec.date(patch.now),
          })
          .where('id', '=', id)
          .returningAll()
          .executeTakeFirst();
      } catch (error) {
        if (isUniqueViolation(error)) return { ok: false, reason: 'duplicate' };
        throw error;
      }
      return row ? { ok: true, template: read(row) } : { ok: false, reason: 'not_found' };
    },

    async delete(id: string): Promise<boolean> {
      const result = await db.deleteFrom('email_templates').where('id', '=', id).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },
  };
}

function templateFromRow(codec: ValueCodec, row: Selectable<EmailTemplatesTable>): EmailTemplateRecord {
  return {
    id: row.id,
    name: row.name,
    subject: row.subject,
    body: row.body,
    text: row.text,
    availableVariables: codec.readJson<TemplateVariable[]>(row.available_variables),
    category: row.category as TemplateCategory,
    isActive: codec.readBool(row.is_active),
    createdAt: codec.readDate(row.created_at),
    updatedAt: codec.readDate(row.updated_at),
  };
}
