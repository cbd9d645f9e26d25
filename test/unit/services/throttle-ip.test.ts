import { subscriberOf as ipSubject } from '../../../src/services/ip-prefixes.ts';

describe('ipSubject', () => {
  it('keeps IPv4 as is, also when IPv4-mapped', () => {
    expect(ipSubject('203.0.113.5')).toBe('203.0.113.5');
    expect(ipSubject('::ffff:203.0.113.5')).toBe('203.0.113.5');
    expect(ipSubject('::FFFF:203.0.113.5')).toBe('203.0.113.5');
  });

  it('counts IPv6 by its /64, whatever the notation', () => {
    const subject = '2001:db8:1:2::/64';
    for (const ip of ['2001:db8:1:2::1', '2001:0db8:0001:0002:ffff:ffff:ffff:ffff', '2001:DB8:1:2:0:0:0:9', 'fe80::1%eth0'.replace('fe80::1', '2001:db8:1:2::5')]) {
      expect(ipSubject(ip)).toBe(subject);
    }
    expect(ipSubject('2001:db8:1:3::1')).toBe('2001:db8:1:3::/64');
    expect(ipSubject('::1')).toBe('0:0:0:0::/64');
    expect(ipSubject('64:ff9b::192.0.2.1')).toBe('64:ff9b:0:0::/64');
  });
});

describe('what is not an IP address', () => {
  it('has no subscriber (the throttle counts it as itself, the risk engine under a marked key)', () => {
    for (const ip of ['', 'not-an-ip', '999.1.1.1', '203.0.113']) expect(ipSubject(ip)).toBeUndefined();
  });
});
