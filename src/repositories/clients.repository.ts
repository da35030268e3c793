/**
 * SQL for `clients` and `client_contact_centers`. Pass a transaction as `db` to take part in it.
 */
import type { Knex } from 'knex';
import type { AccessTokenFormat, Client, ClientJwks, ClientType, TokenEndpointAuthMethod } from '../domain/client.ts';

interface ClientRow {
  client_id: string;
  name: string;
  description: string | null;
  client_type: ClientType;
  internal_client: boolean;
  secret_hash: string | null;
  previous_secret_hash: string | null;
  previous_secret_expires_at: Date | null;
  authorities: string[];
  scope: string[];
  authorized_grant_types: string[];
  redirect_uris: string[];
  access_token_ttl_seconds: number;
  refresh_token_ttl_seconds: number;
  pkce_required: boolean;
  access_token_format: AccessTokenFormat;
  dpop_bound_access_tokens: boolean;
  jwks: ClientJwks | null;
  jwks_uri: string | null;
  token_endpoint_auth_method: TokenEndpointAuthMethod | null;
  require_pushed_authorization_requests: boolean;
  enabled: boolean;
  created_at: Date;
  contact_center_ids: string[] | null;
}

/** Fields written on insert (everything but createdAt). */
export type NewClient = Omit<Client, 'createdAt'>;

const SELECT = `c.*, COALESCE((SELECT array_agg(cc.ccid::text ORDER BY cc.ccid) FROM client_contact_centers cc WHERE cc.client_id = c.client_id), '{}') AS contact_center_ids`;

function toClient(r: ClientRow): Client {
  return {
    clientId: r.client_id,
    name: r.name,
    description: r.description,
    clientType: r.client_type,
    internalClient: r.internal_client,
    secretHash: r.secret_hash,
    previousSecretHash: r.previous_secret_hash,
    previousSecretExpiresAt: r.previous_secret_expires_at ? new Date(r.previous_secret_expires_at).getTime() : null,
    authorities: r.authorities,
    scope: r.scope,
    authorizedGrantTypes: r.authorized_grant_types,
    redirectUris: r.redirect_uris,
    accessTokenTtlSeconds: r.access_token_ttl_seconds,
    refreshTokenTtlSeconds: r.refresh_token_ttl_seconds,
    contactCenterIds: r.contact_center_ids ?? [],
    pkceRequired: r.pkce_required,
    accessTokenFormat: r.access_token_format,
    dpopBoundAccessTokens: r.dpop_bound_access_tokens,
    jwks: r.jwks ?? null,
    jwksUri: r.jwks_uri ?? null,
    tokenEndpointAuthMethod: r.token_endpoint_auth_method ?? null,
    requirePushedAuthorizationRequests: r.require_pushed_authorization_requests ?? false,
    enabled: r.enabled,
    createdAt: new Date(r.created_at).getTime(),
  };
}

function toRow(c: NewClient) {
  return {
    client_id: c.clientId,
    name: c.name,
    description: c.description,
    client_type: c.clientType,
    internal_client: c.internalClient,
    secret_hash: c.secretHash,
    previous_secret_hash: c.previousSecretHash,
    previous_secret_expires_at: c.previousSecretExpiresAt === null ? null : new Date(c.previousSecretExpiresAt),
    authorities: c.authorities,
    scope: c.scope,
    authorized_grant_types: c.authorizedGrantTypes,
    redirect_uris: c.redirectUris,
    access_token_ttl_seconds: c.accessTokenTtlSeconds,
    refresh_token_ttl_seconds: c.refreshTokenTtlSeconds,
    pkce_required: c.pkceRequired,
    access_token_format: c.accessTokenFormat,
    dpop_bound_access_tokens: c.dpopBoundAccessTokens,
    // absent (undefined) keeps the column: knex leaves undefined values out of the statement
    jwks: c.jwks === undefined ? undefined : c.jwks === null ? null : JSON.stringify(c.jwks),
    jwks_uri: c.jwksUri,
    token_endpoint_auth_method: c.tokenEndpointAuthMethod,
    require_pushed_authorization_requests: c.requirePushedAuthorizationRequests,
    enabled: c.enabled,
  };
}

/** Repository over `clients`; every method is one or two statements with bindings. */
export function createClientsRepository(db: Knex) {
  async function setContactCenters(clientId: string, ccids: string[]): Promise<void> {
    await db('client_contact_centers').where({ client_id: clientId }).delete();
    if (ccids.length) {
      await db('client_contact_centers').insert(ccids.map((ccid) => ({ client_id: clientId, ccid })));
    }
  }

  return {
    /** The client, or undefined. */
    async find(clientId: string): Promise<Client | undefined> {
      const row = await db('clients as c').select(db.raw(SELECT)).where('c.client_id', clientId).first();
      return row ? toClient(row as ClientRow) : undefined;
    },

    /** All clients ordered by creation time. */
    async list(): Promise<Client[]> {
      const rows = await db('clients as c').select(db.raw(SELECT)).orderBy([{ column: 'c.created_at' }, { column: 'c.client_id' }]);
      return (rows as ClientRow[]).map(toClient);
    },

    /**
     * Inserts a client and its contact-center links. Throws the driver's unique violation (23505)
     * on a duplicate client_id and a foreign-key violation (23503) on an unknown contact center.
     */
    async insert(client: NewClient): Promise<void> {
      await db('clients').insert(toRow(client));
      await setContactCenters(client.clientId, client.contactCenterIds);
    },

    /** Replaces every stored field of an existing client; returns false when it does not exist. */
    async update(client: NewClient): Promise<boolean> {
      const { client_id: _id, ...fields } = toRow(client);
      const rows = await db('clients').where({ client_id: client.clientId }).update({ ...fields, updated_at: db.fn.now() }, ['client_id']);
      if (rows.length === 0) return false;
      await setContactCenters(client.clientId, client.contactCenterIds);
      return true;
    },

    /**
     * Enables or disables a client (a disabled client cannot authenticate: oauth/client-metadata.ts);
     * returns false when it does not exist.
     */
    async setEnabled(clientId: string, enabled: boolean): Promise<boolean> {
      return (await db('clients').where({ client_id: clientId }).update({ enabled, updated_at: db.fn.now() }, ['client_id'])).length > 0;
    },

    /**
     * Replaces the secret hash (issue 4 rotation). The old hash is kept as the previous secret until
     * `previousExpiresAt`; with `previousExpiresAt` null the old secret stops working at once.
     * Returns false when the client does not exist or has no secret (PUBLIC).
     */
    async rotateSecret(clientId: string, newHash: string, previousExpiresAt: Date | null): Promise<boolean> {
      const rows = await db('clients')
        .where({ client_id: clientId })
        .whereNotNull('secret_hash')
        .update(
          {
            previous_secret_hash: previousExpiresAt ? db.ref('secret_hash') : null,
            previous_secret_expires_at: previousExpiresAt,
            secret_hash: newHash,
            updated_at: db.fn.now(),
          },
          ['client_id'],
        );
      return rows.length > 0;
    },

    /** Deletes a client; returns false when it did not exist. */
    async delete(clientId: string): Promise<boolean> {
      return (await db('clients').where({ client_id: clientId }).delete(['client_id'])).length > 0;
    },
  };
}

export type ClientsRepository = ReturnType<typeof createClientsRepository>;
