/**
 * The SAML service provider's signing key (README "Single sign-on"): RSA 2048 with a self-signed
 * certificate (src/federation/x509.ts), created on first use, kept in `saml_sp_keys` with the
 * private key sealed under the key-encryption key that seals the OAuth signing keys
 * (src/security/seal.ts), and cached in memory once opened.
 */
import { generateKeyPairSync } from 'node:crypto';
import type { Knex } from 'knex';
import { createSamlSpKeysRepository } from '../repositories/saml-sp-keys.repository.ts';
import type { Sealer } from '../security/seal.ts';
import type { SamlSpKey } from './saml-sp.ts';
import { selfSignedCertificate } from './x509.ts';

const KEY_ID = 'default';
/** Validity of the SP certificate, in days (10 years: IdPs pin it; rotation is a new key). */
export const SP_CERTIFICATE_DAYS = 3650;

/** Returns the SP key, creating and storing it on first call. @throws SealError when the stored key cannot be opened */
export function createSpKeyStore(deps: { knex: Knex; sealer: Sealer }): () => Promise<SamlSpKey> {
  let cached: Promise<SamlSpKey> | undefined;
  const load = async (): Promise<SamlSpKey> => {
    const repo = createSamlSpKeysRepository(deps.knex);
    let record = await repo.find(KEY_ID);
    if (!record) {
      const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const certificatePem = selfSignedCertificate(keys, 'ccauth SAML service provider', SP_CERTIFICATE_DAYS);
      const privateKeyPem = keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      record = await repo.insertOrGet(KEY_ID, { privateKeySealed: deps.sealer.seal(privateKeyPem, `saml-sp:${KEY_ID}`), certificatePem });
    }
    return { privateKeyPem: deps.sealer.open(record.privateKeySealed, `saml-sp:${KEY_ID}`), certificatePem: record.certificatePem };
  };
  return () => {
    cached ??= load().catch((err: unknown) => {
      cached = undefined;
      throw err;
    });
    return cached;
  };
}
