/**
 * Webhook v1/1.1/2/2.1 (`Webhook/Webhook.node.ts`, `Webhook/description.ts`) → v2.1, and Respond to
 * Webhook v1–1.5 (`RespondToWebhook/RespondToWebhook.node.ts`), whose parameters kept one shape.
 *
 * Webhook v1/1.1 have a top-level `responseCode` (number, default 200; hidden for `responseNode`);
 * v2 moved it to `options.responseCode.values` `{ responseCode: 200|201|204|301|302|304|400|401|
 * 403|404|'customCode', customCode }`. v1's `options.binaryData` switch (receive the body as a file)
 * is gone: from v1.1 files are received whenever the request carries some. `path` and the node's
 * `webhookId` are kept, so n8n's URLs (`/webhook/<path>`, `/webhook/<webhookId>/<path>` for paths
 * with parameters) keep answering.
 */
import { clone, omit, record } from '../params.js';
import type { MapContext, MappedNode, Params } from '../types.js';

const LISTED_CODES = new Set([200, 201, 204, 301, 302, 304, 400, 401, 403, 404]);

export function mapWebhook(p: Params, ctx: MapContext): MappedNode {
  const outputs = Array.isArray(p.httpMethod) ? undefined : [[0]];
  if (ctx.version >= 2) return { type: 'webhook', parameters: clone(p), outputs };
  const parameters = omit(clone(p), ['responseCode']);
  const options = { ...record(parameters.options) };
  const code = typeof p.responseCode === 'number' ? p.responseCode : Number(p.responseCode ?? 200);
  if (p.responseMode !== 'responseNode' && Number.isInteger(code) && code !== 200) {
    options.responseCode = {
      values: LISTED_CODES.has(code)
        ? { responseCode: code }
        : { responseCode: 'customCode', customCode: code },
    };
  }
  if (ctx.version < 1.1 && options.binaryData !== undefined) {
    if (options.binaryData === true) {
      ctx.ignored('options.binaryData', 'request files are received automatically');
    }
    delete options.binaryData;
  }
  parameters.options = options;
  return { type: 'webhook', parameters, outputs };
}

export function mapRespondToWebhook(p: Params, ctx: MapContext): MappedNode {
  const parameters = clone(p);
  const outputs = ctx.version >= 1.4 && parameters.enableResponseOutput === true ? [[0], [1]] : [[0]];
  return { type: 'respondToWebhook', parameters, outputs };
}
