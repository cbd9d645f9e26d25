// How an IP address is grouped, for every rule that counts or remembers addresses (the throttle, the risk engine):
// one parser, and the two prefixes that matter. An IPv4-mapped IPv6 address is its IPv4 address.
import { isIP } from 'node:net';

type ParsedIp = { v: 4; parts: number[] } | { v: 6; parts: number[] };

/** IPv4 as 4 bytes, IPv6 as 8 hextets; an IPv4-mapped IPv6 address (::ffff:a.b.c.d) is the IPv4 address. */
export function parseIp(input: string): ParsedIp | undefined {
  const ip = input.trim().split('%')[0] ?? '';
  const version = isIP(ip);
  if (version === 4) return { v: 4, parts: ip.split('.').map(Number) };
  if (version !== 6) return undefined;
  let text = ip.toLowerCase();
  const dotted = /^(.*:)(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [b0, b1, b2, b3] = dotted.slice(2).map(Number) as [number, number, number, number];
    text = `${dotted[1]}${((b0 << 8) | b1).toString(16)}:${((b2 << 8) | b3).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const hex = (s: string) => (s ? s.split(':').map((h) => parseInt(h, 16)) : []);
  const left = hex(head);
  const right = tail === undefined ? [] : hex(tail);
  const parts = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  if (parts.slice(0, 5).every((p) => p === 0) && parts[5] === 0xffff) {
    const [hi = 0, lo = 0] = parts.slice(6);
    return { v: 4, parts: [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff] };
  }
  return { v: 6, parts };
}

const hextets = (parts: number[], count: number) => parts.slice(0, count).map((p) => p.toString(16)).join(':');

/** The network an address belongs to for "known network": IPv4 /24, IPv6 /48. */
export function networkOf(ip: string): string {
  const parsed = parseIp(ip);
  if (!parsed) return `?${ip}`;
  return parsed.v === 4 ? `${parsed.parts.slice(0, 3).join('.')}.0/24` : `${hextets(parsed.parts, 3)}::/48`;
}

/**
 * One subscriber: the IPv4 address, or the IPv6 /64, which one subscriber usually holds entirely (counting single
 * IPv6 addresses would give an attacker 2^64 fresh keys). Undefined for what is not an IP address.
 */
export function subscriberOf(ip: string): string | undefined {
  const parsed = parseIp(ip);
  if (!parsed) return undefined;
  return parsed.v === 4 ? parsed.parts.join('.') : `${hextets(parsed.parts, 4)}::/64`;
}
