/**
 * SSRF guard for shared deployments: `RELAIS_HTTP_DENY` lists address ranges the HTTP Request node
 * may not reach — `private`, `loopback`, `link-local` (cloud metadata lives there), or CIDRs
 * (`10.0.0.0/8`, `fd00::/8`, a single address). It is read and checked at start with the rest of
 * the configuration (src/config.ts) and reaches the nodes through their settings (../settings.ts).
 *
 * Two checks, both needed: before each hop (the first request and every redirect) every address
 * the host name resolves to is checked, which gives a clear error; and the connection itself
 * resolves through a guarded `lookup` (undici's `connect.lookup`), so a DNS answer that changes
 * between the check and the connection (rebinding) is refused too.
 */
import type { LookupAddress } from 'node:dns';
import { lookup as dnsLookup } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { NonRetryableError } from '../../engine/errors.js';

interface Rule {
  label: string;
  list: BlockList;
}

export interface DenyPolicy {
  readonly rules: readonly Rule[];
}

export const OPEN_POLICY: DenyPolicy = { rules: [] };

type Subnet = [string, number, 'ipv4' | 'ipv6'];

const NAMED: Readonly<Record<string, readonly Subnet[]>> = {
  private: [
    ['10.0.0.0', 8, 'ipv4'],
    ['172.16.0.0', 12, 'ipv4'],
    ['192.168.0.0', 16, 'ipv4'],
    ['100.64.0.0', 10, 'ipv4'], // carrier-grade NAT, often internal
    ['fc00::', 7, 'ipv6'],
  ],
  // 0.0.0.0 and :: reach the local host on Linux: they count as loopback.
  loopback: [
    ['127.0.0.0', 8, 'ipv4'],
    ['0.0.0.0', 8, 'ipv4'],
    ['::1', 128, 'ipv6'],
    ['::', 128, 'ipv6'],
  ],
  'link-local': [
    ['169.254.0.0', 16, 'ipv4'],
    ['fe80::', 10, 'ipv6'],
  ],
};

function parseEntry(entry: string): Rule {
  const named = NAMED[entry.toLowerCase()];
  const list = new BlockList();
  if (named) {
    for (const [net, prefix, type] of named) list.addSubnet(net, prefix, type);
    return { label: entry.toLowerCase(), list };
  }
  const [address, bits, extra] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) {
    throw new Error(`'${entry}' is neither private, loopback, link-local nor a CIDR such as 10.0.0.0/8`);
  }
  const max = family === 4 ? 32 : 128;
  const prefix = bits === undefined ? max : Number(bits);
  if (
    !Number.isInteger(prefix) ||
    prefix < 0 ||
    prefix > max ||
    (bits !== undefined && !/^\d+$/.test(bits))
  ) {
    throw new Error(`'${entry}' has an invalid prefix length`);
  }
  list.addSubnet(address, prefix, family === 4 ? 'ipv4' : 'ipv6');
  return { label: entry, list };
}

/**
 * The policy of `RELAIS_HTTP_DENY`'s entries (`private`, `loopback`, `link-local`, CIDRs); open when
 * there is none. Throws on an invalid entry: loadConfig reports that at start.
 */
export function denyPolicy(entries: readonly string[]): DenyPolicy {
  const given = entries.map((s) => s.trim()).filter(Boolean);
  return given.length === 0 ? OPEN_POLICY : { rules: given.map(parseEntry) };
}

/** `::ffff:10.0.0.1` is an IPv4 address in disguise. */
function normalize(address: string): { address: string; type: 'ipv4' | 'ipv6' } {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  if (mapped) return { address: mapped[1], type: 'ipv4' };
  return { address: bare, type: isIP(bare) === 6 ? 'ipv6' : 'ipv4' };
}

/** The rule that denies `address`, if any. */
export function deniedBy(policy: DenyPolicy, address: string): string | undefined {
  const { address: a, type } = normalize(address);
  for (const rule of policy.rules) if (rule.list.check(a, type)) return rule.label;
  return undefined;
}

export function ssrfError(host: string, address: string, rule: string): NonRetryableError {
  return new NonRetryableError(`The request to '${host}' was refused: ${address} is in a denied range`, {
    code: 'SSRF_DENIED',
    description: `RELAIS_HTTP_DENY forbids '${rule}'. Ask the administrator of this Relais instance.`,
  });
}

function resolveAll(host: string): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) => {
    dnsLookup(host, { all: true }, (error, addresses) => (error ? reject(error) : resolve(addresses)));
  });
}

/**
 * Refuses a URL whose host is, or resolves to, a denied address. DNS failures are left to the
 * request itself (which reports them with n8n's messages).
 */
export async function checkUrl(policy: DenyPolicy, url: URL): Promise<void> {
  if (policy.rules.length === 0) return;
  const host = url.hostname;
  const literal = normalize(host);
  if (isIP(literal.address) !== 0) {
    const rule = deniedBy(policy, literal.address);
    if (rule) throw ssrfError(host, literal.address, rule);
    return;
  }
  let addresses: LookupAddress[];
  try {
    addresses = await resolveAll(host);
  } catch {
    return;
  }
  for (const { address } of addresses) {
    const rule = deniedBy(policy, address);
    if (rule) throw ssrfError(host, address, rule);
  }
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/** A `net.connect` lookup that refuses denied addresses at connection time (pins what was checked). */
export function guardedLookup(policy: DenyPolicy) {
  return (
    hostname: string,
    options: { all?: boolean; family?: number; hints?: number },
    callback: LookupCallback,
  ): void => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      for (const { address } of addresses) {
        const rule = deniedBy(policy, address);
        if (rule) return callback(ssrfError(hostname, address, rule) as unknown as NodeJS.ErrnoException, []);
      }
      if (options.all) return callback(null, addresses);
      return callback(null, addresses[0].address, addresses[0].family);
    });
  };
}
