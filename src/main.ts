// The server process: configuration → services → app → listen; key reloads; graceful shutdown.
import type { Server } from 'node:http';
import { createApp, createServices } from './app.ts';
import { ConfigError, loadConfig } from './config/index.ts';
import { demoRouter, seedDemo } from './demo.ts';
import { createLogger } from './log.ts';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\nSee .env.example and the README's configuration table.\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  if (!config.database.uri) logger.info({ dir: config.database.embeddedDir }, 'MONGODB_URI unset: using the embedded database');

  const services = await createServices(config, { logger });
  const app = createApp(services, config.demo.enabled ? [demoRouter(services)] : []);
  const demo = config.demo.enabled ? await seedDemo(services) : undefined;

  const server: Server = await new Promise((done) => {
    const s = app.listen(config.port, config.host, () => done(s));
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.info({ issuer: config.issuer, host: config.host, port }, 'listening');
  // Tests and scripts read this line to learn the port when PORT=0.
  process.stdout.write(`ciam listening on http://${config.host}:${port} (issuer ${config.issuer})\n`);
  if (demo) {
    process.stdout.write(
      `\nTry a login in your browser:\n  ${demo.authorizationUrl}\n` +
        `  e-mail:   ${config.demo.userEmail}\n  password: ${config.demo.userPassword}\n\n`,
    );
  }

  // Every process polls the key store, so a rotation done by the CLI (or another instance) reaches all of them.
  const keyTimer = setInterval(() => {
    services.reloadKeys().catch((err: unknown) => logger.warn({ err }, 'key reload failed'));
  }, config.keysRefreshSeconds * 1000);
  keyTimer.unref();

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    clearInterval(keyTimer);
    // Stop accepting connections, let in-flight requests finish, then close the database.
    const force = setTimeout(() => {
      logger.warn('in-flight requests did not finish within 10 s; exiting');
      process.exit(1);
    }, 10_000);
    force.unref();
    server.close(() => {
      services
        .close()
        .then(() => process.exit(0))
        .catch((err: unknown) => {
          logger.error({ err }, 'error while closing');
          process.exit(1);
        });
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`ciam failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
