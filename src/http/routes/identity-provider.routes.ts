/**
 * `/environment/v3/contact-centers/{ccid}/identity-provider` — a contact center's single sign-on
 * identity provider (README "Signing in" → "Single sign-on"). Mounted behind `requireAdmin` like
 * the rest of the Environment API, and limited like it to an internal client's contact centers
 * (another contact center answers 404; http/routes/environment-scope.ts). PUT creates or replaces, GET returns it (never a secret, the
 * metadata only as its entityID and endpoints), DELETE removes it. Audit events
 * `identity_provider.set` / `identity_provider.removed`.
 */
import Router from '@koa/router';
import type { IdentityProvider } from '../../domain/identity-provider.ts';
import { parseIdpMetadata } from '../../federation/saml-metadata.ts';
import { samlSpUrls } from '../../federation/saml-sp.ts';
import { oidcCallbackUrl } from '../../federation/oidc-rp.ts';
import type { SingleSignOnService } from '../../federation/single-sign-on.service.ts';
import { auditContextOf } from '../audit-context.ts';
import { ok } from '../envelope.ts';
import { uuidParam, validateBody } from '../validate.ts';
import { putIdentityProviderBody } from './identity-provider.schemas.ts';
import { contactCenterInScope } from './environment-scope.ts';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/**
 * The API view: the settings, what the metadata says (`idp`: entityID, SSO URLs, certificate
 * count), ccauth's SP endpoints to give the IdP (`serviceProvider`), and the last sign-ins.
 */
export function toApiIdentityProvider(p: IdentityProvider, publicUrl: string): Record<string, unknown> {
  const s = p.settings;
  let idp: Record<string, unknown> | null = null;
  if (s.type === 'saml' && p.metadataXml) {
    try {
      const m = parseIdpMetadata(p.metadataXml, s.binding);
      idp = { entityId: m.entityId, ssoUrls: m.ssoUrls, signingCertificates: m.signingCertificates.length };
    } catch {
      idp = null;
    }
  }
  const sp = samlSpUrls(publicUrl, p.ccid);
  const oidc = s.type === 'oidc' ? { redirectUri: oidcCallbackUrl(publicUrl, p.ccid), clientSecretSet: p.clientSecretSealed !== null } : {};
  return {
    contactCenterId: p.ccid,
    ...s,
    ...oidc,
    idp,
    metadataFetchedAt: iso(p.metadataFetchedAt),
    metadataError: p.metadataError,
    serviceProvider: s.type === 'saml' ? { entityId: sp.entityId, acsUrl: sp.acsUrl, metadataUrl: sp.metadataUrl } : null,
    lastSuccess: p.lastSuccessAt === null ? null : { at: iso(p.lastSuccessAt), username: p.lastSuccessUser },
    lastFailure: p.lastFailureAt === null ? null : { at: iso(p.lastFailureAt), reason: p.lastFailureReason },
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
  };
}

/** Routes of the identity-provider resource. */
export function createIdentityProviderRouter(deps: { sso: SingleSignOnService; publicUrl: string }): Router {
  const router = new Router({ prefix: '/environment/v3/contact-centers' });
  const path = '/:ccid/identity-provider';

  router.put(path, async (ctx) => {
    const ccid = contactCenterInScope(ctx, uuidParam(ctx, 'ccid', 'contact center'));
    const { data } = validateBody(ctx, putIdentityProviderBody);
    const { provider } = await deps.sso.set(ccid, data, auditContextOf(ctx));
    ctx.log.info({ event: 'identity_provider_set', ccid, type: provider.settings.type, admin: ctx.state.admin?.name }, 'identity provider set');
    ok(ctx, { path: `/contact-centers/${ccid}/identity-provider`, data: toApiIdentityProvider(provider, deps.publicUrl) });
  });

  router.get(path, async (ctx) => {
    const ccid = contactCenterInScope(ctx, uuidParam(ctx, 'ccid', 'contact center'));
    ok(ctx, { data: toApiIdentityProvider(await deps.sso.get(ccid), deps.publicUrl) });
  });

  router.delete(path, async (ctx) => {
    const ccid = contactCenterInScope(ctx, uuidParam(ctx, 'ccid', 'contact center'));
    await deps.sso.remove(ccid, auditContextOf(ctx));
    ctx.log.info({ event: 'identity_provider_removed', ccid, admin: ctx.state.admin?.name }, 'identity provider removed');
    ok(ctx);
  });

  return router;
}
