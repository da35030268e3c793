/**
 * SQL for `saml_sp_keys` (migrations/023_single_sign_on.ts): the SAML service provider's signing
 * key, sealed, with its certificate. This layer never sees the private key in clear.
 */
import type { Knex } from 'knex';

/** A stored SP key. */
export interface SamlSpKeyRecord {
  privateKeySealed: string;
  certificatePem: string;
}

/** Repository over `saml_sp_keys`. */
export function createSamlSpKeysRepository(db: Knex) {
  return {
    /** The key named `id`, if any. */
    async find(id: string): Promise<SamlSpKeyRecord | undefined> {
      const row = (await db('saml_sp_keys').where({ id }).first()) as { private_key_sealed: string; certificate_pem: string } | undefined;
      return row ? { privateKeySealed: row.private_key_sealed, certificatePem: row.certificate_pem } : undefined;
    },
    /** Inserts unless another process already did; returns the key that is stored. */
    async insertOrGet(id: string, key: SamlSpKeyRecord): Promise<SamlSpKeyRecord> {
      await db('saml_sp_keys').insert({ id, private_key_sealed: key.privateKeySealed, certificate_pem: key.certificatePem }).onConflict('id').ignore();
      const row = (await db('saml_sp_keys').where({ id }).first()) as { private_key_sealed: string; certificate_pem: string };
      return { privateKeySealed: row.private_key_sealed, certificatePem: row.certificate_pem };
    },
  };
}
