import { DEFAULT_RISK_RULES, distanceKm, resolveRiskRules } from '../../../src/services/risk-rules.ts';
import { networkOf, parseIp, subscriberOf as velocityKeyOf } from '../../../src/services/ip-prefixes.ts';

describe('risk rules', () => {
  it('defaults to the documented numbers', () => {
    expect(DEFAULT_RISK_RULES).toEqual({
      threshold: 50,
      weights: { new_device: 30, new_network: 15, impossible_travel: 60, recent_failures: 30, ip_velocity: 40, breached_password: 50 },
      failureCount: 3,
      failureWindowSeconds: 3600,
      ipAccounts: 5,
      ipWindowSeconds: 3600,
      travelKmh: 900,
      networkMemoryDays: 90,
    });
    expect(Object.isFrozen(DEFAULT_RISK_RULES)).toBe(true);
    expect(Object.isFrozen(DEFAULT_RISK_RULES.weights)).toBe(true);
  });

  it('overlays operator settings, weights one by one', () => {
    const rules = resolveRiskRules({ threshold: 40, weights: { new_network: 0 } as never });
    expect(rules.threshold).toBe(40);
    expect(rules.weights).toEqual({ ...DEFAULT_RISK_RULES.weights, new_network: 0 });
    expect(rules.travelKmh).toBe(900);
  });

  it('refuses values that would make a rule meaningless', () => {
    expect(() => resolveRiskRules({ threshold: -1 })).toThrow(/threshold/);
    expect(() => resolveRiskRules({ weights: { ip_velocity: Number.NaN } as never })).toThrow(/weights.ip_velocity/);
    expect(() => resolveRiskRules({ failureCount: 0 })).toThrow(/failureCount/);
    expect(() => resolveRiskRules({ networkMemoryDays: Infinity })).toThrow(/networkMemoryDays/);
  });
});

describe('addresses', () => {
  it('parses IPv4, IPv6 (with ::, zone ids and embedded IPv4) and IPv4-mapped IPv6 as IPv4', () => {
    expect(parseIp('203.0.113.9')).toEqual({ v: 4, parts: [203, 0, 113, 9] });
    expect(parseIp('2001:DB8::1')).toEqual({ v: 6, parts: [0x2001, 0xdb8, 0, 0, 0, 0, 0, 1] });
    expect(parseIp('fe80::1%eth0')).toEqual({ v: 6, parts: [0xfe80, 0, 0, 0, 0, 0, 0, 1] });
    expect(parseIp('::')).toEqual({ v: 6, parts: [0, 0, 0, 0, 0, 0, 0, 0] });
    expect(parseIp('::ffff:198.51.100.7')).toEqual({ v: 4, parts: [198, 51, 100, 7] });
    expect(parseIp('::ffff:c633:6407')).toEqual({ v: 4, parts: [198, 51, 100, 7] });
    expect(parseIp('64:ff9b::198.51.100.7')).toEqual({ v: 6, parts: [0x64, 0xff9b, 0, 0, 0, 0, 0xc633, 0x6407] });
    expect(parseIp('not-an-ip')).toBeUndefined();
    expect(parseIp('')).toBeUndefined();
  });

  it('groups networks by IPv4 /24 and IPv6 /48', () => {
    expect(networkOf('203.0.113.9')).toBe('203.0.113.0/24');
    expect(networkOf('::ffff:203.0.113.200')).toBe('203.0.113.0/24');
    expect(networkOf('2001:db8:abcd:12::1')).toBe(networkOf('2001:db8:abcd:ffff:1:2:3:4'));
    expect(networkOf('2001:db8:abcd:12::1')).not.toBe(networkOf('2001:db8:abce::1'));
  });

  it('counts one IPv4 address or one IPv6 /64 as one address for velocity', () => {
    expect(velocityKeyOf('203.0.113.9')).not.toBe(velocityKeyOf('203.0.113.10'));
    expect(velocityKeyOf('2001:db8:1:2::1')).toBe(velocityKeyOf('2001:db8:1:2:ffff::9'));
    expect(velocityKeyOf('2001:db8:1:2::1')).not.toBe(velocityKeyOf('2001:db8:1:3::1'));
  });
});

describe('distanceKm', () => {
  it('measures great-circle distances', () => {
    const berlin = { lat: 52.52, lon: 13.405 };
    const newYork = { lat: 40.7128, lon: -74.006 };
    expect(distanceKm(berlin, newYork)).toBeGreaterThan(6350);
    expect(distanceKm(berlin, newYork)).toBeLessThan(6420);
    expect(distanceKm(berlin, berlin)).toBe(0);
    expect(distanceKm({ lat: 0, lon: 179.9 }, { lat: 0, lon: -179.9 })).toBeLessThan(25);
  });
});
