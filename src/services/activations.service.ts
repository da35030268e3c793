/**
 * Activating prebuilt integrations (docs/integrations.md; Cisco Webex Connect "Event Authorization", "Activate" → Client ID and Client Secret).
 *
 * - `activate` runs in ONE transaction: the client is made from the catalogue entry with the
 *   client rules of clients.service.ts ({@link prepareClient}: 32-byte generated secret, argon2id,
 *   implied Genesys grants, redirect-URI rule), bound to the contact center, the activation row is
 *   recorded and the audit event written. Any failure (unknown contact center, a second active
 *   activation for the same contact center, ...) rolls all of it back. The secret is returned
 *   once and never stored in clear.
 * - `deactivate` disables the client (it can no longer authenticate: oauth/client-metadata.ts) and
 *   deletes every token, code and grant it holds (`oidc_payloads`), in one transaction, so its
 *   tokens stop working at once. Idempotent.
 * - `rotateSecret` gives the client a new generated secret (returned once); the old one keeps
 *   working for `gracePeriodSeconds` (0 = stops at once, at most {@link MAX_SECRET_GRACE_SECONDS})
 *   and never after (oauth/client-auth.ts). Tokens already issued stay valid.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { RedirectUriPolicy } from '../domain/redirect-uri.ts';
import type { AuditContext } from '../domain/audit-event.ts';
import type { Client } from '../domain/client.ts';
import { MAX_SECRET_GRACE_SECONDS, isPublicIntegration, needsRedirectUris } from '../domain/integration.ts';
import type { Activation, Integration } from '../domain/integration.ts';
import { AppError, notFound } from '../errors/app-error.ts';
import { PG_FOREIGN_KEY_VIOLATION, PG_UNIQUE_VIOLATION, isPgError } from '../db/knex.ts';
import { createClientsRepository } from '../repositories/clients.repository.ts';
import { createIntegrationActivationsRepository } from '../repositories/integration-activations.repository.ts';
import { createIntegrationsRepository } from '../repositories/integrations.repository.ts';
import { createOidcPayloadsRepository } from '../repositories/oidc-payloads.repository.ts';
import { recordAudit } from './audit.service.ts';
import { newClientSecret, prepareClient, translateClientError } from './clients.service.ts';
import type { ClientInput } from './clients.service.ts';

/** Input of `activate` (validated at the edge). */
export interface ActivationInput {
  /** The CCID the new client is bound to. */
  contactCenterId: string;
  /** Required when the integration uses the authorization code grant; refused otherwise. */
  redirectUris?: string[] | undefined;
}

/** What `activate` and `rotateSecret` return. `clientSecret` is plaintext: show it once, never store or log it. */
export interface IssuedCredentials {
  activation: Activation;
  integration: Integration;
  client: Client;
  /** Undefined for a public client (`clientAuthMethods: ["none"]`). */
  clientSecret: string | undefined;
}

export interface ActivationsService {
  /**
   * Activates `integrationId` for a contact center.
   * @throws AppError not_found (integration) | validation (unknown contact center, redirect URIs) |
   *   already_exists (already activated for that contact center)
   */
  activate(integrationId: string, input: ActivationInput, who: AuditContext): Promise<IssuedCredentials>;
  /** Activations of the integration, newest first, with their clients. @throws AppError not_found (integration) */
  list(integrationId: string): Promise<{ activation: Activation; client: Client | undefined }[]>;
  /** @throws AppError not_found (integration or activation) */
  get(integrationId: string, activationId: string): Promise<{ activation: Activation; client: Client | undefined }>;
  /** Deactivates (idempotent). @throws AppError not_found */
  deactivate(integrationId: string, activationId: string, who: AuditContext): Promise<Activation>;
  /**
   * Rotates the client secret. `previousSecretExpiresAt` (epoch ms) is when the old secret stops
   * working, null when it stopped at once.
   * @throws AppError not_found | invalid_parameter (deactivated, public client, grace out of range)
   */
  rotateSecret(
    integrationId: string,
    activationId: string,
    opts: { gracePeriodSeconds?: number | undefined },
    who: AuditContext,
  ): Promise<IssuedCredentials & { previousSecretExpiresAt: number | null }>;
}

const unknownContactCenter = () =>
  new AppError('validation', 'validation failed: data.contactCenterId: no such contact center', [{ field: 'data.contactCenterId', message: 'no such contact center' }]);

/** The client an activation of `i` for `ccid` gets. */
export function clientInputFor(i: Integration, ccid: string, redirectUris: string[]): ClientInput {
  return {
    clientId: `${i.id}-${randomBytes(8).toString('hex')}`,
    name: `${i.name} (${ccid})`.slice(0, 255),
    description: `Prebuilt integration ${i.id} activated for contact center ${ccid}`,
    clientType: isPublicIntegration(i) ? 'PUBLIC' : 'CONFIDENTIAL',
    internalClient: false,
    authorities: [],
    scope: i.scopes,
    authorizedGrantTypes: i.grantTypes,
    redirectUris,
    accessTokenTtlSeconds: i.accessTokenTtlSeconds,
    refreshTokenTtlSeconds: i.refreshTokenTtlSeconds,
    contactCenterIds: [ccid],
    pkceRequired: i.pkceRequired,
    accessTokenFormat: 'opaque',
  };
}

/** Builds the activations service; each change runs in one transaction on `deps.knex` (argon2 runs before it opens). */
/**
 * `redirectUriPolicy`: the clients service's (services/clients.service.ts
 * STRICT_REDIRECT_URI_POLICY when absent), so an activation's redirect URIs obey the same rule.
 */
export function createActivationsService(deps: { knex: Knex; redirectUriPolicy?: RedirectUriPolicy }): ActivationsService {
  const { knex } = deps;

  async function integrationOrThrow(db: Knex, id: string): Promise<Integration> {
    const i = await createIntegrationsRepository(db).find(id);
    if (!i) throw notFound(`integration ${id}`);
    return i;
  }

  return {
    async activate(integrationId, input, who) {
      const integration = await integrationOrThrow(knex, integrationId);
      const redirectUris = [...new Set(input.redirectUris ?? [])];
      if (!needsRedirectUris(integration) && redirectUris.length) {
        throw new AppError('validation', 'validation failed: data.redirectURIs: this integration does not use redirect URIs', [
          { field: 'data.redirectURIs', message: 'this integration does not use redirect URIs' },
        ]);
      }
      // rules + argon2 before the transaction opens (no CPU-bound wait while holding locks)
      const { draft, clientSecret } = await prepareClient(clientInputFor(integration, input.contactCenterId, redirectUris), deps.redirectUriPolicy);
      const activationId = randomUUID();
      const { activation, client, current } = await knex
        .transaction(async (trx) => {
          // FOR SHARE: the entry cannot be deleted or changed until this activation commits
          const current = await createIntegrationsRepository(trx).findForShare(integrationId);
          if (!current) throw notFound(`integration ${integrationId}`);
          const clients = createClientsRepository(trx);
          await clients.insert(draft); // an unknown contact center fails here (foreign key)
          const activations = createIntegrationActivationsRepository(trx);
          await activations.insert({ id: activationId, integrationId, contactCenterId: input.contactCenterId, clientId: draft.clientId });
          await recordAudit(trx, who, {
            action: 'integration.activated',
            targetType: 'activation',
            targetId: activationId,
            details: { integrationId, contactCenterId: input.contactCenterId, clientId: draft.clientId, redirectUris },
          });
          return { activation: (await activations.find(integrationId, activationId))!, client: (await clients.find(draft.clientId))!, current };
        })
        .catch((err: unknown) => {
          if (isPgError(err, PG_FOREIGN_KEY_VIOLATION)) throw unknownContactCenter();
          if (isPgError(err, PG_UNIQUE_VIOLATION) && (err.constraint === 'integration_activations_active_key' || /integration_activations_active_key/.test((err as { message?: string }).message ?? ''))) {
            throw new AppError('already_exists', `integration ${integrationId} is already activated for contact center ${input.contactCenterId}`);
          }
          return translateClientError(err, draft.clientId);
        });
      return { activation, integration: current, client, clientSecret };
    },

    async list(integrationId) {
      await integrationOrThrow(knex, integrationId);
      const activations = await createIntegrationActivationsRepository(knex).listByIntegration(integrationId);
      const clients = createClientsRepository(knex);
      return Promise.all(activations.map(async (activation) => ({ activation, client: await clients.find(activation.clientId) })));
    },

    async get(integrationId, activationId) {
      await integrationOrThrow(knex, integrationId);
      const activation = await createIntegrationActivationsRepository(knex).find(integrationId, activationId);
      if (!activation) throw notFound(`activation ${activationId}`);
      return { activation, client: await createClientsRepository(knex).find(activation.clientId) };
    },

    async deactivate(integrationId, activationId, who) {
      return knex.transaction(async (trx) => {
        const activations = createIntegrationActivationsRepository(trx);
        const current = await activations.findForUpdate(integrationId, activationId);
        if (!current) throw notFound(`activation ${activationId}`);
        if (current.status === 'Deactivated') return current;
        await createClientsRepository(trx).setEnabled(current.clientId, false);
        const revokedRows = await createOidcPayloadsRepository(trx).revokeByClientId(current.clientId);
        await activations.deactivate(activationId);
        await recordAudit(trx, who, {
          action: 'integration.deactivated',
          targetType: 'activation',
          targetId: activationId,
          details: { integrationId, contactCenterId: current.contactCenterId, clientId: current.clientId, revokedRows },
        });
        return (await activations.find(integrationId, activationId))!;
      });
    },

    async rotateSecret(integrationId, activationId, opts, who) {
      const grace = opts.gracePeriodSeconds ?? 0;
      if (!Number.isInteger(grace) || grace < 0 || grace > MAX_SECRET_GRACE_SECONDS) {
        throw new AppError('validation', `validation failed: data.gracePeriodSeconds: must be a whole number of seconds from 0 to ${MAX_SECRET_GRACE_SECONDS}`, [
          { field: 'data.gracePeriodSeconds', message: `must be a whole number of seconds from 0 to ${MAX_SECRET_GRACE_SECONDS}` },
        ]);
      }
      const integration = await integrationOrThrow(knex, integrationId);
      const fresh = await newClientSecret(); // argon2 before the transaction
      return knex.transaction(async (trx) => {
        const activations = createIntegrationActivationsRepository(trx);
        const current = await activations.findForUpdate(integrationId, activationId);
        if (!current) throw notFound(`activation ${activationId}`);
        if (current.status !== 'Activated') throw new AppError('invalid_parameter', 'the activation is deactivated; activate the integration again for new credentials');
        const clients = createClientsRepository(trx);
        const expiresAt = grace > 0 ? new Date(Date.now() + grace * 1000) : null;
        if (!(await clients.rotateSecret(current.clientId, fresh.hash, expiresAt))) {
          throw new AppError('invalid_parameter', 'clients of this integration are public and have no secret');
        }
        await activations.markSecretRotated(activationId);
        await recordAudit(trx, who, {
          action: 'integration.secret_rotated',
          targetType: 'activation',
          targetId: activationId,
          details: { integrationId, contactCenterId: current.contactCenterId, clientId: current.clientId, gracePeriodSeconds: grace, previousValidUntil: expiresAt?.toISOString() ?? null },
        });
        return {
          activation: (await activations.find(integrationId, activationId))!,
          integration,
          client: (await clients.find(current.clientId))!,
          clientSecret: fresh.secret,
          previousSecretExpiresAt: expiresAt ? expiresAt.getTime() : null,
        };
      });
    },
  };
}
