/**
 * Access tokens by key, for nodes that fetch them from a token endpoint (HTTP Request's OAuth2
 * client credentials, Push's Google service accounts). A token is fetched once for all who ask
 * meanwhile (one request for fifty items), used until shortly before it expires, and forgotten
 * when an API refuses it or its fetch fails. Keys are hashes of the credential's fields, so a
 * secret is never a key in a memory dump; at most `limit` tokens are held, the oldest dropped first.
 */

/** What a token endpoint answered: the token, and for how many seconds (none: until refused). */
export interface FetchedToken {
  token: string;
  expiresIn?: number;
}

interface Entry {
  token: Promise<string>;
  /** The token once received. */
  value?: string;
  /** Epoch ms after which the token is not used any more (Infinity: until refused). */
  expiresAt: number;
}

export interface TokenCacheOptions {
  limit: number;
  /** A token is renewed this many seconds before it expires (at half-life if it lasts less). */
  renewEarlySeconds: number;
  now?: () => number;
}

export class TokenCache {
  private readonly entries = new Map<string, Entry>();
  /** The cache's clock (epoch ms): what a token fetch dates a request by (Google's JWT `iat`). */
  readonly now: () => number;

  constructor(private readonly opts: TokenCacheOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** The token held under `key`, or the one `fetch` gets (shared with every caller meanwhile). */
  token(key: string, fetch: () => Promise<FetchedToken>): Promise<string> {
    const hit = this.entries.get(key);
    if (hit && hit.expiresAt > this.now()) return hit.token;
    const entry: Entry = { token: Promise.resolve(''), expiresAt: Number.POSITIVE_INFINITY };
    entry.token = fetch().then(
      ({ token, expiresIn }) => {
        entry.value = token;
        if (expiresIn !== undefined) {
          const early = Math.min(this.opts.renewEarlySeconds, expiresIn / 2);
          entry.expiresAt = this.now() + Math.max(0, expiresIn - early) * 1000;
        }
        return token;
      },
      (error: unknown) => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
        throw error;
      },
    );
    this.entries.delete(key);
    if (this.entries.size >= this.opts.limit) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, entry);
    return entry.token;
  }

  /** Forgets `token` (an API refused it); a fresher token fetched meanwhile stays. */
  invalidate(token: string): void {
    for (const [key, entry] of this.entries) if (entry.value === token) this.entries.delete(key);
  }
}
