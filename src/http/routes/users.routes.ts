/**
 * `/environment/v3/contact-centers/{ccid}/users[/{id}]` — contact-center users, the accounts that
 * log in as `domain\user` (genesys-api.md §5.1, §5.2, §7). Mounted behind `requireAdmin`.
 *
 * Unknown or non-UUID ccid / user id → 404 code 6; validation → 400 code 10; a username already
 * used in the contact center (case-insensitively) → 409 code 18.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import type { User } from '../../domain/user.ts';
import type { EnvironmentServicesFor } from './environment-scope.ts';
import { ok } from '../envelope.ts';
import { uuidParam, validateBody } from '../validate.ts';
import { createUserBody, updateUserBody } from './users.schemas.ts';

/**
 * The user object of the API: `{id, username, dbid, firstName, lastName, email, authorities,
 * properties, enabled, mustChangePassword, passwordChangedAt (epoch ms), contactCenterId, createdAt
 * (epoch ms), externalId}`; absent names/email are null.
 * Never includes the password or its hash.
 */
export function toApiUser(u: User): Record<string, unknown> {
  return {
    id: u.id,
    username: u.username,
    dbid: u.dbid,
    firstName: u.firstName,
    lastName: u.lastName,
    email: u.email,
    authorities: u.authorities,
    properties: u.properties,
    enabled: u.enabled,
    mustChangePassword: u.mustChangePassword,
    passwordChangedAt: u.passwordChangedAt,
    contactCenterId: u.ccid,
    createdAt: u.createdAt,
    externalId: u.externalId ?? null,
  };
}

const ccidOf = (ctx: Context): string => uuidParam(ctx, 'ccid', 'contact center');
const userIdOf = (ctx: Context): string => uuidParam(ctx, 'id', 'user');

/** Routes of the users API; the caller's view of the users service does the work. */
export function createUsersRouter(servicesFor: EnvironmentServicesFor): Router {
  const users = (ctx: Context) => servicesFor(ctx).users;
  const router = new Router({ prefix: '/environment/v3/contact-centers' });

  router.post('/:ccid/users', async (ctx) => {
    const ccid = ccidOf(ctx);
    const { data } = validateBody(ctx, createUserBody);
    const user = await users(ctx).create(ccid, data);
    ctx.log.info({ event: 'user_created', ccid, user_id: user.id, admin: ctx.state.admin?.name }, 'user created');
    ok(ctx, { path: `/contact-centers/${ccid}/users/${user.id}`, data: toApiUser(user) });
  });

  router.get('/:ccid/users', async (ctx) => {
    ok(ctx, { data: (await users(ctx).list(ccidOf(ctx))).map(toApiUser) });
  });

  router.get('/:ccid/users/:id', async (ctx) => {
    ok(ctx, { data: toApiUser(await users(ctx).get(ccidOf(ctx), userIdOf(ctx))) });
  });

  router.put('/:ccid/users/:id', async (ctx) => {
    const [ccid, id] = [ccidOf(ctx), userIdOf(ctx)];
    const { data } = validateBody(ctx, updateUserBody);
    const user = await users(ctx).update(ccid, id, data);
    const changed = Object.keys(data).filter((k) => k !== 'password');
    ctx.log.info({ event: 'user_updated', ccid, user_id: id, changed, password_changed: data.password !== undefined, admin: ctx.state.admin?.name }, 'user updated');
    ok(ctx, { data: toApiUser(user) });
  });

  router.delete('/:ccid/users/:id', async (ctx) => {
    const [ccid, id] = [ccidOf(ctx), userIdOf(ctx)];
    await users(ctx).delete(ccid, id);
    ctx.log.info({ event: 'user_deleted', ccid, user_id: id, admin: ctx.state.admin?.name }, 'user deleted');
    ok(ctx);
  });

  return router;
}
