/**
 * Signing keys for ID tokens and JWT access tokens (design.md §3 "Keys").
 *
 * Lifecycle: `next` (published in the JWKS, not signing) → `current` (signs) → `retired` (published
 * until `expires_at`, then deleted). At most one `next` and one `current` row, enforced by partial
 * unique indexes, so concurrent first starts or rotations cannot double up.
 *
 * `private_jwk_sealed` holds the private JWK sealed with AES-256-GCM (src/security/seal.ts); no
 * plaintext private member (`d`, `p`, `q`, ...) is ever stored. `public_jwk` is what the JWKS shows.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('signing_keys', (t) => {
    t.text('kid').primary();
    t.text('alg').notNullable();
    t.text('state').notNullable();
    t.jsonb('public_jwk').notNullable();
    t.text('private_jwk_sealed').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    /** When the key became `current`. */
    t.timestamp('activated_at', { useTz: true });
    t.timestamp('retired_at', { useTz: true });
    /** When a retired key may be deleted: retired_at + the longest lifetime of a token it signed. */
    t.timestamp('expires_at', { useTz: true });
  });
  await knex.raw(`ALTER TABLE signing_keys ADD CONSTRAINT signing_keys_state_check CHECK (state IN ('next','current','retired'))`);
  await knex.raw(`ALTER TABLE signing_keys ADD CONSTRAINT signing_keys_retired_check CHECK (state <> 'retired' OR (retired_at IS NOT NULL AND expires_at IS NOT NULL))`);
  await knex.raw(`CREATE UNIQUE INDEX signing_keys_one_current ON signing_keys ((state)) WHERE state = 'current'`);
  await knex.raw(`CREATE UNIQUE INDEX signing_keys_one_next ON signing_keys ((state)) WHERE state = 'next'`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('signing_keys');
}
