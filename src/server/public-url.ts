/**
 * The base of every URL Relais hands out: webhook URLs in trigger items and in the test listener,
 * Wait nodes' `$execution.resumeUrl`, the run link given to error workflows.
 *
 * RELAIS_PUBLIC_URL when set (`config.publicUrl`). Otherwise the address the server listens on,
 * which the configuration cannot know: with RELAIS_PORT=0 the port is picked by `listen`. So the
 * runtime owns the effective value and consumers read it through `get` when they build a URL, not
 * once when they are built (most are built before `listen`).
 */
import { type AddressInfo, isIP } from 'node:net';

/** `http://host:port`, an IPv6 host in brackets. */
export function httpUrl(host: string, port: number): string {
  return `http://${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}

/**
 * The URL of a listening server. A host name (`localhost`, `relais.internal`) is kept: it is what
 * the operator chose, and what name-based virtual hosts and certificates expect. An IP is the bound
 * one; a wildcard (`0.0.0.0`, `::`) cannot be called, so its loopback stands in for it.
 */
export function listeningUrl(host: string, address: AddressInfo): string {
  const bound = boundHost(host, address);
  return httpUrl(LOOPBACK_OF_WILDCARD.get(bound) ?? bound, address.port);
}

const LOOPBACK_OF_WILDCARD: ReadonlyMap<string, string> = new Map([
  ['0.0.0.0', '127.0.0.1'],
  ['::', '::1'],
]);

function boundHost(host: string, address: AddressInfo): string {
  return host !== '' && isIP(host) === 0 ? host : address.address;
}

export class PublicUrl {
  #value: string;
  #wildcard = false;

  /**
   * Until `listening` is called (and for good in a `relais worker`, which serves no webhooks), the
   * configured address stands in: a scale-out process may drive a queued run while it starts.
   */
  constructor(private readonly config: { publicUrl?: string; host: string; port: number }) {
    this.#value = config.publicUrl ?? httpUrl(config.host, config.port);
  }

  /** Whether RELAIS_PUBLIC_URL is set (then the listening address changes nothing). */
  get explicit(): boolean {
    return this.config.publicUrl !== undefined;
  }

  /** Called once the server listens, with `server.address()`. */
  listening(address: AddressInfo | string | null): void {
    if (this.explicit || address === null || typeof address === 'string') return;
    this.#value = listeningUrl(this.config.host, address);
    this.#wildcard = LOOPBACK_OF_WILDCARD.has(boundHost(this.config.host, address));
  }

  /** The server listens on every address and a loopback stands in: callers elsewhere need RELAIS_PUBLIC_URL. */
  get loopbackStandsIn(): boolean {
    return this.#wildcard;
  }

  /** The effective public URL, no trailing slash. Bound: pass it around as a `() => string`. */
  readonly get = (): string => this.#value;
}
