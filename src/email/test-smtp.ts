/**
 * A real SMTP server on 127.0.0.1 for tests (the `smtp-server` package): it records the envelope
 * (MAIL FROM, RCPT TO), the login used and the raw message, and parses the message with a small
 * MIME reader (headers with RFC 2047 words, nested multiparts, base64 and quoted-printable) so
 * tests check what a mail client would see: subject, text and HTML parts, attachments.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface MimePart {
  /** Lower-case header names; values unfolded and decoded. */
  headers: Record<string, string>;
  contentType: string;
  /** Decoded body of a leaf part. */
  content: Buffer;
  parts: MimePart[];
}

export interface ReceivedMail {
  from: string;
  to: string[];
  user?: string;
  raw: string;
  message: MimePart;
  subject: string;
  text?: string;
  html?: string;
  attachments: { filename?: string; contentType: string; cid?: string; content: Buffer }[];
  header(name: string): string | undefined;
}

export interface TestSmtpOptions {
  /** When set, AUTH is required and only this login succeeds. */
  auth?: { user: string; password: string };
  /** Recipients refused with this SMTP code (550: permanent, 450: temporary). */
  refuse?: Record<string, number>;
}

export interface TestSmtp {
  host: string;
  port: number;
  received: ReceivedMail[];
  /** SMTP connections opened so far (pooling reuses them). */
  connections(): number;
  /** An `smtp` credential (n8n fields) for this server: no TLS. */
  credential(over?: Record<string, unknown>): Record<string, string | number | boolean>;
  close(): Promise<void>;
}

export async function startSmtp(opts: TestSmtpOptions = {}): Promise<TestSmtp> {
  const received: ReceivedMail[] = [];
  let connections = 0;
  const server = new SMTPServer({
    onConnect(_session, callback) {
      connections++;
      callback();
    },
    secure: false,
    disabledCommands: opts.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authOptional: !opts.auth,
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      if (opts.auth && auth.username === opts.auth.user && auth.password === opts.auth.password) {
        return callback(null, { user: auth.username });
      }
      return callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onRcptTo(address, _session, callback) {
      const code = opts.refuse?.[address.address];
      if (code)
        return callback(
          Object.assign(new Error(`Mailbox ${address.address} refused`), { responseCode: code }),
        );
      return callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const message = parseMime(raw);
        const leaves = flatten(message);
        const find = (type: string) =>
          leaves.find(
            (p) => p.contentType === type && !/attachment/i.test(p.headers['content-disposition'] ?? ''),
          );
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          user: typeof session.user === 'string' ? session.user : undefined,
          raw,
          message,
          subject: message.headers.subject ?? '',
          text: lines(find('text/plain')),
          html: lines(find('text/html')),
          attachments: leaves
            .filter(
              (p) =>
                /attachment|inline/i.test(p.headers['content-disposition'] ?? '') || p.headers['content-id'],
            )
            .map((p) => ({
              filename:
                param(p.headers['content-disposition'] ?? '', 'filename') ??
                param(p.headers['content-type'] ?? '', 'name'),
              contentType: p.contentType,
              cid: p.headers['content-id']?.replace(/^<|>$/g, ''),
              content: p.content,
            })),
          header: (name) => message.headers[name.toLowerCase()],
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    host: '127.0.0.1',
    port,
    received,
    connections: () => connections,
    credential: (over = {}) => ({
      host: '127.0.0.1',
      port,
      secure: false,
      disableStartTls: true,
      ...(opts.auth && { user: opts.auth.user, password: opts.auth.password }),
      ...(over as Record<string, string | number | boolean>),
    }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A text part as a mail client shows it: LF line ends, without the CRLF that ends the data. */
function lines(part: MimePart | undefined): string | undefined {
  return part?.content.toString('utf8').replace(/\r\n/g, '\n').replace(/\n$/, '');
}

function flatten(part: MimePart): MimePart[] {
  return part.parts.length === 0 ? [part] : part.parts.flatMap(flatten);
}

function param(header: string, name: string): string | undefined {
  const m = new RegExp(`(?:^|;)\\s*${name}\\*?=\\s*(?:"([^"]*)"|([^;\\s]*))`, 'i').exec(header);
  return m ? decodeWords(m[1] ?? m[2]) : undefined;
}

/** RFC 2047 encoded words (`=?UTF-8?Q?H=C3=A9llo?=`, `=?UTF-8?B?...?=`). */
function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_m, _charset: string, enc: string, text: string) =>
      enc.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64').toString('utf8')
        : decodeQuotedPrintable(text.replace(/_/g, ' ')).toString('utf8'),
    );
}

function decodeQuotedPrintable(text: string): Buffer {
  const bytes: number[] = [];
  const s = text.replace(/=\r?\n/g, '');
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(s.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(s[i], 'utf8'));
    }
  }
  return Buffer.from(bytes);
}

export function parseMime(raw: string): MimePart {
  const split = raw.search(/\r?\n\r?\n/);
  const head = split === -1 ? raw : raw.slice(0, split);
  const body = split === -1 ? '' : raw.slice(split).replace(/^\r?\n\r?\n/, '');
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0)
      headers[line.slice(0, colon).trim().toLowerCase()] = decodeWords(line.slice(colon + 1).trim());
  }
  const contentType = (headers['content-type'] ?? 'text/plain').split(';')[0].trim().toLowerCase();
  if (contentType.startsWith('multipart/')) {
    const boundary = param(headers['content-type'] ?? '', 'boundary') ?? '';
    const parts = body
      .split(`--${boundary}`)
      .slice(1)
      .filter((chunk) => !chunk.startsWith('--'))
      .map((chunk) => parseMime(chunk.replace(/^\r?\n/, '').replace(/\r?\n$/, '')));
    return { headers, contentType, content: Buffer.alloc(0), parts };
  }
  const encoding = (headers['content-transfer-encoding'] ?? '7bit').toLowerCase();
  const content =
    encoding === 'base64'
      ? Buffer.from(body.replace(/\s+/g, ''), 'base64')
      : encoding === 'quoted-printable'
        ? decodeQuotedPrintable(body)
        : Buffer.from(body, 'utf8');
  return { headers, contentType, content, parts: [] };
}
