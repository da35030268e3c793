/**
 * Configuration: the only reader of `process.env`.
 *
 * `loadConfig(env)` validates the environment with zod and returns a frozen {@link Config}.
 * Every bad value is reported in one {@link ConfigError} whose message lists each variable and
 * what is wrong with it, so `npm start` fails with a readable explanation instead of a stack trace.
 *
 * Variables (all optional): PORT (8080), HOST (0.0.0.0), PUBLIC_URL (the OAuth issuer,
 * `http://localhost:PORT`), DATABASE_URL (PostgreSQL; embedded PGlite under DATA_DIR when unset),
 * DATA_DIR (./data), OPS_USERNAME / OPS_PASSWORD (ops / ops) or OPS_PASSWORD_HASH (argon2id or
 * bcrypt PHC string), NODE_ENV (development | test | production), LOG_LEVEL (info), TRUST_PROXY,
 * COOKIE_KEYS (comma-separated), PURGE_INTERVAL_SECONDS (300), REFRESH_REUSE_GRACE_SECONDS (10),
 * CORS_ORIGINS (comma-separated origins allowed on the OAuth endpoints for every client, on top of
 * each contact center's `cors-origins` setting), LOGIN_MAX_FAILURES (5), LOGIN_LOCKOUT_SECONDS (60),
 * LOGIN_LOCKOUT_MAX_SECONDS (900; at least LOGIN_LOCKOUT_SECONDS), METRICS_TOKEN (Bearer token
 * required on GET /metrics, at least 16 characters; open when unset), WORKERS (1: `node:cluster`
 * worker processes sharing the port and the database).
 *
 * Signing keys (README "Signing keys"): KEY_ENCRYPTION_KEY (32 bytes as hex/base64/base64url; a
 * comma-separated list to rotate it: the first seals, all open; required in production, otherwise a
 * generated key is kept in DATA_DIR/key-encryption-key), SIGNING_KEY_ALG (ES256),
 * KEY_ROTATION_DELAY_SECONDS (3600), KEY_REFRESH_INTERVAL_SECONDS (5), JWT_ACCESS_TOKEN_AUDIENCE
 * (`PUBLIC_URL/api`).
 */
import { z } from 'zod';
import { parseKeyEncryptionKey } from '../security/seal.ts';
import { parseCorsOrigins } from '../domain/environment.ts';

/** Default ops credentials from the Genesys values.yaml (seed 003). Refused in production. */
export const DEFAULT_OPS_USERNAME = 'ops';
export const DEFAULT_OPS_PASSWORD = 'ops';

const PHC_PATTERN = /^(\$argon2(id|i|d)\$|\$2[aby]\$\d{2}\$)/;

const boolish = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const envSchema = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(8080),
    HOST: z.string().min(1).default('0.0.0.0'),
    PUBLIC_URL: z
      .url({ protocol: /^https?$/, message: 'must be an absolute http(s) URL' })
      .optional(),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
      .optional(),
    DATA_DIR: z.string().min(1).default('./data'),
    OPS_USERNAME: z.string().min(1).max(256).default(DEFAULT_OPS_USERNAME),
    OPS_PASSWORD: z.string().min(1).max(1024).optional(),
    OPS_PASSWORD_HASH: z
      .string()
      .regex(PHC_PATTERN, 'must be an argon2id or bcrypt hash (PHC string starting with $argon2id$ or $2b$)')
      .optional(),
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    TRUST_PROXY: boolish.default(false),
    COOKIE_KEYS: z.string().min(1).optional(),
    PURGE_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(86_400).default(300),
    KEY_ENCRYPTION_KEY: z.string().min(1).optional(),
    SIGNING_KEY_ALG: z.enum(['ES256', 'ES384', 'PS256', 'RS256']).default('ES256'),
    KEY_ROTATION_DELAY_SECONDS: z.coerce.number().int().min(0).max(30 * 86_400).default(3600),
    KEY_REFRESH_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(3600).default(5),
    JWT_ACCESS_TOKEN_AUDIENCE: z
      .string()
      .refine((v) => URL.canParse(v) && !v.includes('#'), 'must be an absolute URI without a fragment (RFC 8707 §2)')
      .optional(),
    LOGIN_MAX_FAILURES: z.coerce.number().int().min(1).max(1000).default(5),
    LOGIN_LOCKOUT_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
    LOGIN_LOCKOUT_MAX_SECONDS: z.coerce.number().int().min(1).max(604_800).default(900),
    REFRESH_REUSE_GRACE_SECONDS: z.coerce.number().int().min(0).max(300).default(10),
    METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').max(1024).regex(/^\S+$/, 'must not contain whitespace').optional(),
    WORKERS: z.coerce.number().int().min(1).max(64).default(1),
    CORS_ORIGINS: z
      .string()
      .superRefine((v, ctx) => {
        const r = parseCorsOrigins(v);
        if ('bad' in r) ctx.addIssue({ code: 'custom', message: `"${r.bad.slice(0, 100)}" is not an origin: ${r.error}` });
      })
      .optional(),
  })
  .refine((e) => e.LOGIN_LOCKOUT_MAX_SECONDS >= e.LOGIN_LOCKOUT_SECONDS, {
    message: 'must be at least LOGIN_LOCKOUT_SECONDS',
    path: ['LOGIN_LOCKOUT_MAX_SECONDS'],
  })
  .refine((e) => e.WORKERS === 1 || e.DATABASE_URL, {
    message: 'more than one worker needs DATABASE_URL (the embedded PGlite database belongs to one process)',
    path: ['WORKERS'],
  })
  .refine((e) => !(e.OPS_PASSWORD && e.OPS_PASSWORD_HASH), {
    message: 'set either OPS_PASSWORD or OPS_PASSWORD_HASH, not both',
    path: ['OPS_PASSWORD_HASH'],
  });

/** Validated, frozen process configuration. Durations carry their unit in the name. */
export interface Config {
  readonly port: number;
  readonly host: string;
  /** The issuer and the base of every advertised URL, without a trailing slash. */
  readonly publicUrl: string;
  /** Undefined means the embedded PGlite database under {@link dataDir}. */
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  readonly ops: {
    readonly username: string;
    /** Plaintext from OPS_PASSWORD (or the default); undefined when a hash is configured. */
    readonly password: string | undefined;
    /** PHC string from OPS_PASSWORD_HASH; undefined when a plaintext password is configured. */
    readonly passwordHash: string | undefined;
    /** True while the Genesys default `ops:ops` is in force (a warning; refused in production). */
    readonly usingDefaults: boolean;
  };
  readonly nodeEnv: 'development' | 'test' | 'production';
  readonly logLevel: string;
  readonly trustProxy: boolean;
  /** Keys for signed cookies (koa `app.keys` and oidc-provider `cookies.keys`). */
  readonly cookieKeys: readonly string[];
  readonly purgeIntervalMs: number;
  /**
   * KEY_ENCRYPTION_KEY: AES-256 keys sealing the private signing keys (the first seals, every one
   * opens). Undefined outside production means "use the generated key file under DATA_DIR".
   */
  readonly keyEncryptionKeys: readonly Buffer[] | undefined;
  /** JWS algorithm of newly generated signing keys. */
  readonly signingKeyAlg: 'ES256' | 'ES384' | 'PS256' | 'RS256';
  /** Minimum age of a `next` signing key before the periodic check makes it `current`. */
  readonly keyRotationDelaySeconds: number;
  /** Period of the signing-key check (promotion, expiry, provider rebuild on change). */
  readonly keyRefreshIntervalMs: number;
  /** Resource indicator and `aud` of RFC 9068 JWT access tokens. */
  readonly jwtAccessTokenAudience: string;
  /**
   * Login-page lockout (README "Signing in"): `maxFailures` consecutive failures for one login
   * name lock it for `lockoutSeconds`, doubling per further lock up to `lockoutMaxSeconds`.
   */
  readonly loginLockout: { readonly maxFailures: number; readonly lockoutSeconds: number; readonly lockoutMaxSeconds: number };
  /** CORS_ORIGINS: normalized origins (`scheme://host[:port]`) allowed on the OAuth endpoints for every client. */
  readonly corsOrigins: readonly string[];
  /** Seconds a rotated refresh token's successor is handed out again to a duplicate request. */
  readonly refreshReuseGraceSeconds: number;
  /** METRICS_TOKEN: Bearer token required on `GET /metrics`; undefined leaves it open. */
  readonly metricsToken: string | undefined;
  /** WORKERS: `node:cluster` worker processes serving HTTP (1 = no cluster). */
  readonly workers: number;
}

/** Thrown by {@link loadConfig}; `issues` holds one human-readable line per bad variable. */
export class ConfigError extends Error {
  readonly issues: readonly string[];
  constructor(issues: string[]) {
    super(`invalid configuration:\n  - ${issues.join('\n  - ')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/**
 * Reads and validates the configuration.
 * @param env usually `process.env`; tests pass a plain object.
 * @throws ConfigError listing every invalid variable, or when `NODE_ENV=production` runs on the
 *   default ops credentials or without COOKIE_KEYS.
 */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => `${i.path.join('.') || 'environment'}: ${i.message}`),
    );
  }
  const e = parsed.data;
  const password = e.OPS_PASSWORD_HASH ? undefined : (e.OPS_PASSWORD ?? DEFAULT_OPS_PASSWORD);
  const usingDefaults =
    e.OPS_USERNAME === DEFAULT_OPS_USERNAME && password === DEFAULT_OPS_PASSWORD;
  const issues: string[] = [];
  if (e.NODE_ENV === 'production' && usingDefaults) {
    issues.push('OPS_PASSWORD: the default ops credentials (ops:ops) are refused in production; set OPS_PASSWORD or OPS_PASSWORD_HASH');
  }
  if (e.NODE_ENV === 'production' && password === DEFAULT_OPS_PASSWORD) {
    if (!usingDefaults) issues.push('OPS_PASSWORD: the default password "ops" is refused in production');
  }
  if (e.NODE_ENV === 'production' && !e.COOKIE_KEYS) {
    issues.push('COOKIE_KEYS: required in production (comma-separated random strings, the same on every process)');
  }
  let keyEncryptionKeys: Buffer[] | undefined;
  if (e.KEY_ENCRYPTION_KEY) {
    try {
      keyEncryptionKeys = e.KEY_ENCRYPTION_KEY.split(',').map((k) => k.trim()).filter(Boolean).map(parseKeyEncryptionKey);
    } catch (err) {
      issues.push(`KEY_ENCRYPTION_KEY: ${(err as Error).message}`);
    }
  } else if (e.NODE_ENV === 'production') {
    issues.push('KEY_ENCRYPTION_KEY: required in production (32 random bytes, e.g. `openssl rand -base64 32`, the same on every process)');
  }
  if (issues.length) throw new ConfigError(issues);

  const publicUrl = (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, '');
  const cookieKeys = e.COOKIE_KEYS
    ? e.COOKIE_KEYS.split(',').map((k) => k.trim()).filter(Boolean)
    : [`dev-only-cookie-key-${publicUrl}`];

  const parsedCors = parseCorsOrigins(e.CORS_ORIGINS ?? '');
  const corsOrigins = 'origins' in parsedCors ? parsedCors.origins : [];

  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    publicUrl,
    databaseUrl: e.DATABASE_URL,
    dataDir: e.DATA_DIR,
    ops: Object.freeze({
      username: e.OPS_USERNAME,
      password,
      passwordHash: e.OPS_PASSWORD_HASH,
      usingDefaults,
    }),
    nodeEnv: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    trustProxy: e.TRUST_PROXY,
    cookieKeys: Object.freeze(cookieKeys),
    purgeIntervalMs: e.PURGE_INTERVAL_SECONDS * 1000,
    keyEncryptionKeys: keyEncryptionKeys ? Object.freeze(keyEncryptionKeys) : undefined,
    signingKeyAlg: e.SIGNING_KEY_ALG,
    keyRotationDelaySeconds: e.KEY_ROTATION_DELAY_SECONDS,
    keyRefreshIntervalMs: e.KEY_REFRESH_INTERVAL_SECONDS * 1000,
    jwtAccessTokenAudience: e.JWT_ACCESS_TOKEN_AUDIENCE ?? `${publicUrl}/api`,
    loginLockout: Object.freeze({
      maxFailures: e.LOGIN_MAX_FAILURES,
      lockoutSeconds: e.LOGIN_LOCKOUT_SECONDS,
      lockoutMaxSeconds: e.LOGIN_LOCKOUT_MAX_SECONDS,
    }),
    refreshReuseGraceSeconds: e.REFRESH_REUSE_GRACE_SECONDS,
    metricsToken: e.METRICS_TOKEN,
    workers: e.WORKERS,
    corsOrigins: Object.freeze(corsOrigins),
  });
}
