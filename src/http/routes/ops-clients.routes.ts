/**
 * `/auth/v3/ops/clients` — the ops client API (genesys-api.md §2 A15-A19, §5.3; seed 003).
 * HTTP Basic with the ops credentials on every route.
 */
import Router from '@koa/router';
import { effectiveAuthMethod } from '../../domain/client.ts';
import type { Client, ClientJwks } from '../../domain/client.ts';
import { AppError } from '../../errors/app-error.ts';
import type { z } from 'zod';
import type { ClientInput, ClientPatch, ClientsService } from '../../services/clients.service.ts';
import { secretFingerprint } from '../../security/tokens.ts';
import { auditContextOf } from '../audit-context.ts';
import { ok } from '../envelope.ts';
import { validateBody } from '../validate.ts';
import { clientIdSchema, createClientBody, updateClientBody } from './ops-clients.schemas.ts';

/** The Genesys client object (seed 003 response). Never includes the secret or its hash. */
export function toGenesysClient(c: Client): Record<string, unknown> {
  return {
    client_id: c.clientId,
    name: c.name,
    ...(c.description ? { description: c.description } : {}),
    clientType: c.clientType,
    internalClient: c.internalClient,
    authorities: c.authorities,
    scope: c.scope,
    authorizedGrantTypes: c.authorizedGrantTypes,
    redirectURIs: c.redirectUris,
    accessTokenExpirationTimeout: c.accessTokenTtlSeconds,
    refreshTokenExpirationTimeout: c.refreshTokenTtlSeconds,
    contactCenterIds: c.contactCenterIds,
    pkceRequired: c.pkceRequired,
    accessTokenFormat: c.accessTokenFormat,
    dpopBoundAccessTokens: c.dpopBoundAccessTokens,
    tokenEndpointAuthMethod: effectiveAuthMethod(c),
    ...(c.jwks ? { jwks: c.jwks } : {}),
    ...(c.jwksUri ? { jwksUri: c.jwksUri } : {}),
    requirePushedAuthorizationRequests: c.requirePushedAuthorizationRequests ?? false,
    createdAt: c.createdAt,
    ...(c.secretHash ? { encrypted_client_secret: secretFingerprint(c.secretHash) } : {}),
  };
}

function clientIdParam(raw: string | undefined): string {
  const parsed = clientIdSchema.safeParse(raw);
  if (!parsed.success) throw new AppError('not_found', 'client not found');
  return parsed.data;
}

/** Maps a validated create body (Genesys field names) to the service input. */
export function toClientInput(d: z.infer<typeof createClientBody>['data']): ClientInput {
  return {
    clientId: d.client_id,
    clientSecret: d.client_secret,
    name: d.name ?? d.client_id,
    description: d.description,
    clientType: d.clientType,
    internalClient: d.internalClient,
    authorities: d.authorities,
    scope: d.scope,
    authorizedGrantTypes: d.authorizedGrantTypes,
    redirectUris: d.redirectURIs,
    accessTokenTtlSeconds: d.accessTokenExpirationTimeout,
    refreshTokenTtlSeconds: d.refreshTokenExpirationTimeout,
    contactCenterIds: d.contactCenterIds,
    pkceRequired: d.pkceRequired,
    accessTokenFormat: d.accessTokenFormat,
    dpopBoundAccessTokens: d.dpopBoundAccessTokens,
    tokenEndpointAuthMethod: d.tokenEndpointAuthMethod,
    jwks: d.jwks as ClientJwks | undefined,
    jwksUri: d.jwksUri as string | undefined,
    requirePushedAuthorizationRequests: d.requirePushedAuthorizationRequests,
  };
}

/** Maps a validated partial update body to the service patch (an empty secret means "keep"). */
export function toClientPatch(d: z.infer<typeof updateClientBody>['data']): ClientPatch {
  return {
    clientSecret: d.client_secret || undefined,
    name: d.name,
    description: d.description,
    internalClient: d.internalClient,
    authorities: d.authorities,
    scope: d.scope,
    authorizedGrantTypes: d.authorizedGrantTypes,
    redirectUris: d.redirectURIs,
    accessTokenTtlSeconds: d.accessTokenExpirationTimeout,
    refreshTokenTtlSeconds: d.refreshTokenExpirationTimeout,
    contactCenterIds: d.contactCenterIds,
    pkceRequired: d.pkceRequired,
    accessTokenFormat: d.accessTokenFormat,
    dpopBoundAccessTokens: d.dpopBoundAccessTokens,
    tokenEndpointAuthMethod: d.tokenEndpointAuthMethod,
    jwks: d.jwks as ClientJwks | null | undefined,
    jwksUri: d.jwksUri as string | null | undefined,
    requirePushedAuthorizationRequests: d.requirePushedAuthorizationRequests,
  };
}

/** Routes of the ops client API; mount behind `requireOps`. */
export function createOpsClientsRouter(deps: { clients: ClientsService }): Router {
  const router = new Router({ prefix: '/auth/v3/ops/clients' });

  router.post('/', async (ctx) => {
    const { data: d } = validateBody(ctx, createClientBody);
    const { client, clientSecret } = await deps.clients.create(toClientInput(d), auditContextOf(ctx));
    ctx.log.info({ event: 'client_created', client_id: client.clientId, admin: ctx.state.admin?.name }, 'client created');
    ok(ctx, { data: { ...toGenesysClient(client), ...(clientSecret ? { client_secret: clientSecret } : {}) } });
  });

  router.get('/', async (ctx) => {
    ok(ctx, { data: (await deps.clients.list()).map(toGenesysClient) });
  });

  router.get('/:clientId', async (ctx) => {
    ok(ctx, { data: toGenesysClient(await deps.clients.get(clientIdParam(ctx.params.clientId))) });
  });

  router.put('/:clientId', async (ctx) => {
    const clientId = clientIdParam(ctx.params.clientId);
    const { data: d } = validateBody(ctx, updateClientBody);
    if (d.client_id !== undefined && d.client_id !== clientId) {
      throw new AppError('invalid_parameter', 'client_id in the body does not match the path');
    }
    if (d.clientType !== undefined && d.clientType !== (await deps.clients.get(clientId)).clientType) {
      throw new AppError('invalid_parameter', 'clientType cannot be changed; create a new client');
    }
    const client = await deps.clients.update(clientId, toClientPatch(d), auditContextOf(ctx));
    ctx.log.info({ event: 'client_updated', client_id: clientId, admin: ctx.state.admin?.name }, 'client updated');
    ok(ctx, { data: toGenesysClient(client) });
  });

  router.delete('/:clientId', async (ctx) => {
    const clientId = clientIdParam(ctx.params.clientId);
    await deps.clients.delete(clientId, auditContextOf(ctx));
    ctx.log.info({ event: 'client_deleted', client_id: clientId, admin: ctx.state.admin?.name }, 'client deleted');
    ok(ctx);
  });

  return router;
}
