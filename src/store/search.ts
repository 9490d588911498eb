/** Case-insensitive "name contains" filter, the same on SQLite and PostgreSQL. */
import { type RawBuilder, type SqlBool, sql } from 'kysely';

/**
 * `lower(column) LIKE '%text%'` with LIKE's wildcards in `text` taken literally. `lower()` on both
 * sides instead of PostgreSQL's ILIKE, which SQLite lacks; SQLite needs the explicit ESCAPE.
 */
export function nameContains(column: string, text: string): RawBuilder<SqlBool> {
  const pattern = `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return sql<SqlBool>`lower(${sql.ref(column)}) like ${pattern} escape '\\'`;
}
