/**
 * Per-client key registration and request options (README "API" → grants; RFC 7523, RFC 9126):
 *
 * - `jwks` (a JWK Set of public keys) or `jwks_uri` (where to fetch one), never both: the keys that
 *   verify the client's `private_key_jwt` client assertions (RFC 7523 §2.2) and its jwt-bearer
 *   grant assertions (RFC 7523 §2.1).
 * - `token_endpoint_auth_method`: null means the client type's default (`client_secret_basic`
 *   for CONFIDENTIAL, `none` for PUBLIC); `private_key_jwt` needs a key and no secret.
 * - `require_pushed_authorization_requests` (RFC 9126 §6): the client must use PAR.
 *
 * The secret constraint is relaxed accordingly: a CONFIDENTIAL client has a secret unless it
 * authenticates with `private_key_jwt`.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('clients', (t) => {
    t.jsonb('jwks');
    t.text('jwks_uri');
    t.text('token_endpoint_auth_method');
    t.boolean('require_pushed_authorization_requests').notNullable().defaultTo(false);
  });
  await knex.raw('ALTER TABLE clients DROP CONSTRAINT clients_secret_check');
  await knex.raw(
    `ALTER TABLE clients ADD CONSTRAINT clients_secret_check CHECK (
      CASE WHEN client_type = 'PUBLIC' THEN secret_hash IS NULL
           ELSE secret_hash IS NOT NULL OR token_endpoint_auth_method = 'private_key_jwt' END)`,
  );
  await knex.raw(
    `ALTER TABLE clients ADD CONSTRAINT clients_token_endpoint_auth_method_check CHECK (
      token_endpoint_auth_method IS NULL
      OR (client_type = 'PUBLIC' AND token_endpoint_auth_method = 'none')
      OR (client_type = 'CONFIDENTIAL' AND token_endpoint_auth_method IN ('client_secret_basic', 'client_secret_post', 'private_key_jwt')))`,
  );
  await knex.raw(`ALTER TABLE clients ADD CONSTRAINT clients_jwks_check CHECK (jwks IS NULL OR jwks_uri IS NULL)`);
  await knex.raw(
    `ALTER TABLE clients ADD CONSTRAINT clients_private_key_jwt_check CHECK (
      token_endpoint_auth_method IS DISTINCT FROM 'private_key_jwt' OR jwks IS NOT NULL OR jwks_uri IS NOT NULL)`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE clients DROP CONSTRAINT IF EXISTS clients_private_key_jwt_check');
  await knex.raw('ALTER TABLE clients DROP CONSTRAINT IF EXISTS clients_jwks_check');
  await knex.raw('ALTER TABLE clients DROP CONSTRAINT IF EXISTS clients_token_endpoint_auth_method_check');
  await knex.raw('ALTER TABLE clients DROP CONSTRAINT IF EXISTS clients_secret_check');
  await knex.schema.alterTable('clients', (t) => {
    t.dropColumn('jwks');
    t.dropColumn('jwks_uri');
    t.dropColumn('token_endpoint_auth_method');
    t.dropColumn('require_pushed_authorization_requests');
  });
  await knex.raw(`ALTER TABLE clients ADD CONSTRAINT clients_secret_check CHECK ((client_type = 'PUBLIC') = (secret_hash IS NULL))`);
}
