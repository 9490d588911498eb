/**
 * Table, column and index names. Names reach SQL only as quoted identifiers (Kysely's schema
 * builder and `sql.id`), never spliced; the rules here keep them portable and readable anyway:
 * a letter, then letters, digits or `_`, at most 63 characters (PostgreSQL's limit), not an SQL
 * reserved word, and never starting with `_` (system columns are `_id`, `_created_at`, ...).
 * Names are unique case-insensitively (SQLite ignores case in column names, PostgreSQL does not
 * for quoted ones: refusing `Nom` next to `nom` keeps both databases alike).
 */
import { TableError } from './port.js';

const IDENTIFIER = /^[A-Za-z][A-Za-z0-9_]*$/;
export const MAX_NAME_LENGTH = 63;

/**
 * Reserved words of SQL:2016 and PostgreSQL that are also keywords in SQLite or MySQL — the ones
 * that break hand-written SQL even quoted nowhere. Common nouns that are only non-reserved
 * keywords (`date`, `type`, `name`, `time`, `timestamp`, `source`) stay allowed: the seeds use them.
 */
const RESERVED = new Set(
  `all alter analyse analyze and any array as asc asymmetric authorization between binary both case cast
  check collate collation column concurrently constraint create cross current_catalog current_date
  current_role current_schema current_time current_timestamp current_user default deferrable delete
  desc distinct do drop else end except exists false fetch for foreign freeze from full grant group
  having ilike in index initially inner insert intersect into is isnull join lateral leading left like
  limit localtime localtimestamp natural not notnull null offset on only or order outer overlaps
  placing primary references returning right rowid select session_user set similar some symmetric
  table tablesample then to trailing true union unique update user using values variadic verbose when
  where window with`.split(/\s+/),
);

export type NameKind = 'table' | 'column' | 'index';

/** Throws a TableError naming `field` when `name` is not a valid name; returns it otherwise. */
export function checkName(kind: NameKind, name: unknown, field: string): string {
  const fail = (why: string): never => {
    throw new TableError('invalid', `Invalid ${kind} name ${JSON.stringify(name)}: ${why}`, { field });
  };
  if (typeof name !== 'string' || name.length === 0) return fail('a non-empty string is required');
  if (name.length > MAX_NAME_LENGTH) return fail(`at most ${MAX_NAME_LENGTH} characters`);
  if (name.startsWith('_')) return fail('names starting with "_" are reserved for system columns');
  if (!IDENTIFIER.test(name)) return fail('use a letter, then letters, digits or "_"');
  if (RESERVED.has(name.toLowerCase())) return fail('it is a reserved SQL word');
  return name;
}

/** The case-insensitive form names are compared in. */
export function nameKey(name: string): string {
  return name.toLowerCase();
}
