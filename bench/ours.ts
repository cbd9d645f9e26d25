// Ours: the whole application as `npm start` builds it (createServices + createApp), on its own database of the
// embedded store, with the driver's command monitoring switched on through the connection string so that every
// command the application sends is counted.
import { randomBytes } from 'node:crypto';
import type { Db } from 'mongodb';
import type Provider from 'oidc-provider';
import { createApp, createServices, type Services } from '../src/app.ts';
import { loadConfig } from '../src/config/index.ts';
import { createLogger } from '../src/log.ts';
import { monitorCommands, type CommandMonitor } from './commands.ts';
import { listen, type BenchServer } from './server.ts';
import { API_CLIENT, PARTNER, REDIRECT_URI, WEB_APP } from './settings.ts';

export interface Customer {
  email: string;
  password: string;
  accountId: string;
  /** The address the customer signs in from (each its own, as on the internet; see settings.ts TRUST_PROXY). */
  ip: string;
}

export interface OursStack {
  server: BenchServer;
  services: Services;
  provider(): Provider;
  db: Db;
  monitor: CommandMonitor;
  customers: Customer[];
  close(): Promise<void>;
}

/**
 * `serverUri`: the database server (mongodb://host:port/...); a fresh database on it is used and dropped after.
 * `monitor`: the driver's command monitoring, for counting commands. It is not free (the driver then decodes every
 * reply in full for the event), so the timed phases run on an unmonitored stack and the counts come from a second,
 * monitored stack on the same database (`join`: that stack's database, clients and customers; nothing is seeded).
 */
export async function startOurs(
  env: Record<string, string>,
  serverUri: string,
  customers: number,
  opts: { monitor?: boolean; join?: OursStack } = {},
): Promise<OursStack> {
  const server = await listen();
  const uri = new URL(serverUri);
  uri.pathname = opts.join ? `/${opts.join.db.databaseName}` : `/bench_${Date.now()}`;
  if (opts.monitor !== false) uri.searchParams.set('monitorCommands', 'true');
  const config = loadConfig({ ...env, ISSUER: server.url, MONGODB_URI: uri.toString() });
  const services = await createServices(config, { logger: createLogger('error') });
  const db = services.db.connection.db;
  if (!db) throw new Error('database connection is not open');
  const monitor = monitorCommands(services.db.connection.getClient());
  if (opts.join) {
    server.serve(createApp(services).callback());
    return stackOf(server, services, db, monitor, opts.join.customers, false);
  }

  await services.clients.create({ clientId: PARTNER.id, clientSecret: PARTNER.secret, grantTypes: ['client_credentials'], scope: PARTNER.scope });
  await services.clients.create({ clientId: API_CLIENT.id, clientSecret: API_CLIENT.secret, grantTypes: ['client_credentials'] });
  await services.clients.create({
    clientId: WEB_APP.id,
    clientSecret: WEB_APP.secret,
    redirectUris: [REDIRECT_URI],
    grantTypes: ['authorization_code', 'refresh_token'],
    scope: WEB_APP.scope,
  });
  // Several customers, so that per-account rows (sessions, devices, rate-limit counters) stay as small as a real
  // customer's; passwords are hashed with the production argon2id parameters.
  const list: Customer[] = [];
  for (let i = 0; i < customers; i++) {
    const email = `bench-${i}@example.test`;
    const password = randomBytes(12).toString('base64url');
    const user = await services.users.create({ email, password, emailVerified: true, name: `Bench Customer ${i}` });
    list.push({ email, password, accountId: user.id, ip: `203.0.113.${(i % 254) + 1}` });
  }
  server.serve(createApp(services).callback());
  return stackOf(server, services, db, monitor, list, true);
}

function stackOf(server: BenchServer, services: Services, db: Db, monitor: CommandMonitor, customers: Customer[], owner: boolean): OursStack {
  return {
    server,
    services,
    provider: () => services.provider(),
    db,
    monitor,
    customers,
    async close() {
      await server.close();
      monitor.stop();
      // The stack that made the database drops it; one that joined it leaves it.
      if (owner) await services.db.connection.dropDatabase().catch(() => {});
      await services.close();
    },
  };
}
