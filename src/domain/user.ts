/**
 * A contact-center user (a Genesys CS Person) and the principals that can hold tokens
 * (genesys-api.md §5.1, §5.2, §7). Timestamps are epoch milliseconds.
 */

/** A contact-center user as stored (without its password hash). */
export interface User {
  id: string;
  /** The CCID the user belongs to. */
  ccid: string;
  /** As given at creation (display form). */
  username: string;
  /** Server-assigned integer id (Genesys DBID). */
  dbid: number;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  authorities: string[];
  properties: Record<string, string>;
  enabled: boolean;
  /** Epoch milliseconds. */
  createdAt: number;
}

/** A user row plus its contact center's environment, as the password grant and userinfo need it. */
export interface UserWithContext extends User {
  environmentId: string;
}

/**
 * Canonical username form: Unicode NFC, then case-folded with `toLowerCase()` (locale-free).
 * Used at create time (uniqueness) and at login, so `Alice` and `alice` are one account.
 */
export function canonicalUsername(username: string): string {
  return username.normalize('NFC').toLowerCase();
}

/** The account id oidc-provider keeps for the ops principal. */
export const OPS_ACCOUNT_ID = 'ops';
/** Prefix of account ids of contact-center users: `user:<uuid>`. */
export const USER_ACCOUNT_PREFIX = 'user:';

/** The oidc-provider account id (`oidc_payloads.account_id`) of a contact-center user: `user:<uuid>`. */
export function userAccountId(userId: string): string {
  return `${USER_ACCOUNT_PREFIX}${userId}`;
}

/** Longest username, in UTF-16 code units, after trimming. */
export const USERNAME_MAX_LENGTH = 255;
/** Shortest accepted password, in UTF-16 code units. */
export const PASSWORD_MIN_LENGTH = 8;
/** Longest accepted password, in UTF-16 code units (the password grant refuses longer ones too). */
export const PASSWORD_MAX_LENGTH = 1024;

/**
 * Why a (trimmed) username cannot be used, or undefined when it can. A username must be
 * 1-{@link USERNAME_MAX_LENGTH} characters, must not contain `\` (it separates the domain in a
 * `domain\user` login, genesys-api.md §7), control characters or unpaired surrogates (it must
 * survive the UTF-8 round trip through PostgreSQL unchanged, or login would not find it).
 */
export function usernameProblem(username: string): string | undefined {
  if (username.length === 0) return 'must not be empty';
  if (username.length > USERNAME_MAX_LENGTH) return `must be at most ${USERNAME_MAX_LENGTH} characters`;
  if (username.includes('\\')) return 'must not contain a backslash (it separates the domain at login)';
  if (/\p{Cc}/u.test(username)) return 'must not contain control characters';
  if (/\p{Cs}/u.test(username)) return 'must be valid Unicode (no unpaired surrogates)';
  return undefined;
}
