/**
 * Handlebars rendering of e-mail templates. One isolated Handlebars environment (no helpers beyond
 * the built-in ones, no partials), Handlebars' defaults for safety: `{{ }}` escapes HTML (`{{{ }}}`
 * inserts raw HTML), prototype properties and methods are out of reach. The HTML body is escaped;
 * the subject and the text part are plain text, so nothing is escaped there (a customer called
 * "Dupont & Fils" must not receive "Dupont &amp; Fils" in a subject line).
 *
 * Compiled templates are cached by source (a template used for 10,000 items compiles once).
 * Variables the data lacks render as empty strings and are reported (`missingVariables`).
 */
import type Handlebars from 'handlebars';
import { lazy, requirePackage } from '../lazy-import.js';
import { missingVariables } from './missing.js';

/** The isolated environment, made (Handlebars loaded) when a first template is rendered or checked. */
const hb = lazy(() => requirePackage<typeof Handlebars>('handlebars').create());

export interface TemplateParts {
  subject: string;
  body: string;
  text?: string | null;
}

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
  /** Variables used by the parts rendered that the data does not have (rendered empty). */
  missingVariables: string[];
}

/** Why a template cannot be compiled, and where (1-based line and column when known). */
export interface TemplateProblem {
  field: string;
  message: string;
  line?: number;
  column?: number;
}

/** A template failed while rendering (an unknown helper, a partial): the message says which. */
export class TemplateRenderError extends Error {
  override readonly name = 'TemplateRenderError';
}

interface Compiled {
  ast: hbs.AST.Program;
  render: Handlebars.TemplateDelegate;
}

const CACHE_LIMIT = 500;
const cache = new Map<string, Compiled>();

function compiled(source: string, html: boolean): Compiled {
  const key = `${html ? 'h' : 't'}:${source}`;
  const hit = cache.get(key);
  if (hit) {
    // Most recently used last: the oldest entry is the first one evicted.
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const ast = hb().parse(source);
  const entry: Compiled = { ast, render: hb().compile(ast, { noEscape: !html, strict: false }) };
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(key, entry);
  return entry;
}

/** Renders one Handlebars string; `html` escapes the values inserted with `{{ }}`. */
export function renderString(
  source: string,
  data: unknown,
  html: boolean,
): { output: string; missingVariables: string[] } {
  let entry: Compiled;
  try {
    entry = compiled(source, html);
  } catch (error) {
    throw new TemplateRenderError(problemOf('template', error).message);
  }
  let output: string;
  try {
    output = entry.render(data ?? {}, {
      allowProtoPropertiesByDefault: false,
      allowProtoMethodsByDefault: false,
    });
  } catch (error) {
    throw new TemplateRenderError(error instanceof Error ? error.message : String(error));
  }
  return { output, missingVariables: missingVariables(entry.ast, data ?? {}) };
}

/** Subject, HTML and text of a template with `data`; the text is derived from the HTML when absent. */
export function renderEmail(template: TemplateParts, data: unknown): RenderedEmail {
  const subject = renderString(template.subject, data, false);
  const html = renderString(template.body, data, true);
  const text =
    template.text !== undefined && template.text !== null && template.text !== ''
      ? renderString(template.text, data, false)
      : { output: htmlToText(html.output), missingVariables: [] };
  const missing = new Set([...subject.missingVariables, ...html.missingVariables, ...text.missingVariables]);
  return {
    // A header is one line: a value with a line break must not add headers.
    subject: subject.output.replace(/[\r\n]+\s*/g, ' ').trim(),
    html: html.output,
    text: text.output,
    missingVariables: [...missing],
  };
}

/** Problems that prevent compiling the parts of a template (empty when it compiles). */
export function checkTemplate(template: Partial<TemplateParts>): TemplateProblem[] {
  const problems: TemplateProblem[] = [];
  for (const field of ['subject', 'body', 'text'] as const) {
    const source = template[field];
    if (typeof source !== 'string' || source === '') continue;
    try {
      // precompile runs the whole compiler now (compile() would wait for the first render).
      hb().precompile(hb().parse(source));
    } catch (error) {
      problems.push(problemOf(field, error));
    }
  }
  return problems;
}

interface Location {
  first_line?: number;
  first_column?: number;
}

function problemOf(field: string, error: unknown): TemplateProblem {
  const message = error instanceof Error ? error.message : String(error);
  const e = error as { lineNumber?: number; column?: number };
  // Errors of the compiler (`if doesn't match each - 2:3`) carry the line and 0-based column.
  if (typeof e.lineNumber === 'number') {
    return { field, message, line: e.lineNumber, column: (e.column ?? 0) + 1 };
  }
  // The parser's errors only say "on line N": its lexer still holds where it stopped (parsing is
  // synchronous, so nothing else has used it since).
  const loc = (hb() as unknown as { Parser?: { lexer?: { yylloc?: Location } } }).Parser?.lexer?.yylloc;
  const line = /on line (\d+)/.exec(message)?.[1];
  if (line !== undefined) {
    const column = loc && loc.first_line === Number(line) ? (loc.first_column ?? 0) + 1 : undefined;
    return { field, message, line: Number(line), ...(column !== undefined && { column }) };
  }
  return { field, message };
}

const ENTITIES: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  eacute: 'é',
  egrave: 'è',
  agrave: 'à',
  ccedil: 'ç',
  euro: '€',
};

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === '#') {
      const code =
        name[1] === 'x' || name[1] === 'X' ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1));
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

/** A readable plain-text version of an HTML e-mail (the text part when a template has none). */
export function htmlToText(html: string): string {
  const text = html
    .replace(/<(head|style|script|title)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, '')
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(
      /<a\b[^>]*\bhref\s*=\s*["']([^"']*)["'][^>]*>([\s\S]*?)<\/a\s*>/gi,
      (_m, href: string, label: string) => {
        const shown = label.replace(/<[^>]*>/g, '').trim();
        return shown === '' || shown === href || href.startsWith('mailto:')
          ? shown || href
          : `${shown} (${href})`;
      },
    )
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<li\b[^>]*>/gi, '\n- ')
    .replace(/<\/t[dh]\s*>/gi, ' ')
    .replace(/<\/(p|div|h[1-6]|tr|table|ul|ol|blockquote)\s*>/gi, '\n')
    .replace(/<(p|div|h[1-6]|table|ul|ol|blockquote)\b[^>]*>/gi, '\n')
    .replace(/<[^>]*>/g, '');
  return decodeEntities(text)
    .split('\n')
    .map((line) => line.replace(/[ \t\u00a0]+/g, ' ').trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
