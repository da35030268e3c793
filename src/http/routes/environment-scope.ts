/**
 * The one guard that applies an Environment API caller's contact-center binding (design.md §3b):
 * every `/environment/v3/*` handler reads its services through {@link EnvironmentServicesFor}, which
 * returns them limited to `ctx.state.admin.contactCenterIds` (services/admin-scope.ts).
 */
import type { Context } from 'koa';
import { AppError, notFound } from '../../errors/app-error.ts';
import { scopeEnvironmentServices } from '../../services/admin-scope.ts';
import type { EnvironmentServices } from '../../services/environment-services.ts';
import type { AdminPrincipal } from '../middleware/admin-auth.ts';

/** The Environment API services as the request's admin principal may use them. */
export type EnvironmentServicesFor = (ctx: Context) => EnvironmentServices;

/**
 * Builds the resolver. Fails closed: a request without an admin principal (the route mounted
 * outside `requireAdmin`) gets 403 code 3, never the deployment-wide view.
 */
export function environmentServicesFor(services: EnvironmentServices): EnvironmentServicesFor {
  return (ctx) => {
    const admin = ctx.state.admin as AdminPrincipal | undefined;
    if (!admin || !Array.isArray(admin.contactCenterIds)) throw new AppError('forbidden', 'no admin principal');
    return scopeEnvironmentServices(services, admin.contactCenterIds);
  };
}

/**
 * The contact center `ccid` of the request's path, when the caller's binding allows it: for a
 * resource kept outside {@link EnvironmentServices} (a contact center's identity provider). Fails
 * closed like {@link environmentServicesFor}; a contact center outside the binding is `not_found`,
 * exactly as one that does not exist (services/admin-scope.ts).
 * @throws AppError forbidden (no admin principal) | not_found (outside the binding)
 */
export function contactCenterInScope(ctx: Context, ccid: string): string {
  const admin = ctx.state.admin as AdminPrincipal | undefined;
  if (!admin || !Array.isArray(admin.contactCenterIds)) throw new AppError('forbidden', 'no admin principal');
  if (admin.contactCenterIds.length > 0 && !admin.contactCenterIds.includes(ccid)) throw notFound(`contact center ${ccid}`);
  return ccid;
}
