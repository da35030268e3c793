/**
 * `/environment/v3/contact-centers/{ccid}/settings` — contact-center settings such as
 * `cors-origins` (genesys-api.md E7-E9, §6; seed 003 "Update CORS settings"). Mounted behind
 * `requireAdmin`. GET answers `{"status":{"code":0},"data":{"settings":[{name,value,location,shared}]}}`;
 * POST replaces the named setting as a whole and answers `{"status":{"code":0}}`. Writing or
 * deleting `cors-origins` is audited (`contact_center.cors_updated`), as in the console.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import { AppError } from '../../errors/app-error.ts';
import type { EnvironmentServicesFor } from './environment-scope.ts';
import { auditContextOf } from '../audit-context.ts';
import { ok } from '../envelope.ts';
import { uuidParam, validateBody } from '../validate.ts';
import { putSettingBody, settingNameSchema } from './settings.schemas.ts';

function settingNameParam(ctx: Context): string {
  const parsed = settingNameSchema.safeParse((ctx.params as Record<string, string>).name);
  if (!parsed.success) throw new AppError('not_found', 'setting not found');
  return parsed.data;
}

/** Routes of one contact center's settings (E7 list, E8 create/replace, E9 delete). */
export function createSettingsRouter(servicesFor: EnvironmentServicesFor): Router {
  const router = new Router({ prefix: '/environment/v3/contact-centers' });
  const svc = (ctx: Context) => servicesFor(ctx).settings;

  router.get('/:ccid/settings', async (ctx) => {
    const settings = await svc(ctx).list(uuidParam(ctx, 'ccid', 'contact center'));
    ok(ctx, { data: { settings } });
  });

  router.post('/:ccid/settings', async (ctx) => {
    const ccid = uuidParam(ctx, 'ccid', 'contact center');
    const { data } = validateBody(ctx, putSettingBody);
    await svc(ctx).put(ccid, data, { ...auditContextOf(ctx), via: 'environment_api' });
    ctx.log.info({ event: 'setting_written', ccid, name: data.name, admin: ctx.state.admin?.name }, 'contact-center setting written');
    ok(ctx);
  });

  router.delete('/:ccid/settings/:name', async (ctx) => {
    const ccid = uuidParam(ctx, 'ccid', 'contact center');
    const name = settingNameParam(ctx);
    await svc(ctx).delete(ccid, name, { ...auditContextOf(ctx), via: 'environment_api' });
    ctx.log.info({ event: 'setting_deleted', ccid, name, admin: ctx.state.admin?.name }, 'contact-center setting deleted');
    ok(ctx);
  });

  return router;
}
