/**
 * Prebuilt integrations (docs/integrations.md): the catalogue (`integrations`, seeded with the four shipped
 * entries) and the activations that made clients from it (`integration_activations`).
 *
 * An activation row goes with its client (ON DELETE CASCADE: deleting the client through the ops
 * API ends the activation) and with its catalogue entry (the service refuses to delete an entry
 * while an activation is `Activated`). At most one `Activated` row per integration and contact
 * center (partial unique index).
 */
import type { Knex } from 'knex';

/** The shipped catalogue entries (Avaya "Adding a data store with OAuth 2.0 authorization", Cisco Webex Connect "Event Authorization", NICE CXone "OAuth in Digital Experience", Genpact Cora SeQuence "Configure OAuth 2.0 Credentials"). Editable through the ops API afterwards. */
export const SHIPPED_INTEGRATIONS = [
  {
    id: 'contact-center-event-delivery',
    name: 'Contact center event delivery',
    description:
      'The contact center posts asynchronous events (for example to Webex Connect digital channels) with a client-credentials token. Activate it, then paste the Client ID, Client Secret and token URL into the contact center side (Cisco Webex Connect "Event Authorization").',
    grant_types: ['client_credentials'],
    scopes: ['*'],
    client_auth_methods: ['client_secret_basic', 'client_secret_post'],
    access_token_ttl_seconds: 3600,
    refresh_token_ttl_seconds: 3600,
    pkce_required: false,
  },
  {
    id: 'journey-data-store',
    name: 'Journey data store',
    description:
      "A customer-journey data store that gets tokens with a contact-center user's username and password (resource owner password grant) before it stores journey events. Public client: it sends its client_id, no secret (Avaya “Adding a data store with OAuth 2.0 authorization”).",
    grant_types: ['password'],
    scopes: ['*'],
    client_auth_methods: ['none'],
    access_token_ttl_seconds: 3600,
    refresh_token_ttl_seconds: 3600,
    pkce_required: false,
  },
  {
    id: 'chat-customer-authentication',
    name: 'Chat with customer authentication',
    description:
      "A chat or messaging back end redeems the authorization code (with its PKCE verifier) that the customer's chat window obtained, keeps the refresh token, and reads the customer's identity from userinfo on every message. Needs the redirect URIs of the chat window at activation (NICE CXone “OAuth in Digital Experience”).",
    grant_types: ['authorization_code', 'refresh_token'],
    scopes: ['*'],
    client_auth_methods: ['client_secret_basic', 'client_secret_post'],
    access_token_ttl_seconds: 3600,
    refresh_token_ttl_seconds: 86_400,
    pkce_required: true,
  },
  {
    id: 'workflow-email-listener',
    name: 'Workflow email listener',
    description:
      'A workflow engine (for example Cora SeQuence Email Listener activities) gets client-credentials tokens with space-delimited scopes, sending its credentials with HTTP Basic or in the request body (Genpact Cora SeQuence "Configure OAuth 2.0 Credentials").',
    grant_types: ['client_credentials'],
    scopes: ['email.read', 'email.listen'],
    client_auth_methods: ['client_secret_basic', 'client_secret_post'],
    access_token_ttl_seconds: 3600,
    refresh_token_ttl_seconds: 3600,
    pkce_required: false,
  },
] as const;

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('integrations', (t) => {
    t.text('id').primary();
    t.text('name').notNullable();
    t.text('description').notNullable().defaultTo('');
    t.specificType('grant_types', 'text[]').notNullable();
    t.specificType('scopes', 'text[]').notNullable();
    t.specificType('client_auth_methods', 'text[]').notNullable();
    t.integer('access_token_ttl_seconds').notNullable();
    t.integer('refresh_token_ttl_seconds').notNullable();
    t.boolean('pkce_required').notNullable().defaultTo(false);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(`ALTER TABLE integrations ADD CONSTRAINT integrations_id_check CHECK (id ~ '^[a-z0-9][a-z0-9-]{0,63}$')`);
  await knex.raw(`ALTER TABLE integrations ADD CONSTRAINT integrations_ttl_check CHECK (access_token_ttl_seconds > 0 AND refresh_token_ttl_seconds > 0)`);
  await knex.raw(`ALTER TABLE integrations ADD CONSTRAINT integrations_grant_types_check CHECK (cardinality(grant_types) > 0)`);
  await knex.raw(`ALTER TABLE integrations ADD CONSTRAINT integrations_auth_methods_check CHECK (cardinality(client_auth_methods) > 0)`);
  await knex.raw(`CREATE UNIQUE INDEX integrations_name_key ON integrations (lower(name))`);

  await knex.schema.createTable('integration_activations', (t) => {
    t.uuid('id').primary();
    t.text('integration_id').notNullable().references('id').inTable('integrations').onDelete('CASCADE');
    t.uuid('ccid').notNullable().references('id').inTable('contact_centers').onDelete('CASCADE');
    t.text('client_id').notNullable().references('client_id').inTable('clients').onDelete('CASCADE');
    t.text('status').notNullable().defaultTo('Activated');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('deactivated_at', { useTz: true });
    t.timestamp('secret_rotated_at', { useTz: true });
    t.index(['integration_id']);
    t.index(['client_id']);
    t.index(['ccid']);
  });
  await knex.raw(`ALTER TABLE integration_activations ADD CONSTRAINT integration_activations_status_check CHECK (status IN ('Activated','Deactivated'))`);
  await knex.raw(
    `CREATE UNIQUE INDEX integration_activations_active_key ON integration_activations (integration_id, ccid) WHERE status = 'Activated'`,
  );

  await knex('integrations').insert(SHIPPED_INTEGRATIONS.map((i) => ({ ...i, grant_types: [...i.grant_types], scopes: [...i.scopes], client_auth_methods: [...i.client_auth_methods] })));
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('integration_activations');
  await knex.schema.dropTable('integrations');
}
