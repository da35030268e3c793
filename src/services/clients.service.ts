/**
 * Business rules for OAuth clients managed through the ops API (genesys-api.md §2 A15-A19, §5.3;
 * seed 003 "Create a new API Client").
 *
 * - A CONFIDENTIAL client's secret is the caller's value or, when empty/absent, 32 generated random
 *   bytes (base64url); it is stored only as an argon2id hash and returned by `create` only.
 * - Genesys adds the token-exchange and jwt-bearer grant URNs to every client; so do we.
 * - Deleting a client revokes every token, code and grant it holds, in the same transaction.
 */
import type { Knex } from 'knex';
import { GENESYS_IMPLIED_GRANT_TYPES } from '../domain/client.ts';
import type { AccessTokenFormat, Client, ClientType } from '../domain/client.ts';
import { AppError, notFound } from '../errors/app-error.ts';
import { PG_FOREIGN_KEY_VIOLATION, PG_UNIQUE_VIOLATION, isPgError } from '../db/knex.ts';
import { createClientsRepository } from '../repositories/clients.repository.ts';
import { createOidcPayloadsRepository } from '../repositories/oidc-payloads.repository.ts';
import { hashSecret } from '../security/passwords.ts';
import { generateSecret } from '../security/tokens.ts';

/** Input of `create` (already validated at the edge). Durations in seconds. */
export interface ClientInput {
  clientId: string;
  clientSecret?: string | undefined;
  name: string;
  description?: string | null | undefined;
  clientType: ClientType;
  internalClient: boolean;
  authorities: string[];
  scope: string[];
  authorizedGrantTypes: string[];
  redirectUris: string[];
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  contactCenterIds: string[];
  pkceRequired: boolean;
  accessTokenFormat: AccessTokenFormat;
}

/** Fields `update` may change; absent keys keep their value (Genesys scripts send only redirectURIs). */
export type ClientPatch = Partial<Omit<ClientInput, 'clientId' | 'clientType'>>;

export interface ClientsService {
  /** Creates a client. Returns it with the plaintext secret (CONFIDENTIAL only), shown this once. */
  create(input: ClientInput): Promise<{ client: Client; clientSecret: string | undefined }>;
  list(): Promise<Client[]>;
  /** @throws AppError not_found */
  get(clientId: string): Promise<Client>;
  /** Partial merge. @throws AppError not_found | validation */
  update(clientId: string, patch: ClientPatch): Promise<Client>;
  /** Deletes the client and revokes everything it holds. @throws AppError not_found */
  delete(clientId: string): Promise<void>;
}

function withImpliedGrants(grants: string[]): string[] {
  const out = [...new Set(grants)];
  for (const g of GENESYS_IMPLIED_GRANT_TYPES) if (!out.includes(g)) out.push(g);
  return out;
}

function checkRules(c: Pick<Client, 'clientType' | 'authorizedGrantTypes' | 'redirectUris'>): void {
  const issues = [];
  const needsRedirect = c.authorizedGrantTypes.includes('authorization_code') || c.authorizedGrantTypes.includes('implicit');
  if (needsRedirect && c.redirectUris.length === 0) {
    issues.push({ field: 'data.redirectURIs', message: 'at least one redirect URI is required for the authorization_code grant' });
  }
  if (c.clientType === 'PUBLIC' && c.authorizedGrantTypes.includes('client_credentials')) {
    issues.push({ field: 'data.authorizedGrantTypes', message: 'a PUBLIC client cannot use client_credentials (RFC 6749 §4.4)' });
  }
  if (issues.length) throw new AppError('validation', 'validation failed', issues);
}

function translate(err: unknown, clientId: string): never {
  if (isPgError(err, PG_UNIQUE_VIOLATION)) throw new AppError('already_exists', `client ${clientId} already exists`);
  if (isPgError(err, PG_FOREIGN_KEY_VIOLATION)) {
    throw new AppError('validation', 'unknown contact center', [{ field: 'data.contactCenterIds', message: 'no such contact center' }]);
  }
  throw err;
}

export function createClientsService(deps: { knex: Knex }): ClientsService {
  const { knex } = deps;
  return {
    async create(input) {
      let clientSecret: string | undefined;
      if (input.clientType === 'CONFIDENTIAL') {
        clientSecret = input.clientSecret ? input.clientSecret : generateSecret();
      } else if (input.clientSecret) {
        throw new AppError('validation', 'validation failed', [{ field: 'data.client_secret', message: 'a PUBLIC client has no secret' }]);
      }
      const draft = {
        clientId: input.clientId,
        name: input.name,
        description: input.description ?? null,
        clientType: input.clientType,
        internalClient: input.internalClient,
        secretHash: null as string | null,
        authorities: input.authorities,
        scope: input.scope,
        authorizedGrantTypes: withImpliedGrants(input.authorizedGrantTypes),
        redirectUris: input.redirectUris,
        accessTokenTtlSeconds: input.accessTokenTtlSeconds,
        refreshTokenTtlSeconds: input.refreshTokenTtlSeconds,
        contactCenterIds: [...new Set(input.contactCenterIds)],
        pkceRequired: input.pkceRequired,
        accessTokenFormat: input.accessTokenFormat,
        enabled: true,
      };
      checkRules(draft);
      if (clientSecret) draft.secretHash = await hashSecret(clientSecret);
      const client = await knex
        .transaction(async (trx) => {
          const repo = createClientsRepository(trx);
          await repo.insert(draft);
          return (await repo.find(draft.clientId))!;
        })
        .catch((err) => translate(err, input.clientId));
      return { client, clientSecret };
    },

    list() {
      return createClientsRepository(knex).list();
    },

    async get(clientId) {
      const c = await createClientsRepository(knex).find(clientId);
      if (!c) throw notFound(`client ${clientId}`);
      return c;
    },

    async update(clientId, patch) {
      const newHash = patch.clientSecret ? await hashSecret(patch.clientSecret) : undefined;
      return knex
        .transaction(async (trx) => {
          const repo = createClientsRepository(trx);
          const current = await repo.find(clientId);
          if (!current) throw notFound(`client ${clientId}`);
          if (newHash && current.clientType === 'PUBLIC') {
            throw new AppError('validation', 'validation failed', [{ field: 'data.client_secret', message: 'a PUBLIC client has no secret' }]);
          }
          const next: Client = {
            ...current,
            name: patch.name ?? current.name,
            description: patch.description !== undefined ? patch.description : current.description,
            internalClient: patch.internalClient ?? current.internalClient,
            secretHash: newHash ?? current.secretHash,
            authorities: patch.authorities ?? current.authorities,
            scope: patch.scope ?? current.scope,
            authorizedGrantTypes: patch.authorizedGrantTypes ? withImpliedGrants(patch.authorizedGrantTypes) : current.authorizedGrantTypes,
            redirectUris: patch.redirectUris ?? current.redirectUris,
            accessTokenTtlSeconds: patch.accessTokenTtlSeconds ?? current.accessTokenTtlSeconds,
            refreshTokenTtlSeconds: patch.refreshTokenTtlSeconds ?? current.refreshTokenTtlSeconds,
            contactCenterIds: patch.contactCenterIds ? [...new Set(patch.contactCenterIds)] : current.contactCenterIds,
            pkceRequired: patch.pkceRequired ?? current.pkceRequired,
            accessTokenFormat: patch.accessTokenFormat ?? current.accessTokenFormat,
          };
          checkRules(next);
          await repo.update(next);
          return (await repo.find(clientId))!;
        })
        .catch((err) => translate(err, clientId));
    },

    async delete(clientId) {
      await knex.transaction(async (trx) => {
        const deleted = await createClientsRepository(trx).delete(clientId);
        if (!deleted) throw notFound(`client ${clientId}`);
        await createOidcPayloadsRepository(trx).revokeByClientId(clientId);
      });
    },
  };
}
