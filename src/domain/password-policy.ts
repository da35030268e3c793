/**
 * The password policy of a contact center, kept as contact-center settings (the same
 * `/environment/v3/contact-centers/{ccid}/settings` route that holds `cors-origins`; README
 * "Signing in" → "Password change and policy"). Configuration Server keeps such rules per tenant in
 * its `[security-authentication-rules]` section; ccauth keeps them per contact center.
 *
 * | setting | default | meaning |
 * | --- | --- | --- |
 * | `password-min-length` | 12 | fewest characters (Unicode code points) of a new password, 8-1024 |
 * | `password-history` | 5 | how many earlier passwords a new one may not repeat (0-24) |
 * | `password-max-age-days` | 0 | days after which a password must be changed (0: never; up to 3650) |
 * | `password-min-score` | 2 | least zxcvbn strength score, 0 (anything) to 4 (very strong) |
 *
 * A new password is also refused when it contains the user name (case-insensitively). The policy
 * applies where a person chooses a password (`POST /auth/v3/change-password`, the login page's
 * forced change); passwords an administrator sets through the users API keep the users API's own
 * rule (8-1024 characters) and are typically temporary (`mustChangePassword`).
 */
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from './user.ts';

/** Setting names of the password policy. */
export const PASSWORD_SETTINGS = {
  minLength: 'password-min-length',
  history: 'password-history',
  maxAgeDays: 'password-max-age-days',
  minScore: 'password-min-score',
} as const;

/** A contact center's password policy; every number is a count, days or a 0-4 score. */
export interface PasswordPolicy {
  /** Fewest code points of a new password. */
  minLength: number;
  /** Earlier passwords (besides the current one) a new password may not repeat. */
  history: number;
  /** Days a password lives; 0 = forever. */
  maxAgeDays: number;
  /** Least zxcvbn score (0-4). */
  minScore: number;
}

/** The policy of a contact center that sets none of the settings. */
export const DEFAULT_PASSWORD_POLICY: Readonly<PasswordPolicy> = Object.freeze({ minLength: 12, history: 5, maxAgeDays: 0, minScore: 2 });

const RANGES: Record<string, readonly [keyof PasswordPolicy, number, number]> = {
  [PASSWORD_SETTINGS.minLength]: ['minLength', PASSWORD_MIN_LENGTH, PASSWORD_MAX_LENGTH],
  [PASSWORD_SETTINGS.history]: ['history', 0, 24],
  [PASSWORD_SETTINGS.maxAgeDays]: ['maxAgeDays', 0, 3650],
  [PASSWORD_SETTINGS.minScore]: ['minScore', 0, 4],
};

/** True when `name` is one of the password-policy settings. */
export function isPasswordSetting(name: string): boolean {
  return Object.hasOwn(RANGES, name);
}

/**
 * Checks the value of a password-policy setting: a whole number (decimal digits, surrounding white
 * space ignored) within the setting's range. Returns the value to store, or an error message.
 */
export function checkPasswordSetting(name: string, value: string): { value: string } | { error: string } {
  const range = RANGES[name];
  if (!range) return { value };
  const [, min, max] = range;
  const trimmed = value.trim();
  if (!/^\d{1,5}$/.test(trimmed)) return { error: `${name} must be a whole number from ${min} to ${max}` };
  const n = Number(trimmed);
  if (n < min || n > max) return { error: `${name} must be a whole number from ${min} to ${max}` };
  return { value: String(n) };
}

/** The policy from a contact center's settings (`name → value`); missing or bad values take the default. */
export function passwordPolicyFrom(settings: ReadonlyMap<string, string>): PasswordPolicy {
  const policy: PasswordPolicy = { ...DEFAULT_PASSWORD_POLICY };
  for (const [name, [key]] of Object.entries(RANGES)) {
    const raw = settings.get(name);
    if (raw === undefined) continue;
    const checked = checkPasswordSetting(name, raw);
    if ('value' in checked) policy[key] = Number(checked.value);
  }
  return policy;
}

/**
 * True when a password set at `changedAtMs` (epoch ms) has outlived `maxAgeDays` at `nowMs`
 * (`maxAgeDays` 0 or absent: never).
 */
export function passwordExpired(changedAtMs: number, maxAgeDays: number | null | undefined, nowMs = Date.now()): boolean {
  if (!maxAgeDays || maxAgeDays <= 0) return false;
  return nowMs - changedAtMs >= maxAgeDays * 86_400_000;
}
