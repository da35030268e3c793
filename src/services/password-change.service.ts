/**
 * A person changing their own password (Genesys Authentication `POST /auth/v3/change-password`,
 * genesys-api.md §2 A9; the login page's forced change) under the contact center's password
 * policy (domain/password-policy.ts; README "Signing in" → "Password change and policy").
 *
 * The caller has already proved the old password (or holds the proof of a sign-in that just did);
 * this service checks the new one, in this order, and reports every problem of the first failing
 * stage as `AppError('validation')` (400, Genesys code 10) with `status.detail.errors` on
 * `data.newPassword`:
 * 1. length (`password-min-length`), the 1024-character ceiling, no control characters;
 * 2. the user name (case-insensitively) must not appear in it;
 * 3. zxcvbn score ≥ `password-min-score`;
 * 4. not the current password nor one of the last `password-history` ones (argon2id verifications,
 *    so this stage runs last).
 * Then, in one transaction: the replaced hash goes to the history (trimmed to the policy's length),
 * the new argon2id hash is stored with `password_changed_at = now()`, `mustChangePassword` is
 * cleared, and every other grant, token and session of the user is revoked (the grant of the token
 * that asked, when there is one, is kept).
 */
import type { Knex } from 'knex';
import { PASSWORD_MAX_LENGTH } from '../domain/user.ts';
import { passwordPolicyFrom } from '../domain/password-policy.ts';
import type { PasswordPolicy } from '../domain/password-policy.ts';
import { userAccountId } from '../domain/user.ts';
import type { User } from '../domain/user.ts';
import { AppError, notFound } from '../errors/app-error.ts';
import type { FieldIssue } from '../errors/app-error.ts';
import type { AuditContext } from '../domain/audit-event.ts';
import { createContactCentersRepository } from '../repositories/contact-centers.repository.ts';
import { recordAudit } from './audit.service.ts';
import { createOidcPayloadsRepository } from '../repositories/oidc-payloads.repository.ts';
import { createPasswordHistoryRepository } from '../repositories/password-history.repository.ts';
import { createSettingsRepository } from '../repositories/settings.repository.ts';
import { createUsersRepository } from '../repositories/users.repository.ts';
import { hashSecret, verifySecret } from '../security/passwords.ts';
import { estimateStrength } from '../security/password-strength.ts';

/** The field problems are reported on. */
export const NEW_PASSWORD_FIELD = 'data.newPassword';

/** What a change needs: the user (as stored), the new password, and the grant to keep, if any. */
export interface PasswordChange {
  user: User;
  newPassword: string;
  /** The grant of the access token that asked for the change; every other grant is revoked. */
  keepGrantId?: string | undefined;
  /** Who asked and from where, for the audit trail (`user.password_changed`). */
  who: AuditContext;
  /** How the old password was proved: with an access token, with the user name, or on the login page. */
  via: 'token' | 'credentials' | 'sign_in';
}

export interface PasswordChangeService {
  /** The password policy of contact center `ccid` (defaults for settings it does not set). */
  policyOf(ccid: string): Promise<PasswordPolicy>;
  /**
   * Checks `change.newPassword` against the policy and stores it (see the module comment).
   * @throws AppError validation (the new password breaks the policy) | not_found (the user is gone)
   */
  change(change: PasswordChange): Promise<void>;
  /**
   * The login name (`domain\user`, the contact center's first domain) a user signs in with, for
   * the failed-login limits; undefined when the contact center has no domain.
   */
  loginNameOf(user: User): Promise<string | undefined>;
}

const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f]/;

/** Policy problems of `password` for `user` that need no hash (stages 1-3 of the module comment). */
export function policyProblems(policy: PasswordPolicy, user: Pick<User, 'username' | 'firstName' | 'lastName' | 'email'>, password: string): string[] {
  const length = [...password].length;
  if (length < policy.minLength) return [`must be at least ${policy.minLength} characters`];
  if (length > PASSWORD_MAX_LENGTH) return [`must be at most ${PASSWORD_MAX_LENGTH} characters`];
  if (CONTROL.test(password)) return ['must not contain control characters (other than tab)'];
  const name = user.username.trim().toLowerCase();
  if (name.length >= 3 && password.toLowerCase().includes(name)) return ['must not contain the user name'];
  if (policy.minScore > 0) {
    const inputs = [user.username, user.firstName ?? '', user.lastName ?? '', user.email ?? ''];
    const { score, hint } = estimateStrength(password, inputs);
    if (score < policy.minScore) return [`is too easy to guess (strength ${score} of 4, at least ${policy.minScore} required)${hint ? `: ${hint}` : ''}`];
  }
  return [];
}

function refused(problems: string[]): AppError {
  const issues: FieldIssue[] = problems.map((message) => ({ field: NEW_PASSWORD_FIELD, message }));
  return new AppError('validation', `validation failed: ${problems.map((p) => `${NEW_PASSWORD_FIELD}: ${p}`).join('; ')}`, issues);
}

/** Reads the password policy of a contact center through `db` (a knex instance or transaction). */
export async function readPasswordPolicy(db: Knex, ccid: string): Promise<PasswordPolicy> {
  const settings = await createSettingsRepository(db).list(ccid);
  return passwordPolicyFrom(new Map(settings.map((s) => [s.name, s.value])));
}

/** Builds the service over `deps.knex`. */
export function createPasswordChangeService(deps: { knex: Knex }): PasswordChangeService {
  const { knex } = deps;
  return {
    policyOf: (ccid) => readPasswordPolicy(knex, ccid),

    async loginNameOf(user) {
      const cc = await createContactCentersRepository(knex).find(user.ccid);
      const domain = cc?.domains[0];
      return domain ? `${domain}\\${user.username}` : undefined;
    },

    async change({ user, newPassword, keepGrantId, who, via }) {
      const policy = await readPasswordPolicy(knex, user.ccid);
      const problems = policyProblems(policy, user, newPassword);
      if (problems.length) throw refused(problems);

      const users = createUsersRepository(knex);
      const current = await users.findPasswordHash(user.ccid, user.id);
      if (current === undefined) throw notFound(`user ${user.id}`);
      const earlier = await createPasswordHistoryRepository(knex).recent(user.id, policy.history);
      for (const hash of [current, ...earlier]) {
        if (await verifySecret(hash, newPassword)) {
          throw refused([policy.history > 0 ? `must differ from the current password and the last ${policy.history} passwords` : 'must differ from the current password']);
        }
      }
      const passwordHash = await hashSecret(newPassword);

      await knex.transaction(async (trx) => {
        const repo = createUsersRepository(trx);
        const replaced = await repo.findPasswordHash(user.ccid, user.id);
        if (replaced === undefined) throw notFound(`user ${user.id}`);
        await createPasswordHistoryRepository(trx).push(user.id, replaced, policy.history);
        await repo.update(user.ccid, user.id, { passwordHash, mustChangePassword: false });
        const payloads = createOidcPayloadsRepository(trx);
        const accountId = userAccountId(user.id);
        const revoked = keepGrantId ? await payloads.revokeByAccountIdExceptGrant(accountId, keepGrantId) : await payloads.revokeByAccountId(accountId);
        await recordAudit(trx, who, { action: 'user.password_changed', targetType: 'user', targetId: user.id, details: { contactCenterId: user.ccid, via, revokedRows: revoked } });
      });
    },
  };
}
