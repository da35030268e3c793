/**
 * Console pages Contact centers → Single sign-on (README "Signing in" → "Single sign-on"): the
 * same operations as `PUT/GET/DELETE /environment/v3/contact-centers/{ccid}/identity-provider`,
 * through forms, validated by the same schema, audited the same way (by the console user).
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { AppError } from '../../errors/app-error.ts';
import { oidcCallbackUrl } from '../../federation/oidc-rp.ts';
import { samlSpUrls } from '../../federation/saml-sp.ts';
import type { SingleSignOnService } from '../../federation/single-sign-on.service.ts';
import type { ConsoleAuthService } from '../../services/console-auth.service.ts';
import type { ContactCentersService } from '../../services/contact-centers.service.ts';
import { validate } from '../validate.ts';
import { ssoPage } from '../views/console/sso.view.ts';
import { consoleWho, field, pageContext, runForm, sendPage } from './console-support.ts';
import { putIdentityProviderBody } from './identity-provider.schemas.ts';
import { toApiIdentityProvider } from './identity-provider.routes.ts';

export interface ConsoleSsoDeps {
  auth: ConsoleAuthService;
  contactCenters: ContactCentersService;
  sso: SingleSignOnService;
  publicUrl: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function ccidParam(ctx: Context): string {
  const id = String(ctx.params.ccid ?? '').toLowerCase();
  if (!UUID.test(id)) throw new AppError('not_found', 'contact center not found');
  return id;
}

const SAML_FIELDS = ['metadataXml', 'metadataUrl', 'binding', 'userMatch', 'usernameAttribute', 'jitProvisioning', 'ssoOnly'];
const OIDC_FIELDS = ['issuer', 'clientId', 'clientSecret', 'scope', 'userMatch', 'usernameClaim', 'jitProvisioning', 'ssoOnly'];

/** Registers the Single sign-on pages on the console router. */
export function registerSsoPages(router: Router, deps: ConsoleSsoDeps): void {
  router.get('/console/contact-centers/:ccid/sso', async (ctx) => {
    const ccid = ccidParam(ctx);
    const contactCenter = await deps.contactCenters.get(ccid);
    const provider = await deps.sso.get(ccid).catch((err: unknown) => {
      if (err instanceof AppError && err.code === 'not_found') return undefined;
      throw err;
    });
    const sp = samlSpUrls(deps.publicUrl, ccid);
    sendPage(
      ctx,
      200,
      ssoPage(pageContext(ctx), {
        contactCenter,
        provider,
        api: provider ? toApiIdentityProvider(provider, deps.publicUrl) : undefined,
        sp: { ...sp, oidcRedirectUri: oidcCallbackUrl(deps.publicUrl, ccid) },
      }),
    );
  });

  for (const type of ['saml', 'oidc'] as const) {
    router.post(`/console/contact-centers/:ccid/sso/${type}`, async (ctx) => {
      const ccid = ccidParam(ctx);
      const body = ctx.request.body;
      const path = `/console/contact-centers/${ccid}/sso`;
      const names = type === 'saml' ? SAML_FIELDS : OIDC_FIELDS;
      const form = Object.fromEntries(names.filter((n) => n !== 'clientSecret' && n !== 'metadataXml').map((n) => [n, field(body, n)]));
      await runForm(ctx, deps.auth, {
        back: path,
        formFields: names,
        form,
        change: async () => {
          const text = (n: string) => field(body, n).trim();
          const optional = (n: string) => (text(n) ? text(n) : undefined);
          const data =
            type === 'saml'
              ? {
                  type,
                  metadataXml: field(body, 'metadataXml').trim() || undefined,
                  metadataUrl: optional('metadataUrl'),
                  binding: text('binding') || undefined,
                  userMatch: text('userMatch') || undefined,
                  usernameAttribute: optional('usernameAttribute') ?? null,
                  jitProvisioning: text('jitProvisioning') === 'true',
                  ssoOnly: text('ssoOnly') === 'true',
                }
              : {
                  type,
                  issuer: text('issuer'),
                  clientId: text('clientId'),
                  clientSecret: field(body, 'clientSecret') || undefined,
                  scope: optional('scope'),
                  userMatch: text('userMatch') || undefined,
                  usernameClaim: optional('usernameClaim'),
                  jitProvisioning: text('jitProvisioning') === 'true',
                  ssoOnly: text('ssoOnly') === 'true',
                };
          const input = validate(putIdentityProviderBody, { data }).data;
          await deps.sso.set(ccid, input, consoleWho(ctx));
          ctx.log.info({ event: 'identity_provider_set', ccid, type, via: 'console' }, 'identity provider set');
          return { location: path, flash: { notice: type === 'saml' ? 'SAML identity provider saved.' : 'OpenID Connect identity provider saved.' } };
        },
      });
    });
  }

  router.post('/console/contact-centers/:ccid/sso/delete', async (ctx) => {
    const ccid = ccidParam(ctx);
    const path = `/console/contact-centers/${ccid}/sso`;
    await runForm(ctx, deps.auth, {
      back: path,
      change: async () => {
        await deps.sso.remove(ccid, consoleWho(ctx));
        ctx.log.info({ event: 'identity_provider_removed', ccid, via: 'console' }, 'identity provider removed');
        return { location: path, flash: { notice: 'Single sign-on removed: users sign in with their password again.' } };
      },
    });
  });
}
