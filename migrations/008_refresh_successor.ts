/**
 * Refresh-token rotation grace window: the token response that replaced a rotated refresh token is
 * kept, sealed (AES-256-GCM), on the rotated row for a few seconds so a concurrent duplicate
 * refresh gets the same successor instead of tripping reuse detection.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('oidc_payloads', (t) => {
    t.text('successor_sealed');
    t.timestamp('successor_expires_at', { useTz: true });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('oidc_payloads', (t) => {
    t.dropColumn('successor_sealed');
    t.dropColumn('successor_expires_at');
  });
}
