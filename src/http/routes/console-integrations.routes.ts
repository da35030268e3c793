/**
 * Console pages of the Integrations section (issue 4; seed 001): list + search, Manage, Activate
 * (the credentials dialog, shown once), Rotate secret and Deactivate with a confirmation page.
 * Every change goes through integrations/activations services, the same as the ops API.
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { AppError } from '../../errors/app-error.ts';
import { needsRedirectUris, resolveSetupSteps } from '../../domain/integration.ts';
import type { Integration, SetupPlaceholder, SetupStep } from '../../domain/integration.ts';
import { OAUTH_PREFIX } from '../../oauth/provider.ts';
import { OPENID_USERINFO_PATH } from './userinfo.routes.ts';
import type { ActivationsService } from '../../services/activations.service.ts';
import type { ConsoleAuthService } from '../../services/console-auth.service.ts';
import type { ContactCentersService } from '../../services/contact-centers.service.ts';
import type { IntegrationsService } from '../../services/integrations.service.ts';
import { validate } from '../validate.ts';
import type { ContactCenterOption } from '../views/console/page-context.ts';
import { activationConfirmPage, integrationManagePage, integrationsListPage } from '../views/console/integrations.view.ts';
import { activateBody, integrationIdSchema, rotateSecretBody } from './ops-integrations.schemas.ts';
import { consoleWho, field, lines, pageContext, runForm, sendPage } from './console-support.ts';

export interface ConsoleIntegrationsDeps {
  auth: ConsoleAuthService;
  integrations: IntegrationsService;
  activations: ActivationsService;
  contactCenters: ContactCentersService;
  tokenEndpoint: string;
}

/**
 * The deployment's values for set-up steps, from the absolute token endpoint URL
 * (`PUBLIC_URL` + `/auth/v3/oauth/token`): endpoints, issuer host and protocol, token path.
 */
export function deploymentSetupValues(tokenEndpoint: string): Partial<Record<SetupPlaceholder, string>> {
  const url = new URL(tokenEndpoint);
  const base = tokenEndpoint.slice(0, tokenEndpoint.length - `${OAUTH_PREFIX}/token`.length);
  return {
    token_endpoint: tokenEndpoint,
    authorization_endpoint: `${base}${OAUTH_PREFIX}/authorize`,
    userinfo_endpoint: `${base}${OPENID_USERINFO_PATH}`,
    issuer_host: url.host,
    issuer_protocol: url.protocol === 'https:' ? 'HTTPS' : 'HTTP',
    token_path: url.pathname,
  };
}

/** Text for the values only an activation knows, on pages that show no activation. */
const BEFORE_ACTIVATION: Partial<Record<SetupPlaceholder, string>> = {
  client_id: 'the Client ID shown at activation',
  client_secret: 'the Client Secret shown once at activation',
};

/** The steps of `i` for the credentials dialog: this activation's Client ID, the secret pointed to (shown above it). */
function issuedSetupSteps(i: Integration, tokenEndpoint: string, clientId: string, scopes: string[]): SetupStep[] {
  return resolveSetupSteps(i.setupSteps, { ...deploymentSetupValues(tokenEndpoint), client_id: clientId, scopes: scopes.join(' '), client_secret: 'the Client Secret above' });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Contact centers as the console names them (first login domain, else the start of the CCID). */
export async function contactCenterOptions(contactCenters: ContactCentersService): Promise<ContactCenterOption[]> {
  return (await contactCenters.list()).map((cc) => ({ id: cc.id, label: cc.domains[0] ?? cc.id.slice(0, 8) }));
}

function integrationId(ctx: Context): string {
  const parsed = integrationIdSchema.safeParse(ctx.params.id);
  if (!parsed.success) throw new AppError('not_found', 'integration not found');
  return parsed.data;
}

function activationId(ctx: Context): string {
  const id = String(ctx.params.activationId ?? '').toLowerCase();
  if (!UUID.test(id)) throw new AppError('not_found', 'activation not found');
  return id;
}

/** Registers the Integrations pages on the console router. */
export function registerIntegrationPages(router: Router, deps: ConsoleIntegrationsDeps): void {
  router.get('/console/integrations', async (ctx) => {
    const q = typeof ctx.query.q === 'string' ? ctx.query.q.slice(0, 200) : '';
    const [items, ccs] = await Promise.all([deps.integrations.list(q), contactCenterOptions(deps.contactCenters)]);
    sendPage(ctx, 200, integrationsListPage(pageContext(ctx), { items, q: q.trim(), contactCenters: new Map(ccs.map((c) => [c.id, c])) }));
  });

  router.get('/console/integrations/:id', async (ctx) => {
    const id = integrationId(ctx);
    const [integration, activations, contactCenters] = await Promise.all([deps.integrations.get(id), deps.activations.list(id), contactCenterOptions(deps.contactCenters)]);
    const setupSteps = resolveSetupSteps(integration.setupSteps, { ...deploymentSetupValues(deps.tokenEndpoint), scopes: integration.scopes.join(' ') }, BEFORE_ACTIVATION);
    sendPage(ctx, 200, integrationManagePage(pageContext(ctx), { integration, activations, contactCenters, setupSteps }));
  });

  router.post('/console/integrations/:id/activate', async (ctx) => {
    const id = integrationId(ctx);
    const back = `/console/integrations/${id}`;
    const body = ctx.request.body;
    const contactCenterId = field(body, 'contactCenterId');
    const redirectText = field(body, 'redirectURIs');
    await runForm(ctx, deps.auth, {
      back,
      formFields: ['contactCenterId', 'redirectURIs'],
      form: { contactCenterId, redirectURIs: redirectText },
      change: async () => {
        const integration = await deps.integrations.get(id);
        const redirectURIs = lines(redirectText);
        const { data } = validate(activateBody, {
          data: { contactCenterId, ...(needsRedirectUris(integration) || redirectURIs.length ? { redirectURIs } : {}) },
        });
        const issued = await deps.activations.activate(id, { contactCenterId: data.contactCenterId, redirectUris: data.redirectURIs }, consoleWho(ctx));
        const cc = (await contactCenterOptions(deps.contactCenters)).find((c) => c.id === data.contactCenterId);
        ctx.log.info({ event: 'integration_activated', integration_id: id, activation_id: issued.activation.id, client_id: issued.client.clientId, via: 'console' }, 'integration activated');
        return {
          location: back,
          flash: {
            notice: `Activated for contact center ${cc?.label ?? data.contactCenterId}.`,
            credentials: {
              kind: 'activated',
              subject: `${issued.integration.name} · contact center ${cc?.label ?? data.contactCenterId}`,
              clientId: issued.client.clientId,
              clientSecret: issued.clientSecret,
              tokenEndpoint: deps.tokenEndpoint,
              scopes: issued.client.scope,
              grantTypes: issued.client.authorizedGrantTypes,
              authMethods: issued.integration.clientAuthMethods,
              redirectUris: issued.client.redirectUris,
              product: issued.integration.name,
              setupSteps: issuedSetupSteps(issued.integration, deps.tokenEndpoint, issued.client.clientId, issued.client.scope),
            },
          },
        };
      },
    });
  });

  for (const kind of ['deactivate', 'rotate'] as const) {
    router.get(`/console/integrations/:id/activations/:activationId/${kind}`, async (ctx) => {
      const id = integrationId(ctx);
      const [integration, { activation }, ccs] = await Promise.all([deps.integrations.get(id), deps.activations.get(id, activationId(ctx)), contactCenterOptions(deps.contactCenters)]);
      if (activation.status !== 'Activated') throw new AppError('not_found', 'this activation is no longer active');
      const contactCenter = ccs.find((c) => c.id === activation.contactCenterId)?.label ?? activation.contactCenterId;
      sendPage(ctx, 200, activationConfirmPage(pageContext(ctx), { kind, integration, activation, contactCenter }));
    });
  }

  router.post('/console/integrations/:id/activations/:activationId/deactivate', async (ctx) => {
    const id = integrationId(ctx);
    const aid = activationId(ctx);
    await runForm(ctx, deps.auth, {
      back: `/console/integrations/${id}`,
      change: async () => {
        const a = await deps.activations.deactivate(id, aid, consoleWho(ctx));
        const cc = (await contactCenterOptions(deps.contactCenters)).find((c) => c.id === a.contactCenterId);
        ctx.log.info({ event: 'integration_deactivated', integration_id: id, activation_id: aid, client_id: a.clientId, via: 'console' }, 'integration deactivated');
        return {
          location: `/console/integrations/${id}`,
          flash: { notice: `Deactivated for contact center ${cc?.label ?? a.contactCenterId}: client ${a.clientId} is disabled and its tokens no longer work.` },
        };
      },
    });
  });

  router.post('/console/integrations/:id/activations/:activationId/rotate', async (ctx) => {
    const id = integrationId(ctx);
    const aid = activationId(ctx);
    const graceText = field(ctx.request.body, 'gracePeriodSeconds');
    await runForm(ctx, deps.auth, {
      back: `/console/integrations/${id}/activations/${aid}/rotate`,
      formFields: ['gracePeriodSeconds'],
      change: async () => {
        const body = validate(rotateSecretBody, { data: { gracePeriodSeconds: /^\d{1,9}$/.test(graceText) ? Number(graceText) : graceText || undefined } });
        const issued = await deps.activations.rotateSecret(id, aid, { gracePeriodSeconds: body?.data?.gracePeriodSeconds }, consoleWho(ctx));
        const cc = (await contactCenterOptions(deps.contactCenters)).find((c) => c.id === issued.activation.contactCenterId);
        ctx.log.info({ event: 'client_secret_rotated', integration_id: id, activation_id: aid, client_id: issued.client.clientId, via: 'console' }, 'client secret rotated');
        return {
          location: `/console/integrations/${id}`,
          flash: {
            notice: 'Client secret rotated.',
            credentials: {
              kind: 'rotated',
              subject: `${issued.integration.name} · contact center ${cc?.label ?? issued.activation.contactCenterId}`,
              clientId: issued.client.clientId,
              clientSecret: issued.clientSecret,
              tokenEndpoint: deps.tokenEndpoint,
              scopes: issued.client.scope,
              grantTypes: issued.client.authorizedGrantTypes,
              authMethods: issued.integration.clientAuthMethods,
              previousSecretExpiresAt: issued.previousSecretExpiresAt,
              product: issued.integration.name,
              setupSteps: issuedSetupSteps(issued.integration, deps.tokenEndpoint, issued.client.clientId, issued.client.scope),
            },
          },
        };
      },
    });
  });
}
