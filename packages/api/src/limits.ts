import { isIPv6 } from 'node:net';

// Abuse limits as the procedures see them. The server supplies the store (in process, or Redis
// when several instances must share counts); procedures only say what to count.

export interface RateLimitResult {
  /** False once the key has used up its limit in the current window. */
  allowed: boolean;
  /** Hits left in the current window (0 when not allowed). */
  remaining: number;
  /** Milliseconds until the current window ends and the count starts again. */
  retryAfterMs: number;
}

/**
 * Fixed-window counters: each key counts hits in windows of `windowMs`; a limit of 0 or less
 * means "no limit" and always allows.
 */
export interface RateLimiter {
  /** Counts one hit against `key` and says whether it is within `limit`. */
  hit(key: string, limit: number, windowMs: number): Promise<RateLimitResult>;
  /** The state of `key` without counting a hit. */
  peek(key: string, limit: number, windowMs: number): Promise<RateLimitResult>;
  /** Forgets `key`'s count in every window. */
  reset(key: string): Promise<void>;
}

/**
 * The key a client is counted under: `ip:<address>` for IPv4. One IPv6 user usually holds a
 * whole /64 (2^64 addresses) and could use a new one per request, so IPv6 counts per /64.
 * IPv4-mapped addresses (`::ffff:1.2.3.4`, seen when listening on `::`) count as the IPv4 one.
 */
export function clientKey(ip: string): string {
  if (!isIPv6(ip)) return `ip:${ip}`;
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (mapped?.[1]) return `ip:${mapped[1]}`;
  return `ip:${ipv6Groups(ip).slice(0, 4).join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address, in lower-case hex without leading zeros. */
function ipv6Groups(ip: string): string[] {
  let address = ip.split('%', 1)[0] ?? ip; // a zone id (fe80::1%eth0) is not part of the address
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(address);
  if (dotted) {
    // An embedded IPv4 tail (64:ff9b::1.2.3.4) stands for the last two groups.
    const [a, b, c, d] = dotted.slice(1).map(Number);
    const hex = (high = 0, low = 0) => ((high << 8) | low).toString(16);
    address = `${address.slice(0, dotted.index)}${hex(a, b)}:${hex(c, d)}`;
  }
  const [head = '', tail] = address.split('::');
  const split = (part: string) => (part === '' ? [] : part.split(':'));
  const headGroups = split(head);
  const tailGroups = tail === undefined ? [] : split(tail);
  const zeros = Array<string>(8 - headGroups.length - tailGroups.length).fill('0');
  return [...headGroups, ...zeros, ...tailGroups].map((group) => parseInt(group, 16).toString(16));
}
