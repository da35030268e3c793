/**
 * `/environment/v3/contact-centers` — contact centers (genesys-api.md E4-E6; seed 003 "Add a
 * contact center"). Mounted behind `requireAdmin`. Creates answer `{"status":{"code":0},
 * "path":"/contact-centers/<ccid>"}`. Settings and users live in their own route files.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import type { ContactCenter } from '../../domain/environment.ts';
import { AppError } from '../../errors/app-error.ts';
import type { EnvironmentServicesFor } from './environment-scope.ts';
import { ok } from '../envelope.ts';
import { uuidParam, validateBody } from '../validate.ts';
import { createContactCenterBody, updateContactCenterBody } from './contact-centers.schemas.ts';

/** The Genesys contact-center object: `{id, environmentId, domains, auth, createdAt}` (epoch ms). */
export function toGenesysContactCenter(cc: ContactCenter): Record<string, unknown> {
  return { id: cc.id, environmentId: cc.environmentId, domains: cc.domains, auth: cc.auth, createdAt: cc.createdAt };
}

/** Routes of the contact-centers collection (E4 create, E5 list, E6 get/update/delete). */
export function createContactCentersRouter(servicesFor: EnvironmentServicesFor): Router {
  const router = new Router({ prefix: '/environment/v3/contact-centers' });
  const svc = (ctx: Context) => servicesFor(ctx).contactCenters;

  router.post('/', async (ctx) => {
    const { data } = validateBody(ctx, createContactCenterBody);
    const cc = await svc(ctx).create(data);
    ctx.log.info({ event: 'contact_center_created', ccid: cc.id, admin: ctx.state.admin?.name }, 'contact center created');
    ok(ctx, { path: `/contact-centers/${cc.id}` });
  });

  router.get('/', async (ctx) => {
    ok(ctx, { data: (await svc(ctx).list()).map(toGenesysContactCenter) });
  });

  router.get('/:ccid', async (ctx) => {
    ok(ctx, { data: toGenesysContactCenter(await svc(ctx).get(uuidParam(ctx, 'ccid', 'contact center'))) });
  });

  router.put('/:ccid', async (ctx) => {
    const ccid = uuidParam(ctx, 'ccid', 'contact center');
    const { data } = validateBody(ctx, updateContactCenterBody);
    if (data.id !== undefined && data.id !== ccid) throw new AppError('invalid_parameter', 'id in the body does not match the path');
    const cc = await svc(ctx).update(ccid, data);
    ctx.log.info({ event: 'contact_center_updated', ccid, admin: ctx.state.admin?.name }, 'contact center updated');
    ok(ctx, { path: `/contact-centers/${ccid}`, data: toGenesysContactCenter(cc) });
  });

  router.delete('/:ccid', async (ctx) => {
    const ccid = uuidParam(ctx, 'ccid', 'contact center');
    await svc(ctx).delete(ccid);
    ctx.log.info({ event: 'contact_center_deleted', ccid, admin: ctx.state.admin?.name }, 'contact center deleted');
    ok(ctx);
  });

  return router;
}
