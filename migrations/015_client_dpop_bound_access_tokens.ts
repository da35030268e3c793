/**
 * Per-client `dpopBoundAccessTokens` (RFC 9449 §5.2 `dpop_bound_access_tokens`): when true, every
 * token request of the client must carry a DPoP proof (README "Security model" → "DPoP").
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('clients', (t) => {
    t.boolean('dpop_bound_access_tokens').notNullable().defaultTo(false);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('clients', (t) => {
    t.dropColumn('dpop_bound_access_tokens');
  });
}
