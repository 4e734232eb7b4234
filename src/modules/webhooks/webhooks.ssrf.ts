import dns from 'node:dns';
import net from 'node:net';

/**
 * Addresses a webhook must never reach from live mode: loopback, private, link-local (cloud
 * metadata at 169.254.169.254 and fd00:ec2::254), carrier-grade NAT, multicast and reserved
 * ranges, and IPv4 inside IPv6 forms of those.
 */
const FORBIDDEN = new net.BlockList();
for (const [prefix, bits] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.0.0.0', 24],
  ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) FORBIDDEN.addSubnet(prefix, bits, 'ipv4');
// ::/96 covers ::, ::1 and IPv4-compatible forms (::127.0.0.1); 2002::/16 is 6to4, an IPv4 address inside
for (const [prefix, bits] of [['::', 96], ['2002::', 16], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['64:ff9b::', 96], ['2001:db8::', 32]] as const) FORBIDDEN.addSubnet(prefix, bits, 'ipv6');

/** Whether `ip` is an address webhooks may not be sent to from live mode. */
export function isForbiddenAddress(ip: string): boolean {
  const family = net.isIP(ip);
  if (family === 4) return FORBIDDEN.check(ip, 'ipv4');
  if (family !== 6) return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return FORBIDDEN.check(mapped[1]!, 'ipv4');
  return FORBIDDEN.check(ip, 'ipv6');
}

export class ForbiddenAddressError extends Error {
  constructor(
    readonly host: string,
    readonly address: string,
  ) {
    super(`${host} resolves to ${address}, a private, loopback or link-local address`);
  }
}

/** Resolves `host` to all its addresses (an IP literal resolves to itself). */
export async function resolveAll(host: string): Promise<string[]> {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (net.isIP(bare)) return [bare];
  const found = await dns.promises.lookup(bare, { all: true, verbatim: true });
  return found.map((a) => a.address);
}

/** Refuses `host` when any address it resolves to is forbidden. */
export async function assertPublicHost(host: string): Promise<void> {
  for (const address of await resolveAll(host)) if (isForbiddenAddress(address)) throw new ForbiddenAddressError(host, address);
}
