/**
 * Business rules for contact-center users, `/environment/v3/contact-centers/{ccid}/users`
 * (ccauth's store of what Genesys keeps as CS Person objects; genesys-api.md §5.1, §5.2, §7).
 *
 * - Passwords are stored only as argon2id hashes, computed before any transaction opens.
 * - Usernames are unique per contact center in canonical form (NFC + lowercase), so `Alice` and
 *   `alice` are one login; the display form is kept as given (trimmed at the edge).
 * - Disabling a user, changing their password or deleting them revokes every token, code, grant
 *   and session they hold (`oidc_payloads` rows of account `user:<id>`) in the same transaction.
 * - Every operation first checks that the contact center exists: an unknown ccid is a 404.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { canonicalUsername, userAccountId } from '../domain/user.ts';
import type { User } from '../domain/user.ts';
import { AppError, notFound } from '../errors/app-error.ts';
import { PG_FOREIGN_KEY_VIOLATION, PG_UNIQUE_VIOLATION, isPgError } from '../db/knex.ts';
import { createOidcPayloadsRepository } from '../repositories/oidc-payloads.repository.ts';
import { createUsersRepository } from '../repositories/users.repository.ts';
import type { UserChanges, UsersRepository } from '../repositories/users.repository.ts';
import { hashSecret } from '../security/passwords.ts';
import { createPasswordHistoryRepository } from '../repositories/password-history.repository.ts';
import { readPasswordPolicy } from './password-change.service.ts';

/**
 * Input of `create`, already validated at the edge: `username` trimmed and free of `\` and control
 * characters, `password` 8-1024 characters (plaintext; hashed here, never stored or returned).
 */
export interface UserInput {
  username: string;
  password: string;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  authorities: string[];
  properties: Record<string, string>;
  enabled: boolean;
  /** The user must choose a new password at the next sign-in (absent: false). */
  mustChangePassword?: boolean | undefined;
  /** Genesys "Use External User ID" (single sign-on); null = none. */
  externalId?: string | null;
}

/** Fields `update` may change; absent keys keep their value, `null` clears a name or the email. */
export type UserPatch = Partial<UserInput>;

/** The users of one contact center. Every method throws AppError not_found for an unknown ccid. */
export interface UsersService {
  /** Creates a user with a server-assigned id and dbid. @throws AppError not_found | already_exists */
  create(ccid: string, input: UserInput): Promise<User>;
  /** Users of the contact center, ordered by dbid. @throws AppError not_found */
  list(ccid: string): Promise<User[]>;
  /** @throws AppError not_found (contact center or user) */
  get(ccid: string, id: string): Promise<User>;
  /**
   * Partial merge; a new password is re-hashed. Revokes the user's tokens when the password
   * changes or the user ends up disabled. @throws AppError not_found | already_exists
   */
  update(ccid: string, id: string, patch: UserPatch): Promise<User>;
  /** Deletes the user and revokes everything they hold. @throws AppError not_found */
  delete(ccid: string, id: string): Promise<void>;
}

const unknownContactCenter = (ccid: string): AppError => notFound(`contact center ${ccid}`);

/** Translates constraint violations of `users` into client-visible errors. */
function translate(err: unknown, ccid: string, username: string | undefined): never {
  if (isPgError(err, PG_UNIQUE_VIOLATION) && err.constraint === 'users_ccid_external_id_unique') {
    throw new AppError('already_exists', `another user of contact center ${ccid} has this externalId`);
  }
  if (isPgError(err, PG_UNIQUE_VIOLATION)) {
    const who = username !== undefined ? `user ${username}` : 'user';
    throw new AppError('already_exists', `${who} already exists in contact center ${ccid}`);
  }
  // The contact center was deleted between our check and the insert.
  if (isPgError(err, PG_FOREIGN_KEY_VIOLATION)) throw unknownContactCenter(ccid);
  throw err;
}

async function requireContactCenter(repo: UsersRepository, ccid: string): Promise<void> {
  if (!(await repo.contactCenterExists(ccid))) throw unknownContactCenter(ccid);
}

function dedupe(values: string[]): string[] {
  return [...new Set(values)];
}

/** Builds the users service over `knex` (transactions are opened here). */
export function createUsersService(deps: { knex: Knex }): UsersService {
  const { knex } = deps;
  return {
    async create(ccid, input) {
      const passwordHash = await hashSecret(input.password);
      return knex
        .transaction(async (trx) => {
          const repo = createUsersRepository(trx);
          await requireContactCenter(repo, ccid);
          return repo.insert({
            id: randomUUID(),
            ccid,
            username: input.username,
            usernameCanonical: canonicalUsername(input.username),
            passwordHash,
            firstName: input.firstName,
            lastName: input.lastName,
            email: input.email,
            authorities: dedupe(input.authorities),
            properties: input.properties,
            enabled: input.enabled,
            mustChangePassword: input.mustChangePassword ?? false,
            externalId: input.externalId ?? null,
          });
        })
        .catch((err) => translate(err, ccid, input.username));
    },

    async list(ccid) {
      const repo = createUsersRepository(knex);
      await requireContactCenter(repo, ccid);
      return repo.listByContactCenter(ccid);
    },

    async get(ccid, id) {
      const repo = createUsersRepository(knex);
      await requireContactCenter(repo, ccid);
      const user = await repo.find(ccid, id);
      if (!user) throw notFound(`user ${id}`);
      return user;
    },

    async update(ccid, id, patch) {
      const passwordHash = patch.password !== undefined ? await hashSecret(patch.password) : undefined;
      const changes: UserChanges = {
        username: patch.username,
        usernameCanonical: patch.username !== undefined ? canonicalUsername(patch.username) : undefined,
        passwordHash,
        firstName: patch.firstName,
        lastName: patch.lastName,
        email: patch.email,
        authorities: patch.authorities !== undefined ? dedupe(patch.authorities) : undefined,
        properties: patch.properties,
        enabled: patch.enabled,
        mustChangePassword: patch.mustChangePassword,
        externalId: patch.externalId,
      };
      return knex
        .transaction(async (trx) => {
          const repo = createUsersRepository(trx);
          await requireContactCenter(repo, ccid);
          if (passwordHash !== undefined) {
            // the replaced password joins the history the password policy checks (README "Password change and policy")
            const replaced = await repo.findPasswordHash(ccid, id);
            if (replaced !== undefined) await createPasswordHistoryRepository(trx).push(id, replaced, (await readPasswordPolicy(trx, ccid)).history);
          }
          const user = await repo.update(ccid, id, changes);
          if (!user) throw notFound(`user ${id}`);
          if (passwordHash !== undefined || !user.enabled) {
            await createOidcPayloadsRepository(trx).revokeByAccountId(userAccountId(id));
          }
          return user;
        })
        .catch((err) => translate(err, ccid, patch.username));
    },

    async delete(ccid, id) {
      await knex.transaction(async (trx) => {
        const repo = createUsersRepository(trx);
        await requireContactCenter(repo, ccid);
        if (!(await repo.delete(ccid, id))) throw notFound(`user ${id}`);
        await createOidcPayloadsRepository(trx).revokeByAccountId(userAccountId(id));
      });
    },
  };
}
