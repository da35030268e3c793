/**
 * Console pages of the Contact centers section (issue 4): list, and one contact center with its
 * CORS origins editor (settings.service.ts rules for `cors-origins`) and its users (each can be
 * required to choose a new password at the next sign-in).
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { CORS_ORIGINS_SETTING } from '../../domain/environment.ts';
import { AppError } from '../../errors/app-error.ts';
import type { AuditService } from '../../services/audit.service.ts';
import type { ConsoleAuthService } from '../../services/console-auth.service.ts';
import type { ContactCentersService } from '../../services/contact-centers.service.ts';
import type { SettingsService } from '../../services/settings.service.ts';
import type { UsersService } from '../../services/users.service.ts';
import { contactCenterPage, contactCentersListPage } from '../views/console/contact-centers.view.ts';
import { consoleWho, field, lines, pageContext, runForm, sendPage } from './console-support.ts';

export interface ConsoleContactCentersDeps {
  auth: ConsoleAuthService;
  contactCenters: ContactCentersService;
  settings: SettingsService;
  users: UsersService;
  audit: AuditService;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function ccidParam(ctx: Context): string {
  const id = String(ctx.params.ccid ?? '').toLowerCase();
  if (!UUID.test(id)) throw new AppError('not_found', 'contact center not found');
  return id;
}

/** Registers the Contact centers pages on the console router. */
export function registerContactCenterPages(router: Router, deps: ConsoleContactCentersDeps): void {
  router.get('/console/contact-centers', async (ctx) => {
    sendPage(ctx, 200, contactCentersListPage(pageContext(ctx), { contactCenters: await deps.contactCenters.list() }));
  });

  router.get('/console/contact-centers/:ccid', async (ctx) => {
    const ccid = ccidParam(ctx);
    const contactCenter = await deps.contactCenters.get(ccid);
    const [settings, users] = await Promise.all([deps.settings.list(ccid), deps.users.list(ccid)]);
    const cors = settings.find((s) => s.name === CORS_ORIGINS_SETTING);
    const corsOrigins = cors ? cors.value.split(',').filter(Boolean) : [];
    sendPage(ctx, 200, contactCenterPage(pageContext(ctx), { contactCenter, corsOrigins, users }));
  });

  router.post('/console/contact-centers/:ccid/cors', async (ctx) => {
    const ccid = ccidParam(ctx);
    const text = field(ctx.request.body, 'origins');
    const path = `/console/contact-centers/${ccid}`;
    await runForm(ctx, deps.auth, {
      back: path,
      formFields: ['origins'],
      rename: { value: 'origins' },
      form: { origins: text },
      change: async () => {
        const origins = lines(text);
        const current = (await deps.settings.list(ccid)).find((s) => s.name === CORS_ORIGINS_SETTING);
        let stored: string[] = [];
        // the settings service audits the change in its transaction (contact_center.cors_updated)
        const who = { ...consoleWho(ctx), via: 'console' as const };
        if (origins.length) {
          const saved = await deps.settings.put(ccid, { name: CORS_ORIGINS_SETTING, value: origins.join(','), location: current?.location ?? '/', shared: current?.shared ?? false }, who);
          stored = saved.value.split(',').filter(Boolean);
        } else if (current) {
          await deps.settings.delete(ccid, CORS_ORIGINS_SETTING, who);
        }
        ctx.log.info({ event: 'cors_origins_updated', ccid, via: 'console' }, 'CORS origins updated');
        return { location: path, flash: { notice: stored.length ? `CORS origins saved (${stored.length}).` : 'CORS origins cleared.' } };
      },
    });
  });

  // require (or lift) a password change at the user's next sign-in (README "Password change and policy")
  router.post('/console/contact-centers/:ccid/users/:id/password-change', async (ctx) => {
    const ccid = ccidParam(ctx);
    const id = String(ctx.params.id ?? '').toLowerCase();
    if (!UUID.test(id)) throw new AppError('not_found', 'user not found');
    const required = field(ctx.request.body, 'required') === 'true';
    const path = `/console/contact-centers/${ccid}`;
    await runForm(ctx, deps.auth, {
      back: path,
      formFields: [],
      form: {},
      change: async () => {
        const user = await deps.users.update(ccid, id, { mustChangePassword: required });
        await deps.audit.record(consoleWho(ctx), { action: 'user.updated', targetType: 'user', targetId: id, details: { contactCenterId: ccid, mustChangePassword: required } });
        return { location: path, flash: { notice: required ? `${user.username} must choose a new password at the next sign-in.` : `${user.username} no longer has to change the password.` } };
      },
    });
  });
}
