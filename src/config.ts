/**
 * Configuration from environment variables: one table, parsed and checked once at start. The
 * README's configuration table is this list; keep them together.
 */
import { resolve } from 'node:path';
import { z } from 'zod';
import { denyPolicy } from './nodes/http-request/ssrf.js';
import { DEFAULT_CONCURRENCY, POSTGRES_CONCURRENCY } from './queue/contract.js';

const bytes = z
  .string()
  .regex(/^\d+(\.\d+)?\s*(b|kb|mb|gb)?$/i, 'a size such as 16mb, 512kb or 1048576')
  .transform((v) => {
    const m = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?$/i.exec(v.trim())!;
    const unit = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[(m[2] ?? 'b').toLowerCase() as 'b'];
    return Math.round(Number(m[1]) * unit);
  });

const list = z.string().transform((v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);

const perMinute = z.coerce.number().int().min(0);

/** An http(s) URL, without its trailing slashes. */
const httpUrl = z
  .string()
  .trim()
  .refine((v) => {
    try {
      return /^https?:$/.test(new URL(v).protocol);
    } catch {
      return false;
    }
  }, 'an http:// or https:// URL')
  .transform((v) => v.replace(/\/+$/, ''));

/** A duration such as `14d`, `12h`, `30m`, `90s`, `500ms` (a bare number is seconds); `0` = off. */
const duration = z
  .string()
  .regex(/^\d+(\.\d+)?\s*(ms|s|m|h|d)?$/i, 'a duration such as 14d, 12h, 30m, 90s or 500ms')
  .transform((v) => {
    const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/i.exec(v.trim())!;
    const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[
      (m[2] ?? 's').toLowerCase() as 's'
    ];
    return Math.round(Number(m[1]) * unit);
  });

export const configSchema = z.object({
  RELAIS_HOST: z.string().default('127.0.0.1'),
  RELAIS_PORT: z.coerce.number().int().min(0).max(65535).default(5678),
  RELAIS_DATA_DIR: z.string().default('./data'),
  RELAIS_DATABASE_URL: z.string().optional(),
  RELAIS_PUBLIC_URL: z.string().url().optional(),
  RELAIS_ENCRYPTION_KEY: z.string().optional(),
  RELAIS_OWNER_EMAIL: z.string().email().optional(),
  RELAIS_OWNER_PASSWORD: z.string().min(8).optional(),
  RELAIS_JWT_SECRET: z.string().min(32, 'at least 32 characters').optional(),
  RELAIS_MAX_BODY: bytes.default(16 * 1024 * 1024),
  RELAIS_WEBHOOK_TIMEOUT: z.coerce.number().int().min(1).max(3600).default(300),
  RELAIS_CORS_ORIGINS: list.default([]),
  RELAIS_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  RELAIS_METRICS_PUBLIC: z.stringbool().default(false),
  RELAIS_RATE_LOGIN: perMinute.default(10),
  RELAIS_RATE_ANONYMOUS: perMinute.default(100),
  RELAIS_RATE_AUTHENTICATED: perMinute.default(1000),
  // Settings of the nodes: handed to them through the engine's NODE_SETTINGS service (src/nodes/settings.ts).
  RELAIS_HTTP_DENY: list
    .superRefine((entries, ctx) => {
      try {
        denyPolicy(entries);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
      }
    })
    .default([]),
  RELAIS_FILES_DIR: z.string().optional(),
  RELAIS_CODE_TIMEOUT_MS: z.coerce.number().int().min(1).optional(),
  // The sandbox's memory is WebAssembly's (32-bit): at most 4 GB, part of it the host's.
  RELAIS_CODE_MEMORY_MB: z.coerce.number().int().min(8).max(2048).optional(),
  RELAIS_TWILIO_BASE_URL: httpUrl.optional(),
  RELAIS_FCM_BASE_URL: httpUrl.optional(),
  RELAIS_GOOGLE_TOKEN_URL: httpUrl.optional(),
  RELAIS_MAX_CONCURRENT_RUNS: z.coerce.number().int().min(1).optional(),
  RELAIS_PRUNE_MAX_AGE: duration.default(14 * 86_400_000),
  RELAIS_PRUNE_MAX_RUNS: z.coerce.number().int().min(0).default(10_000),
  RELAIS_PRUNE_INTERVAL: duration.refine((ms) => ms >= 1000, 'at least 1s').default(3_600_000),
  // Scale-out (README "Scale out"): runs go through BullMQ on this Redis; needs PostgreSQL.
  RELAIS_REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'a redis:// or rediss:// URL')
    .optional(),
  RELAIS_QUEUE_PREFIX: z.string().min(1).default('relais'),
  RELAIS_WORKER_CONCURRENCY: z.coerce.number().int().min(1).optional(),
  RELAIS_WORKER_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  RELAIS_QUEUE_LEASE: duration.refine((ms) => ms >= 100, 'at least 100ms').default(30_000),
  RELAIS_DATABASE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/i, 'a PostgreSQL schema name')
    .optional(),
});

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  databaseUrl?: string;
  /**
   * RELAIS_PUBLIC_URL as set (no trailing slash), else absent: the default is the address the
   * server listens on, known only after `listen` (RELAIS_PORT=0), so the runtime derives it
   * (`Runtime.publicUrl`, src/server/public-url.ts) rather than this guessing it from HOST:PORT.
   */
  publicUrl?: string;
  encryptionKey?: string;
  owner?: { email: string; password: string };
  /** Signs access tokens; absent: a key file `jwt.key` in the data dir (one process only). */
  jwtSecret?: string;
  maxBodyBytes: number;
  /** How long a webhook caller waits for a `lastNode` / Respond to Webhook answer before a 504. */
  webhookTimeoutMs?: number;
  corsOrigins: string[];
  logLevel: z.infer<typeof configSchema>['RELAIS_LOG_LEVEL'];
  rateLimits: { login: number; anonymous: number; authenticated: number };
  /** `/metrics` without authentication (default: it needs the stats:read permission). */
  metricsPublic?: boolean;
  /** Runs this process drives at once, all workflows together (waiting runs do not count). */
  maxConcurrentRuns?: number;
  /** Pruning of finished runs: by age and per-workflow count (null = no limit), every `intervalMs`. */
  retention?: { maxAgeMs: number | null; maxRunsPerWorkflow: number | null; intervalMs: number };
  /** Scale-out: BullMQ on Redis carries run ids between processes (absent: embedded queue). */
  redis?: { url: string; prefix: string; leaseMs: number };
  /** PostgreSQL only: keep every table in this schema instead of `public`. */
  databaseSchema?: string;
  /** Jobs one worker process drives at once (default: maxConcurrentRuns). */
  workerConcurrency?: number;
  /** `relais worker`: port of its /healthz and /metrics (absent: no HTTP at all). */
  workerPort?: number;
  /** The only folder the Read/Write Files node may use (absent: `files` in dataDir). */
  filesDir?: string;
  /** Code node limits (absent: 10,000 ms, 128 MB). */
  codeLimits?: { timeoutMs?: number; memoryMb?: number };
  /** RELAIS_HTTP_DENY's entries, checked: addresses the nodes' HTTP calls may not reach. */
  httpDeny?: string[];
  /** Where the SMS and Push nodes reach their providers (absent: the providers' public APIs). */
  providerUrls?: { twilio?: string; fcm?: string; googleToken?: string };
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const c = parsed.data;
  const postgres = /^postgres(ql)?:\/\//.test(c.RELAIS_DATABASE_URL ?? '');
  if (c.RELAIS_REDIS_URL && !postgres) {
    throw new ConfigError(
      'Invalid configuration:\n  RELAIS_REDIS_URL (scale-out) needs PostgreSQL: set RELAIS_DATABASE_URL=postgres://... (SQLite is one process only)',
    );
  }
  if ((c.RELAIS_OWNER_EMAIL === undefined) !== (c.RELAIS_OWNER_PASSWORD === undefined)) {
    throw new ConfigError(
      'Invalid configuration:\n  RELAIS_OWNER_EMAIL and RELAIS_OWNER_PASSWORD go together',
    );
  }
  return {
    host: c.RELAIS_HOST,
    port: c.RELAIS_PORT,
    dataDir: resolve(c.RELAIS_DATA_DIR),
    databaseUrl: c.RELAIS_DATABASE_URL,
    publicUrl: c.RELAIS_PUBLIC_URL?.replace(/\/+$/, ''),
    encryptionKey: c.RELAIS_ENCRYPTION_KEY,
    owner: c.RELAIS_OWNER_EMAIL
      ? { email: c.RELAIS_OWNER_EMAIL, password: c.RELAIS_OWNER_PASSWORD! }
      : undefined,
    jwtSecret: c.RELAIS_JWT_SECRET,
    maxBodyBytes: c.RELAIS_MAX_BODY,
    webhookTimeoutMs: c.RELAIS_WEBHOOK_TIMEOUT * 1000,
    corsOrigins: c.RELAIS_CORS_ORIGINS,
    logLevel: c.RELAIS_LOG_LEVEL,
    metricsPublic: c.RELAIS_METRICS_PUBLIC,
    maxConcurrentRuns:
      c.RELAIS_MAX_CONCURRENT_RUNS ?? (postgres ? POSTGRES_CONCURRENCY : DEFAULT_CONCURRENCY),
    redis: c.RELAIS_REDIS_URL
      ? { url: c.RELAIS_REDIS_URL, prefix: c.RELAIS_QUEUE_PREFIX, leaseMs: c.RELAIS_QUEUE_LEASE }
      : undefined,
    databaseSchema: c.RELAIS_DATABASE_SCHEMA,
    workerConcurrency: c.RELAIS_WORKER_CONCURRENCY,
    workerPort: c.RELAIS_WORKER_PORT,
    filesDir: c.RELAIS_FILES_DIR ? resolve(c.RELAIS_FILES_DIR) : undefined,
    codeLimits: { timeoutMs: c.RELAIS_CODE_TIMEOUT_MS, memoryMb: c.RELAIS_CODE_MEMORY_MB },
    httpDeny: c.RELAIS_HTTP_DENY,
    providerUrls: {
      twilio: c.RELAIS_TWILIO_BASE_URL,
      fcm: c.RELAIS_FCM_BASE_URL,
      googleToken: c.RELAIS_GOOGLE_TOKEN_URL,
    },
    retention: {
      maxAgeMs: c.RELAIS_PRUNE_MAX_AGE > 0 ? c.RELAIS_PRUNE_MAX_AGE : null,
      maxRunsPerWorkflow: c.RELAIS_PRUNE_MAX_RUNS > 0 ? c.RELAIS_PRUNE_MAX_RUNS : null,
      intervalMs: c.RELAIS_PRUNE_INTERVAL,
    },
    rateLimits: {
      login: c.RELAIS_RATE_LOGIN,
      anonymous: c.RELAIS_RATE_ANONYMOUS,
      authenticated: c.RELAIS_RATE_AUTHENTICATED,
    },
  };
}
