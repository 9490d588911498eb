/**
 * SMTP sending through nodemailer, behind the `Mailer` port (STYLE practice 5). Transports are
 * pooled per credential: the 10,000 e-mails of one run reuse a few SMTP connections (nodemailer's
 * pool: 5 connections, closed after a minute idle) instead of opening one per message. A changed
 * credential is another key, hence another pool; the oldest pools are closed past a limit.
 *
 * Connection options follow n8n's `EmailSend/v2/utils.ts` `configureTransport`: host, port,
 * secure; `ignoreTLS` = disableStartTls when not secure; `name` = hostName; auth when a user or a
 * password is set; "Ignore SSL Issues" = `tls.rejectUnauthorized: false`. Nodemailer may not read
 * files or fetch URLs for attachments: content is always given as bytes.
 *
 * Failures become NodeErrors that the engine's retry rules can match: a refused or reset
 * connection, a timeout or a temporary SMTP answer (4xx) are retryable and carry the system code
 * (`ECONNREFUSED`); bad credentials, a permanently refused recipient or message (5xx) and TLS
 * problems are NonRetryableErrors.
 */
import { createHash } from 'node:crypto';
import type * as NodemailerModule from 'nodemailer';
import type { Transporter } from 'nodemailer';
import { NodeError, NonRetryableError } from '../engine/errors.js';
import type { JsonObject } from '../engine/items.js';
import { lazyImport } from '../lazy-import.js';

export interface SmtpSettings {
  host: string;
  port: number;
  secure: boolean;
  user?: string;
  password?: string;
  disableStartTls?: boolean;
  hostName?: string;
  /** n8n's "Ignore SSL Issues" option of the node. */
  allowUnauthorizedCerts?: boolean;
}

export interface MailAttachment {
  filename: string;
  content: Buffer;
  contentType?: string;
  /** Content-ID, so that the HTML can show it inline (`<img src="cid:image_1">`). */
  cid?: string;
}

export interface MailMessage {
  from: string;
  to: string;
  cc?: string;
  bcc?: string;
  replyTo?: string;
  subject: string;
  text?: string;
  html?: string;
  attachments?: MailAttachment[];
}

/** What the server answered: nodemailer's info object, which n8n's node outputs as the item. */
export type SentInfo = JsonObject;

export interface Mailer {
  send(smtp: SmtpSettings, message: MailMessage, signal?: AbortSignal): Promise<SentInfo>;
  /** Closes every pooled connection (process shutdown, tests). */
  close(): Promise<void>;
}

export interface SmtpPoolOptions {
  /** Pools kept open at once (one per distinct credential); the least recently used is closed. */
  maxPools?: number;
  maxConnections?: number;
  /** Milliseconds an idle connection stays open. */
  idleTimeoutMs?: number;
  connectionTimeoutMs?: number;
}

/** The SMTP settings in an `smtp` credential (n8n's field names), checked. */
export function smtpSettings(credential: JsonObject, allowUnauthorizedCerts = false): SmtpSettings {
  const host = credential.host;
  if (typeof host !== 'string' || host.trim() === '') {
    throw new NonRetryableError(`The SMTP credential has no 'host'`, { code: 'INVALID_CREDENTIAL' });
  }
  const port = credential.port === undefined ? 465 : Number(credential.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new NonRetryableError(`The SMTP credential's 'port' must be a port number`, {
      code: 'INVALID_CREDENTIAL',
    });
  }
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  return {
    host: host.trim(),
    port,
    secure: credential.secure !== false,
    user: str(credential.user),
    password: str(credential.password),
    disableStartTls: credential.disableStartTls === true,
    hostName: str(credential.hostName),
    allowUnauthorizedCerts,
  };
}

const nodemailer = lazyImport(() => import('nodemailer'));

export class SmtpPool implements Mailer {
  private readonly pools = new Map<string, Transporter>();
  private readonly options: Required<SmtpPoolOptions>;

  constructor(options: SmtpPoolOptions = {}) {
    this.options = {
      maxPools: options.maxPools ?? 50,
      maxConnections: options.maxConnections ?? 5,
      idleTimeoutMs: options.idleTimeoutMs ?? 60_000,
      connectionTimeoutMs: options.connectionTimeoutMs ?? 30_000,
    };
  }

  async send(smtp: SmtpSettings, message: MailMessage, signal?: AbortSignal): Promise<SentInfo> {
    const transport = this.transport(smtp, (await nodemailer()).createTransport);
    try {
      const info = await transport.sendMail({ ...message, ...(signal && { signal }) });
      return JSON.parse(JSON.stringify(info)) as SentInfo;
    } catch (error) {
      throw mailError(error, smtp);
    }
  }

  async close(): Promise<void> {
    for (const transport of this.pools.values()) transport.close();
    this.pools.clear();
  }

  private transport(
    smtp: SmtpSettings,
    createTransport: typeof NodemailerModule.createTransport,
  ): Transporter {
    const key = createHash('sha256').update(JSON.stringify(smtp)).digest('hex');
    const hit = this.pools.get(key);
    if (hit) {
      this.pools.delete(key);
      this.pools.set(key, hit);
      return hit;
    }
    if (this.pools.size >= this.options.maxPools) {
      const [oldestKey, oldest] = this.pools.entries().next().value as [string, Transporter];
      this.pools.delete(oldestKey);
      oldest.close();
    }
    const transport = createTransport({
      pool: true,
      maxConnections: this.options.maxConnections,
      idleTimeout: this.options.idleTimeoutMs,
      connectionTimeout: this.options.connectionTimeoutMs,
      host: smtp.host,
      port: smtp.port,
      secure: smtp.secure,
      ...(!smtp.secure && { ignoreTLS: smtp.disableStartTls === true }),
      ...(smtp.hostName && { name: smtp.hostName }),
      ...((smtp.user || smtp.password) && { auth: { user: smtp.user ?? '', pass: smtp.password ?? '' } }),
      ...(smtp.allowUnauthorizedCerts && { tls: { rejectUnauthorized: false } }),
      disableFileAccess: true,
      disableUrlAccess: true,
    });
    this.pools.set(key, transport);
    return transport;
  }
}

/** The process-wide pool the Send Email node and the template API's send-test share. */
export const sharedMailer: Mailer = new SmtpPool();

const SYSTEM_MESSAGES: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'The SMTP server refused the connection - perhaps it is offline',
  ECONNRESET: 'The connection to the SMTP server was closed unexpectedly',
  ETIMEDOUT: 'The connection to the SMTP server timed out',
  ENOTFOUND: 'The SMTP server could not be found: check the host of the SMTP credential',
  EAI_AGAIN: 'The DNS server returned an error, perhaps the server is offline',
  EHOSTUNREACH: 'The SMTP server is unreachable, perhaps it is offline',
};

interface MailerFailure {
  code?: string;
  originalCode?: string;
  errno?: unknown;
  response?: string;
  responseCode?: number;
  command?: string;
  message?: string;
}

/** A nodemailer failure as a NodeError: retryable unless retrying cannot help. */
export function mailError(error: unknown, smtp: Pick<SmtpSettings, 'host' | 'port'>): NodeError {
  if (error instanceof NodeError) return error;
  const e = (error ?? {}) as MailerFailure;
  const where = `${smtp.host}:${smtp.port}`;
  const detail = e.response ?? e.message ?? String(error);
  const description = `${detail}${e.command ? ` (command: ${e.command})` : ''} - ${where}`;
  const code = e.code ?? 'ESMTP';
  if (code === 'EAUTH' || code === 'ENOAUTH') {
    return new NonRetryableError(
      code === 'EAUTH'
        ? 'The SMTP server refused the login: check the user and password of the SMTP credential'
        : 'The SMTP server requires a login: set the user and password of the SMTP credential',
      { code, description, cause: error },
    );
  }
  if (
    code === 'ETLS' ||
    code === 'EREQUIRETLS' ||
    /CERT|SELF_SIGNED|SSL|wrong version number/i.test(detail)
  ) {
    return new NonRetryableError(
      "SSL Issue: check 'SSL/TLS' of the SMTP credential or consider using the 'Ignore SSL Issues' option",
      {
        code: e.originalCode ?? code,
        description,
        cause: error,
      },
    );
  }
  if (code === 'EENVELOPE' || code === 'EMESSAGE' || code === 'EPROTOCOL') {
    const status = e.responseCode;
    const permanent = status !== undefined && status >= 500;
    const ErrorType = permanent || status === undefined ? NonRetryableError : NodeError;
    const message =
      code === 'EENVELOPE'
        ? 'The SMTP server refused the sender or a recipient'
        : code === 'EMESSAGE'
          ? 'The SMTP server refused the message'
          : 'The SMTP server answered unexpectedly';
    return new ErrorType(`${message}${status ? ` (${status})` : ''}`, { code, description, cause: error });
  }
  // Connection problems: the system code (ECONNREFUSED...) is what retry rules match.
  const system =
    e.originalCode ??
    (typeof e.errno === 'string' ? e.errno : undefined) ??
    (/\b(E[A-Z]{4,})\b/.exec(e.message ?? '')?.[1] as string | undefined) ??
    code;
  // A permanent SMTP answer (5xx) to another command will not change on a retry.
  const ErrorType = e.responseCode !== undefined && e.responseCode >= 500 ? NonRetryableError : NodeError;
  return new ErrorType(
    SYSTEM_MESSAGES[system] ?? `Sending the e-mail failed: ${e.message ?? String(error)}`,
    {
      code: system,
      description,
      cause: error,
    },
  );
}
