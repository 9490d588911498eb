/**
 * An INSERT of rows that always have the same columns, compiled once per row count: the run
 * store writes a run, its steps and their payloads for every run, and Kysely would otherwise
 * build and compile each of those statements anew (see compiled-query.ts for the reads).
 * Every listed column is bound, in the listed order (a missing value binds NULL); a row with a
 * column not listed is refused, so a mapper that gains a column cannot lose its value silently.
 */
import type { CompiledQuery, Insertable, Kysely } from 'kysely';
import type { Database } from './schema.js';

export function insertStatement<T extends keyof Database & string>(
  db: Kysely<Database>,
  table: T,
  columns: readonly (keyof Database[T] & string)[],
): (rows: readonly Insertable<Database[T]>[]) => CompiledQuery {
  const compiled = new Map<number, CompiledQuery>();
  const placeholderRow = Object.fromEntries(columns.map((c) => [c, null]));
  const bind = rowBinder(columns, `insert into ${table}`);
  return (rows) => {
    let query = compiled.get(rows.length);
    if (!query) {
      query = db
        .insertInto(table)
        .values(rows.map(() => placeholderRow as Insertable<Database[T]>))
        .compile();
      if (query.parameters.length !== rows.length * columns.length) {
        throw new Error(
          `insert into ${table}: ${query.parameters.length} parameters for ${columns.length} columns`,
        );
      }
      compiled.set(rows.length, query);
    }
    const parameters: unknown[] = [];
    bind(parameters, rows);
    return { ...query, parameters };
  };
}

/**
 * `(parameters, rows)`: appends every row's values in the columns' order (a missing value binds
 * NULL); a row with a column not listed is refused, naming `statement`.
 */
export function rowBinder(
  columns: readonly string[],
  statement: string,
): (parameters: unknown[], rows: readonly object[]) => void {
  const listed = new Set(columns);
  return (parameters, rows) => {
    for (const row of rows) {
      const values = row as Record<string, unknown>;
      for (const key in values) {
        if (!listed.has(key)) throw new Error(`${statement}: column '${key}' is not listed`);
      }
      for (const column of columns) parameters.push(values[column] ?? null);
    }
  };
}
