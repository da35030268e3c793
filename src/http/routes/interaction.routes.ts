/**
 * `/auth/v3/interaction/:uid[/consent|/abort]` — where oidc-provider sends the browser when the
 * authorization request needs the user (its `interactions.url`).
 *
 * - `GET /auth/v3/interaction/:uid`: a `login` prompt → 303 to `/auth/v3/sign-in?uid=` (sharing
 *   the interaction cookie with that path); a `consent` prompt → for an internal client (Genesys
 *   `internalClient`, auto-approve) the grant is approved and the browser goes on (303); for a
 *   third-party client the consent page (200).
 * - `POST .../consent` (CSRF token): approves the grant → 303 on to the client.
 * - `GET|POST .../abort` (POST with the CSRF token): `access_denied` back to the client (303;
 *   RFC 6749 §4.1.2.1).
 * An unknown, expired or foreign interaction → 400 page; a missing or wrong CSRF token → 403 page.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { Principal, PrincipalsService } from '../../services/principals.service.ts';
import type { CsrfTokens } from '../csrf.ts';
import {
  INTERACTION_PREFIX,
  SIGN_IN_PATH,
  abortPath,
  approveGrant,
  consentPath,
  expiredPage,
  finishInteraction,
  forbiddenPage,
  interactionClient,
  interactionPath,
  loadInteraction,
  nonceOf,
  pageErrors,
  requestedScopes,
  seeOther,
  sendPage,
  shareInteractionWithSignIn,
} from '../interaction-pages.ts';
import type { Interaction } from '../interaction-pages.ts';
import { formActionSource, securityHeaders, setPageSecurityHeaders } from '../middleware/security-headers.ts';
import { consentPage } from '../views/consent.view.ts';
import { formBody, formField } from '../forms.ts';

/** What the interaction routes need. */
export interface InteractionDeps {
  /** The live provider (it is rebuilt when signing keys change; read it per request). */
  getProvider: () => Provider;
  principals: PrincipalsService;
  csrf: CsrfTokens;
}


/** Display name of a principal on the consent page. */
function displayName(p: Principal | undefined, fallback: string): string {
  if (!p) return fallback;
  if (p.kind === 'ops') return p.username;
  return [p.user.firstName, p.user.lastName].filter(Boolean).join(' ') || p.user.username;
}

/** Routes of the interaction entry, consent and abort. */
export function createInteractionRouter(deps: InteractionDeps): Router {
  const router = new Router({ prefix: INTERACTION_PREFIX });
  const parseForm = formBody('16kb');

  /** The interaction bound to this browser, when it is the one named in the path. */
  const current = async (ctx: Context): Promise<Interaction | undefined> => {
    const interaction = await loadInteraction(deps.getProvider(), ctx);
    return interaction && interaction.uid === ctx.params.uid ? interaction : undefined;
  };

  router.get('/:uid', pageErrors, securityHeaders(), async (ctx) => {
    const interaction = await current(ctx);
    if (!interaction) return expiredPage(ctx);
    const uid = interaction.uid;
    const client = await interactionClient(deps.getProvider(), interaction.params.client_id);
    if (!client) return expiredPage(ctx);

    if (interaction.prompt.name === 'login') {
      shareInteractionWithSignIn(deps.getProvider(), ctx, interaction);
      return seeOther(ctx, `${SIGN_IN_PATH}?uid=${encodeURIComponent(uid)}`);
    }
    if (interaction.prompt.name !== 'consent') return expiredPage(ctx);
    const accountId = interaction.session?.accountId;
    if (!accountId) return expiredPage(ctx);

    if (client.internal) {
      const grantId = await approveGrant(deps.getProvider(), interaction, accountId, client.clientId);
      ctx.log.info({ event: 'consent_implied', account_id: accountId, client_id: client.clientId }, 'internal client: consent implied');
      return finishInteraction(deps.getProvider(), ctx, { consent: { grantId } });
    }

    const details = interaction.prompt.details as { missingOIDCScope?: string[] };
    const nonce = nonceOf(ctx);
    setPageSecurityHeaders(ctx, { nonce, formActions: [formActionSource(String(interaction.params.redirect_uri ?? ''))] });
    sendPage(
      ctx,
      200,
      consentPage({
        nonce,
        uid,
        csrf: deps.csrf.issue('consent', uid),
        approveAction: consentPath(uid),
        denyAction: abortPath(uid),
        clientName: client.name,
        accountName: displayName(await deps.principals.findByAccountId(accountId), accountId),
        scopes: details.missingOIDCScope ?? requestedScopes(interaction),
      }),
    );
  });

  router.post('/:uid/consent', pageErrors, securityHeaders(), parseForm, async (ctx) => {
    const interaction = await current(ctx);
    if (!interaction) return expiredPage(ctx);
    const uid = interaction.uid;
    if (formField(ctx.request.body, 'uid') !== uid || !deps.csrf.verify('consent', uid, formField(ctx.request.body, 'csrf'))) {
      ctx.log.warn({ event: 'csrf_refused', form: 'consent' }, 'consent form refused: missing or wrong CSRF token');
      return forbiddenPage(ctx);
    }
    if (interaction.prompt.name !== 'consent') return seeOther(ctx, interactionPath(uid));
    const accountId = interaction.session?.accountId;
    const client = await interactionClient(deps.getProvider(), interaction.params.client_id);
    if (!accountId || !client) return expiredPage(ctx);
    const grantId = await approveGrant(deps.getProvider(), interaction, accountId, client.clientId);
    ctx.log.info({ event: 'consent_given', account_id: accountId, client_id: client.clientId }, 'consent given');
    await finishInteraction(deps.getProvider(), ctx, { consent: { grantId } });
  });

  const abort = async (ctx: Context, interaction: Interaction) => {
    ctx.log.info({ event: 'interaction_aborted', client_id: interaction.params.client_id, prompt: interaction.prompt.name }, 'sign-in cancelled by the user');
    await finishInteraction(deps.getProvider(), ctx, { error: 'access_denied', error_description: 'End-User aborted interaction' });
  };

  router.get('/:uid/abort', pageErrors, securityHeaders(), async (ctx) => {
    const interaction = await current(ctx);
    if (!interaction) return expiredPage(ctx);
    await abort(ctx, interaction);
  });

  router.post('/:uid/abort', pageErrors, securityHeaders(), parseForm, async (ctx) => {
    const interaction = await current(ctx);
    if (!interaction) return expiredPage(ctx);
    const purpose = interaction.prompt.name === 'login' ? 'sign-in' : 'consent';
    if (formField(ctx.request.body, 'uid') !== interaction.uid || !deps.csrf.verify(purpose, interaction.uid, formField(ctx.request.body, 'csrf'))) {
      ctx.log.warn({ event: 'csrf_refused', form: 'abort' }, 'abort form refused: missing or wrong CSRF token');
      return forbiddenPage(ctx);
    }
    await abort(ctx, interaction);
  });

  return router;
}
