/**
 * Applies the knex migrations in `migrations/` (see migrations/index.ts). Idempotent; knex takes a
 * lock so concurrent starts are safe.
 */
import type { Knex } from 'knex';
import { MIGRATIONS } from '../../migrations/index.ts';

const source: Knex.MigrationSource<string> = {
  getMigrations: async () => MIGRATIONS.map(([name]) => name),
  getMigrationName: (name) => name,
  getMigration: async (name) => {
    const found = MIGRATIONS.find(([n]) => n === name);
    if (!found) throw new Error(`unknown migration ${name}`);
    return found[1];
  },
};

/** Runs every pending migration; returns the names applied by this call. */
export async function migrateLatest(knex: Knex): Promise<string[]> {
  const [, applied] = (await knex.migrate.latest({ migrationSource: source })) as [number, string[]];
  return applied;
}

/** Rolls back every migration (tests and `npm run migrate -- --reset`). */
export async function migrateRollbackAll(knex: Knex): Promise<void> {
  await knex.migrate.rollback({ migrationSource: source }, true);
}
