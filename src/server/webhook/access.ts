/**
 * Who may call a webhook, per webhook: CORS (`options.allowedOrigins`, n8n's
 * `webhook-request-handler.ts` setupCorsHeaders), an IP allow-list (`options.ipWhitelist`), bots
 * (`options.ignoreBots`) and Relais' per-webhook rate limit (`rateLimit` requests per minute; none
 * unless the workflow sets one).
 */
import { BlockList, isIP } from 'node:net';
import type { Clock } from '../../engine/clock.js';

/** CORS headers for a request from `origin` (none without an Origin header). */
export function corsHeaders(allowedOrigins: string, origin: string | undefined): Record<string, string> {
  if (!origin) return {};
  const list = allowedOrigins
    .split(',')
    .map((o) => o.trim().replace(/\/$/, ''))
    .filter(Boolean);
  // n8n's default `*` answers with the caller's origin. A list answers only its members: the
  // browser then refuses everyone else (n8n would send the list's first origin instead).
  if (list.length > 0 && !list.includes('*') && !list.includes(origin)) return { vary: 'Origin' };
  return { 'access-control-allow-origin': origin, vary: 'Origin' };
}

export function preflightHeaders(
  allowedOrigins: string,
  origin: string | undefined,
  methods: readonly string[],
  requestedHeaders: string | undefined,
): Record<string, string> {
  const headers: Record<string, string> = {
    ...corsHeaders(allowedOrigins, origin),
    'access-control-allow-methods': ['OPTIONS', ...methods].join(', '),
    'access-control-max-age': '300',
  };
  if (requestedHeaders) headers['access-control-allow-headers'] = requestedHeaders;
  return headers;
}

/** An IP allow-list: addresses, CIDR ranges (v4 and v6), and n8n-style IPv4 prefixes ending in `.`. */
export class IpAllowList {
  private readonly list = new BlockList();
  private readonly prefixes: string[] = [];
  readonly empty: boolean;

  constructor(spec: string) {
    const entries = spec
      .split(',')
      .map((e) => e.trim())
      .filter(Boolean);
    this.empty = entries.length === 0;
    for (const entry of entries) {
      const [address, bits] = entry.split('/');
      const family = isIP(address);
      if (family === 0) {
        if (/^[\d.]+\.$/.test(entry)) this.prefixes.push(entry);
        // Anything else matches nothing: a typo must not open the webhook.
        continue;
      }
      const type = family === 4 ? 'ipv4' : 'ipv6';
      if (bits === undefined) this.list.addAddress(address, type);
      else {
        const prefix = Number(bits);
        if (Number.isInteger(prefix) && prefix >= 0 && prefix <= (family === 4 ? 32 : 128))
          this.list.addSubnet(address, prefix, type);
      }
    }
  }

  allows(ip: string): boolean {
    if (this.empty) return true;
    const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1] ?? ip;
    const family = isIP(v4);
    if (family === 0) return false;
    if (this.list.check(v4, family === 4 ? 'ipv4' : 'ipv6')) return true;
    return family === 4 && this.prefixes.some((p) => v4.startsWith(p));
  }
}

const BOTS =
  /bot\b|bot\/|crawler|spider|slurp|facebookexternalhit|embedly|preview|whatsapp|telegram|skypeuripreview|bitlybot|vkshare|pinterest|quora link|outbrain|nuzzel|discord|redditbot|applebot|yandex|baidu|bingpreview|headlesschrome/i;

/** n8n's `ignoreBots` (it uses the `isbot` package; this is the same idea with a short list). */
export function isBot(userAgent: string | undefined): boolean {
  return userAgent !== undefined && BOTS.test(userAgent);
}

/**
 * Token buckets, one per webhook: `perMinute` requests a minute, refilled continuously, bursts up
 * to a minute's worth. Returns 0 when the request may pass, else the seconds to wait.
 */
export class WebhookRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly clock: Clock) {}

  take(key: string, perMinute: number): number {
    if (perMinute <= 0) return 0;
    const now = this.clock.now().getTime();
    const bucket = this.buckets.get(key) ?? { tokens: perMinute, at: now };
    const refilled = Math.min(perMinute, bucket.tokens + ((now - bucket.at) / 60_000) * perMinute);
    if (refilled >= 1) {
      this.buckets.set(key, { tokens: refilled - 1, at: now });
      return 0;
    }
    this.buckets.set(key, { tokens: refilled, at: now });
    return Math.max(1, Math.ceil(((1 - refilled) * 60) / perMinute));
  }

  /** Forgets a workflow's buckets (deactivated or changed). */
  forget(prefix: string): void {
    for (const key of this.buckets.keys()) if (key.startsWith(prefix)) this.buckets.delete(key);
  }
}
