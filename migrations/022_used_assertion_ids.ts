/**
 * Single use of JWT assertions (RFC 7523 §3 item 7; README "API" → grants): the `jti` of every
 * accepted jwt-bearer grant assertion and `private_key_jwt` client assertion, kept until the
 * assertion expires so that every ccauth process refuses a replay. `id_digest` is the SHA-256
 * (base64url) of the issuer and the `jti`, never the assertion; one atomic
 * `INSERT ... ON CONFLICT DO NOTHING` decides first use. Expired rows are purged with the
 * expired token rows.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('used_assertion_ids', (t) => {
    t.text('id_digest').primary();
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.index(['expires_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('used_assertion_ids');
}
