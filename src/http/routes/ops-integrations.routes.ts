/**
 * `/auth/v3/ops/integrations` — the prebuilt-integration catalogue and its activations (issue 4;
 * seed 001). HTTP Basic with the ops credentials on every route (mounted behind `requireOps`).
 *
 * - `GET /?q=` search by name; `GET /{id}`; `POST /`; `PUT /{id}` (merge); `DELETE /{id}` (code 19
 *   while activated somewhere).
 * - `POST /{id}/activations` `{"data":{"contactCenterId","redirectURIs"?}}` → the new client's
 *   `client_id` and `client_secret` (shown in this response only); `GET /{id}/activations`;
 *   `DELETE /{id}/activations/{activationId}` (deactivate); `POST /{id}/activations/{activationId}/secret`
 *   `{"data":{"gracePeriodSeconds"?}}` (rotate: a new secret shown once).
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import type { Client } from '../../domain/client.ts';
import { needsRedirectUris } from '../../domain/integration.ts';
import type { Activation, Integration } from '../../domain/integration.ts';
import { AppError } from '../../errors/app-error.ts';
import type { ActivationsService } from '../../services/activations.service.ts';
import type { IntegrationSummary, IntegrationsService } from '../../services/integrations.service.ts';
import { auditContextOf } from '../audit-context.ts';
import { ok } from '../envelope.ts';
import { uuidParam, validate, validateBody } from '../validate.ts';
import {
  activateBody,
  createIntegrationBody,
  integrationIdSchema,
  listIntegrationsQuery,
  rotateSecretBody,
  updateIntegrationBody,
} from './ops-integrations.schemas.ts';

/** The catalogue entry as the API shows it. */
export function toIntegrationBody(i: Integration | IntegrationSummary): Record<string, unknown> {
  return {
    id: i.id,
    name: i.name,
    description: i.description,
    authorizedGrantTypes: i.grantTypes,
    scope: i.scopes,
    clientAuthMethods: i.clientAuthMethods,
    accessTokenExpirationTimeout: i.accessTokenTtlSeconds,
    refreshTokenExpirationTimeout: i.refreshTokenTtlSeconds,
    pkceRequired: i.pkceRequired,
    redirectURIsRequired: needsRedirectUris(i),
    setupSteps: i.setupSteps,
    createdAt: i.createdAt,
    updatedAt: i.updatedAt,
    ...('activeContactCenterIds' in i ? { activeContactCenterIds: i.activeContactCenterIds } : {}),
  };
}

/** An activation as the API shows it; never a secret. */
export function toActivationBody(a: Activation, client: Client | undefined): Record<string, unknown> {
  return {
    activationId: a.id,
    integrationId: a.integrationId,
    contactCenterId: a.contactCenterId,
    status: a.status,
    client_id: a.clientId,
    createdAt: a.createdAt,
    ...(a.deactivatedAt !== null ? { deactivatedAt: a.deactivatedAt } : {}),
    ...(a.secretRotatedAt !== null ? { secretRotatedAt: a.secretRotatedAt } : {}),
    ...(client ? { redirectURIs: client.redirectUris, scope: client.scope, authorizedGrantTypes: client.authorizedGrantTypes } : {}),
  };
}

function integrationIdParam(ctx: Context): string {
  const parsed = integrationIdSchema.safeParse(ctx.params.id);
  if (!parsed.success) throw new AppError('not_found', 'integration not found');
  return parsed.data;
}

export interface OpsIntegrationsDeps {
  integrations: IntegrationsService;
  activations: ActivationsService;
  /** Absolute URL of the token endpoint, echoed with new credentials (the other side needs it: seeds 000, 001, 004). */
  tokenEndpoint: string;
}

/** Routes of the catalogue API; mount behind `requireOps`. */
export function createOpsIntegrationsRouter(deps: OpsIntegrationsDeps): Router {
  const router = new Router({ prefix: '/auth/v3/ops/integrations' });

  router.get('/', async (ctx) => {
    const { q } = validate(listIntegrationsQuery, { q: typeof ctx.query.q === 'string' ? ctx.query.q : undefined });
    ok(ctx, { data: (await deps.integrations.list(q)).map(toIntegrationBody) });
  });

  router.post('/', async (ctx) => {
    const { data: d } = validateBody(ctx, createIntegrationBody);
    const created = await deps.integrations.create(
      {
        id: d.id,
        name: d.name,
        description: d.description,
        grantTypes: d.authorizedGrantTypes,
        scopes: d.scope,
        clientAuthMethods: d.clientAuthMethods,
        accessTokenTtlSeconds: d.accessTokenExpirationTimeout,
        refreshTokenTtlSeconds: d.refreshTokenExpirationTimeout,
        pkceRequired: d.pkceRequired,
        setupSteps: d.setupSteps,
      },
      auditContextOf(ctx),
    );
    ctx.log.info({ event: 'integration_created', integration_id: created.id, admin: ctx.state.admin?.name }, 'integration created');
    ok(ctx, { data: toIntegrationBody(created), path: `/integrations/${created.id}` });
  });

  router.get('/:id', async (ctx) => {
    ok(ctx, { data: toIntegrationBody(await deps.integrations.get(integrationIdParam(ctx))) });
  });

  router.put('/:id', async (ctx) => {
    const id = integrationIdParam(ctx);
    const { data: d } = validateBody(ctx, updateIntegrationBody);
    if (d.id !== undefined && d.id !== id) throw new AppError('invalid_parameter', 'id in the body does not match the path');
    const updated = await deps.integrations.update(
      id,
      {
        name: d.name,
        description: d.description,
        grantTypes: d.authorizedGrantTypes,
        scopes: d.scope,
        clientAuthMethods: d.clientAuthMethods,
        accessTokenTtlSeconds: d.accessTokenExpirationTimeout,
        refreshTokenTtlSeconds: d.refreshTokenExpirationTimeout,
        pkceRequired: d.pkceRequired,
        setupSteps: d.setupSteps,
      },
      auditContextOf(ctx),
    );
    ctx.log.info({ event: 'integration_updated', integration_id: id, admin: ctx.state.admin?.name }, 'integration updated');
    ok(ctx, { data: toIntegrationBody(updated) });
  });

  router.delete('/:id', async (ctx) => {
    const id = integrationIdParam(ctx);
    await deps.integrations.delete(id, auditContextOf(ctx));
    ctx.log.info({ event: 'integration_deleted', integration_id: id, admin: ctx.state.admin?.name }, 'integration deleted');
    ok(ctx);
  });

  router.post('/:id/activations', async (ctx) => {
    const id = integrationIdParam(ctx);
    const { data: d } = validateBody(ctx, activateBody);
    const issued = await deps.activations.activate(id, { contactCenterId: d.contactCenterId, redirectUris: d.redirectURIs }, auditContextOf(ctx));
    ctx.log.info(
      { event: 'integration_activated', integration_id: id, activation_id: issued.activation.id, client_id: issued.client.clientId, ccid: d.contactCenterId, admin: ctx.state.admin?.name },
      'integration activated',
    );
    ok(ctx, {
      data: {
        ...toActivationBody(issued.activation, issued.client),
        ...(issued.clientSecret ? { client_secret: issued.clientSecret } : {}),
        clientAuthMethods: issued.integration.clientAuthMethods,
        tokenEndpoint: deps.tokenEndpoint,
      },
      path: `/integrations/${id}/activations/${issued.activation.id}`,
    });
  });

  router.get('/:id/activations', async (ctx) => {
    const id = integrationIdParam(ctx);
    ok(ctx, { data: (await deps.activations.list(id)).map(({ activation, client }) => toActivationBody(activation, client)) });
  });

  router.get('/:id/activations/:activationId', async (ctx) => {
    const id = integrationIdParam(ctx);
    const { activation, client } = await deps.activations.get(id, uuidParam(ctx, 'activationId', 'activation'));
    ok(ctx, { data: toActivationBody(activation, client) });
  });

  router.delete('/:id/activations/:activationId', async (ctx) => {
    const id = integrationIdParam(ctx);
    const activation = await deps.activations.deactivate(id, uuidParam(ctx, 'activationId', 'activation'), auditContextOf(ctx));
    ctx.log.info({ event: 'integration_deactivated', integration_id: id, activation_id: activation.id, client_id: activation.clientId, admin: ctx.state.admin?.name }, 'integration deactivated');
    ok(ctx, { data: toActivationBody(activation, undefined) });
  });

  router.post('/:id/activations/:activationId/secret', async (ctx) => {
    const id = integrationIdParam(ctx);
    const activationId = uuidParam(ctx, 'activationId', 'activation');
    const body = validateBody(ctx, rotateSecretBody);
    const issued = await deps.activations.rotateSecret(id, activationId, { gracePeriodSeconds: body?.data?.gracePeriodSeconds }, auditContextOf(ctx));
    ctx.log.info(
      { event: 'client_secret_rotated', integration_id: id, activation_id: activationId, client_id: issued.client.clientId, grace_seconds: body?.data?.gracePeriodSeconds ?? 0, admin: ctx.state.admin?.name },
      'client secret rotated',
    );
    ok(ctx, {
      data: {
        ...toActivationBody(issued.activation, issued.client),
        client_secret: issued.clientSecret,
        previousSecretExpiresAt: issued.previousSecretExpiresAt,
        tokenEndpoint: deps.tokenEndpoint,
      },
    });
  });

  return router;
}
