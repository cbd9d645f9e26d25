// The server process: configuration → services → app → listen; key reloads; graceful shutdown.
// With WEB_CONCURRENCY > 1 the process started first is the cluster's primary (./cluster-primary.ts) and runs this
// same file again in each worker.
import cluster from 'node:cluster';
import type { Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { runPrimary, type WorkerReady } from './cluster-primary.ts';
import { ConfigError, loadConfig, type Config } from './config/index.ts';
import { EmbeddedDatabaseConflict } from './db/embedded.ts';
import { createLogger, type Logger } from './log.ts';

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
  if (cluster.isPrimary && config.webConcurrency > 1) {
    await runPrimary(config, logger, { workerScript: fileURLToPath(import.meta.url), announce: (ready) => announce(config, ready) });
    return;
  }
  // Each worker's lines carry its pid, so that a request can be traced to the process that served it.
  await runServer(config, cluster.isWorker ? logger.child({ pid: process.pid }) : logger);
}

/** What `npm start` prints once it serves: tests and scripts read the first line to learn the port when PORT=0. */
function announce(config: Config, ready: WorkerReady): void {
  process.stdout.write(`ciam listening on http://${config.host}:${ready.port} (issuer ${config.issuer})\n`);
  if (ready.demo) {
    process.stdout.write(
      `\nTry a login in your browser:\n  ${ready.demo}\n` +
        `  e-mail:   ${config.demo.userEmail}\n  password: ${config.demo.userPassword}\n` +
        (ready.demoProvider ? `  or "Continue with Demo ID" there (any name and password sign in at the demo provider)\n` : '') +
        '\n',
    );
  }
}

async function runServer(config: Config, logger: Logger): Promise<void> {
  // Loaded here, not at the top: a cluster's primary serves nothing and should not carry the application in memory.
  const [{ createApp, createServices }, { demoConnection, demoRouter, seedDemo }] = await Promise.all([import('./app.ts'), import('./demo.ts')]);
  const services = await createServices(config, { logger });
  if (config.connectionsFile) {
    const { applyConnectionsFile, ConnectionsFileError } = await import('./services/connections-file.ts');
    try {
      logger.info({ connections: await applyConnectionsFile(config.connectionsFile, services.connections) }, 'connections applied from CONNECTIONS_FILE');
    } catch (err) {
      if (!(err instanceof ConnectionsFileError)) throw err;
      process.stderr.write(`${err.message}\nSee the README's "Signing in with another provider".\n`);
      await services.close();
      process.exit(2);
    }
  }
  const app = createApp(services, config.demo.enabled ? [demoRouter(services)] : []);
  // In a cluster the first worker seeds alone (the primary starts the others once it listens); later ones find it all.
  const demo = config.demo.enabled ? await seedDemo(services) : undefined;
  const demoProvider = config.demo.enabled ? await demoConnection(services, { clustered: cluster.isWorker }) : undefined;

  const server: Server = await new Promise((done) => {
    const s = app.listen(config.port, config.host, () => done(s));
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.info({ issuer: config.issuer, host: config.host, port }, 'listening');
  const ready: WorkerReady = { ciam: 'ready', port, ...(demo && { demo: demo.authorizationUrl }), ...(demoProvider && { demoProvider: true }) };
  // A worker reports to the primary, which announces once for all of them.
  if (cluster.isWorker) process.send?.(ready);
  else announce(config, ready);

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
      Promise.resolve(demoProvider?.close())
        .then(() => services.close())
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
  // A port taken by someone else's database is the operator's to sort out: the message says how, a stack would not.
  const detail = err instanceof EmbeddedDatabaseConflict ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`ciam failed to start: ${detail}\n`);
  process.exit(1);
});
