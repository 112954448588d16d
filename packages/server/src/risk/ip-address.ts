import { BlockList, isIP } from 'node:net';

/*
 * Addresses that belong to no country: private networks, loopback,
 * link-local, carrier-grade NAT, documentation and other special-purpose
 * ranges (RFC 6890). Country databases sometimes hold stray entries for them
 * (`@ip-location-db/geo-whois-asn-country-mmdb`, shipped before, placed
 * 192.168.0.0/16 in Australia), so they are never looked up.
 */
const NON_PUBLIC = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24],
  ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) NON_PUBLIC.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 128], ['::1', 128], ['100::', 64], ['2001:db8::', 32], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8],
] as const) NON_PUBLIC.addSubnet(network, prefix, 'ipv6');

/**
 * An address in its plain form: IPv4-mapped IPv6 (`::ffff:192.0.2.1`, what a
 * dual-stack socket reports) becomes IPv4; anything that is not an address
 * becomes `undefined`.
 *
 * @param ip - the client address
 * @example
 * ```ts
 * plainAddress('::ffff:8.8.8.8') // '8.8.8.8'
 * ```
 */
export function plainAddress(ip: string | undefined | null): string | undefined {
  if (!ip) return undefined;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  const address = mapped ? mapped[1]! : ip;
  return isIP(address) === 0 ? undefined : address;
}

/**
 * Whether an address is publicly routable, so that it can have a country.
 *
 * @param ip - a plain address (see {@link plainAddress})
 * @example
 * ```ts
 * isPublicAddress('10.0.0.1') // false
 * isPublicAddress('8.8.8.8') // true
 * ```
 */
export function isPublicAddress(ip: string): boolean {
  const family = isIP(ip);
  if (family === 0) return false;
  return !NON_PUBLIC.check(ip, family === 4 ? 'ipv4' : 'ipv6');
}
