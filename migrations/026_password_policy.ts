/**
 * Password change and the per-contact-center password policy (README "Signing in" → "Password
 * change and policy"):
 * - `users.must_change_password`: the user must choose a new password before any token is issued
 *   (the login page asks for one; the password grant refuses with `invalid_grant`);
 * - `users.password_changed_at`: when the password was last set (the `password-max-age-days`
 *   setting expires it); existing users count from this migration;
 * - `password_history`: earlier password hashes (argon2id PHC strings, never plaintext), so the
 *   `password-history` setting can refuse a password used recently.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => {
    t.boolean('must_change_password').notNullable().defaultTo(false);
    t.timestamp('password_changed_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.schema.createTable('password_history', (t) => {
    t.bigIncrements('id');
    t.uuid('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.text('password_hash').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['user_id', 'id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('password_history');
  await knex.schema.alterTable('users', (t) => {
    t.dropColumn('password_changed_at');
    t.dropColumn('must_change_password');
  });
}
