import { describe, expect, it } from 'vitest';
import { clientKey } from './limits';

describe('clientKey', () => {
  it('keys IPv4 by address and IPv6 by /64', () => {
    expect(clientKey('198.51.100.1')).toBe('ip:198.51.100.1');
    expect(clientKey('::ffff:198.51.100.1')).toBe('ip:198.51.100.1');
    expect(clientKey('2001:DB8:0:00a1:1:2:3:4')).toBe('ip:2001:db8:0:a1::/64');
    expect(clientKey('2001:db8::1')).toBe('ip:2001:db8:0:0::/64');
    expect(clientKey('::1')).toBe('ip:0:0:0:0::/64');
    expect(clientKey('fe80::1%eth0')).toBe('ip:fe80:0:0:0::/64');
    expect(clientKey('64:ff9b::198.51.100.1')).toBe('ip:64:ff9b:0:0::/64');
    expect(clientKey('1:2:3:4:5:6:1.2.3.4')).toBe('ip:1:2:3:4::/64');
  });
});
