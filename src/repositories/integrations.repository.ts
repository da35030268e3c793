/**
 * SQL for `integrations`, the prebuilt-integration catalogue (migrations/009_integrations.ts).
 * Pass a transaction as `db` to take part in it.
 */
import type { Knex } from 'knex';
import type { ClientAuthMethod, Integration, IntegrationGrantType, SetupStep } from '../domain/integration.ts';

interface IntegrationRow {
  id: string;
  name: string;
  description: string;
  grant_types: IntegrationGrantType[];
  scopes: string[];
  client_auth_methods: ClientAuthMethod[];
  access_token_ttl_seconds: number;
  refresh_token_ttl_seconds: number;
  pkce_required: boolean;
  setup_steps: SetupStep[] | string | null;
  created_at: Date;
  updated_at: Date;
}

/** Fields written on insert/update (timestamps come from the database). */
export type IntegrationRecord = Omit<Integration, 'createdAt' | 'updatedAt'>;

function toIntegration(r: IntegrationRow): Integration {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    grantTypes: r.grant_types,
    scopes: r.scopes,
    clientAuthMethods: r.client_auth_methods,
    accessTokenTtlSeconds: r.access_token_ttl_seconds,
    refreshTokenTtlSeconds: r.refresh_token_ttl_seconds,
    pkceRequired: r.pkce_required,
    setupSteps: typeof r.setup_steps === 'string' ? (JSON.parse(r.setup_steps) as SetupStep[]) : (r.setup_steps ?? []),
    createdAt: new Date(r.created_at).getTime(),
    updatedAt: new Date(r.updated_at).getTime(),
  };
}

function toRow(i: IntegrationRecord) {
  return {
    name: i.name,
    description: i.description,
    grant_types: i.grantTypes,
    scopes: i.scopes,
    client_auth_methods: i.clientAuthMethods,
    access_token_ttl_seconds: i.accessTokenTtlSeconds,
    refresh_token_ttl_seconds: i.refreshTokenTtlSeconds,
    pkce_required: i.pkceRequired,
    setup_steps: JSON.stringify(i.setupSteps.map((x) => ({ field: x.field, value: x.value }))),
  };
}

/** `%`, `_` and `\` escaped for a LIKE pattern (escape character `\`). */
function likeEscape(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Repository over `integrations`. */
export function createIntegrationsRepository(db: Knex) {
  return {
    /** The entry, or undefined. */
    async find(id: string): Promise<Integration | undefined> {
      const row = await db('integrations').where({ id }).first();
      return row ? toIntegration(row as IntegrationRow) : undefined;
    },

    /**
     * Like {@link find} but takes a `FOR SHARE` lock until the transaction ends, so the entry
     * cannot be deleted while an activation made from it commits.
     */
    async findForShare(id: string): Promise<Integration | undefined> {
      const row = await db('integrations').where({ id }).forShare().first();
      return row ? toIntegration(row as IntegrationRow) : undefined;
    },

    /** Like {@link find} with a `FOR UPDATE` lock (update, delete). */
    async findForUpdate(id: string): Promise<Integration | undefined> {
      const row = await db('integrations').where({ id }).forUpdate().first();
      return row ? toIntegration(row as IntegrationRow) : undefined;
    },

    /** Entries ordered by name; with `query`, only names containing it (case-insensitive, literal). */
    async list(query?: string): Promise<Integration[]> {
      const q = db('integrations').select('*').orderByRaw('lower(name), id');
      if (query) q.whereRaw(`name ILIKE ? ESCAPE '\\'`, [`%${likeEscape(query)}%`]);
      return ((await q) as IntegrationRow[]).map(toIntegration);
    },

    /** Inserts an entry. Throws the driver's 23505 on a duplicate id or name (`integrations_name_key`). */
    async insert(i: IntegrationRecord): Promise<void> {
      await db('integrations').insert({ id: i.id, ...toRow(i) });
    },

    /** Replaces every stored field; returns false when the entry does not exist. */
    async update(i: IntegrationRecord): Promise<boolean> {
      return (await db('integrations').where({ id: i.id }).update({ ...toRow(i), updated_at: db.fn.now() }, ['id'])).length > 0;
    },

    /** Deletes an entry (its activation rows go with it); returns false when it did not exist. */
    async delete(id: string): Promise<boolean> {
      return (await db('integrations').where({ id }).delete(['id'])).length > 0;
    },
  };
}

export type IntegrationsRepository = ReturnType<typeof createIntegrationsRepository>;
