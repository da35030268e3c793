/**
 * `npm run migrate`: applies pending migrations to DATABASE_URL (or the embedded PGlite database
 * under DATA_DIR) and prints what it applied. `npm start` also migrates on its own.
 */
import { ConfigError, loadConfig } from '../config/config.ts';
import { createDatabase } from '../db/knex.ts';
import { migrateLatest } from '../db/migrate.ts';

try {
  const config = loadConfig(process.env);
  const db = createDatabase(config.databaseUrl ? { kind: 'postgres', url: config.databaseUrl } : { kind: 'pglite', dir: config.dataDir });
  const applied = await migrateLatest(db.knex);
  process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
  await db.close();
} catch (err) {
  process.stderr.write(`ccauth migrate: ${err instanceof ConfigError ? err.message : (err as Error).message}\n`);
  process.exit(1);
}
