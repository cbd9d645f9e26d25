// The CDP virtual authenticator that passkey tests will use: it attaches to a tab and a WebAuthn registration
// made in that tab lands in it. Runs against a blank page on 127.0.0.1 opened as http://localhost (Chromium refuses
// IP addresses as relying party ids), so it needs no provider.
import { addVirtualAuthenticator, launchBrowser, newPage, startRedirectReceiver, type Browser, type RedirectReceiver } from '../../support/browser.ts';

let browser: Browser;
let site: RedirectReceiver;

beforeAll(async () => {
  [browser, site] = await Promise.all([launchBrowser(), startRedirectReceiver()]);
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
});

test('a passkey registered in the page is stored in the virtual authenticator', async () => {
  const page = await newPage(browser);
  try {
    const authenticator = await addVirtualAuthenticator(page);
    expect(authenticator.authenticatorId).toBeTruthy();
    expect(await authenticator.credentials()).toEqual([]);

    await page.goto(`http://localhost:${site.port}/`);
    const created = await page.evaluate(async () => {
      const nav = (globalThis as unknown as { navigator: { credentials: { create(o: unknown): Promise<{ type: string } | null> } } }).navigator;
      const credential = await nav.credentials.create({
        publicKey: {
          rp: { id: 'localhost', name: 'Test' },
          user: { id: new Uint8Array([1, 2, 3, 4]), name: 'ada@example.test', displayName: 'Ada' },
          challenge: new Uint8Array(32),
          pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
          authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
        },
      });
      return credential?.type;
    });
    expect(created).toBe('public-key');

    const credentials = await authenticator.credentials();
    expect(credentials).toHaveLength(1);
    expect(credentials[0]).toMatchObject({ rpId: 'localhost', isResidentCredential: true });
    await authenticator.remove();
  } finally {
    await page.context().close();
  }
});
