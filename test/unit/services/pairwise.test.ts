import { randomBytes, randomUUID } from 'node:crypto';
import { createPairwiseSubjects } from '../../../src/services/pairwise.ts';

const subjects = createPairwiseSubjects(randomBytes(32));

describe('pairwise subject identifiers', () => {
  it('are stable per customer and sector, different across sectors and customers, and look like nothing', () => {
    const [ada, bob] = [randomUUID(), randomUUID()];
    const shop = subjects.subjectOf(ada, 'shop.example.com');
    expect(subjects.subjectOf(ada, 'shop.example.com')).toBe(shop);
    expect(subjects.subjectOf(ada, 'bank.example.com')).not.toBe(shop);
    expect(subjects.subjectOf(bob, 'shop.example.com')).not.toBe(shop);
    expect(shop).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(shop).not.toContain(ada.replace(/-/g, '').slice(0, 8));
  });

  it('lead back to the account for the sector that received them, and never to it for another sector', () => {
    const ada = randomUUID();
    const shop = subjects.subjectOf(ada, 'shop.example.com');
    expect(subjects.accountOf(shop, 'shop.example.com')).toBe(ada);
    // Another sector's key turns the block into 16 other bytes: mostly no UUID at all, 1 time in 64 a random one that
    // names no account (callers look the account up and find none). Never the customer.
    expect(subjects.accountOf(shop, 'bank.example.com')).not.toBe(ada);
    const misreads = Array.from({ length: 2000 }, () => subjects.accountOf(subjects.subjectOf(randomUUID(), 'shop.example.com'), 'bank.example.com')).filter(Boolean);
    expect(misreads.length).toBeLessThan(2000 / 64 * 3);
    expect(subjects.accountOf(ada, 'shop.example.com')).toBeUndefined();
    expect(subjects.accountOf('not-an-identifier', 'shop.example.com')).toBeUndefined();
    // Another server's key: the same account gives other identifiers.
    expect(createPairwiseSubjects(randomBytes(32)).subjectOf(ada, 'shop.example.com')).not.toBe(shop);
  });

  it('hash an account id that is not a UUID: stable and per sector, not reversible', () => {
    const odd = subjects.subjectOf('legacy-account-7', 'shop.example.com');
    expect(odd).toBe(subjects.subjectOf('legacy-account-7', 'shop.example.com'));
    expect(odd).not.toBe(subjects.subjectOf('legacy-account-7', 'bank.example.com'));
    expect(subjects.accountOf(odd, 'shop.example.com')).toBeUndefined();
  });
});
