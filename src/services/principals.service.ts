/**
 * Resource owners: who a password-grant or login username is (genesys-api.md §7).
 *
 * - `ops` (the configured ops username) with the ops password is the ops principal.
 * - `domain\user` (or `user` plus a separate tenant) is a contact-center user: `domain` is one of
 *   the contact center's `domains`, `user` is matched in canonical form (NFC, case-folded).
 * Unknown users are verified against a dummy hash, so "no such user" and "wrong password" take the
 * same time and give the same answer. With `slots`, every password hash runs in one of the bounded
 * hash slots shared with client-secret verification (oauth/client-auth.ts), so a flood of
 * password guesses cannot run more than N argon2 computations at once (issue 5).
 */
import type { Knex } from 'knex';
import { canonicalDomain } from '../domain/environment.ts';
import { OPS_ACCOUNT_ID, USER_ACCOUNT_PREFIX, canonicalUsername } from '../domain/user.ts';
import type { UserWithContext } from '../domain/user.ts';
import { PASSWORD_SETTINGS, passwordExpired, passwordPolicyFrom } from '../domain/password-policy.ts';
import { createUsersRepository } from '../repositories/users.repository.ts';
import { verifyAgainstDummy, verifySecret } from '../security/passwords.ts';
import { isStorableText } from '../domain/text.ts';
import type { OpsCredentials } from './ops-credentials.service.ts';

/** An authenticated resource owner. */
export type Principal =
  | { kind: 'ops'; accountId: typeof OPS_ACCOUNT_ID; username: string }
  | {
      kind: 'user';
      accountId: string;
      user: UserWithContext;
      /**
       * Set by `authenticate` only: the password is right but must be changed before a token is
       * issued (`mustChangePassword`, or older than the `password-max-age-days` setting).
       */
      passwordChangeRequired?: boolean;
    };

/** Splits `domain\user`; returns undefined when there is no domain prefix. */
export function splitLogin(login: string, tenant?: string): { domain: string; username: string } | undefined {
  const i = login.indexOf('\\');
  if (i > 0 && i < login.length - 1) return { domain: canonicalDomain(login.slice(0, i)), username: login.slice(i + 1) };
  if (i === -1 && tenant) return { domain: canonicalDomain(tenant), username: login };
  return undefined;
}

export interface PrincipalsService {
  /** Checks a username/password pair; undefined when either is wrong or the user is disabled. */
  authenticate(login: string, password: string, tenant?: string): Promise<Principal | undefined>;
  /**
   * The enabled contact-center user named by `subject` without a password (a signed assertion
   * vouches for them: RFC 7523 §2.1): `domain\user`, the account id `user:<uuid>` or the user id.
   * Never the ops principal. Undefined when unknown, disabled, or not a user.
   */
  findUserBySubject(subject: string): Promise<Extract<Principal, { kind: 'user' }> | undefined>;
  /** Loads the principal behind an account id (`ops` or `user:<uuid>`); undefined when gone or disabled. */
  findByAccountId(accountId: string): Promise<Principal | undefined>;
  /**
   * The principal behind an account id given its user row as already read (token-lookup.ts reads
   * it with the token; null = none): same answers as {@link findByAccountId}, no I/O.
   */
  principalOf(accountId: string, user: UserWithContext | null): Principal | undefined;
}

/**
 * Builds the service.
 * @param deps.slots runs a hash computation in a bounded slot (SecretVerifier.withSlot); unbounded when absent
 */
export function createPrincipalsService(deps: { knex: Knex; ops: OpsCredentials; slots?: <T>(fn: () => Promise<T>, lane: string) => Promise<T> }): PrincipalsService {
  const users = createUsersRepository(deps.knex);
  const slots = deps.slots;
  return {
    async authenticate(login, password, tenant) {
      if (typeof login !== 'string' || typeof password !== 'string' || login.length > 512 || password.length > 1024) {
        return undefined;
      }
      const parts = splitLogin(login, tenant);
      // one fair-queue lane per login name: a flood for one name waits behind itself
      const lane = `u:${parts ? `${parts.domain}\\${parts.username.toLowerCase()}` : login.toLowerCase()}`;
      const slot = <T>(fn: () => Promise<T>): Promise<T> => (slots ? slots(fn, lane) : fn());
      if (!parts) {
        const ok = await slot(() => deps.ops.verify(login, password));
        return ok ? { kind: 'ops', accountId: OPS_ACCOUNT_ID, username: deps.ops.username } : undefined;
      }
      // U+0000 or an unpaired surrogate cannot be looked up in PostgreSQL: an unknown user, not a 500
      const lookup = isStorableText(parts.domain) && isStorableText(parts.username);
      const found = lookup ? await users.findForLogin(parts.domain, canonicalUsername(parts.username)) : undefined;
      if (!found) {
        await slot(() => verifyAgainstDummy(password));
        return undefined;
      }
      const ok = await slot(() => verifySecret(found.passwordHash, password));
      if (!ok || !found.enabled) return undefined;
      const { passwordHash: _h, passwordMaxAgeDays, ...user } = found;
      const maxAgeDays = passwordPolicyFrom(new Map(passwordMaxAgeDays !== null ? [[PASSWORD_SETTINGS.maxAgeDays, passwordMaxAgeDays]] : [])).maxAgeDays;
      const passwordChangeRequired = user.mustChangePassword || passwordExpired(user.passwordChangedAt, maxAgeDays);
      return { kind: 'user', accountId: `${USER_ACCOUNT_PREFIX}${user.id}`, user, passwordChangeRequired };
    },

    principalOf(accountId, user) {
      if (accountId === OPS_ACCOUNT_ID) return { kind: 'ops', accountId: OPS_ACCOUNT_ID, username: deps.ops.username };
      if (!accountId.startsWith(USER_ACCOUNT_PREFIX) || !user || user.id !== accountId.slice(USER_ACCOUNT_PREFIX.length)) return undefined;
      return user.enabled ? { kind: 'user', accountId, user } : undefined;
    },
    async findUserBySubject(subject) {
      if (typeof subject !== 'string' || subject.length === 0 || subject.length > 512 || !isStorableText(subject)) return undefined;
      const id = subject.startsWith(USER_ACCOUNT_PREFIX) ? subject.slice(USER_ACCOUNT_PREFIX.length) : subject;
      if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) {
        const user = await users.findWithContext(id.toLowerCase());
        return user && user.enabled ? { kind: 'user', accountId: `${USER_ACCOUNT_PREFIX}${user.id}`, user } : undefined;
      }
      const parts = splitLogin(subject);
      if (!parts || !isStorableText(parts.domain) || !isStorableText(parts.username)) return undefined;
      const found = await users.findForLogin(parts.domain, canonicalUsername(parts.username));
      if (!found || !found.enabled) return undefined;
      const { passwordHash: _h, ...user } = found;
      return { kind: 'user', accountId: `${USER_ACCOUNT_PREFIX}${user.id}`, user };
    },
    async findByAccountId(accountId) {
      if (accountId === OPS_ACCOUNT_ID) return { kind: 'ops', accountId: OPS_ACCOUNT_ID, username: deps.ops.username };
      if (!accountId.startsWith(USER_ACCOUNT_PREFIX)) return undefined;
      const id = accountId.slice(USER_ACCOUNT_PREFIX.length);
      if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
      const user = await users.findWithContext(id);
      return user && user.enabled ? { kind: 'user', accountId, user } : undefined;
    },
  };
}
