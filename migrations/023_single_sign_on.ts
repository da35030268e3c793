/**
 * Single sign-on per contact center (README "Signing in" → "Single sign-on"; src/federation/):
 *
 * - `identity_providers`: one SAML 2.0 or OpenID Connect identity provider per contact center.
 *   `settings` holds the non-secret configuration (jsonb); the upstream OIDC client secret is kept
 *   only sealed (AES-256-GCM, src/security/seal.ts) in `client_secret_sealed`. For SAML, `metadata_xml`
 *   is the last good copy of the IdP metadata (pasted, or fetched from `settings.metadataUrl`).
 *   `last_success_*` / `last_failure_*` are what the console shows.
 * - `sso_requests`: one row per SP-initiated sign-in sent to an IdP (the SAML AuthnRequest ID, or the
 *   digest of the OIDC `state`), tied to the oidc-provider interaction it will finish; `account_id`
 *   is set when the IdP's answer was accepted, `consumed_at` when the interaction was finished.
 * - `saml_assertion_ids`: IDs of accepted SAML assertions, kept until the assertion expires, so a
 *   replayed response fails on every process (SAML 2.0 Profiles §4.1.4.5).
 * - `saml_sp_keys`: the SAML service provider's signing key (sealed) and its self-signed X.509
 *   certificate (AuthnRequests are signed with it; it is published in the SP metadata).
 * - `users.external_id`: Genesys's "Use External User ID", unique per contact center.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('identity_providers', (t) => {
    t.uuid('ccid').primary().references('id').inTable('contact_centers').onDelete('CASCADE');
    t.text('type').notNullable();
    t.jsonb('settings').notNullable();
    t.text('metadata_xml');
    t.timestamp('metadata_fetched_at', { useTz: true });
    t.text('metadata_error');
    t.text('client_secret_sealed');
    t.timestamp('last_success_at', { useTz: true });
    t.text('last_success_user');
    t.timestamp('last_failure_at', { useTz: true });
    t.text('last_failure_reason');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(`ALTER TABLE identity_providers ADD CONSTRAINT identity_providers_type_check CHECK (type IN ('saml', 'oidc'))`);

  await knex.schema.createTable('sso_requests', (t) => {
    t.text('id').primary();
    t.uuid('ccid').notNullable().references('id').inTable('contact_centers').onDelete('CASCADE');
    t.text('interaction_uid').notNullable();
    t.jsonb('state').notNullable().defaultTo('{}');
    t.text('account_id');
    t.timestamp('responded_at', { useTz: true });
    t.timestamp('consumed_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.index(['interaction_uid']);
    t.index(['expires_at']);
  });

  await knex.schema.createTable('saml_assertion_ids', (t) => {
    t.uuid('ccid').notNullable().references('id').inTable('contact_centers').onDelete('CASCADE');
    t.text('assertion_id').notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.primary(['ccid', 'assertion_id']);
    t.index(['expires_at']);
  });

  await knex.schema.createTable('saml_sp_keys', (t) => {
    t.text('id').primary();
    t.text('private_key_sealed').notNullable();
    t.text('certificate_pem').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.alterTable('users', (t) => {
    t.text('external_id');
    t.unique(['ccid', 'external_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => {
    t.dropUnique(['ccid', 'external_id']);
    t.dropColumn('external_id');
  });
  await knex.schema.dropTable('saml_sp_keys');
  await knex.schema.dropTable('saml_assertion_ids');
  await knex.schema.dropTable('sso_requests');
  await knex.schema.dropTable('identity_providers');
}
