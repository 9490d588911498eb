/**
 * XML (`Xml/Xml.node.ts`, one version) and HTML (`Html/Html.node.ts` v1–1.2) keep their shapes. The
 * legacy HTML Extract node (`HtmlExtract/HtmlExtract.node.ts`) is the HTML node's
 * `extractHtmlContent` operation with the same parameters (`sourceData`, `dataPropertyName`,
 * `extractionValues`, `options.trimValues`); it took text with cheerio's `.text()`, as HTML 1.0/1.1
 * do, so it becomes HTML 1.1's behaviour: text extraction there differs from 1.2's
 * (which renders the text like a browser would show it, headings in capitals, links with their URL).
 */
import { clone } from '../params.js';
import type { MapContext, MappedNode, Params } from '../types.js';

export function mapXml(p: Params): MappedNode {
  return { type: 'xml', parameters: clone(p), outputs: [[0]] };
}

export function mapHtml(p: Params, ctx: MapContext): MappedNode {
  const parameters = clone(p);
  // Relais' node writes typeVersion 1: keep the text extraction of the version the node had.
  parameters.textVersion ??= ctx.version >= 1.2 ? 1.2 : ctx.version >= 1.1 ? 1.1 : 1;
  return { type: 'html', parameters, outputs: [[0]] };
}

export function mapHtmlExtract(p: Params): MappedNode {
  return {
    type: 'html',
    parameters: { ...clone(p), operation: 'extractHtmlContent', textVersion: 1 },
    outputs: [[0]],
  };
}
