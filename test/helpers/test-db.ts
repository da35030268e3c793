/**
 * A throwaway database per test file: a fresh PostgreSQL database on the server named by
 * DATABASE_URL (created here, dropped in `close`), or an in-memory PGlite when DATABASE_URL is unset.
 * Migrations are applied before it is returned.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createDatabase } from '../../src/db/knex.ts';
import type { Database } from '../../src/db/knex.ts';
import { migrateLatest } from '../../src/db/migrate.ts';

export interface TestDatabase extends Database {
  /** The connection string of the throwaway database (undefined for PGlite). */
  url: string | undefined;
}

async function admin(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Creates, migrates and returns a fresh database; `close()` drops it. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const base = process.env.DATABASE_URL;
  if (!base) {
    const db = createDatabase({ kind: 'pglite-memory' });
    await migrateLatest(db.knex);
    return { ...db, url: undefined };
  }
  const name = `ccauth_test_${randomBytes(6).toString('hex')}`;
  await admin(base, `CREATE DATABASE ${name}`);
  const u = new URL(base);
  u.pathname = `/${name}`;
  const url = u.toString();
  const db = createDatabase({ kind: 'postgres', url, poolMax: 10 });
  await migrateLatest(db.knex);
  return {
    ...db,
    url,
    async close() {
      await db.close();
      await admin(base, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}
