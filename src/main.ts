/**
 * Entry point (`npm start`): loadConfig → database (PostgreSQL, or embedded PGlite under DATA_DIR)
 * → migrations → createApp → listen → graceful shutdown on SIGTERM/SIGINT (stop accepting, let
 * in-flight requests finish, close the pool). The only place that listens or exits.
 *
 * WORKERS > 1 (PostgreSQL only): this process becomes a `node:cluster` primary that migrates the
 * database once, forks the workers (each a full app on the shared port and database; client-cache
 * invalidation between them goes through LISTEN/NOTIFY), re-forks a worker that dies, forwards
 * SIGTERM/SIGINT and sums the workers' metrics for `/metrics`.
 */
import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import net from 'node:net';
import { ConfigError, loadConfig } from './config/config.ts';
import { createDatabase } from './db/knex.ts';
import type { Database } from './db/knex.ts';
import { migrateLatest } from './db/migrate.ts';
import { createLogger } from './observability/logger.ts';
import { createApp } from './app.ts';
import { createHttpServer } from './http/server.ts';
import { poolUsage } from './db/knex.ts';
import type { Config } from './config/config.ts';
import type { Logger } from './observability/logger.ts';
import { clusterMetricsText, createMetrics, serveClusterMetrics } from './observability/metrics.ts';

/** How long in-flight requests get to finish after SIGTERM, in milliseconds. */
const SHUTDOWN_GRACE_MS = 10_000;
/**
 * After SIGTERM, connections without a request in progress are closed every this many
 * milliseconds (the first time only this long after the signal, so a request already sent on a
 * connection just accepted is read and served rather than cut).
 */
const SHUTDOWN_IDLE_SWEEP_MS = 250;

/**
 * Applies the migrations. On PostgreSQL over a connection of its own without the statement timeout
 * (a migration may legitimately run longer than DATABASE_QUERY_TIMEOUT_MS); on PGlite on `db`.
 */
async function migrate(config: Config, db: Database): Promise<string[]> {
  if (!config.databaseUrl) return migrateLatest(db.knex);
  const migrator = createDatabase({ kind: 'postgres', url: config.databaseUrl, poolMax: 2, timeouts: { ...config.databaseTimeouts, queryTimeoutMs: 0 } });
  try {
    return await migrateLatest(migrator.knex);
  } finally {
    await migrator.close();
  }
}

async function main(): Promise<void> {
  // libuv's threadpool runs the argon2 hashes: one thread per core (at least 2) instead of libuv's
  // 4 unless the operator chose; on 2 cores that keeps throughput and saves ~40 MB of RSS (each
  // thread keeps a 19 MiB argon2 block in its malloc arena). Must run before the pool's first use.
  process.env.UV_THREADPOOL_SIZE ??= String(Math.max(2, availableParallelism()));
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
  const logger = createLogger({ level: config.logLevel, pretty: config.nodeEnv === 'development', async: config.nodeEnv === 'production' });
  if (config.workers > 1 && cluster.isPrimary) return primary(config, logger);
  const db = createDatabase(
    config.databaseUrl ? { kind: 'postgres', url: config.databaseUrl, timeouts: config.databaseTimeouts } : { kind: 'pglite', dir: config.dataDir },
  );
  const applied = await migrate(config, db);
  logger.info({ engine: db.engine, migrations: applied }, db.engine === 'pglite' ? `embedded PostgreSQL (PGlite) under ${config.dataDir}` : 'connected to PostgreSQL');

  const metrics = createMetrics({ defaultMetrics: true, poolUsage: () => poolUsage(db) });
  const metricsText = cluster.isWorker ? clusterMetricsText(metrics.registry) : undefined;
  const ccauth = await createApp({ config, db, logger, metrics, ...(metricsText ? { metricsText } : {}) });
  ccauth.purge.start();
  ccauth.signingKeys.start();
  let stopping = false;
  const handle = ccauth.app.callback();
  // MAX_HEADER_BYTES → 431, malformed requests → 400 JSON (http/server.ts)
  const server = createHttpServer(
    (req, res) => {
      // while shutting down, every response closes its connection: no request after it is accepted
      if (stopping) res.setHeader('Connection', 'close');
      void handle(req, res);
    },
    { maxHeaderBytes: config.inputLimits.headerBytes, logger },
  );
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) => server.listen(config.port, config.host, resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.info({ url: config.publicUrl, port, issuer: config.publicUrl }, `ccauth listening on http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${port} (issuer ${config.publicUrl})`);
  if (config.ops.usingDefaults) {
    logger.warn({ event: 'default_ops_credentials' }, 'the default ops credentials (ops:ops) are in use: set OPS_PASSWORD or OPS_PASSWORD_HASH before exposing this server');
  }

  // Graceful shutdown (docs/security-model.md "Security model" → "Concurrency and faults"): stop listening at once
  // (new connections are refused), answer every request already received (its response closes the
  // connection), close connections that carry no request, then close the pool and exit 0.
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
    const sweep = setInterval(() => server.closeIdleConnections(), SHUTDOWN_IDLE_SWEEP_MS);
    sweep.unref();
    // net.Server#close, not http.Server#close: the latter also drops, right now, every connection
    // with no request in progress, including one accepted a moment ago whose request is still
    // unread in the socket buffer (its client would see ECONNRESET for a request it sent).
    net.Server.prototype.close.call(server, async () => {
      clearInterval(sweep);
      // audit rows for failures are written in the background: let them land first
      await ccauth.securityEvents.flush().catch(() => {});
      await db.close().catch(() => {});
      logger.info('stopped');
      await new Promise<void>((resolve) => logger.flush(() => resolve()));
      process.exit(0);
    });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

/** The cluster primary: migrate once, fork `config.workers` workers, keep them running, stop them on a signal. */
async function primary(config: Config, logger: Logger): Promise<void> {
  const db = createDatabase({ kind: 'postgres', url: config.databaseUrl!, poolMax: 2, timeouts: { ...config.databaseTimeouts, queryTimeoutMs: 0 } });
  const applied = await migrateLatest(db.knex);
  await db.close();
  logger.info({ engine: 'postgres', migrations: applied, workers: config.workers }, `connected to PostgreSQL; starting ${config.workers} workers`);
  serveClusterMetrics();
  let stopping = false;
  const restarts: number[] = [];
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) {
        logger.info('all workers stopped');
        logger.flush(() => process.exit(0));
      }
      return;
    }
    // re-fork, but give up when workers keep dying (5 deaths within a minute)
    const now = Date.now();
    restarts.push(now);
    while (restarts.length && now - restarts[0]! > 60_000) restarts.shift();
    logger.error({ pid: worker.process.pid, code, signal }, 'worker died; starting another');
    if (restarts.length > 5) {
      logger.fatal('workers keep dying; exiting');
      logger.flush(() => process.exit(1));
      return;
    }
    setTimeout(() => cluster.fork(), 1000).unref();
  });
  for (let i = 0; i < config.workers; i++) cluster.fork();
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping workers');
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
    setTimeout(() => process.exit(0), SHUTDOWN_GRACE_MS + 5000).unref();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err) => {
  process.stderr.write(`ccauth: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
