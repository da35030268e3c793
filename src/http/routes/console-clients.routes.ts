/**
 * Console pages of the Clients section (issue 4): list, create (secret shown once), edit redirect
 * URIs, delete. Input is validated with the ops client API's schemas and handled by
 * clients.service.ts, so the rules are the API's.
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { AppError } from '../../errors/app-error.ts';
import type { ClientsService } from '../../services/clients.service.ts';
import type { ConsoleAuthService } from '../../services/console-auth.service.ts';
import type { ContactCentersService } from '../../services/contact-centers.service.ts';
import { validate } from '../validate.ts';
import { clientDeletePage, clientEditPage, clientNewPage, clientsListPage } from '../views/console/clients.view.ts';
import { clientIdSchema, createClientBody, updateClientBody } from './ops-clients.schemas.ts';
import { toClientInput } from './ops-clients.routes.ts';
import { contactCenterOptions } from './console-integrations.routes.ts';
import { consoleWho, field, fieldAll, lines, pageContext, runForm, sendPage } from './console-support.ts';

export interface ConsoleClientsDeps {
  auth: ConsoleAuthService;
  clients: ClientsService;
  contactCenters: ContactCentersService;
  tokenEndpoint: string;
}

const NEW_CLIENT_FIELDS = [
  'client_id',
  'name',
  'description',
  'clientType',
  'authorizedGrantTypes',
  'scope',
  'redirectURIs',
  'accessTokenExpirationTimeout',
  'refreshTokenExpirationTimeout',
  'contactCenterIds',
  'pkceRequired',
  'dpopBoundAccessTokens',
] as const;

function clientIdParam(ctx: Context): string {
  const parsed = clientIdSchema.safeParse(ctx.params.clientId);
  if (!parsed.success) throw new AppError('not_found', 'client not found');
  return parsed.data;
}

/** A number field: a number when it is one, the text otherwise (zod then names the field), undefined when empty. */
const numberField = (s: string): number | string | undefined => (s.trim() === '' ? undefined : /^-?\d+$/.test(s.trim()) ? Number(s.trim()) : s);
const optionalText = (s: string): string | undefined => (s.trim() === '' ? undefined : s.trim());

/** Registers the Clients pages on the console router. */
export function registerClientPages(router: Router, deps: ConsoleClientsDeps): void {
  const ccMap = async () => new Map((await contactCenterOptions(deps.contactCenters)).map((c) => [c.id, c]));

  router.get('/console/clients', async (ctx) => {
    const [clients, contactCenters] = await Promise.all([deps.clients.list(), ccMap()]);
    sendPage(ctx, 200, clientsListPage(pageContext(ctx), { clients, contactCenters }));
  });

  router.get('/console/clients/new', async (ctx) => {
    sendPage(ctx, 200, clientNewPage(pageContext(ctx), { contactCenters: await contactCenterOptions(deps.contactCenters) }));
  });

  router.post('/console/clients', async (ctx) => {
    const b = ctx.request.body;
    const form: Record<string, string | string[]> = {};
    for (const name of NEW_CLIENT_FIELDS) {
      form[name] = name === 'authorizedGrantTypes' || name === 'contactCenterIds' ? fieldAll(b, name) : field(b, name);
    }
    await runForm(ctx, deps.auth, {
      back: '/console/clients/new',
      formFields: NEW_CLIENT_FIELDS,
      form,
      change: async () => {
        const scope = field(b, 'scope').split(/\s+/).filter(Boolean);
        const { data: d } = validate(createClientBody, {
          data: {
            client_id: field(b, 'client_id').trim(),
            name: optionalText(field(b, 'name')),
            description: optionalText(field(b, 'description')),
            clientType: field(b, 'clientType') || undefined,
            authorizedGrantTypes: fieldAll(b, 'authorizedGrantTypes'),
            scope: scope.length ? scope : undefined,
            redirectURIs: lines(field(b, 'redirectURIs')),
            accessTokenExpirationTimeout: numberField(field(b, 'accessTokenExpirationTimeout')),
            refreshTokenExpirationTimeout: numberField(field(b, 'refreshTokenExpirationTimeout')),
            contactCenterIds: fieldAll(b, 'contactCenterIds'),
            pkceRequired: field(b, 'pkceRequired') === 'true',
            dpopBoundAccessTokens: field(b, 'dpopBoundAccessTokens') === 'true',
          },
        });
        const { client, clientSecret } = await deps.clients.create(
          toClientInput(d),
          consoleWho(ctx),
        );
        ctx.log.info({ event: 'client_created', client_id: client.clientId, via: 'console' }, 'client created');
        return {
          location: `/console/clients/${encodeURIComponent(client.clientId)}`,
          flash: {
            notice: `Client ${client.clientId} created.`,
            credentials: {
              kind: 'client-created',
              subject: client.name,
              clientId: client.clientId,
              clientSecret,
              tokenEndpoint: deps.tokenEndpoint,
              scopes: client.scope,
              grantTypes: client.authorizedGrantTypes,
              authMethods: client.clientType === 'CONFIDENTIAL' ? ['client_secret_basic', 'client_secret_post'] : ['none'],
              redirectUris: client.redirectUris,
            },
          },
        };
      },
    });
  });

  router.get('/console/clients/:clientId', async (ctx) => {
    const [client, contactCenters] = await Promise.all([deps.clients.get(clientIdParam(ctx)), ccMap()]);
    sendPage(ctx, 200, clientEditPage(pageContext(ctx), { client, contactCenters }));
  });

  router.post('/console/clients/:clientId/redirect-uris', async (ctx) => {
    const clientId = clientIdParam(ctx);
    const text = field(ctx.request.body, 'redirectURIs');
    const path = `/console/clients/${encodeURIComponent(clientId)}`;
    await runForm(ctx, deps.auth, {
      back: path,
      formFields: ['redirectURIs'],
      form: { redirectURIs: text },
      change: async () => {
        const { data } = validate(updateClientBody, { data: { redirectURIs: lines(text) } });
        await deps.clients.update(clientId, { redirectUris: data.redirectURIs }, consoleWho(ctx));
        ctx.log.info({ event: 'client_updated', client_id: clientId, via: 'console' }, 'client updated');
        return { location: path, flash: { notice: 'Redirect URIs saved.' } };
      },
    });
  });

  // DPoP proofs mandatory for the client (RFC 9449 §5.2; README "Security model" → "DPoP"); an unchecked box is not sent
  router.post('/console/clients/:clientId/dpop', async (ctx) => {
    const clientId = clientIdParam(ctx);
    const path = `/console/clients/${encodeURIComponent(clientId)}`;
    const required = field(ctx.request.body, 'dpopBoundAccessTokens') === 'true';
    await runForm(ctx, deps.auth, {
      back: path,
      change: async () => {
        await deps.clients.update(clientId, { dpopBoundAccessTokens: required }, consoleWho(ctx));
        ctx.log.info({ event: 'client_updated', client_id: clientId, via: 'console' }, 'client updated');
        return { location: path, flash: { notice: 'DPoP setting saved.' } };
      },
    });
  });

  router.get('/console/clients/:clientId/delete', async (ctx) => {
    sendPage(ctx, 200, clientDeletePage(pageContext(ctx), { client: await deps.clients.get(clientIdParam(ctx)) }));
  });

  router.post('/console/clients/:clientId/delete', async (ctx) => {
    const clientId = clientIdParam(ctx);
    await runForm(ctx, deps.auth, {
      back: `/console/clients/${encodeURIComponent(clientId)}`,
      change: async () => {
        await deps.clients.delete(clientId, consoleWho(ctx));
        ctx.log.info({ event: 'client_deleted', client_id: clientId, via: 'console' }, 'client deleted');
        return { location: '/console/clients', flash: { notice: `Client ${clientId} deleted.` } };
      },
    });
  });
}
