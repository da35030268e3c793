/**
 * The prebuilt-integration catalogue (issue 4): templates for the clients that activations make
 * (activations.service.ts). Shipped entries come from migrations/009_integrations.ts (seeds 000,
 * 001, 002, 004) and are editable here like any other.
 *
 * Rules:
 * - `clientAuthMethods` `none` (a PUBLIC client) cannot be combined with the secret methods, and a
 *   PUBLIC client cannot use `client_credentials` (RFC 6749 §4.4);
 * - `refresh_token` alone is not a way to get tokens: it needs `authorization_code` or `password`;
 * - names are unique case-insensitively (code 18), as are ids;
 * - an entry cannot be deleted while it has an `Activated` activation (code 19); its deactivated
 *   activation records go with it (the disabled clients stay until deleted).
 * Every change is audited in the same transaction.
 */
import type { Knex } from 'knex';
import type { AuditContext } from '../domain/audit-event.ts';
import type { Activation, ClientAuthMethod, Integration, IntegrationGrantType } from '../domain/integration.ts';
import { AppError, notFound } from '../errors/app-error.ts';
import type { FieldIssue } from '../errors/app-error.ts';
import { PG_UNIQUE_VIOLATION, isPgError } from '../db/knex.ts';
import { createIntegrationActivationsRepository } from '../repositories/integration-activations.repository.ts';
import { createIntegrationsRepository } from '../repositories/integrations.repository.ts';
import type { IntegrationRecord } from '../repositories/integrations.repository.ts';
import { recordAudit } from './audit.service.ts';

/** Input of `create` (validated at the edge): a catalogue entry without its timestamps. Durations in seconds. */
export type IntegrationInput = Omit<Integration, 'createdAt' | 'updatedAt'>;

/** Fields `update` may change; absent keys keep their value. */
export type IntegrationPatch = Partial<Omit<IntegrationInput, 'id'>>;

/** A catalogue entry with the contact centers it is currently activated for. */
export interface IntegrationSummary extends Integration {
  /** CCIDs with an `Activated` activation, oldest activation first. */
  activeContactCenterIds: string[];
}

export interface IntegrationsService {
  /** Entries ordered by name; `query` keeps names containing it (case-insensitive). */
  list(query?: string): Promise<IntegrationSummary[]>;
  /** @throws AppError not_found */
  get(id: string): Promise<IntegrationSummary>;
  /** @throws AppError validation | already_exists (id or name) */
  create(input: IntegrationInput, who: AuditContext): Promise<Integration>;
  /** Partial merge. @throws AppError not_found | validation | already_exists (name) */
  update(id: string, patch: IntegrationPatch, who: AuditContext): Promise<Integration>;
  /** @throws AppError not_found | in_use (an activation is `Activated`) */
  delete(id: string, who: AuditContext): Promise<void>;
}

/** The catalogue rules above. @throws AppError validation */
export function checkIntegrationRules(i: Pick<IntegrationInput, 'grantTypes' | 'clientAuthMethods'>): void {
  const issues: FieldIssue[] = [];
  const isPublic = i.clientAuthMethods.includes('none');
  if (isPublic && i.clientAuthMethods.length > 1) {
    issues.push({ field: 'data.clientAuthMethods', message: '"none" (a public client) cannot be combined with client_secret_basic or client_secret_post' });
  }
  if (isPublic && i.grantTypes.includes('client_credentials')) {
    issues.push({ field: 'data.authorizedGrantTypes', message: 'a public client cannot use client_credentials (RFC 6749 §4.4)' });
  }
  if (i.grantTypes.includes('refresh_token') && !i.grantTypes.includes('authorization_code') && !i.grantTypes.includes('password')) {
    issues.push({ field: 'data.authorizedGrantTypes', message: 'refresh_token needs authorization_code or password' });
  }
  if (issues.length) throw new AppError('validation', `validation failed: ${issues.map((x) => `${x.field}: ${x.message}`).join('; ')}`, issues);
}

function translate(err: unknown, input: { id: string; name?: string | undefined }): never {
  if (isPgError(err, PG_UNIQUE_VIOLATION)) {
    const named = err.constraint === 'integrations_name_key' || /integrations_name_key/.test((err as { message?: string }).message ?? '');
    throw new AppError('already_exists', named ? `an integration named "${input.name ?? ''}" already exists` : `integration ${input.id} already exists`);
  }
  throw err;
}

/** Sorted, de-duplicated copy (stored arrays are canonical). */
const uniq = <T extends string>(xs: readonly T[]): T[] => [...new Set(xs)];

function summarize(i: Integration, active: Activation[]): IntegrationSummary {
  return { ...i, activeContactCenterIds: active.filter((a) => a.integrationId === i.id).map((a) => a.contactCenterId) };
}

/** Builds the catalogue service; every write runs in one transaction on `deps.knex`. */
export function createIntegrationsService(deps: { knex: Knex }): IntegrationsService {
  const { knex } = deps;
  return {
    async list(query) {
      const [items, active] = await Promise.all([
        createIntegrationsRepository(knex).list(query?.trim() || undefined),
        createIntegrationActivationsRepository(knex).listActive(),
      ]);
      return items.map((i) => summarize(i, active));
    },

    async get(id) {
      const i = await createIntegrationsRepository(knex).find(id);
      if (!i) throw notFound(`integration ${id}`);
      const active = (await createIntegrationActivationsRepository(knex).listByIntegration(id)).filter((a) => a.status === 'Activated').reverse();
      return summarize(i, active);
    },

    async create(input, who) {
      const record: IntegrationRecord = { ...input, grantTypes: uniq(input.grantTypes), scopes: uniq(input.scopes), clientAuthMethods: uniq(input.clientAuthMethods) };
      checkIntegrationRules(record);
      return knex
        .transaction(async (trx) => {
          const repo = createIntegrationsRepository(trx);
          await repo.insert(record);
          await recordAudit(trx, who, {
            action: 'integration.created',
            targetType: 'integration',
            targetId: record.id,
            details: { name: record.name, grantTypes: record.grantTypes, scopes: record.scopes, clientAuthMethods: record.clientAuthMethods },
          });
          return (await repo.find(record.id))!;
        })
        .catch((err: unknown) => translate(err, input));
    },

    async update(id, patch, who) {
      return knex
        .transaction(async (trx) => {
          const repo = createIntegrationsRepository(trx);
          const current = await repo.findForUpdate(id);
          if (!current) throw notFound(`integration ${id}`);
          const next: IntegrationRecord = {
            id,
            name: patch.name ?? current.name,
            description: patch.description ?? current.description,
            grantTypes: uniq(patch.grantTypes ?? current.grantTypes),
            scopes: uniq(patch.scopes ?? current.scopes),
            clientAuthMethods: uniq(patch.clientAuthMethods ?? current.clientAuthMethods),
            accessTokenTtlSeconds: patch.accessTokenTtlSeconds ?? current.accessTokenTtlSeconds,
            refreshTokenTtlSeconds: patch.refreshTokenTtlSeconds ?? current.refreshTokenTtlSeconds,
            pkceRequired: patch.pkceRequired ?? current.pkceRequired,
            setupSteps: patch.setupSteps ?? current.setupSteps,
          };
          checkIntegrationRules(next);
          await repo.update(next);
          await recordAudit(trx, who, {
            action: 'integration.updated',
            targetType: 'integration',
            targetId: id,
            details: { fields: Object.keys(patch).filter((k) => patch[k as keyof IntegrationPatch] !== undefined) },
          });
          return (await repo.find(id))!;
        })
        .catch((err: unknown) => translate(err, { id, name: patch.name }));
    },

    async delete(id, who) {
      await knex.transaction(async (trx) => {
        const repo = createIntegrationsRepository(trx);
        const current = await repo.findForUpdate(id);
        if (!current) throw notFound(`integration ${id}`);
        const active = await createIntegrationActivationsRepository(trx).countActive(id);
        if (active > 0) {
          throw new AppError('in_use', `integration ${id} is activated for ${active} contact center${active === 1 ? '' : 's'}; deactivate ${active === 1 ? 'it' : 'them'} first`);
        }
        await repo.delete(id);
        await recordAudit(trx, who, { action: 'integration.deleted', targetType: 'integration', targetId: id, details: { name: current.name } });
      });
    },
  };
}
