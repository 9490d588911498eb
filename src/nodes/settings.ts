/**
 * Settings of the nodes, from the configuration read and checked once at start (src/config.ts:
 * RELAIS_FILES_DIR, RELAIS_CODE_TIMEOUT_MS, RELAIS_CODE_MEMORY_MB, RELAIS_HTTP_DENY and the
 * providers' base URLs). The runtime hands them to the engine as the NODE_SETTINGS service
 * (`nodeSettingsFromConfig`); nodes read them with `nodeSettings(ctx)`, never the environment, so
 * a bad value stops the process at start instead of failing runs, and tests give settings per
 * engine. Without the service (tests, engines built by hand) each setting has the default an empty
 * environment gives.
 */
import { join, resolve } from 'node:path';
import type { Config } from '../config.js';
import { type CodeLimits, DEFAULT_CODE_LIMITS } from '../sandbox/run-code.js';
import { type DenyPolicy, denyPolicy, OPEN_POLICY } from './http-request/ssrf.js';
import { type NodeContext, serviceKey } from './sdk.js';

export interface NodeSettings {
  /** The only folder the Read/Write Files node may use (absolute). */
  filesDir: string;
  /** Time and memory limits of the Code node's sandbox. */
  codeLimits: CodeLimits;
  /** Addresses the HTTP Request, SMS and Push nodes may not reach. */
  httpDeny: DenyPolicy;
  /** Replaces `https://api.twilio.com` (SMS node). */
  twilioBaseUrl?: string;
  /** Replaces `https://fcm.googleapis.com` (Push node). */
  fcmBaseUrl?: string;
  /** Replaces where the Push node exchanges its JWT for an access token. */
  googleTokenUrl?: string;
}

/** Any subset: what is not given keeps its default. */
export const NODE_SETTINGS = serviceKey<Partial<NodeSettings>>('nodeSettings');

/** What loadConfig gives for an empty environment (data directory `./data`). */
export function defaultNodeSettings(): NodeSettings {
  return { filesDir: resolve('data', 'files'), codeLimits: DEFAULT_CODE_LIMITS, httpDeny: OPEN_POLICY };
}

/** The settings of this engine: its NODE_SETTINGS service over the defaults. */
export function nodeSettings(ctx: Pick<NodeContext<unknown>, 'findService'>): NodeSettings {
  const given = ctx.findService(NODE_SETTINGS);
  const defaults = defaultNodeSettings();
  if (!given) return defaults;
  return {
    filesDir: given.filesDir === undefined ? defaults.filesDir : resolve(given.filesDir),
    codeLimits: given.codeLimits ?? defaults.codeLimits,
    httpDeny: given.httpDeny ?? defaults.httpDeny,
    twilioBaseUrl: given.twilioBaseUrl,
    fcmBaseUrl: given.fcmBaseUrl,
    googleTokenUrl: given.googleTokenUrl,
  };
}

/** The service value for a loaded configuration (its values were checked by loadConfig). */
export function nodeSettingsFromConfig(
  config: Pick<Config, 'dataDir' | 'filesDir' | 'codeLimits' | 'httpDeny' | 'providerUrls'>,
): NodeSettings {
  return {
    filesDir: resolve(config.filesDir ?? join(config.dataDir, 'files')),
    codeLimits: {
      timeoutMs: config.codeLimits?.timeoutMs ?? DEFAULT_CODE_LIMITS.timeoutMs,
      memoryMb: config.codeLimits?.memoryMb ?? DEFAULT_CODE_LIMITS.memoryMb,
    },
    httpDeny: denyPolicy(config.httpDeny ?? []),
    twilioBaseUrl: config.providerUrls?.twilio,
    fcmBaseUrl: config.providerUrls?.fcm,
    googleTokenUrl: config.providerUrls?.googleToken,
  };
}
