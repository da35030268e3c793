/**
 * oidc-provider `findAccount` (the resource owner behind tokens and sessions) and the claims it
 * releases. Claims follow OIDC Core §5.1 plus the Genesys extras of genesys-api.md §5.2.
 */
import type { Account, FindAccount } from 'oidc-provider';
import type { Principal, PrincipalsService } from '../services/principals.service.ts';
import { currentRequest, prefetchedUsers } from './request-prefetch.ts';

/** The OIDC claims for a principal (sub is the account id). */
export function claimsFor(p: Principal): Record<string, unknown> {
  if (p.kind === 'ops') {
    return { sub: p.accountId, name: p.username, preferred_username: p.username, user_name: p.username };
  }
  const u = p.user;
  const name = [u.firstName, u.lastName].filter(Boolean).join(' ') || u.username;
  return {
    sub: p.accountId,
    name,
    given_name: u.firstName ?? undefined,
    family_name: u.lastName ?? undefined,
    email: u.email ?? undefined,
    preferred_username: u.username,
    user_name: u.username,
    contact_center_id: u.ccid,
    environment_id: u.environmentId,
    dbid: u.dbid,
    authorities: u.authorities.map((a) => ({ name: a, privileges: [] })),
    properties: u.properties,
  };
}

/** Builds `findAccount` over the principals service. */
export function createFindAccount(principals: PrincipalsService): FindAccount {
  return async (ctx, id): Promise<Account | undefined> => {
    // the user usually came with the token this request just read (request-prefetch.ts)
    const ahead = prefetchedUsers.take(ctx ?? currentRequest(), id);
    const p = ahead.hit ? principals.principalOf(id, ahead.value) : await principals.findByAccountId(id);
    if (!p) return undefined;
    return {
      accountId: id,
      async claims() {
        return claimsFor(p) as { sub: string };
      },
    };
  };
}
