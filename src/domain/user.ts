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
  /** The user must choose a new password before any token is issued (README "Password change and policy"). */
  mustChangePassword: boolean;
  /** When the password was last set, epoch milliseconds. */
  passwordChangedAt: number;
  /** Epoch milliseconds. */
  createdAt: number;
  /**
   * Genesys "Use External User ID": the user's id at the contact center's identity provider
   * (single sign-on `userMatch: "externalId"`), unique per contact center; null when unset.
   */
  externalId?: string | null;
}

/** A user row plus its contact center's environment, as the password grant and userinfo need it. */
export interface UserWithContext extends User {
  environmentId: string;
}

/**
 * Default-ignorable code points (Unicode `Default_Ignorable_Code_Point`): zero-width space/joiners
 * (U+200B-U+200D), word joiner, BOM / zero-width no-break space (U+FEFF), soft hyphen, variation
 * selectors, Hangul fillers, bidirectional controls, tag characters. They render as nothing.
 */
const DEFAULT_IGNORABLE = /\p{Default_Ignorable_Code_Point}/gu;

/**
 * Locale-free full case folding: lowercase, uppercase, lowercase again (so `ß`, `ẞ` and `SS` all
 * fold to `ss`, dotless `ı` to `i`), then the Greek final sigma `ς` to `σ`.
 */
function foldCase(s: string): string {
  return s.toLowerCase().toUpperCase().toLowerCase().replace(/ς/g, 'σ');
}

/**
 * Canonical form of a name a person types to log in (a username or a contact-center login domain;
 * UTS #39 / RFC 8265 "UsernameCaseMapped" in spirit): Unicode NFKC (full-width `ａｌｉｃｅ` →
 * `alice`, ligatures and other compatibility forms unfolded, `é` and `e`+U+0301 one character),
 * default-ignorable code points removed (zero-width and bidi characters), white space trimmed and
 * runs of it collapsed to one U+0020, case folded ({@link foldCase}), NFKC again (case mapping can
 * denormalize). Idempotent. Two names with the same canonical form are the same login.
 */
export function canonicalLoginName(name: string): string {
  const folded = foldCase(
    name
      .normalize('NFKC')
      .replace(DEFAULT_IGNORABLE, '')
      .trim()
      .replace(/\s+/gu, ' '),
  );
  return folded.normalize('NFKC').replace(DEFAULT_IGNORABLE, '').trim().replace(/\s+/gu, ' ');
}

/**
 * Canonical username form ({@link canonicalLoginName}): stored in `users.username_canonical`
 * (unique per contact center) at create/rename time and computed again from what is typed at
 * login (password grant, sign-in page, lockout keys), so `Alice`, `ＡＬＩＣＥ`, `alice\u200B` and
 * ` alice ` are one account. Migration 013 recomputes stored values.
 */
export function canonicalUsername(username: string): string {
  return canonicalLoginName(username);
}

/**
 * Scripts whose letters are confusable with each other (`а` Cyrillic / `a` Latin, `ο` Greek /
 * `o` Latin): a name may use letters of at most one of them (UTS #39 §5.1 "single script" for
 * these three).
 */
const CONFUSABLE_SCRIPTS = [
  ['Latin', /\p{Script=Latin}/u],
  ['Greek', /\p{Script=Greek}/u],
  ['Cyrillic', /\p{Script=Cyrillic}/u],
] as const;

/** The confusable scripts ({@link CONFUSABLE_SCRIPTS}: Latin, Greek, Cyrillic, in that order) whose letters appear in `s`. */
export function confusableScriptsOf(s: string): string[] {
  const letters = [...s.normalize('NFKC')].filter((ch) => /\p{L}/u.test(ch)).join('');
  return CONFUSABLE_SCRIPTS.filter(([, re]) => re.test(letters)).map(([name]) => name);
}

/**
 * Why a login name (username or domain) is not acceptable because it could pass for another one,
 * or undefined: it contains default-ignorable (invisible) or bidirectional formatting characters,
 * or mixes Latin, Greek and Cyrillic letters.
 */
export function confusableNameProblem(name: string): string | undefined {
  if (/\p{Default_Ignorable_Code_Point}/u.test(name)) {
    return 'must not contain invisible or bidirectional formatting characters (such as U+200B ZERO WIDTH SPACE)';
  }
  const scripts = confusableScriptsOf(name);
  if (scripts.length > 1) return `must not mix ${scripts.join(' and ')} letters (they look alike)`;
  return undefined;
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
 * `domain\user` login, genesys-api.md §7; full-width `＼` included), control characters or unpaired
 * surrogates (it must survive the UTF-8 round trip through PostgreSQL unchanged, or login would not
 * find it), invisible or bidirectional formatting characters, or letters of more than one of
 * Latin, Greek and Cyrillic ({@link confusableNameProblem}); its canonical form must not be empty.
 */
export function usernameProblem(username: string): string | undefined {
  if (username.length === 0) return 'must not be empty';
  if (username.length > USERNAME_MAX_LENGTH) return `must be at most ${USERNAME_MAX_LENGTH} characters`;
  if (/\p{Cs}/u.test(username)) return 'must be valid Unicode (no unpaired surrogates)';
  if (username.normalize('NFKC').includes('\\')) return 'must not contain a backslash (it separates the domain at login)';
  if (/\p{Cc}/u.test(username)) return 'must not contain control characters';
  const confusable = confusableNameProblem(username);
  if (confusable) return confusable;
  if (canonicalUsername(username).length === 0) return 'must not be empty';
  return undefined;
}
