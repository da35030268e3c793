/**
 * A contact-center user (a Genesys CS Person) and the principals that can hold tokens.
 */

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
