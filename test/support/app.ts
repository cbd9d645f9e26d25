// The real application in the test process: loadConfig → createServices → createApp, on its own test database,
// listening on 127.0.0.1 with mail going to an in-process SMTP server. For tests that drive pages with the
// cookie-keeping HTTP client and then look at what the services stored.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Router from '@koa/router';
import { createApp, createServices, type Services } from '../../src/app.ts';
import type { Clock } from '../../src/clock.ts';
import { loadConfig } from '../../src/config/index.ts';
import { createLogger } from '../../src/log.ts';
import { testDatabaseUri } from './db.ts';
import { startTestSmtp, type TestSmtp } from './smtp.ts';
import { TEST_HASHING } from './hashing.ts';

export interface TestApp {
  url: string;
  services: Services;
  smtp: TestSmtp;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /**
   * ISSUER (and `url`) is http://localhost:PORT instead of http://127.0.0.1:PORT, still listening on 127.0.0.1 only:
   * WebAuthn refuses IP addresses as relying party ids, and browsers treat localhost as a secure context.
   */
  localhost?: boolean;
  /** The one clock every service reads (src/clock.ts); default the system's. */
  clock?: Clock;
  /** Requests to upstream OpenID providers go here (a stand-in for a provider on the internet). */
  upstreamFetch?: typeof fetch;
}

export async function startTestApp(
  env: Record<string, string> = {},
  routers: (services: Services) => Router[] = () => [],
  options: TestAppOptions = {},
): Promise<TestApp> {
  const smtp = await startTestSmtp();
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    return await serve(server, smtp, env, routers, options);
  } catch (err) {
    // A failed start must not leave the mail server and the listener running: jest would wait for them for ever.
    server.close();
    await smtp.close();
    throw err;
  }
}

async function serve(
  server: ReturnType<typeof createServer>,
  smtp: Awaited<ReturnType<typeof startTestSmtp>>,
  env: Record<string, string>,
  routers: (services: Services) => Router[],
  options: TestAppOptions,
): Promise<TestApp> {
  const host = options.localhost ? 'localhost' : '127.0.0.1';
  const url = `http://${host}:${(server.address() as AddressInfo).port}`;
  const config = loadConfig({
    NODE_ENV: 'test',
    ISSUER: url,
    MONGODB_URI: testDatabaseUri(),
    COOKIE_KEYS: randomBytes(32).toString('base64url'),
    DATA_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    SMTP_URL: smtp.url,
    MAIL_FROM: 'Sign-in <no-reply@example.test>',
    LOG_LEVEL: 'silent',
    ...TEST_HASHING,
    ...env,
  });
  const services = await createServices(config, {
    logger: createLogger('silent'),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.upstreamFetch ? { outside: { upstreamFetch: options.upstreamFetch } } : {}),
  });
  const app = createApp(services, routers(services));
  server.on('request', app.callback());
  return {
    url,
    services,
    smtp,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await services.db.connection.dropDatabase().catch(() => {});
      await services.close();
      await smtp.close();
    },
  };
}
