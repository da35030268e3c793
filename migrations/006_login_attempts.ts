/**
 * Failed sign-in attempts per login name, for the login page's lockout (docs/signing-in.md "Signing in").
 * Kept in PostgreSQL so the count and the lock hold across every ccauth process.
 *
 * `key_digest` is the SHA-256 (base64url) of the canonical login name (`domain\user`, or the bare
 * name), never the name itself: people type passwords into the username field.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('login_attempts', (t) => {
    t.text('key_digest').primary();
    /** Consecutive failures since the last success (or since the counter was last forgotten). */
    t.integer('failures').notNullable().defaultTo(0);
    t.timestamp('last_failure_at', { useTz: true }).notNullable();
    /** Attempts are refused until this instant; null when not locked. */
    t.timestamp('locked_until', { useTz: true });
    t.index(['last_failure_at']);
  });
  await knex.raw('ALTER TABLE login_attempts ADD CONSTRAINT login_attempts_failures_check CHECK (failures >= 0)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('login_attempts');
}
