/**
 * Entry point (`npm start`): loadConfig → database (PostgreSQL, or embedded PGlite under DATA_DIR)
 * → migrations → createApp → listen → graceful shutdown on SIGTERM/SIGINT (stop accepting, let
 * in-flight requests finish, close the pool). The only place that listens or exits.
 */
import http from 'node:http';
import { ConfigError, loadConfig } from './config/config.ts';
import { createDatabase } from './db/knex.ts';
import { migrateLatest } from './db/migrate.ts';
import { createLogger } from './observability/logger.ts';
import { createApp } from './app.ts';

/** How long in-flight requests get to finish after SIGTERM, in milliseconds. */
const SHUTDOWN_GRACE_MS = 10_000;

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`ccauth: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger({ level: config.logLevel, pretty: config.nodeEnv === 'development' });
  const db = createDatabase(
    config.databaseUrl ? { kind: 'postgres', url: config.databaseUrl } : { kind: 'pglite', dir: config.dataDir },
  );
  const applied = await migrateLatest(db.knex);
  logger.info({ engine: db.engine, migrations: applied }, db.engine === 'pglite' ? `embedded PostgreSQL (PGlite) under ${config.dataDir}` : 'connected to PostgreSQL');

  const ccauth = await createApp({ config, db, logger });
  ccauth.purge.start();
  const server = http.createServer(ccauth.app.callback());
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) => server.listen(config.port, config.host, resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.info({ url: config.publicUrl, port, issuer: config.publicUrl }, `ccauth listening on http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${port} (issuer ${config.publicUrl})`);
  if (config.ops.usingDefaults) {
    logger.warn({ event: 'default_ops_credentials' }, 'the default ops credentials (ops:ops) are in use: set OPS_PASSWORD or OPS_PASSWORD_HASH before exposing this server');
  }

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: no new connections, finishing in-flight requests');
    ccauth.stop();
    const force = setTimeout(() => {
      logger.warn('grace period over; closing remaining connections');
      server.closeAllConnections();
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    server.close(async () => {
      await db.close().catch(() => {});
      logger.info('stopped');
      process.exit(0);
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err) => {
  process.stderr.write(`ccauth: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
