/**
 * Security headers on every response (API, errors, 404s, docs, webhooks). A route that sets its
 * own Content-Security-Policy or Cache-Control keeps it (a Respond to Webhook node, the web UI).
 */
import type { App } from '../deps.js';

/** JSON and text: nothing in them may run, load or be framed. */
const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
/** HTML pages (Swagger UI, the web UI): own scripts and styles only, no framing, no plugins. */
const HTML_CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; object-src 'none'; " +
  "base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

export function installSecurityHeaders(app: App, opts: { https: boolean }): void {
  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('x-frame-options', 'DENY');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('cross-origin-opener-policy', 'same-origin');
    if (!reply.hasHeader('content-security-policy')) {
      const type = String(reply.getHeader('content-type') ?? '');
      reply.header('content-security-policy', type.startsWith('text/html') ? HTML_CSP : API_CSP);
    }
    // Only over https: on plain http the header is ignored at best, and it pins a name to https.
    if (opts.https) reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains');
    // Tokens, keys and private data must not sit in a browser or proxy cache.
    if (request.url.startsWith('/api/') && !reply.hasHeader('cache-control'))
      reply.header('cache-control', 'no-store');
    return payload;
  });
}
