/**
 * Ops console sessions (docs/integrations.md): one row per signed-in browser, keyed by the SHA-256 of the
 * random session id (the id itself lives only in the browser's HttpOnly cookie). `flash_sealed`
 * holds a one-time message (a just-issued client secret) sealed under a key derived from the
 * session id, so the database alone cannot open it; it is cleared when shown or after
 * `flash_expires_at`.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('console_sessions', (t) => {
    t.text('id_digest').primary();
    t.text('username').notNullable();
    t.text('source_ip');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('last_seen_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.text('flash_sealed');
    t.timestamp('flash_expires_at', { useTz: true });
    t.index(['expires_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('console_sessions');
}
