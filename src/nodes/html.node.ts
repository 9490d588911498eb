/**
 * HTML, n8n `n8n-nodes-base.html` v1.2 (`packages/nodes-base/nodes/Html/Html.node.ts`, `utils.ts`).
 *
 * - `extractHtmlContent`: reads HTML from `dataPropertyName` of the item's JSON (a string or an
 *   array of strings, one output item each) or of its binary files (`sourceData`), and for each
 *   `extractionValues.values[{ key, cssSelector, returnValue, attribute, skipSelectors,
 *   returnArray }]` writes under `key`: `text` (v1.2: the page as readable text, see `html/text.ts`;
 *   v1/1.1: cheerio's `.text()`, all matches' text joined), `html` (the first match's inner HTML),
 *   `attribute` (the first match's attribute; all its attributes when none is named), `value`
 *   (the first match's form value). `returnArray` gives one value per match. Options `trimValues`
 *   and `cleanUpText` (newlines removed, spaces squeezed) apply only when set, as in n8n.
 * - `generateHtmlTemplate`: `html` with each `{{ … }}` evaluated for the item.
 * - `convertToHtmlTable`: every item as a row of one table.
 *
 * Relais writes imported nodes with typeVersion 1, so `textVersion` (1, 1.1 or 1.2, default 1.2)
 * keeps the text extraction of the n8n version a node came from.
 */
import { z } from 'zod';
import { getBinaryAccess } from '../binary/access.js';
import { NonRetryableError } from '../engine/errors.js';
import type { Item, JsonObject } from '../engine/items.js';
import { attribute, type HtmlElement, innerHtml, parseHtml, textContent } from './html/dom.js';
import { SelectorError, select } from './html/select.js';
import { htmlToText } from './html/text.js';
import { defineNode, mapItems, type NodeContext } from './sdk.js';
import { fieldAccess } from './shared/fields.js';

const DEFAULT_TEMPLATE = `<!DOCTYPE html>

<html>
<head>
  <meta charset="UTF-8" />
  <title>My HTML document</title>
</head>
<body>
  <div class="container">
    <h1>This is an H1 heading</h1>
    <h2>This is an H2 heading</h2>
    <p>This is a paragraph</p>
  </div>
</body>
</html>
`;

const valueSchema = z
  .object({
    key: z.string().default(''),
    cssSelector: z.string().default(''),
    returnValue: z.enum(['attribute', 'html', 'text', 'value']).default('text'),
    attribute: z.string().optional(),
    skipSelectors: z.string().default(''),
    returnArray: z.boolean().default(false),
  })
  .loose();

const params = z
  .object({
    operation: z
      .enum(['generateHtmlTemplate', 'extractHtmlContent', 'convertToHtmlTable'])
      .default('generateHtmlTemplate'),
    html: z.string().default(DEFAULT_TEMPLATE),
    sourceData: z.enum(['json', 'binary']).default('json'),
    dataPropertyName: z.string().min(1).default('data'),
    extractionValues: z
      .object({ values: z.array(valueSchema).default([]) })
      .loose()
      .default({
        values: [{ key: '', cssSelector: '', returnValue: 'text', skipSelectors: '', returnArray: false }],
      }),
    options: z
      .object({
        trimValues: z.boolean().optional(),
        cleanUpText: z.boolean().optional(),
        capitalize: z.boolean().optional(),
        customStyling: z.boolean().optional(),
        caption: z.string().optional(),
        tableAttributes: z.string().optional(),
        headerAttributes: z.string().optional(),
        rowAttributes: z.string().optional(),
        cellAttributes: z.string().optional(),
      })
      .loose()
      .prefault({}),
    /** Relais: which n8n version's text extraction to use (imported nodes keep theirs). */
    textVersion: z.union([z.literal(1), z.literal(1.1), z.literal(1.2)]).default(1.2),
  })
  .loose();

type Params = z.output<typeof params>;
type Extraction = z.output<typeof valueSchema>;

/** cheerio's `.val()` of an element. */
function formValue(el: HtmlElement | undefined): string | string[] | undefined {
  if (!el) return undefined;
  if (el.name === 'textarea') return textContent(el);
  if (el.name === 'option') return attribute(el, 'value') ?? textContent(el);
  if (el.name === 'select') {
    const options = select(el, 'option');
    const chosen = options.filter((o) => attribute(o, 'selected') !== undefined);
    const value = (o: HtmlElement) => attribute(o, 'value') ?? textContent(o);
    if (attribute(el, 'multiple') !== undefined) return chosen.map(value);
    const one = chosen[0] ?? options[0];
    return one ? value(one) : undefined;
  }
  return attribute(el, 'value');
}

function extract(matches: HtmlElement[], spec: Extraction, textVersion: number): unknown {
  const first = matches[0];
  switch (spec.returnValue) {
    case 'attribute':
      if (!first) return undefined;
      if (!spec.attribute) return Object.fromEntries(first.attributes);
      return attribute(first, spec.attribute);
    case 'html':
      return (first && innerHtml(first)) || undefined;
    case 'value':
      return formValue(first);
    default: {
      if (textVersion <= 1.1) return matches.map(textContent).join('') || undefined;
      const html = first ? innerHtml(first) : '';
      const skip = spec.skipSelectors
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      return htmlToText(parseHtml(html), skip);
    }
  }
}

/** n8n's getValue: trim and clean up only when the options say so. */
function finish(value: unknown, options: Params['options']): unknown {
  if (typeof value !== 'string') return value;
  let out = value;
  if (options.trimValues) out = out.trim();
  if (options.cleanUpText)
    out = out
      .replace(/^\s+|\s+$/g, '')
      .replace(/(\r\n|\n|\r)/gm, '')
      .replace(/\s+/g, ' ');
  return out;
}

async function sources(ctx: NodeContext<Params>, item: Item, p: Params): Promise<string[]> {
  if (p.sourceData === 'binary') {
    const binary = item.binary?.[p.dataPropertyName];
    if (!binary) {
      throw new NonRetryableError(
        `This operation expects the node's input data to contain a binary file '${p.dataPropertyName}', but none was found`,
        { code: 'BINARY_NOT_FOUND' },
      );
    }
    return [(await getBinaryAccess(ctx).get(binary)).toString('utf8')];
  }
  const value = fieldAccess(true).get(item.json, p.dataPropertyName);
  if (value === undefined)
    throw new NonRetryableError(`No property named "${p.dataPropertyName}" exists!`, {
      code: 'INVALID_PARAMETER',
    });
  return (Array.isArray(value) ? value : [value]).map((v) => (typeof v === 'string' ? v : String(v)));
}

function capitalizeHeader(header: string, capitalize?: boolean): string {
  if (!capitalize) return header;
  return header
    .split('_')
    .filter((w) => w)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join(' ');
}

/** n8n's convertToHtmlTable, markup included. */
function table(ctx: NodeContext<Params>): Item {
  const options = ctx.getParams(0).options;
  const styled = !options.customStyling;
  const tableStyle = styled ? "style='border-spacing:0; font-family:helvetica,arial,sans-serif'" : '';
  const headerStyle = styled
    ? "style='margin:0; padding:7px 20px 7px 0px; border-bottom:1px solid #eee; text-align:left; color:#888; font-weight:normal'"
    : '';
  const cellStyle = styled ? "style='margin:0; padding:7px 20px 7px 0px; border-bottom:1px solid #eee'" : '';
  const headers = [...new Set(ctx.items.flatMap((item) => Object.keys(item.json)))];
  let html = `<table ${tableStyle} ${options.tableAttributes ?? ''}>`;
  if (options.caption) html += `<caption>${options.caption}</caption>`;
  html += `<thead ${headerStyle} ${options.headerAttributes ?? ''}><tr>`;
  html += headers.map((h) => `<th>${capitalizeHeader(h, options.capitalize)}</th>`).join('');
  html += '</tr></thead><tbody>';
  ctx.items.forEach((item, i) => {
    const p = ctx.getParams(i).options;
    html += `<tr  ${p.rowAttributes ?? ''}>`;
    html += headers
      .map((h) => {
        const v = item.json[h];
        const cell =
          typeof v === 'boolean' ? `<input type="checkbox" ${v ? 'checked="checked"' : ''}/>` : String(v);
        return `<td ${cellStyle} ${p.cellAttributes ?? ''}>${cell}</td>`;
      })
      .join('');
    html += '</tr>';
  });
  html += '</tbody></table>';
  return { json: { table: html }, pairedItem: ctx.items.map((_, item) => ({ item })) };
}

export const htmlNode = defineNode({
  type: 'html',
  version: 1.2,
  displayName: 'HTML',
  description: 'Extract content from HTML, build HTML from a template, or turn items into an HTML table.',
  group: 'transform',
  replaySafe: true,
  params,
  inputs: 1,
  outputs: ['main'],
  async execute(ctx) {
    if (ctx.items.length === 0) return [[]];
    if (ctx.getParams(0).operation === 'convertToHtmlTable') return [[table(ctx)]];
    const items = await mapItems(ctx, async (item, i) => {
      const p = ctx.getParams(i);
      if (p.operation === 'generateHtmlTemplate') {
        // n8n evaluates each {{ }} of the template itself (the parameter is not an expression).
        const raw = ctx.node.parameters.html;
        if (typeof raw !== 'string' || raw.startsWith('=')) return { json: { html: p.html } };
        const html = raw.replace(/{{[\s\S]*?}}/g, (chunk) =>
          String(ctx.evaluate(`=${chunk}`, i, 'html') ?? ''),
        );
        return { json: { html } };
      }
      const out: Item[] = [];
      for (const source of await sources(ctx, item, p)) {
        const root = parseHtml(source);
        const json: JsonObject = {};
        for (const spec of p.extractionValues.values) {
          let matches: HtmlElement[];
          try {
            matches = select(root, spec.cssSelector);
          } catch (error) {
            if (!(error instanceof SelectorError)) throw error;
            throw new NonRetryableError(`Invalid CSS selector '${spec.cssSelector}': ${error.message}`, {
              code: 'INVALID_PARAMETER',
            });
          }
          const value = spec.returnArray
            ? matches.map((m) => finish(extract([m], spec, p.textVersion), p.options) ?? null)
            : finish(extract(matches, spec, p.textVersion), p.options);
          if (value !== undefined) json[spec.key] = value as JsonObject[string];
        }
        out.push({ json });
      }
      return out;
    });
    return [items];
  },
});
