/**
 * Business rules for OAuth clients managed through the ops API (genesys-api.md §2 A15-A19, §5.3;
 * seed 003 "Create a new API Client").
 *
 * - A CONFIDENTIAL client's secret is the caller's value or, when empty/absent, 32 generated random
 *   bytes (base64url); it is stored only as an argon2id hash and returned by `create` only.
 * - Genesys adds the token-exchange and jwt-bearer grant URNs to every client; so do we.
 * - Deleting a client revokes every token, code and grant it holds, in the same transaction.
 * - Setting a new secret through `update` ends any rotation grace period (the previous secret stops
 *   working at once).
 * - Every change is written to the audit trail in the same transaction (issue 4), never the secret.
 *
 * {@link prepareClient} and {@link translateClientError} are the same rules for services that
 * create clients inside their own transaction (activations.service.ts).
 */
import type { Knex } from 'knex';
import { GENESYS_IMPLIED_GRANT_TYPES, effectiveAuthMethod } from '../domain/client.ts';
import type { AccessTokenFormat, Client, ClientJwks, ClientType, TokenEndpointAuthMethod } from '../domain/client.ts';
import { jwksUriProblem } from '../domain/client-keys.ts';
import type { AuditContext } from '../domain/audit-event.ts';
import { AppError, notFound } from '../errors/app-error.ts';
import { redirectUriProblem } from '../domain/redirect-uri.ts';
import type { RedirectUriPolicy } from '../domain/redirect-uri.ts';
import { PG_FOREIGN_KEY_VIOLATION, PG_UNIQUE_VIOLATION, isPgError } from '../db/knex.ts';
import { createClientsRepository } from '../repositories/clients.repository.ts';
import type { NewClient } from '../repositories/clients.repository.ts';
import { createOidcPayloadsRepository } from '../repositories/oidc-payloads.repository.ts';
import { hashSecret } from '../security/passwords.ts';
import { generateSecret } from '../security/tokens.ts';
import { recordAudit } from './audit.service.ts';

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
  /** DPoP proofs mandatory on every token request (RFC 9449 §5.2); false when absent. */
  dpopBoundAccessTokens?: boolean | undefined;
  /** Absent: the client type's default (domain/client.ts `effectiveAuthMethod`). */
  tokenEndpointAuthMethod?: TokenEndpointAuthMethod | undefined;
  /** Public keys (validated at the edge: domain/client-keys.ts); null clears. */
  jwks?: ClientJwks | null | undefined;
  /** null clears. */
  jwksUri?: string | null | undefined;
  requirePushedAuthorizationRequests?: boolean | undefined;
}

/** Fields `update` may change; absent keys keep their value (Genesys scripts send only redirectURIs). */
export type ClientPatch = Partial<Omit<ClientInput, 'clientId' | 'clientType'>>;

/** Every service method that changes a client takes `who` (actor + source IP) for the audit trail. */
export interface ClientsService {
  /**
   * Creates a client. Returns it with the plaintext secret (CONFIDENTIAL only), shown this once.
   * @throws AppError validation | already_exists
   */
  create(input: ClientInput, who: AuditContext): Promise<{ client: Client; clientSecret: string | undefined }>;
  list(): Promise<Client[]>;
  /** @throws AppError not_found */
  get(clientId: string): Promise<Client>;
  /** Partial merge. @throws AppError not_found | validation */
  update(clientId: string, patch: ClientPatch, who: AuditContext): Promise<Client>;
  /** Deletes the client and revokes everything it holds. @throws AppError not_found */
  delete(clientId: string, who: AuditContext): Promise<void>;
}

function withImpliedGrants(grants: string[]): string[] {
  const out = [...new Set(grants)];
  for (const g of GENESYS_IMPLIED_GRANT_TYPES) if (!out.includes(g)) out.push(g);
  return out;
}

/**
 * The redirect URI policy of this deployment (domain/redirect-uri.ts): plain `http` to a non-loopback
 * host only outside production. The edge schemas apply everything else; the service applies the
 * whole rule again so that every path that stores a client (ops API, activations, console) is held
 * to it. Default: the production rule.
 */
export const STRICT_REDIRECT_URI_POLICY: RedirectUriPolicy = Object.freeze({ allowPlainHttp: false });

function checkRules(
  c: Pick<Client, 'clientType' | 'authorizedGrantTypes' | 'redirectUris' | 'tokenEndpointAuthMethod' | 'jwks' | 'jwksUri' | 'secretHash'>,
  policy: RedirectUriPolicy,
): void {
  const issues = [];
  const method = effectiveAuthMethod(c);
  if ((c.clientType === 'PUBLIC') !== (method === 'none')) {
    issues.push({ field: 'data.tokenEndpointAuthMethod', message: c.clientType === 'PUBLIC' ? 'a PUBLIC client uses none' : 'a CONFIDENTIAL client cannot use none' });
  }
  if (c.jwks && c.jwksUri) issues.push({ field: 'data.jwksUri', message: 'register jwks or jwksUri, not both' });
  if (method === 'private_key_jwt' && !c.jwks && !c.jwksUri) {
    issues.push({ field: 'data.jwks', message: 'private_key_jwt needs jwks or jwksUri (RFC 7523 §2.2)' });
  }
  if ((method === 'client_secret_basic' || method === 'client_secret_post') && !c.secretHash) {
    issues.push({ field: 'data.client_secret', message: 'this client has no secret: give one to use client_secret_basic or client_secret_post' });
  }
  if (c.jwksUri) {
    const problem = jwksUriProblem(c.jwksUri, policy);
    if (problem) issues.push({ field: 'data.jwksUri', message: problem });
  }
  c.redirectUris.forEach((uri, i) => {
    const problem = redirectUriProblem(uri, policy);
    if (problem) issues.push({ field: `data.redirectURIs.${i}`, message: problem });
  });
  const needsRedirect = c.authorizedGrantTypes.includes('authorization_code') || c.authorizedGrantTypes.includes('implicit');
  if (needsRedirect && c.redirectUris.length === 0) {
    issues.push({ field: 'data.redirectURIs', message: 'at least one redirect URI is required for the authorization_code grant' });
  }
  if (c.clientType === 'PUBLIC' && c.authorizedGrantTypes.includes('client_credentials')) {
    issues.push({ field: 'data.authorizedGrantTypes', message: 'a PUBLIC client cannot use client_credentials (RFC 6749 §4.4)' });
  }
  if (issues.length) throw new AppError('validation', `validation failed: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`, issues);
}

/**
 * Translates a driver error of a client write: unique violation → already_exists (code 18),
 * foreign-key violation → validation on `data.contactCenterIds`; anything else is rethrown.
 */
export function translateClientError(err: unknown, clientId: string): never {
  if (isPgError(err, PG_UNIQUE_VIOLATION)) throw new AppError('already_exists', `client ${clientId} already exists`);
  if (isPgError(err, PG_FOREIGN_KEY_VIOLATION)) {
    throw new AppError('validation', 'unknown contact center', [{ field: 'data.contactCenterIds', message: 'no such contact center' }]);
  }
  throw err;
}

/** A client ready to insert, and its plaintext secret (undefined for PUBLIC) to show once. */
export interface PreparedClient {
  draft: NewClient;
  clientSecret: string | undefined;
}

/**
 * Applies the client rules to `input` (secret: the caller's or 32 generated random bytes; implied
 * Genesys grant URNs; redirect URI and PUBLIC rules) and hashes the secret with argon2id. No
 * database access, so callers hash before opening their transaction.
 * @throws AppError validation
 */
export async function prepareClient(input: ClientInput, policy: RedirectUriPolicy = STRICT_REDIRECT_URI_POLICY): Promise<PreparedClient> {
  let clientSecret: string | undefined;
  const keyOnly = input.tokenEndpointAuthMethod === 'private_key_jwt';
  if (input.clientType === 'CONFIDENTIAL' && !keyOnly) {
    clientSecret = input.clientSecret ? input.clientSecret : generateSecret();
  } else if (input.clientSecret) {
    const message = keyOnly ? 'a private_key_jwt client has no secret (RFC 7523 §2.2)' : 'a PUBLIC client has no secret';
    throw new AppError('validation', 'validation failed', [{ field: 'data.client_secret', message }]);
  }
  const draft: NewClient = {
    clientId: input.clientId,
    name: input.name,
    description: input.description ?? null,
    clientType: input.clientType,
    internalClient: input.internalClient,
    secretHash: null,
    previousSecretHash: null,
    previousSecretExpiresAt: null,
    authorities: input.authorities,
    scope: input.scope,
    authorizedGrantTypes: withImpliedGrants(input.authorizedGrantTypes),
    redirectUris: input.redirectUris,
    accessTokenTtlSeconds: input.accessTokenTtlSeconds,
    refreshTokenTtlSeconds: input.refreshTokenTtlSeconds,
    contactCenterIds: [...new Set(input.contactCenterIds)],
    pkceRequired: input.pkceRequired,
    accessTokenFormat: input.accessTokenFormat,
    dpopBoundAccessTokens: input.dpopBoundAccessTokens ?? false,
    jwks: input.jwks ?? null,
    jwksUri: input.jwksUri ?? null,
    tokenEndpointAuthMethod: input.tokenEndpointAuthMethod ?? null,
    requirePushedAuthorizationRequests: input.requirePushedAuthorizationRequests ?? false,
    enabled: true,
  };
  if (clientSecret) draft.secretHash = await hashSecret(clientSecret);
  checkRules(draft, policy);
  return { draft, clientSecret };
}

/**
 * A fresh generated client secret (32 random bytes, base64url) and its argon2id hash, for a
 * rotation. Show the secret once; store only the hash.
 */
export async function newClientSecret(): Promise<{ secret: string; hash: string }> {
  const secret = generateSecret();
  return { secret, hash: await hashSecret(secret) };
}

/**
 * Builds the clients service. `redirectUriPolicy`: see {@link STRICT_REDIRECT_URI_POLICY} (app.ts
 * passes `allowPlainHttp: NODE_ENV !== 'production'`).
 */
export function createClientsService(deps: { knex: Knex; redirectUriPolicy?: RedirectUriPolicy }): ClientsService {
  const { knex } = deps;
  const policy = deps.redirectUriPolicy ?? STRICT_REDIRECT_URI_POLICY;
  return {
    async create(input, who) {
      const { draft, clientSecret } = await prepareClient(input, policy);
      const client = await knex
        .transaction(async (trx) => {
          const repo = createClientsRepository(trx);
          await repo.insert(draft);
          await recordAudit(trx, who, {
            action: 'client.created',
            targetType: 'client',
            targetId: draft.clientId,
            details: {
              name: draft.name,
              clientType: draft.clientType,
              authorizedGrantTypes: draft.authorizedGrantTypes,
              contactCenterIds: draft.contactCenterIds,
              secretGenerated: draft.clientType === 'CONFIDENTIAL' && !input.clientSecret,
            },
          });
          return (await repo.find(draft.clientId))!;
        })
        .catch((err) => translateClientError(err, input.clientId));
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

    async update(clientId, patch, who) {
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
            // a secret set by hand ends any rotation grace period
            previousSecretHash: newHash ? null : current.previousSecretHash,
            previousSecretExpiresAt: newHash ? null : current.previousSecretExpiresAt,
            authorities: patch.authorities ?? current.authorities,
            scope: patch.scope ?? current.scope,
            authorizedGrantTypes: patch.authorizedGrantTypes ? withImpliedGrants(patch.authorizedGrantTypes) : current.authorizedGrantTypes,
            redirectUris: patch.redirectUris ?? current.redirectUris,
            accessTokenTtlSeconds: patch.accessTokenTtlSeconds ?? current.accessTokenTtlSeconds,
            refreshTokenTtlSeconds: patch.refreshTokenTtlSeconds ?? current.refreshTokenTtlSeconds,
            contactCenterIds: patch.contactCenterIds ? [...new Set(patch.contactCenterIds)] : current.contactCenterIds,
            pkceRequired: patch.pkceRequired ?? current.pkceRequired,
            accessTokenFormat: patch.accessTokenFormat ?? current.accessTokenFormat,
            dpopBoundAccessTokens: patch.dpopBoundAccessTokens ?? current.dpopBoundAccessTokens,
            tokenEndpointAuthMethod: patch.tokenEndpointAuthMethod ?? current.tokenEndpointAuthMethod ?? null,
            jwks: patch.jwks !== undefined ? patch.jwks : (current.jwks ?? null),
            jwksUri: patch.jwksUri !== undefined ? patch.jwksUri : (current.jwksUri ?? null),
            requirePushedAuthorizationRequests: patch.requirePushedAuthorizationRequests ?? current.requirePushedAuthorizationRequests ?? false,
          };
          checkRules(next, policy);
          await repo.update(next);
          await recordAudit(trx, who, {
            action: 'client.updated',
            targetType: 'client',
            targetId: clientId,
            details: { fields: Object.keys(patch).filter((k) => k !== 'clientSecret' && patch[k as keyof ClientPatch] !== undefined), secretChanged: newHash !== undefined },
          });
          return (await repo.find(clientId))!;
        })
        .catch((err) => translateClientError(err, clientId));
    },

    async delete(clientId, who) {
      await knex.transaction(async (trx) => {
        const deleted = await createClientsRepository(trx).delete(clientId);
        if (!deleted) throw notFound(`client ${clientId}`);
        const revokedRows = await createOidcPayloadsRepository(trx).revokeByClientId(clientId);
        await recordAudit(trx, who, { action: 'client.deleted', targetType: 'client', targetId: clientId, details: { revokedRows } });
      });
    },
  };
}
