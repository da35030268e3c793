/**
 * Secret rotation with a grace period (docs/integrations.md): after a rotation the previous secret's argon2id
 * hash is kept until `previous_secret_expires_at`; client authentication accepts it until then and
 * never after. Both columns are null when no grace period is running.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('clients', (t) => {
    t.text('previous_secret_hash');
    t.timestamp('previous_secret_expires_at', { useTz: true });
  });
  await knex.raw(
    `ALTER TABLE clients ADD CONSTRAINT clients_previous_secret_check CHECK ((previous_secret_hash IS NULL) = (previous_secret_expires_at IS NULL))`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE clients DROP CONSTRAINT IF EXISTS clients_previous_secret_check');
  await knex.schema.alterTable('clients', (t) => {
    t.dropColumn('previous_secret_hash');
    t.dropColumn('previous_secret_expires_at');
  });
}
