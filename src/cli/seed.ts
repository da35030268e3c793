/**
 * `npm run seed`: migrates, then inserts the demo data of seeds/demo.ts and prints the generated
 * secrets once. Refused when NODE_ENV=production.
 */
import { ConfigError, loadConfig } from '../config/config.ts';
import { createDatabase } from '../db/knex.ts';
import { migrateLatest } from '../db/migrate.ts';
import { seedDemo } from '../../seeds/demo.ts';

try {
  const config = loadConfig(process.env);
  if (config.nodeEnv === 'production') throw new Error('the demo seed is not for production');
  const db = createDatabase(config.databaseUrl ? { kind: 'postgres', url: config.databaseUrl } : { kind: 'pglite', dir: config.dataDir });
  await migrateLatest(db.knex);
  const report = await seedDemo(db.knex);
  await db.close();
  for (const line of report.created) process.stdout.write(`created  ${line}\n`);
  for (const line of report.skipped) process.stdout.write(`exists   ${line}\n`);
  if (Object.keys(report.secrets).length) {
    process.stdout.write('\nSecrets (shown this once; only their argon2id hashes are stored):\n');
    for (const [k, v] of Object.entries(report.secrets)) process.stdout.write(`  ${k}: ${v}\n`);
  }
} catch (err) {
  process.stderr.write(`ccauth seed: ${err instanceof ConfigError ? err.message : (err as Error).message}\n`);
  process.exit(1);
}
