/**
 * PDF (Relais' own node): renders one PDF per item from a document description — JSON built with
 * expressions (`mode: 'document'`) or a Handlebars template that renders to that JSON with the item
 * as data (`mode: 'template'`, so a business keeps its layout as text). The file goes through the
 * binary store and comes out under `binaryPropertyName`. See src/pdf/model.ts for the description.
 */
import type Handlebars from 'handlebars';
import { z } from 'zod';
import { getBinaryAccess, requireBinary } from '../binary/access.js';
import { NonRetryableError } from '../engine/errors.js';
import type { Item } from '../engine/items.js';
import { lazy, requirePackage } from '../lazy-import.js';
import { type DocumentDescription, parseDocument } from '../pdf/model.js';
import { renderPdf } from '../pdf/render.js';
import { defineNode, mapItems } from './sdk.js';

const params = z.object({
  mode: z.enum(['document', 'template']).default('document'),
  /** The description: an object, or JSON text (usually an expression). */
  document: z.unknown().optional(),
  /** Handlebars text rendering to the description's JSON; `{{json x}}` writes a JSON value. */
  template: z.string().optional(),
  binaryPropertyName: z.string().min(1).default('data'),
  fileName: z.string().min(1).default('document.pdf'),
});

/**
 * Handlebars for JSON output: no HTML escaping, and a `json` helper that quotes safely. Made (and
 * Handlebars loaded) when a first template renders.
 */
const templates = lazy(() => {
  const handlebars = requirePackage<typeof Handlebars>('handlebars');
  const environment = handlebars.create();
  environment.registerHelper(
    'json',
    (value: unknown) => new handlebars.SafeString(JSON.stringify(value ?? null)),
  );
  return environment;
});

export const pdfNode = defineNode({
  type: 'pdf',
  version: 1,
  displayName: 'PDF',
  description: 'Render a PDF document (title, headings, tables with totals, images, page numbers)',
  group: 'action',
  params,
  inputs: 1,
  outputs: ['main'],
  async execute(ctx) {
    const binary = getBinaryAccess(ctx);
    return [
      await mapItems(ctx, async (item, index) => {
        const p = ctx.getParams(index);
        const doc = describe(p, item);
        const images: Record<string, Buffer> = {};
        for (const block of doc.blocks) {
          if (block.type === 'image' && images[block.binaryProperty] === undefined) {
            images[block.binaryProperty] = await binary.get(requireBinary(item, block.binaryProperty, index));
          }
        }
        let bytes: Buffer;
        try {
          bytes = await renderPdf(doc, { creationDate: ctx.now().toJSDate(), images });
        } catch (error) {
          throw new NonRetryableError(`The PDF could not be rendered: ${(error as Error).message}`, {
            code: 'PDF_RENDER_FAILED',
          });
        }
        const data = await binary.put(bytes, { fileName: p.fileName, mimeType: 'application/pdf' });
        const out: Item = {
          json: structuredClone(item.json),
          binary: { ...item.binary, [p.binaryPropertyName]: data },
          pairedItem: { item: index },
        };
        return out;
      }),
    ];
  },
});

function describe(p: z.output<typeof params>, item: Item): DocumentDescription {
  if (p.mode === 'document') {
    if (p.document === undefined || p.document === '') {
      throw new NonRetryableError("The parameter 'document' is required in document mode", {
        code: 'PDF_BAD_DESCRIPTION',
      });
    }
    return parseDocument(p.document, 'document');
  }
  if (!p.template) {
    throw new NonRetryableError("The parameter 'template' is required in template mode", {
      code: 'PDF_BAD_DESCRIPTION',
    });
  }
  let rendered: string;
  try {
    rendered = templates().compile(p.template, { noEscape: true, strict: false })(item.json);
  } catch (error) {
    throw new NonRetryableError(
      `The parameter 'template' could not be rendered: ${(error as Error).message}`,
      {
        code: 'PDF_BAD_TEMPLATE',
      },
    );
  }
  return parseDocument(rendered, 'template');
}
