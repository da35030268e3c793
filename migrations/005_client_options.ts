/** Per-client options: PKCE required even for confidential clients; RFC 9068 JWT access tokens. */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('clients', (t) => {
    t.boolean('pkce_required').notNullable().defaultTo(false);
    t.text('access_token_format').notNullable().defaultTo('opaque');
  });
  await knex.raw(`ALTER TABLE clients ADD CONSTRAINT clients_access_token_format_check CHECK (access_token_format IN ('opaque','jwt'))`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('clients', (t) => {
    t.dropColumn('pkce_required');
    t.dropColumn('access_token_format');
  });
}
