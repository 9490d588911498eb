/**
 * XML, n8n `n8n-nodes-base.xml` v1 (`packages/nodes-base/nodes/Xml/Xml.node.ts`): converts between
 * XML text and JSON like xml2js, which n8n uses (see `xml/parse.ts`, `xml/build.ts`).
 *
 * - `xmlToJson` (default): parses the text in `dataPropertyName` (default `data`); the output item
 *   is the parsed object alone. xml2js options, with n8n's defaults: `mergeAttrs` true,
 *   `explicitArray` false, `explicitRoot` true, `attrkey` '$', `charkey` '_', `ignoreAttrs`,
 *   `normalize`, `normalizeTags`, `trim` false.
 * - `jsonToxml`: the whole item JSON as XML in `dataPropertyName`; options `headless`, `rootName`
 *   ('root'), `attrkey`, `charkey`, `cdata`, `allowSurrogateChars` (accepted, no effect).
 */
import { z } from 'zod';
import { NonRetryableError } from '../engine/errors.js';
import { defineNode, mapItems } from './sdk.js';
import { buildXml, DEFAULT_ROOT_NAME } from './xml/build.js';
import { parseXml, XmlSyntaxError } from './xml/parse.js';

const params = z
  .object({
    mode: z.enum(['xmlToJson', 'jsonToxml']).default('xmlToJson'),
    dataPropertyName: z.string().min(1).default('data'),
    options: z
      .object({
        attrkey: z.string().default('$'),
        charkey: z.string().default('_'),
        explicitArray: z.boolean().default(false),
        explicitRoot: z.boolean().default(true),
        ignoreAttrs: z.boolean().default(false),
        mergeAttrs: z.boolean().default(true),
        normalize: z.boolean().default(false),
        normalizeTags: z.boolean().default(false),
        trim: z.boolean().default(false),
        headless: z.boolean().default(false),
        rootName: z.string().min(1).default(DEFAULT_ROOT_NAME),
        cdata: z.boolean().default(false),
        allowSurrogateChars: z.boolean().default(false),
      })
      .loose()
      .prefault({}),
  })
  .loose();

export const xmlNode = defineNode({
  type: 'xml',
  version: 1,
  displayName: 'XML',
  description: 'Convert data from and to XML.',
  group: 'transform',
  replaySafe: true,
  params,
  inputs: 1,
  outputs: ['main'],
  async execute(ctx) {
    const items = await mapItems(ctx, (item) => {
      const { mode, dataPropertyName, options } = ctx.getParams(0);
      if (mode === 'jsonToxml') return { json: { [dataPropertyName]: buildXml(item.json, options) } };
      const source = item.json[dataPropertyName];
      if (source === undefined) {
        throw new NonRetryableError(`No json property "${dataPropertyName}" does not exists on item!`, {
          code: 'INVALID_PARAMETER',
          description: `Parameter 'dataPropertyName' names the field holding the XML text.`,
        });
      }
      try {
        const json = parseXml(typeof source === 'string' ? source : String(source), options);
        return {
          json: (typeof json === 'object' && json !== null ? json : { [dataPropertyName]: json }) as never,
        };
      } catch (error) {
        if (error instanceof XmlSyntaxError)
          throw new NonRetryableError(error.message, { code: 'XML_PARSE_ERROR' });
        throw error;
      }
    });
    return [items];
  },
});
