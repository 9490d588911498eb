/**
 * E-mail templates (issue 5, point 2; `seeds/002` EmailTemplate): Handlebars subject, HTML body and
 * optional text, the variables they document, a category and an active flag. Names are unique:
 * the Send Email node and the API find a template by id or by name.
 *
 * The default templates (src/email/defaults.ts) are inserted here, in the transaction that creates
 * the table: they appear once, on the first start, and a template someone deletes later stays
 * deleted (a seeding step at every start could not tell "deleted" from "never created").
 */
import { randomUUID } from 'node:crypto';
import type { Kysely, Migration } from 'kysely';
import { DEFAULT_TEMPLATES } from '../../email/defaults.js';
import type { DialectCapabilities } from '../dialects/types.js';

export function emailTemplates(caps: DialectCapabilities): Migration {
  const json = caps.jsonColumnType;
  const date = caps.dateColumnType;
  const bool = caps.boolColumnType;
  const dateValue = (d: Date) => (date === 'integer' ? d.getTime() : d);
  const boolValue = (b: boolean) => (bool === 'integer' ? (b ? 1 : 0) : b);
  return {
    // biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's Database type.
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('email_templates')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('text', 'text')
        .addColumn('available_variables', json, (c) => c.notNull())
        .addColumn('category', 'text', (c) => c.notNull())
        .addColumn('is_active', bool, (c) => c.notNull())
        .addColumn('created_at', date, (c) => c.notNull())
        .addColumn('updated_at', date, (c) => c.notNull())
        .addUniqueConstraint('email_templates_name', ['name'])
        .execute();
      await db.schema
        .createIndex('email_templates_created_at')
        .on('email_templates')
        .columns(['created_at', 'id'])
        .execute();

      const start = Date.now();
      await db
        .insertInto('email_templates')
        .values(
          DEFAULT_TEMPLATES.map((t, i) => {
            // One millisecond apart: newest-first lists show them in a stable order.
            const at = dateValue(new Date(start + i));
            return {
              id: randomUUID(),
              name: t.name,
              subject: t.subject,
              body: t.body,
              text: t.text,
              available_variables: JSON.stringify(t.availableVariables),
              category: t.category,
              is_active: boolValue(true),
              created_at: at,
              updated_at: at,
            };
          }),
        )
        .execute();
    },
  };
}
