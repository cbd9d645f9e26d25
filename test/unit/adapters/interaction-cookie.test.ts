import { randomBytes } from 'node:crypto';
import { createInteractionCookies, INTERACTION_COOKIE, MAX_COOKIE_CHARS } from '../../../adapters/interaction-cookie.ts';
import type { BrowserCookies } from '../../../adapters/types.ts';
import { createCipher } from '../../../src/services/crypto.ts';

/** One request: the cookie it came with, and what its response sets (by path). */
function request(sent?: string) {
  const written = new Map<string, { value: string | null; maxAgeSeconds: number }>();
  const jar: BrowserCookies = {
    get: (name) => (name === INTERACTION_COOKIE ? sent : undefined),
    set: (name, value, { path, maxAgeSeconds }) => {
      expect(name).toBe(INTERACTION_COOKIE);
      written.set(path, { value, maxAgeSeconds });
    },
  };
  return { jar, written };
}

const cipher = createCipher(randomBytes(32));
const paths = (uid: string, payload: { returnTo?: unknown }) => [`/interaction/${uid}`, new URL(String(payload.returnTo)).pathname];
const cookies = createInteractionCookies({ cipher, paths });
const payload = (uid: string, extra: Record<string, unknown> = {}) => ({ uid, kind: 'Interaction', returnTo: `https://op.example/auth/${uid}`, params: { client_id: 'app' }, ...extra });
const inAnHour = () => new Date(Date.now() + 3600_000);

describe('an interaction kept in the browser', () => {
  it('is sealed into the cookie of its pages and of its resume URL, and read back by the next request', () => {
    const first = request();
    expect(cookies.save(first.jar, 'uid1', payload('uid1'), inAnHour())).toBe(true);
    expect([...first.written.keys()]).toEqual(['/interaction/uid1', '/auth/uid1']);
    const sealed = first.written.get('/auth/uid1')!.value!;
    expect(first.written.get('/interaction/uid1')!.value).toBe(sealed);
    expect(first.written.get('/auth/uid1')!.maxAgeSeconds).toBeGreaterThan(3590);
    // Nothing of the payload is readable in the cookie.
    expect(sealed).not.toContain('app');
    expect(sealed).not.toContain('uid1');

    expect(cookies.find(request(sealed).jar, 'uid1')).toEqual(payload('uid1'));
  });

  it('answers a read after a save in the same request with what was saved, and each read with a copy of its own', () => {
    const { jar } = request();
    cookies.save(jar, 'uid2', payload('uid2', { result: { login: { accountId: 'a' } } }), inAnHour());
    const read = cookies.find(jar, 'uid2')!;
    expect(read.result).toEqual({ login: { accountId: 'a' } });
    (read.result as Record<string, unknown>).login = 'changed';
    expect(cookies.find(jar, 'uid2')!.result).toEqual({ login: { accountId: 'a' } });
  });

  it('is not found when the cookie was altered, sealed with another key, made for another interaction or expired', () => {
    const { jar, written } = request();
    cookies.save(jar, 'uid3', payload('uid3'), inAnHour());
    const sealed = written.get('/auth/uid3')!.value!;
    const altered = `${sealed.slice(0, -2)}${sealed.endsWith('AA') ? 'BB' : 'AA'}`;
    expect(cookies.find(request(altered).jar, 'uid3')).toBeUndefined();
    expect(cookies.find(request('garbage').jar, 'uid3')).toBeUndefined();
    expect(cookies.find(request(sealed).jar, 'another')).toBeUndefined();

    const otherKey = createInteractionCookies({ cipher: createCipher(randomBytes(32)), paths });
    expect(otherKey.find(request(sealed).jar, 'uid3')).toBeUndefined();

    const past = request();
    cookies.save(past.jar, 'uid4', payload('uid4'), new Date(Date.now() - 1000));
    expect(cookies.find(request(past.written.get('/auth/uid4')!.value!).jar, 'uid4')).toBeUndefined();
  });

  it('is too large for a cookie: the caller keeps a row, a cookie the browser had is cleared, reads go to the row', () => {
    const small = request();
    cookies.save(small.jar, 'uid5', payload('uid5'), inAnHour());
    const next = request(small.written.get('/auth/uid5')!.value!);
    const big = payload('uid5', { params: { client_id: 'app', state: 's'.repeat(MAX_COOKIE_CHARS) } });
    expect(cookies.save(next.jar, 'uid5', big, inAnHour())).toBe(false);
    expect(next.written.get('/auth/uid5')!.value).toBeNull();
    expect(next.written.get('/interaction/uid5')!.value).toBeNull();
    expect(cookies.find(next.jar, 'uid5')).toBeUndefined();
    // A request without a cookie sets none either.
    const fresh = request();
    expect(cookies.save(fresh.jar, 'uid6', payload('uid6', big), inAnHour())).toBe(false);
    expect(fresh.written.size).toBe(0);
  });

  it('ends once: the cookie is cleared on both paths and the expiry to mark it used is given; then it is gone', () => {
    const first = request();
    const until = inAnHour();
    cookies.save(first.jar, 'uid7', payload('uid7'), until);
    const resume = request(first.written.get('/auth/uid7')!.value!);
    expect(cookies.end(resume.jar, 'uid7')?.getTime()).toBe(until.getTime());
    expect(resume.written.get('/auth/uid7')!.value).toBeNull();
    expect(resume.written.get('/interaction/uid7')!.value).toBeNull();
    expect(cookies.find(resume.jar, 'uid7')).toBeNull();
    expect(cookies.end(resume.jar, 'uid7')).toBeUndefined();
    // A browser without the cookie: nothing to end here (the caller deletes a row, if any).
    expect(cookies.end(request().jar, 'uid7')).toBeUndefined();
  });
});
