/** Contact-center users: ccauth's own store of what Genesys keeps as CS Person objects. */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('users', (t) => {
    t.uuid('id').primary();
    t.uuid('ccid').notNullable().references('id').inTable('contact_centers').onDelete('RESTRICT');
    t.text('username').notNullable();
    // NFC + case-folded form; the one used for uniqueness and login.
    t.text('username_canonical').notNullable();
    t.text('password_hash').notNullable();
    t.specificType('dbid', 'bigint GENERATED ALWAYS AS IDENTITY').notNullable().unique();
    t.text('first_name');
    t.text('last_name');
    t.text('email');
    t.specificType('authorities', 'text[]').notNullable().defaultTo('{}');
    t.jsonb('properties').notNullable().defaultTo('{}');
    t.boolean('enabled').notNullable().defaultTo(true);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['ccid', 'username_canonical']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('users');
}
