import { randomBytes, randomUUID } from 'node:crypto';
import type { Connection } from 'mongoose';
import { ensureModelIndexes } from '../../../src/db/models/indexes.ts';
import { createAuditLog, type AuditLog } from '../../../src/services/audit.ts';
import { createGeoLookup, type GeoLookup, type GeoPoint } from '../../../src/services/geo.ts';
import { createRiskEngine, type RiskEngine, type RiskEngineDeps } from '../../../src/services/risk.ts';
import { dropAndClose, openTestConnection } from '../../support/db.ts';

let conn: Connection;
let audit: AuditLog;
let risk: RiskEngine;
const key = randomBytes(32);

// A clock the test moves: windows, trust periods and travel times without sleeping.
let clock = Date.now();
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const make = (over: Partial<RiskEngineDeps> = {}) => createRiskEngine({ conn, key, audit, now: () => clock, ...over });

// Each test gets its own account, devices and addresses: rules look back over windows, tests must not see each other.
let subnet = 0;
function freshAddresses() {
  subnet += 1;
  return { home: `198.51.${subnet}.10`, homeToo: `198.51.${subnet}.200`, elsewhere: `203.0.${subnet}.7`, attacker: `192.0.${subnet}.66` };
}
const account = () => `acct-${randomUUID()}`;
const device = () => randomBytes(16).toString('base64url');
// Every signal row lives in risk_signals (`_id` = `<kind>:<key>`); devices, networks and an account's failures name
// their account (for erasure). The dump below reads them all.
const signals = () => conn.collection('risk_signals');
const ALL_RISK_COLLECTIONS = ['risk_signals'];
const usedIps = new Set<string>();

async function fail(accountId: string, loginName: string, ip: string, times = 1) {
  usedIps.add(ip);
  for (let i = 0; i < times; i++) await risk.recordAttempt({ loginName, accountId, ip, success: false });
}
async function succeed(accountId: string, loginName: string, ip: string) {
  usedIps.add(ip);
  await risk.recordAttempt({ loginName, accountId, ip, success: true });
}
async function signIn(accountId: string, ip: string, deviceId?: string) {
  usedIps.add(ip);
  await risk.recordSignIn({ accountId, ip, ...(deviceId ? { deviceId } : {}) });
}
const assessed = (accountId: string) => audit.list({ type: 'risk.assessed', accountId });

beforeAll(async () => {
  conn = await openTestConnection();
  await ensureModelIndexes(conn);
  audit = createAuditLog(conn);
  risk = make();
  await risk.ensureIndexes();
});
afterAll(() => dropAndClose(conn));
beforeEach(() => {
  clock = Date.now();
});

describe('adaptive sign-in', () => {
  it('asks a new device after three wrong passwords, with both reasons, and audits the decision', async () => {
    const id = account();
    const ip = freshAddresses();
    await signIn(id, ip.home, device()); // the account's usual browser, on its usual network
    clock += 2 * DAY;
    await fail(id, 'jo@example.com', ip.attacker, 3);
    await succeed(id, 'jo@example.com', ip.homeToo);

    const result = await risk.assess({ accountId: id, ip: ip.homeToo, deviceId: device(), clientId: 'shop', userAgent: 'UA/1' });
    expect(result).toEqual({ score: 60, threshold: 50, reasons: ['new_device', 'recent_failures'], mfa: true, trustedDevice: false });

    const [row, ...more] = await assessed(id);
    expect(more).toHaveLength(0);
    expect(row).toMatchObject({
      type: 'risk.assessed',
      outcome: 'success',
      reason: 'mfa',
      clientId: 'shop',
      ip: ip.homeToo,
      userAgent: 'UA/1',
      details: { score: 60, threshold: 50, reasons: ['new_device', 'recent_failures'], decision: 'mfa', signals: { failures: 3, ipAccounts: 1 } },
    });
  });

  it('lets a trusted device skip the second factor until the trust ends, then asks again', async () => {
    const id = account();
    const ip = freshAddresses();
    const laptop = device();
    await fail(id, 'kim@example.com', ip.attacker, 3);
    await succeed(id, 'kim@example.com', ip.home);
    expect(await risk.assess({ accountId: id, ip: ip.home, deviceId: laptop })).toMatchObject({ mfa: true, trustedDevice: false });
    // The customer passed the second factor and ticked "trust this device for 30 days".
    await signIn(id, ip.home, laptop);
    await risk.trustDevice(id, laptop, 30);

    clock += 10 * DAY;
    await fail(id, 'kim@example.com', ip.attacker, 3);
    const trusted = await risk.assess({ accountId: id, ip: ip.home, deviceId: laptop, breachedPassword: true });
    // Scored and audited as ever, but not asked.
    expect(trusted).toEqual({ score: 80, threshold: 50, reasons: ['recent_failures', 'breached_password'], mfa: false, trustedDevice: true });
    // Trust belongs to this device of this account only.
    expect(await risk.assess({ accountId: id, ip: ip.home, deviceId: device(), breachedPassword: true })).toMatchObject({ mfa: true, trustedDevice: false });
    expect(await risk.assess({ accountId: account(), ip: ip.home, deviceId: laptop })).toMatchObject({ trustedDevice: false });

    clock += 21 * DAY; // day 31: the trust has ended, the device is still known
    await fail(id, 'kim@example.com', ip.attacker, 3);
    const after = await risk.assess({ accountId: id, ip: ip.home, deviceId: laptop, breachedPassword: true });
    expect(after).toEqual({ score: 80, threshold: 50, reasons: ['recent_failures', 'breached_password'], mfa: true, trustedDevice: false });

    expect((await assessed(id)).map((e) => e.details?.decision).reverse()).toEqual(['mfa', 'trusted_device', 'mfa', 'mfa']);
    const [trustRow] = await audit.list({ type: 'device.trusted', accountId: id });
    expect(trustRow?.details).toMatchObject({ days: 30 });
    expect(JSON.stringify(trustRow)).not.toContain(laptop);
  });

  it('scores a known device on a known network 0', async () => {
    const id = account();
    const ip = freshAddresses();
    const phone = device();
    await signIn(id, ip.home, phone);
    clock += 5 * DAY;
    await succeed(id, 'sam@example.com', ip.homeToo); // another address of the same /24
    const result = await risk.assess({ accountId: id, ip: ip.homeToo, deviceId: phone });
    expect(result).toEqual({ score: 0, threshold: 50, reasons: [], mfa: false, trustedDevice: false });
    expect((await assessed(id))[0]?.details).toMatchObject({ decision: 'allow', score: 0, reasons: [] });
  });

  it('knows an IPv6 network by its /48', async () => {
    const id = account();
    const phone = device();
    await signIn(id, '2001:db8:77:1::10', phone);
    expect((await risk.assess({ accountId: id, ip: '2001:db8:77:ff00::1', deviceId: phone })).reasons).toEqual([]);
    expect((await risk.assess({ accountId: id, ip: '2001:db8:78::1', deviceId: phone })).reasons).toEqual(['new_network']);
    usedIps.add('2001:db8:77:1::10').add('2001:db8:77:ff00::1').add('2001:db8:78::1');
  });

  it('treats no device cookie as a new device, and a first sign-in anywhere as not risky enough to ask', async () => {
    const id = account();
    const ip = freshAddresses();
    const result = await risk.assess({ accountId: id, ip: ip.home });
    expect(result).toEqual({ score: 45, threshold: 50, reasons: ['new_device', 'new_network'], mfa: false, trustedDevice: false });
  });

  it('asks for a breached password alone', async () => {
    const id = account();
    const ip = freshAddresses();
    const phone = device();
    await signIn(id, ip.home, phone);
    const result = await risk.assess({ accountId: id, ip: ip.home, deviceId: phone, breachedPassword: true });
    expect(result).toEqual({ score: 50, threshold: 50, reasons: ['breached_password'], mfa: true, trustedDevice: false });
  });

  it('counts failures within the window only, and on this account only', async () => {
    const id = account();
    const ip = freshAddresses();
    const phone = device();
    await signIn(id, ip.home, phone);
    await fail(id, 'lee@example.com', ip.attacker, 2);
    await fail(account(), 'other@example.com', ip.elsewhere, 5);
    expect((await risk.assess({ accountId: id, ip: ip.home, deviceId: phone })).reasons).toEqual([]);
    clock += 61 * MINUTE;
    await fail(id, 'lee@example.com', ip.attacker, 2); // 4 in all, but only 2 in the last hour
    expect((await risk.assess({ accountId: id, ip: ip.home, deviceId: phone })).reasons).toEqual([]);
    await fail(id, 'lee@example.com', ip.attacker, 1);
    expect((await risk.assess({ accountId: id, ip: ip.home, deviceId: phone })).reasons).toEqual(['recent_failures']);
  });

  it('counts wrong passwords recorded without their account, by the login name the account signs in with', async () => {
    const id = account();
    const ip = freshAddresses();
    const phone = device();
    await signIn(id, ip.home, phone);
    // As the login form records them: a wrong password does not say whose account it was.
    for (const name of ['Ana@example.com', 'ana@example.com ', 'ana@example.com']) {
      await risk.recordAttempt({ loginName: name, ip: ip.attacker, success: false });
    }
    await risk.recordAttempt({ loginName: 'someone-else@example.com', ip: ip.attacker, success: false });
    usedIps.add(ip.attacker);
    expect((await risk.assess({ accountId: id, ip: ip.home, deviceId: phone })).reasons).toEqual([]); // not yet linked
    await succeed(id, 'ana@example.com', ip.home);
    const result = await risk.assess({ accountId: id, ip: ip.home, deviceId: phone });
    expect(result.reasons).toEqual(['recent_failures']);
    expect((await assessed(id))[0]?.details).toMatchObject({ signals: { failures: 3 } });
  });

  it('counts the name being signed in with before its right password is recorded, which then goes with the sign-in', async () => {
    const id = account();
    const ip = freshAddresses();
    const phone = device();
    await signIn(id, ip.home, phone);
    // Wrong passwords for this name, recorded without the account, and the right one not recorded yet (as the login
    // form leaves it for the sign-in it completes): the assessment counts them all the same.
    for (let i = 0; i < 3; i++) await risk.recordAttempt({ loginName: 'cleo@example.com', ip: ip.attacker, success: false });
    usedIps.add(ip.attacker);
    const result = await risk.assess({ accountId: id, ip: ip.home, deviceId: phone, loginName: 'cleo@example.com' });
    expect(result.reasons).toEqual(['recent_failures']);

    // The sign-in records the right password and the device, network in one write; the name is the account's now.
    const writes: string[] = [];
    const listen = (e: { commandName: string; command: Record<string, unknown> }) => {
      if (e.command[e.commandName] === 'risk_signals') writes.push(e.commandName);
    };
    conn.getClient().on('commandStarted', listen);
    try {
      await risk.recordSignIn({ accountId: id, ip: ip.home, deviceId: phone, loginName: 'cleo@example.com' });
    } finally {
      conn.getClient().off('commandStarted', listen);
    }
    expect(writes).toEqual(['update']);
    expect((await risk.assess({ accountId: id, ip: ip.home, deviceId: phone })).reasons).toEqual(['recent_failures']);
  });

  it('reads the failures of the name being typed with the account\'s rows, in one command, and of other names after', async () => {
    const id = account();
    const ip = freshAddresses();
    const phone = device();
    await signIn(id, ip.home, phone);
    for (let i = 0; i < 3; i++) await risk.recordAttempt({ loginName: 'bea@example.com', ip: ip.attacker, success: false });
    await risk.recordAttempt({ loginName: 'bea.work@example.com', ip: ip.attacker, success: false });
    usedIps.add(ip.attacker);
    await succeed(id, 'Bea@example.com', ip.home);

    const finds: unknown[] = [];
    const listen = (e: { commandName: string; command: Record<string, unknown> }) => {
      if (e.commandName === 'find' && e.command.find === 'risk_signals') finds.push(e.command.filter);
    };
    conn.getClient().on('commandStarted', listen);
    try {
      const result = await risk.assess({ accountId: id, ip: ip.home, deviceId: phone, loginName: 'bea@example.com' });
      expect(result.reasons).toEqual(['recent_failures']);
      expect(finds).toHaveLength(1);

      // The account also signed in with another name: its failures are read in a second command and add up.
      await succeed(id, 'bea.work@example.com', ip.home);
      finds.length = 0;
      await risk.assess({ accountId: id, ip: ip.home, deviceId: phone, loginName: 'bea@example.com' });
      expect(finds).toHaveLength(2);
      expect((await assessed(id))[0]?.details).toMatchObject({ signals: { failures: 4 } });
    } finally {
      conn.getClient().off('commandStarted', listen);
    }
  });

  it('flags many login names from one address (credential stuffing)', async () => {
    const id = account();
    const ip = freshAddresses();
    const phone = device();
    await signIn(id, ip.elsewhere, phone);
    // Five other names fail from the stuffing address, then the victim's password works from it.
    for (const name of ['a@example.com', 'b@example.com', 'c@example.com', 'd@example.com', 'e@example.com']) {
      await risk.recordAttempt({ loginName: name, ip: ip.attacker, success: false });
    }
    await succeed(id, 'victim@example.com', ip.attacker);
    usedIps.add(ip.attacker);
    const result = await risk.assess({ accountId: id, ip: ip.attacker, deviceId: phone });
    expect(result.reasons).toEqual(['new_network', 'ip_velocity']);
    expect(result).toMatchObject({ score: 55, mfa: true });
    expect((await assessed(id))[0]?.details).toMatchObject({ signals: { ipAccounts: 6 } });
    // From the next address over, nothing unusual was tried.
    expect((await risk.assess({ accountId: id, ip: ip.elsewhere, deviceId: phone })).reasons).toEqual([]);
  });

  it('does not count one name typed differently as several, nor below the limit', async () => {
    const id = account();
    const ip = freshAddresses();
    const phone = device();
    await signIn(id, ip.home, phone);
    for (const name of ['Pat@Example.com', ' pat@example.com', 'PAT@EXAMPLE.COM ', 'x@example.com', 'y@example.com']) {
      await risk.recordAttempt({ loginName: name, ip: ip.home, success: false });
    }
    await succeed(id, 'z@example.com', ip.home);
    const result = await risk.assess({ accountId: id, ip: ip.home, deviceId: phone });
    expect((await assessed(id))[0]?.details).toMatchObject({ signals: { ipAccounts: 4 } });
    expect(result.reasons).toEqual([]);
  });

  it('forgets devices (and with them every trust) when asked', async () => {
    const id = account();
    const ip = freshAddresses();
    const phone = device();
    await signIn(id, ip.home, phone);
    await risk.trustDevice(id, phone, 30);
    expect((await risk.assess({ accountId: id, ip: ip.home, deviceId: phone })).trustedDevice).toBe(true);
    await risk.forgetDevices(id);
    expect(await risk.assess({ accountId: id, ip: ip.home, deviceId: phone })).toMatchObject({ trustedDevice: false, reasons: ['new_device'] });
    await risk.forgetAccount(id);
    expect((await risk.assess({ accountId: id, ip: ip.home, deviceId: phone })).reasons).toEqual(['new_device', 'new_network']);
  });

  it('forgets devices and networks after networkMemoryDays, and sweeps what expired', async () => {
    const local = make({ rules: { networkMemoryDays: 10, failureWindowSeconds: 60, ipWindowSeconds: 60 } });
    const id = account();
    const ip = freshAddresses();
    const phone = device();
    await local.recordSignIn({ accountId: id, ip: ip.home, deviceId: phone });
    await local.recordAttempt({ loginName: 'old@example.com', accountId: id, ip: ip.home, success: false });
    usedIps.add(ip.home);
    clock += 9 * DAY;
    expect((await local.assess({ accountId: id, ip: ip.home, deviceId: phone })).reasons).toEqual([]);
    clock += 2 * DAY;
    expect((await local.assess({ accountId: id, ip: ip.home, deviceId: phone })).reasons).toEqual(['new_device', 'new_network']);
    const count = () => Promise.all(['fail', 'net', 'dev'].map((kind) => signals().countDocuments({ kind, accountId: id })));
    expect(await count()).toEqual([1, 1, 1]);
    expect(await local.sweepExpired()).toBeGreaterThanOrEqual(3);
    expect(await count()).toEqual([0, 0, 0]);
  });

  it('keeps a trust longer than the device memory, even when the device signs in again', async () => {
    const id = account();
    const ip = freshAddresses();
    const tablet = device();
    await signIn(id, ip.home, tablet);
    await risk.trustDevice(id, tablet, 120);
    await signIn(id, ip.home, tablet); // must not shorten the row's life to lastSeenAt + 90 days
    clock += 100 * DAY;
    expect((await risk.assess({ accountId: id, ip: ip.home, deviceId: tablet })).trustedDevice).toBe(true);
    clock += 21 * DAY;
    expect((await risk.assess({ accountId: id, ip: ip.home, deviceId: tablet })).trustedDevice).toBe(false);
  });

  it('survives concurrent sign-ins of one new device', async () => {
    const id = account();
    const ip = freshAddresses();
    const tablet = device();
    usedIps.add(ip.home);
    await Promise.all(Array.from({ length: 8 }, () => risk.recordSignIn({ accountId: id, ip: ip.home, deviceId: tablet })));
    expect(await signals().countDocuments({ kind: 'dev', accountId: id })).toBe(1);
    expect((await risk.assess({ accountId: id, ip: ip.home, deviceId: tablet })).reasons).toEqual([]);
  });

  it('validates the trust period', async () => {
    await expect(risk.trustDevice(account(), device(), 0)).rejects.toThrow(/days/);
    await expect(risk.trustDevice(account(), device(), Number.NaN)).rejects.toThrow(/days/);
  });
});

describe('impossible travel with a fake geo lookup', () => {
  const places: Record<string, GeoPoint> = {
    '192.0.2.1': { lat: 48.14, lon: 11.58, country: 'DE', accuracyKm: 20 }, // Munich
    '198.18.0.2': { lat: 52.52, lon: 13.4, country: 'DE', accuracyKm: 20 }, // Berlin, ~500 km away
    '198.19.0.3': { lat: 50.0, lon: 10.0, country: 'DE', accuracyKm: 1000 }, // "somewhere in Germany"
  };
  const fake: GeoLookup = { lookup: (ip) => places[ip] };

  it('flags Munich → Berlin in 20 minutes, not in 2 hours', async () => {
    const local = make({ geo: fake });
    const id = account();
    const phone = device();
    await local.recordSignIn({ accountId: id, ip: '192.0.2.1', deviceId: phone });
    clock += 20 * MINUTE;
    expect((await local.assess({ accountId: id, ip: '198.18.0.2', deviceId: phone })).reasons).toEqual(['new_network', 'impossible_travel']);
    clock += 100 * MINUTE;
    expect((await local.assess({ accountId: id, ip: '198.18.0.2', deviceId: phone })).reasons).toEqual(['new_network']);
  });

  it('gives rough places the benefit of their accuracy radius, and skips places it does not know', async () => {
    const local = make({ geo: fake });
    const id = account();
    const phone = device();
    await local.recordSignIn({ accountId: id, ip: '192.0.2.1', deviceId: phone });
    clock += 1 * MINUTE;
    expect((await local.assess({ accountId: id, ip: '198.19.0.3', deviceId: phone })).reasons).toEqual(['new_network']);
    expect((await local.assess({ accountId: id, ip: '198.18.99.99', deviceId: phone })).reasons).toEqual(['new_network']);
  });

  it('is off without a geo lookup', async () => {
    const id = account();
    const phone = device();
    await make({ geo: fake }).recordSignIn({ accountId: id, ip: '192.0.2.1', deviceId: phone });
    clock += 5 * MINUTE;
    expect((await risk.assess({ accountId: id, ip: '198.18.0.2', deviceId: phone })).reasons).toEqual(['new_network']);
  });

  afterAll(() => {
    for (const ip of [...Object.keys(places), '198.18.99.99']) usedIps.add(ip);
  });
});

describe('impossible travel with geoip-lite data', () => {
  // Addresses the bundled GeoLite data places in Berlin and in the USA (checked below, so a data update that moves
  // them fails here rather than silently testing nothing).
  const BERLIN = '85.214.132.117';
  const USA = '93.184.216.34';
  let geo: GeoLookup;

  beforeAll(async () => {
    geo = await createGeoLookup();
    usedIps.add(BERLIN).add(USA);
  });

  it('places the two addresses in Germany and the USA', () => {
    expect(geo.lookup(BERLIN)).toMatchObject({ country: 'DE', lat: expect.any(Number), lon: expect.any(Number) });
    expect(geo.lookup(USA)).toMatchObject({ country: 'US', lat: expect.any(Number), lon: expect.any(Number) });
    expect(geo.lookup('10.1.2.3')).toBeUndefined();
    expect(geo.lookup('127.0.0.1')).toBeUndefined();
    expect(geo.lookup('not an ip')).toBeUndefined();
  });

  it('flags Germany → USA in 10 minutes, not in 20 hours', async () => {
    const local = make({ geo });
    const id = account();
    const phone = device();
    await local.recordSignIn({ accountId: id, ip: BERLIN, deviceId: phone });

    clock += 10 * MINUTE;
    const quick = await local.assess({ accountId: id, ip: USA, deviceId: phone });
    expect(quick).toEqual({ score: 75, threshold: 50, reasons: ['new_network', 'impossible_travel'], mfa: true, trustedDevice: false });
    const [row] = await assessed(id);
    const travel = (row?.details?.signals as { travel: { km: number; kmh: number; from: string; to: string } }).travel;
    expect(travel).toMatchObject({ from: 'DE', to: 'US' });
    expect(travel.km).toBeGreaterThan(5000);
    expect(travel.kmh).toBeGreaterThan(900);

    clock += 20 * HOUR - 10 * MINUTE;
    const slow = await local.assess({ accountId: id, ip: USA, deviceId: phone });
    expect(slow).toMatchObject({ reasons: ['new_network'], mfa: false });
  });

  it('stores only the coarse place of a sign-in', async () => {
    const id = account();
    await make({ geo }).recordSignIn({ accountId: id, ip: BERLIN });
    const row = await signals().findOne({ _id: `place:${id}` as never });
    expect(Object.keys(row?.geo ?? {}).sort()).toEqual(['accuracyKm', 'country', 'lat', 'lon']);
    expect(row?.geo.country).toBe('DE');
    for (const v of [row?.geo.lat, row?.geo.lon]) expect(Math.round(v * 10) / 10).toBe(v);
  });
});

describe('storage', () => {
  it('has no raw IP address, device id or login name in any risk collection', async () => {
    const id = account();
    const phone = device();
    await risk.recordAttempt({ loginName: 'Secret.Name@example.com', accountId: id, ip: '192.0.2.250', success: false });
    await risk.recordSignIn({ accountId: id, ip: '192.0.2.250', deviceId: phone });
    await risk.trustDevice(id, phone, 7);
    usedIps.add('192.0.2.250');

    const dump = JSON.stringify(await Promise.all(ALL_RISK_COLLECTIONS.map((c) => conn.collection(c).find().toArray())));
    expect(dump).not.toContain(phone);
    expect(dump.toLowerCase()).not.toContain('secret.name');
    expect(usedIps.size).toBeGreaterThan(20);
    for (const ip of usedIps) expect(dump).not.toContain(ip);
    // Nor the networks in the usual notation.
    expect(dump).not.toMatch(/\d+\.\d+\.\d+\.0\/24|::\/(48|64)/);
  });

  it('reports whether the server took TTL indexes (FerretDB does not)', async () => {
    const { ttl } = await risk.ensureIndexes();
    expect(typeof ttl).toBe('boolean');
  });
});

describe('rows of the earlier layout (one collection per kind of signal)', () => {
  it('move into risk_signals once at start, so known devices and networks are still known', async () => {
    const id = account();
    const phone = device();
    const ip = freshAddresses();
    // The earlier engine's rows, as it wrote them, keyed as this engine keys them.
    const earlier = make();
    await earlier.recordSignIn({ accountId: id, ip: ip.home, deviceId: phone });
    const moved = await conn.collection('risk_signals').find({ $or: [{ accountId: id }, { _id: `place:${id}` as never }] }).toArray();
    expect(moved.length).toBeGreaterThanOrEqual(2);
    await conn.collection('risk_signals').deleteMany({ _id: { $in: moved.map((r) => r._id) } });
    const collectionOf: Record<string, string> = { net: 'risk_networks', dev: 'risk_devices', place: 'risk_places' };
    for (const row of moved) {
      const [kind, ...rest] = String(row._id).split(':');
      const { kind: _kind, ...fields } = row;
      await conn.collection(collectionOf[kind!]!).insertOne({ ...fields, _id: rest.join(':') as never });
    }
    expect((await risk.assess({ accountId: id, ip: ip.home, deviceId: phone })).reasons).toEqual(['new_device', 'new_network']);

    await make().ensureIndexes();
    expect((await risk.assess({ accountId: id, ip: ip.home, deviceId: phone })).reasons).toEqual([]);
    const names = (await conn.db!.listCollections().toArray()).map((c) => c.name);
    expect(names.filter((n) => ['risk_networks', 'risk_devices', 'risk_places', 'risk_login_failures', 'risk_ip_logins'].includes(n))).toEqual([]);
  });
});
