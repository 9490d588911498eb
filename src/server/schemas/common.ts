/** Pieces every API schema uses: pages, ids, dates, list filters, the error reply. */
import { z } from 'zod';

/** `{ error: { code, message, details? } }` (src/server/http-error.ts). */
export const errorReply = z
  .object({
    error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
  })
  .meta({ description: 'Every error: a code, a message, and for invalid input the fields at fault' });

/** Error replies a route documents, by status. */
export function errorReplies<S extends number>(...statuses: S[]): Record<S, typeof errorReply> {
  return Object.fromEntries(statuses.map((s) => [s, errorReply])) as Record<S, typeof errorReply>;
}

/** `limit` (default 50, at most 200) and `cursor` (from the previous page's `nextCursor`). */
export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).optional(),
});

export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    nextCursor: z
      .string()
      .nullable()
      .meta({ description: 'Pass as `cursor` for the next page; null on the last' }),
  });
}

export const idParams = z.object({ id: z.string().min(1) });

/** An instant in replies: ISO 8601, UTC. */
export const instant = z.iso.datetime();
export const iso = (date: Date): string => date.toISOString();
export const isoOrNull = (date: Date | null): string | null => (date ? date.toISOString() : null);

/** An instant in a query string. */
export const instantQuery = z.iso.datetime({ offset: true }).transform((s) => new Date(s));

/** `a,b` or `?x=a&x=b` (or both): the values, each one of `values`. */
export function listQuery<const T extends readonly [string, ...string[]]>(values: T) {
  return z
    .union([z.string(), z.array(z.string())])
    .transform((v) =>
      [v].flat().flatMap((s) =>
        s
          .split(',')
          .map((p) => p.trim())
          .filter(Boolean),
      ),
    )
    .pipe(z.array(z.enum(values)));
}

/** `?active=true` / `false` (also 1/0, yes/no). */
export const boolQuery = z.stringbool();

/** A 204 reply. */
export const noContent = z.null().meta({ description: 'Done; no body' });
