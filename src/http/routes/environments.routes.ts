/**
 * `/environment/v3/environments` — environments (genesys-api.md E1-E3; seed 003 "Add a Genesys
 * tenant/environment"). Mounted behind `requireAdmin`. Creates answer `{"status":{"code":0},
 * "path":"/environments/<id>"}`; the Configuration Server password is never returned.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import type { Environment } from '../../domain/environment.ts';
import { AppError } from '../../errors/app-error.ts';
import type { EnvironmentServicesFor } from './environment-scope.ts';
import { ok } from '../envelope.ts';
import { uuidParam, validateBody } from '../validate.ts';
import { createEnvironmentBody, updateEnvironmentBody } from './environments.schemas.ts';

/** The Genesys environment object: E1's fields (timeouts in seconds) plus `createdAt` (epoch ms), no password. */
export function toGenesysEnvironment(e: Environment): Record<string, unknown> {
  return {
    id: e.id,
    username: e.username,
    connectionProtocol: e.connectionProtocol,
    localTimeout: e.localTimeout,
    remoteTimeout: e.remoteTimeout,
    appName: e.appName,
    traceMode: e.traceMode,
    tlsEnabled: e.tlsEnabled,
    tenant: e.tenant,
    configServers: e.configServers,
    createdAt: e.createdAt,
  };
}

/** Routes of the environments collection (E1 create, E2 list, E3 get/update/delete). */
export function createEnvironmentsRouter(servicesFor: EnvironmentServicesFor): Router {
  const router = new Router({ prefix: '/environment/v3/environments' });
  const svc = (ctx: Context) => servicesFor(ctx).environments;

  router.post('/', async (ctx) => {
    const { data } = validateBody(ctx, createEnvironmentBody);
    const env = await svc(ctx).create(data);
    ctx.log.info({ event: 'environment_created', environment_id: env.id, admin: ctx.state.admin?.name }, 'environment created');
    ok(ctx, { path: `/environments/${env.id}` });
  });

  router.get('/', async (ctx) => {
    ok(ctx, { data: (await svc(ctx).list()).map(toGenesysEnvironment) });
  });

  router.get('/:id', async (ctx) => {
    ok(ctx, { data: toGenesysEnvironment(await svc(ctx).get(uuidParam(ctx, 'id', 'environment'))) });
  });

  router.put('/:id', async (ctx) => {
    const id = uuidParam(ctx, 'id', 'environment');
    const { data } = validateBody(ctx, updateEnvironmentBody);
    if (data.id !== undefined && data.id !== id) throw new AppError('invalid_parameter', 'id in the body does not match the path');
    const env = await svc(ctx).update(id, data);
    ctx.log.info({ event: 'environment_updated', environment_id: id, admin: ctx.state.admin?.name }, 'environment updated');
    ok(ctx, { path: `/environments/${id}`, data: toGenesysEnvironment(env) });
  });

  router.delete('/:id', async (ctx) => {
    const id = uuidParam(ctx, 'id', 'environment');
    await svc(ctx).delete(id);
    ctx.log.info({ event: 'environment_deleted', environment_id: id, admin: ctx.state.admin?.name }, 'environment deleted');
    ok(ctx);
  });

  return router;
}
