/**
 * Environments, contact centers (with their login domains), data centers and per-contact-center
 * settings (genesys-api.md §3, E1-E11; Genesys "Provision Genesys Authentication").
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('environments', (t) => {
    t.uuid('id').primary();
    t.text('tenant').notNullable();
    t.text('app_name').notNullable();
    t.text('username').notNullable();
    // The Configuration Server password, argon2id-hashed: ccauth never connects to CS with it.
    t.text('password_hash');
    t.text('connection_protocol').notNullable();
    t.integer('local_timeout_seconds').notNullable();
    t.integer('remote_timeout_seconds').notNullable();
    t.text('trace_mode').notNullable();
    t.boolean('tls_enabled').notNullable();
    t.jsonb('config_servers').notNullable().defaultTo('[]');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.schema.createTable('contact_centers', (t) => {
    t.uuid('id').primary();
    t.uuid('environment_id').notNullable().references('id').inTable('environments').onDelete('RESTRICT');
    t.text('auth').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['environment_id']);
  });
  // One row per login domain: the primary key makes domains unique across all contact centers.
  await knex.schema.createTable('contact_center_domains', (t) => {
    t.text('domain').primary();
    t.uuid('ccid').notNullable().references('id').inTable('contact_centers').onDelete('CASCADE');
    t.integer('position').notNullable();
    t.index(['ccid']);
  });
  await knex.schema.createTable('data_centers', (t) => {
    t.uuid('id').primary();
    t.text('location').notNullable().unique();
    t.text('entry_point').notNullable();
    t.boolean('read_only').notNullable().defaultTo(false);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.schema.createTable('contact_center_settings', (t) => {
    t.uuid('ccid').notNullable().references('id').inTable('contact_centers').onDelete('CASCADE');
    t.text('name').notNullable();
    t.text('location').notNullable().defaultTo('/');
    t.boolean('shared').notNullable().defaultTo(false);
    t.text('value').notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['ccid', 'name']);
  });
  await knex.schema.createTable('client_contact_centers', (t) => {
    t.text('client_id').notNullable().references('client_id').inTable('clients').onDelete('CASCADE');
    t.uuid('ccid').notNullable().references('id').inTable('contact_centers').onDelete('RESTRICT');
    t.primary(['client_id', 'ccid']);
    t.index(['ccid']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('client_contact_centers');
  await knex.schema.dropTable('contact_center_settings');
  await knex.schema.dropTable('data_centers');
  await knex.schema.dropTable('contact_center_domains');
  await knex.schema.dropTable('contact_centers');
  await knex.schema.dropTable('environments');
}
