/**
 * `/environment/v3/cors` — CORS origins one at a time (Genesys Authentication Environment API,
 * genesys-api.md §3 E12, E13; README "CORS"). Mounted behind `requireAdmin`; the origins are the
 * contact centers' `cors-origins` settings (services/cors-origins.service.ts).
 *
 * - `GET` → `{"status":{"code":0},"data":{"origins":[{"origin","contactCenterId"}, ...]}}`.
 * - `POST {"data":{"contactCenterId","origin"}}` → `{"status":{"code":0},"data":{"origin","contactCenterId","added"}}`:
 *   adds one origin (normalized; `added: false` when it was already listed).
 * - `DELETE ?contactCenterId=&origin=` → `{"status":{"code":0}}`: removes one origin.
 * An internal client bound to contact centers lists and changes only theirs (another contact center
 * answers 404 as if absent; services/admin-scope.ts).
 * Errors: a bad or missing field → 400 code 10 (1 when `data` is missing); an unknown contact
 * center, or (DELETE) an origin it does not list → 404 code 6.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { AppError } from '../../errors/app-error.ts';
import type { EnvironmentServicesFor } from './environment-scope.ts';
import { auditContextOf } from '../audit-context.ts';
import { ok } from '../envelope.ts';
import { fields, validate, validateBody } from '../validate.ts';

/** The route's path. */
export const CORS_PATH = '/environment/v3/cors';

const origin = z.string({ error: 'must be a string' }).trim().min(1, 'must not be empty').max(2048, 'must be at most 2048 characters');

/** `POST` body (E13). */
export const addCorsOriginBody = z.object({ data: z.object({ contactCenterId: fields.uuid, origin }) });
/** `DELETE` query. */
export const removeCorsOriginQuery = z.object({ contactCenterId: fields.uuid, origin });

/** A query parameter given once, or undefined (a repeated one is refused). */
function single(ctx: Context, name: string): string | undefined {
  const v = ctx.query[name];
  if (Array.isArray(v)) throw new AppError('invalid_parameter', `'${name}' must be given once`);
  return v;
}

/** Builds the router; each request uses the services as its caller's binding allows (environment-scope.ts). */
export function createCorsRouter(servicesFor: EnvironmentServicesFor): Router {
  const router = new Router();
  const svc = (ctx: Context) => servicesFor(ctx).corsOrigins;

  router.get(CORS_PATH, async (ctx) => {
    ok(ctx, { data: { origins: await svc(ctx).list() } });
  });

  router.post(CORS_PATH, async (ctx) => {
    const { data } = validateBody(ctx, addCorsOriginBody);
    const r = await svc(ctx).add(data.contactCenterId, data.origin, auditContextOf(ctx));
    ctx.log.info({ event: 'cors_origin_added', ccid: data.contactCenterId, origin: r.origin, changed: r.changed, admin: ctx.state.admin?.name }, 'CORS origin added');
    ok(ctx, { data: { origin: r.origin, contactCenterId: data.contactCenterId, added: r.changed } });
  });

  router.delete(CORS_PATH, async (ctx) => {
    const q = validate(removeCorsOriginQuery, { contactCenterId: single(ctx, 'contactCenterId'), origin: single(ctx, 'origin') });
    const r = await svc(ctx).remove(q.contactCenterId, q.origin, auditContextOf(ctx));
    ctx.log.info({ event: 'cors_origin_removed', ccid: q.contactCenterId, origin: r.origin, admin: ctx.state.admin?.name }, 'CORS origin removed');
    ok(ctx);
  });

  return router;
}
