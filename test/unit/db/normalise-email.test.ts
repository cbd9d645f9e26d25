// One normalisation of e-mail addresses for storage, lookups, throttle and risk keys.
import { normaliseEmail } from '../../../src/db/models/user.ts';

it.each([
  ['  Alice@Example.COM ', 'alice@example.com'],
  ['alice@example.com', 'alice@example.com'],
  // "é" typed as e + combining acute and as one code point is one address.
  ['Jose\u0301@example.com', 'jos\u00e9@example.com'],
  ['jos\u00e9@example.com', 'jos\u00e9@example.com'],
])('%j → %j', (typed, normalised) => {
  expect(normaliseEmail(typed)).toBe(normalised);
});
