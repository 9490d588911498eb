/**
 * A real HTTP server on 127.0.0.1 for the HTTP Request tests: records every request exactly as
 * received (method, path and query, headers, raw body) and answers with the handler's reply.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Recorded {
  method: string;
  /** Path and query, as sent. */
  url: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

export interface Reply {
  status?: number;
  headers?: Record<string, string | string[]>;
  /** Objects are sent as JSON (with an `application/json` content type unless one is given). */
  body?: unknown;
  /** Wait this long before answering (timeouts). */
  delayMs?: number;
}

export type Handler = (req: Recorded, res: ServerResponse) => Reply | Promise<Reply> | undefined;

export interface TestServer {
  url: string;
  port: number;
  requests: Recorded[];
  close(): Promise<void>;
}

export async function startServer(handler: Handler = () => ({ body: { ok: true } })): Promise<TestServer> {
  const requests: Recorded[] = [];
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const recorded: Recorded = {
      method: req.method ?? '',
      url: req.url ?? '',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body: Buffer.concat(chunks),
    };
    requests.push(recorded);
    try {
      const reply = await handler(recorded, res);
      if (reply === undefined) return; // the handler answered (or hangs on purpose)
      if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
      if (res.destroyed) return;
      const headers: Record<string, string | string[]> = { ...reply.headers };
      let body: string | Buffer = '';
      if (Buffer.isBuffer(reply.body)) body = reply.body;
      else if (typeof reply.body === 'string') body = reply.body;
      else if (reply.body !== undefined) {
        body = JSON.stringify(reply.body);
        if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
          headers['content-type'] = 'application/json; charset=utf-8';
        }
      }
      res.writeHead(reply.status ?? 200, headers);
      res.end(body);
    } catch (error) {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(error));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Parses a multipart body the way a server would (undici's FormData parser). */
export async function multipart(req: Recorded): Promise<FormData> {
  return new Response(req.body, {
    headers: { 'content-type': String(req.headers['content-type']) },
  }).formData();
}
