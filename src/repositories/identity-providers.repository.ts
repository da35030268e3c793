/**
 * SQL for `identity_providers` (migrations/023_single_sign_on.ts): one identity provider per
 * contact center. Pass a transaction as `db` to take part in it.
 */
import type { Knex } from 'knex';
import type { IdentityProvider, IdentityProviderSettings } from '../domain/identity-provider.ts';

interface Row {
  ccid: string;
  type: string;
  settings: IdentityProviderSettings | string;
  metadata_xml: string | null;
  metadata_fetched_at: Date | null;
  metadata_error: string | null;
  client_secret_sealed: string | null;
  last_success_at: Date | null;
  last_success_user: string | null;
  last_failure_at: Date | null;
  last_failure_reason: string | null;
  created_at: Date;
  updated_at: Date;
}

const ms = (d: Date | null): number | null => (d ? new Date(d).getTime() : null);

function toIdentityProvider(r: Row): IdentityProvider {
  const settings = (typeof r.settings === 'string' ? JSON.parse(r.settings) : r.settings) as IdentityProviderSettings;
  return {
    ccid: r.ccid,
    settings,
    metadataXml: r.metadata_xml,
    metadataFetchedAt: ms(r.metadata_fetched_at),
    metadataError: r.metadata_error,
    clientSecretSealed: r.client_secret_sealed,
    lastSuccessAt: ms(r.last_success_at),
    lastSuccessUser: r.last_success_user,
    lastFailureAt: ms(r.last_failure_at),
    lastFailureReason: r.last_failure_reason,
    createdAt: ms(r.created_at)!,
    updatedAt: ms(r.updated_at)!,
  };
}

/** What a PUT stores. */
export interface IdentityProviderWrite {
  ccid: string;
  settings: IdentityProviderSettings;
  metadataXml: string | null;
  /** True when `metadataXml` was fetched from `settings.metadataUrl` just now. */
  metadataFetched: boolean;
  clientSecretSealed: string | null;
}

/** Repository over `identity_providers`; `db` is the knex instance or a transaction. */
export function createIdentityProvidersRepository(db: Knex) {
  return {
    /** The identity provider of a contact center, if any. */
    async find(ccid: string): Promise<IdentityProvider | undefined> {
      const row = await db('identity_providers').where({ ccid }).first();
      return row ? toIdentityProvider(row as Row) : undefined;
    },

    /** The identity provider of the contact center owning a (canonical) login domain, if any. */
    async findByDomain(domain: string): Promise<IdentityProvider | undefined> {
      const row = await db('contact_center_domains as d').join('identity_providers as p', 'p.ccid', 'd.ccid').select('p.*').where('d.domain', domain).first();
      return row ? toIdentityProvider(row as Row) : undefined;
    },

    /** Identity providers of the contact centers `ccids` (all of them, at most 200, when `ccids` is undefined). */
    async list(ccids?: readonly string[]): Promise<IdentityProvider[]> {
      const q = db('identity_providers').limit(200);
      if (ccids) q.whereIn('ccid', [...ccids]);
      return ((await q) as Row[]).map(toIdentityProvider);
    },

    /** Creates or replaces; the sign-in history is kept. Returns the stored row and whether it was new. */
    async upsert(w: IdentityProviderWrite): Promise<{ provider: IdentityProvider; created: boolean }> {
      const values = {
        ccid: w.ccid,
        type: w.settings.type,
        settings: JSON.stringify(w.settings),
        metadata_xml: w.metadataXml,
        metadata_fetched_at: w.metadataFetched ? db.fn.now() : null,
        metadata_error: null,
        client_secret_sealed: w.clientSecretSealed,
        updated_at: db.fn.now(),
      };
      const [row] = (await db('identity_providers')
        .insert(values)
        .onConflict('ccid')
        .merge(['type', 'settings', 'metadata_xml', 'metadata_fetched_at', 'metadata_error', 'client_secret_sealed', 'updated_at'])
        .returning(['*', db.raw('(xmax = 0) AS created')])) as (Row & { created: boolean })[];
      return { provider: toIdentityProvider(row!), created: row!.created };
    },

    /** Deletes; false when there was none. */
    async delete(ccid: string): Promise<boolean> {
      return (await db('identity_providers').where({ ccid }).delete(['ccid'])).length > 0;
    },

    /** Stores freshly fetched metadata (a successful refresh from `metadataUrl`). */
    async saveFetchedMetadata(ccid: string, xml: string): Promise<void> {
      await db('identity_providers').where({ ccid }).update({ metadata_xml: xml, metadata_fetched_at: db.fn.now(), metadata_error: null });
    },

    /** Records a failed refresh; the last good metadata stays. */
    async saveMetadataError(ccid: string, error: string): Promise<void> {
      await db('identity_providers').where({ ccid }).update({ metadata_error: error.slice(0, 500), metadata_fetched_at: db.fn.now() });
    },

    /** Records the outcome of a sign-in for the console. */
    async recordOutcome(ccid: string, outcome: { ok: true; user: string } | { ok: false; reason: string }): Promise<void> {
      const patch = outcome.ok
        ? { last_success_at: db.fn.now(), last_success_user: outcome.user.slice(0, 300) }
        : { last_failure_at: db.fn.now(), last_failure_reason: outcome.reason.slice(0, 300) };
      await db('identity_providers').where({ ccid }).update(patch);
    },
  };
}

export type IdentityProvidersRepository = ReturnType<typeof createIdentityProvidersRepository>;
