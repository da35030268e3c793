/** Clients registered through the ops API (genesys-api.md §5.3): one row per OAuth client. */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('clients', (t) => {
    t.text('client_id').primary();
    t.text('name').notNullable();
    t.text('description');
    t.text('client_type').notNullable();
    t.boolean('internal_client').notNullable().defaultTo(false);
    t.text('secret_hash');
    t.specificType('authorities', 'text[]').notNullable().defaultTo('{}');
    t.specificType('scope', 'text[]').notNullable().defaultTo('{}');
    t.specificType('authorized_grant_types', 'text[]').notNullable().defaultTo('{}');
    t.specificType('redirect_uris', 'text[]').notNullable().defaultTo('{}');
    t.integer('access_token_ttl_seconds').notNullable();
    t.integer('refresh_token_ttl_seconds').notNullable();
    t.boolean('enabled').notNullable().defaultTo(true);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(`ALTER TABLE clients ADD CONSTRAINT clients_client_type_check CHECK (client_type IN ('CONFIDENTIAL','PUBLIC'))`);
  await knex.raw(`ALTER TABLE clients ADD CONSTRAINT clients_secret_check CHECK ((client_type = 'PUBLIC') = (secret_hash IS NULL))`);
  await knex.raw(`ALTER TABLE clients ADD CONSTRAINT clients_ttl_check CHECK (access_token_ttl_seconds > 0 AND refresh_token_ttl_seconds > 0)`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('clients');
}
