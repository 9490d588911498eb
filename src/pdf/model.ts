/**
 * The PDF document description: what the PDF node renders. It is plain JSON so a workflow can
 * build it with expressions, or a business can keep its layout as a Handlebars template that
 * renders to it. Parsing names the faulty field (`blocks[2].columns[0].field`).
 */
import { z } from 'zod';
import { NonRetryableError } from '../engine/errors.js';

const text = z
  .union([z.string(), z.number(), z.boolean(), z.null()])
  .transform((v) => (v === null ? '' : String(v)));

const headingBlock = z.object({
  type: z.literal('heading'),
  text,
  level: z.number().int().min(1).max(3).default(1),
});
const paragraphBlock = z.object({ type: z.literal('paragraph'), text });
const keyValueBlock = z.object({
  type: z.literal('keyValue'),
  rows: z.array(z.object({ key: text, value: z.unknown() })),
});
const columnSchema = z.object({
  header: text,
  field: z.string().min(1),
  align: z.enum(['left', 'center', 'right']).optional(),
  /** Share of the table width in points; columns without one share what remains. */
  width: z.number().positive().optional(),
  format: z.enum(['number', 'currency', 'percent', 'date']).optional(),
});
const tableBlock = z.object({
  type: z.literal('table'),
  columns: z.array(columnSchema).min(1),
  rows: z.array(z.record(z.string(), z.unknown())),
  totals: z
    .array(z.object({ label: text, value: z.unknown(), format: columnSchema.shape.format }))
    .optional(),
});
const imageBlock = z.object({
  type: z.literal('image'),
  binaryProperty: z.string().min(1),
  width: z.number().positive().optional(),
});
const pageBreakBlock = z.object({ type: z.literal('pageBreak') });
const listBlock = z.object({ type: z.literal('list'), items: z.array(text) });

export const blockSchema = z.discriminatedUnion('type', [
  headingBlock,
  paragraphBlock,
  keyValueBlock,
  tableBlock,
  imageBlock,
  pageBreakBlock,
  listBlock,
]);

export const documentSchema = z.object({
  title: text,
  subtitle: text.optional(),
  author: text.optional(),
  blocks: z.array(blockSchema).default([]),
  pageNumbers: z.boolean().default(true),
  locale: z.string().min(2).default('fr-CH'),
  currency: z.string().length(3).default('CHF'),
});

export type DocumentDescription = z.output<typeof documentSchema>;
export type Block = z.output<typeof blockSchema>;
export type TableColumn = z.output<typeof columnSchema>;
export type CellFormat = TableColumn['format'];

/** Parses a description (object or JSON text); the error names the first faulty field. */
export function parseDocument(raw: unknown, parameter: string): DocumentDescription {
  let value = raw;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch (error) {
      throw new NonRetryableError(
        `The parameter '${parameter}' is not valid JSON: ${(error as Error).message}`,
        {
          code: 'PDF_BAD_DESCRIPTION',
        },
      );
    }
  }
  const parsed = documentSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = pathText(issue.path);
  throw new NonRetryableError(
    `The document description is invalid at '${field || '(root)'}': ${issue.message}`,
    { code: 'PDF_BAD_DESCRIPTION', description: `Parameter '${parameter}'` },
  );
}

function pathText(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}

/**
 * Formats a cell for display. Helvetica is WinAnsi-encoded: Intl's narrow no-break space (fr-CH
 * groups thousands with U+202F) has no glyph there, so it becomes an ordinary no-break space.
 */
export function formatValue(value: unknown, format: CellFormat, locale: string, currency: string): string {
  if (value === null || value === undefined) return '';
  let out: string;
  const num =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && value.trim() !== ''
        ? Number(value)
        : Number.NaN;
  if (format === 'number' && Number.isFinite(num)) {
    out = new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(num);
  } else if (format === 'currency' && Number.isFinite(num)) {
    out = new Intl.NumberFormat(locale, { style: 'currency', currency }).format(num);
  } else if (format === 'percent' && Number.isFinite(num)) {
    // 8.1 means 8.1 %, as invoices write VAT rates.
    out = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 2 }).format(num / 100);
  } else if (
    format === 'date' &&
    (typeof value === 'string' || typeof value === 'number' || value instanceof Date)
  ) {
    const date = new Date(value);
    out = Number.isNaN(date.getTime())
      ? String(value)
      : new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(date);
  } else if (typeof value === 'object') {
    out = JSON.stringify(value);
  } else {
    out = String(value);
  }
  return winAnsiSafe(out);
}

/** Replaces characters Helvetica (WinAnsi) cannot draw with close equivalents. */
export function winAnsiSafe(s: string): string {
  return s.replace(/[\u202f\u2009\u2007]/g, '\u00a0').replace(/\u2212/g, '-');
}
