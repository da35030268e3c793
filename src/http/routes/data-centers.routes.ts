/**
 * `/environment/v3/data-centers` — data centers (genesys-api.md E10-E11; seed 003 "Add a data
 * center"). Mounted behind `requireAdmin`. Creates answer `{"status":{"code":0},
 * "path":"/data-centers/<id>"}`.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import type { DataCenter } from '../../domain/environment.ts';
import { AppError } from '../../errors/app-error.ts';
import type { EnvironmentServicesFor } from './environment-scope.ts';
import { ok } from '../envelope.ts';
import { uuidParam, validateBody } from '../validate.ts';
import { createDataCenterBody, updateDataCenterBody } from './data-centers.schemas.ts';

/** The Genesys data-center object: `{id, location, entryPoint, readOnly, createdAt}` (epoch ms). */
export function toGenesysDataCenter(dc: DataCenter): Record<string, unknown> {
  return { id: dc.id, location: dc.location, entryPoint: dc.entryPoint, readOnly: dc.readOnly, createdAt: dc.createdAt };
}

/** Routes of the data-centers collection (E10 create, E11 list, get/update/delete). */
export function createDataCentersRouter(servicesFor: EnvironmentServicesFor): Router {
  const router = new Router({ prefix: '/environment/v3/data-centers' });
  const svc = (ctx: Context) => servicesFor(ctx).dataCenters;

  router.post('/', async (ctx) => {
    const { data } = validateBody(ctx, createDataCenterBody);
    const dc = await svc(ctx).create(data);
    ctx.log.info({ event: 'data_center_created', data_center_id: dc.id, location: dc.location, admin: ctx.state.admin?.name }, 'data center created');
    ok(ctx, { path: `/data-centers/${dc.id}` });
  });

  router.get('/', async (ctx) => {
    ok(ctx, { data: (await svc(ctx).list()).map(toGenesysDataCenter) });
  });

  router.get('/:id', async (ctx) => {
    ok(ctx, { data: toGenesysDataCenter(await svc(ctx).get(uuidParam(ctx, 'id', 'data center'))) });
  });

  router.put('/:id', async (ctx) => {
    const id = uuidParam(ctx, 'id', 'data center');
    const { data } = validateBody(ctx, updateDataCenterBody);
    if (data.id !== undefined && data.id !== id) throw new AppError('invalid_parameter', 'id in the body does not match the path');
    const dc = await svc(ctx).update(id, data);
    ctx.log.info({ event: 'data_center_updated', data_center_id: id, admin: ctx.state.admin?.name }, 'data center updated');
    ok(ctx, { path: `/data-centers/${id}`, data: toGenesysDataCenter(dc) });
  });

  router.delete('/:id', async (ctx) => {
    const id = uuidParam(ctx, 'id', 'data center');
    await svc(ctx).delete(id);
    ctx.log.info({ event: 'data_center_deleted', data_center_id: id, admin: ctx.state.admin?.name }, 'data center deleted');
    ok(ctx);
  });

  return router;
}
