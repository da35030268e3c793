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
 * COOKIE_KEYS (comma-separated), PURGE_INTERVAL_SECONDS (300), AUDIT_RETENTION_DAYS (365; 0 keeps
 * audit events forever), REFRESH_REUSE_GRACE_SECONDS (10),
 * CORS_ORIGINS (comma-separated origins allowed on the OAuth endpoints for every client, on top of
 * each contact center's `cors-origins` setting), LOGIN_MAX_FAILURES (5), LOGIN_LOCKOUT_SECONDS (60),
 * LOGIN_LOCKOUT_MAX_SECONDS (900; at least LOGIN_LOCKOUT_SECONDS), RATE_LIMIT_WINDOW_SECONDS (900),
 * RATE_LIMIT_BLOCK_SECONDS (900), RATE_LIMIT_CLIENT_ADDRESS_FAILURES (10), RATE_LIMIT_CLIENT_FAILURES
 * (100), RATE_LIMIT_USER_FAILURES (50), RATE_LIMIT_ADDRESS_FAILURES (200),
 * RATE_LIMIT_KNOWN_ADDRESS_DAYS (30) (README "Security model"), METRICS_TOKEN (Bearer token
 * required on GET /metrics, at least 16 characters; open when unset), WORKERS (1: `node:cluster`
 * worker processes sharing the port and the database).
 *
 * Database fault bounds (README "Security model" → "Concurrency and faults"; PostgreSQL only, 0
 * disables one): DATABASE_CONNECT_TIMEOUT_MS (5000), DATABASE_ACQUIRE_TIMEOUT_MS (10000: waiting
 * for a pooled connection), DATABASE_QUERY_TIMEOUT_MS (30000: `statement_timeout` of every
 * statement but migrations).
 *
 * Request size limits (README "Security model" → "Hostile input"): ADMIN_BODY_LIMIT_BYTES (102400:
 * ops and Environment API JSON bodies), OAUTH_BODY_LIMIT_BYTES (16384, at most 57344: OAuth endpoint
 * form bodies), MAX_HEADER_BYTES (16384: all request headers of one request; over it → 431).
 *
 * Signing keys (README "Signing keys"): KEY_ENCRYPTION_KEY (32 bytes as hex/base64/base64url; a
 * comma-separated list to rotate it: the first seals, all open; required in production, otherwise a
 * generated key is kept in DATA_DIR/key-encryption-key), SIGNING_KEY_ALG (ES256),
 * KEY_ROTATION_DELAY_SECONDS (3600), KEY_REFRESH_INTERVAL_SECONDS (5), JWT_ACCESS_TOKEN_AUDIENCE
 * (`PUBLIC_URL/api`).
 *
 * Grants (README "API"): JWT_BEARER_MAX_LIFETIME_SECONDS (300).
 */
import { z } from 'zod';
import { parseKeyEncryptionKey } from '../security/seal.ts';
import { parseCorsOrigins } from '../domain/environment.ts';

/** Default ops credentials from the Genesys values.yaml (seed 003). Refused in production. */
export const DEFAULT_OPS_USERNAME = 'ops';
export const DEFAULT_OPS_PASSWORD = 'ops';

/** oidc-provider reads at most 56 KiB of a form body itself; OAUTH_BODY_LIMIT_BYTES cannot exceed it. */
export const OAUTH_BODY_LIMIT_CEILING_BYTES = 56 * 1024;

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
    AUDIT_RETENTION_DAYS: z.coerce.number().int().min(0).max(36_500).default(365),
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
    RATE_LIMIT_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86_400).default(900),
    RATE_LIMIT_BLOCK_SECONDS: z.coerce.number().int().min(1).max(86_400).default(900),
    RATE_LIMIT_CLIENT_ADDRESS_FAILURES: z.coerce.number().int().min(1).max(1_000_000).default(10),
    RATE_LIMIT_CLIENT_FAILURES: z.coerce.number().int().min(1).max(1_000_000).default(100),
    RATE_LIMIT_USER_FAILURES: z.coerce.number().int().min(1).max(1_000_000).default(50),
    RATE_LIMIT_ADDRESS_FAILURES: z.coerce.number().int().min(1).max(1_000_000).default(200),
    RATE_LIMIT_KNOWN_ADDRESS_DAYS: z.coerce.number().int().min(0).max(365).default(30),
    REFRESH_REUSE_GRACE_SECONDS: z.coerce.number().int().min(0).max(300).default(10),
    JWT_BEARER_MAX_LIFETIME_SECONDS: z.coerce.number().int().min(1).max(3600).default(300),
    METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').max(1024).regex(/^\S+$/, 'must not contain whitespace').optional(),
    WORKERS: z.coerce.number().int().min(1).max(64).default(1),
    DATABASE_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(0).max(600_000).default(5000),
    DATABASE_ACQUIRE_TIMEOUT_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
    DATABASE_QUERY_TIMEOUT_MS: z.coerce.number().int().min(0).max(3_600_000).default(30_000),
    ADMIN_BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(10 * 1024 * 1024).default(100 * 1024),
    OAUTH_BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(OAUTH_BODY_LIMIT_CEILING_BYTES, `must be at most ${OAUTH_BODY_LIMIT_CEILING_BYTES} (oidc-provider's own limit)`).default(16 * 1024),
    MAX_HEADER_BYTES: z.coerce.number().int().min(4096).max(1024 * 1024).default(16 * 1024),
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
   * AUDIT_RETENTION_DAYS: audit events older than this many days are deleted by the purge job
   * (README "Audit and secrets hygiene"); 0 keeps them forever. Default 365.
   */
  readonly auditRetentionDays: number;
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
  /**
   * Failed-authentication limits (README "Security model"; services/rate-limit.service.ts): failures
   * counted per window, then refused for `blockSeconds`; `knownAddressSeconds` 0 disables the
   * known-address exemption.
   */
  readonly rateLimits: {
    readonly windowSeconds: number;
    readonly blockSeconds: number;
    readonly clientAddressFailures: number;
    readonly clientFailures: number;
    readonly userFailures: number;
    readonly addressFailures: number;
    readonly knownAddressSeconds: number;
  };
  /** CORS_ORIGINS: normalized origins (`scheme://host[:port]`) allowed on the OAuth endpoints for every client. */
  readonly corsOrigins: readonly string[];
  /** Seconds a rotated refresh token's successor is handed out again to a duplicate request. */
  readonly refreshReuseGraceSeconds: number;
  /**
   * JWT_BEARER_MAX_LIFETIME_SECONDS (300): how far ahead of now a jwt-bearer grant assertion's
   * `exp` may be, and how old its `iat` (RFC 7523 §3 items 4 and 6).
   */
  readonly jwtBearerMaxLifetimeSeconds: number;
  /** METRICS_TOKEN: Bearer token required on `GET /metrics`; undefined leaves it open. */
  readonly metricsToken: string | undefined;
  /** WORKERS: `node:cluster` worker processes serving HTTP (1 = no cluster). */
  readonly workers: number;
  /**
   * PostgreSQL fault bounds, milliseconds (0 = none): opening a connection, waiting for a pooled
   * one, one statement (`statement_timeout`). Keep requests from hanging while the database is
   * down or stalled (src/db/knex.ts).
   */
  readonly databaseTimeouts: { readonly connectTimeoutMs: number; readonly acquireTimeoutMs: number; readonly queryTimeoutMs: number };
  /**
   * Request size limits, bytes (README "Security model" → "Hostile input"): ADMIN_BODY_LIMIT_BYTES
   * (JSON bodies of the ops and Environment APIs; over it → 413), OAUTH_BODY_LIMIT_BYTES (form bodies
   * of the OAuth endpoints; over it → 413 RFC 6749 JSON; at most oidc-provider's own 56 KiB),
   * MAX_HEADER_BYTES (all request headers together: node's `maxHeaderSize`; over it → 431).
   */
  readonly inputLimits: { readonly adminBodyBytes: number; readonly oauthBodyBytes: number; readonly headerBytes: number };
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

/** Shortest ops password production accepts, in characters (Unicode code points). */
export const MIN_PRODUCTION_OPS_PASSWORD_CHARS = 12;
/** Shortest cookie key production accepts, in bytes of UTF-8 (the HMAC-SHA256 key size). */
export const MIN_PRODUCTION_COOKIE_KEY_BYTES = 32;

/**
 * The one message about the ops password in production, or undefined: the Genesys default
 * (`ops:ops` or the password `ops`), or a plaintext `OPS_PASSWORD` shorter than
 * {@link MIN_PRODUCTION_OPS_PASSWORD_CHARS}. A configured `OPS_PASSWORD_HASH` cannot be measured
 * and is accepted. Never echoes the value.
 */
function productionOpsPasswordIssue(password: string | undefined, usingDefaults: boolean): string | undefined {
  if (usingDefaults) return 'OPS_PASSWORD: the default ops credentials (ops:ops) are refused in production; set OPS_PASSWORD or OPS_PASSWORD_HASH';
  if (password === DEFAULT_OPS_PASSWORD) return 'OPS_PASSWORD: the default password "ops" is refused in production';
  if (password !== undefined && [...password].length < MIN_PRODUCTION_OPS_PASSWORD_CHARS) {
    return `OPS_PASSWORD: at least ${MIN_PRODUCTION_OPS_PASSWORD_CHARS} characters in production (or set OPS_PASSWORD_HASH to an argon2id or bcrypt hash); it has ${[...password].length}`;
  }
  return undefined;
}

/**
 * The one message about COOKIE_KEYS in production, or undefined: absent, or a key shorter than
 * {@link MIN_PRODUCTION_COOKIE_KEY_BYTES} bytes. COOKIE_KEYS keys the signed cookies, the sign-in,
 * consent and sign-out CSRF HMACs and the sealed refresh-token successors. Names the key by
 * position, never by value.
 */
function productionCookieKeysIssue(raw: string | undefined): string | undefined {
  if (!raw) return 'COOKIE_KEYS: required in production (comma-separated random strings, the same on every process)';
  const keys = raw.split(',').map((k) => k.trim()).filter(Boolean);
  const short = keys.findIndex((k) => Buffer.byteLength(k, 'utf8') < MIN_PRODUCTION_COOKIE_KEY_BYTES);
  if (short === -1) return undefined;
  return `COOKIE_KEYS: every key must be at least ${MIN_PRODUCTION_COOKIE_KEY_BYTES} bytes in production (key ${short + 1} of ${keys.length} has ${Buffer.byteLength(keys[short]!, 'utf8')}); generate one with \`openssl rand -base64 32\``;
}

/**
 * Reads and validates the configuration.
 * @param env usually `process.env`; tests pass a plain object.
 * @throws ConfigError listing every invalid variable, or when `NODE_ENV=production` runs on the
 *   default ops credentials, an ops password under 12 characters, without COOKIE_KEYS or with a
 *   cookie key under 32 bytes, or without KEY_ENCRYPTION_KEY (one message per variable).
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
  if (e.NODE_ENV === 'production') {
    const opsIssue = productionOpsPasswordIssue(password, usingDefaults);
    if (opsIssue) issues.push(opsIssue);
    const cookieIssue = productionCookieKeysIssue(e.COOKIE_KEYS);
    if (cookieIssue) issues.push(cookieIssue);
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
    auditRetentionDays: e.AUDIT_RETENTION_DAYS,
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
    rateLimits: Object.freeze({
      windowSeconds: e.RATE_LIMIT_WINDOW_SECONDS,
      blockSeconds: e.RATE_LIMIT_BLOCK_SECONDS,
      clientAddressFailures: e.RATE_LIMIT_CLIENT_ADDRESS_FAILURES,
      clientFailures: e.RATE_LIMIT_CLIENT_FAILURES,
      userFailures: e.RATE_LIMIT_USER_FAILURES,
      addressFailures: e.RATE_LIMIT_ADDRESS_FAILURES,
      knownAddressSeconds: e.RATE_LIMIT_KNOWN_ADDRESS_DAYS * 86_400,
    }),
    refreshReuseGraceSeconds: e.REFRESH_REUSE_GRACE_SECONDS,
    jwtBearerMaxLifetimeSeconds: e.JWT_BEARER_MAX_LIFETIME_SECONDS,
    metricsToken: e.METRICS_TOKEN,
    workers: e.WORKERS,
    databaseTimeouts: Object.freeze({
      connectTimeoutMs: e.DATABASE_CONNECT_TIMEOUT_MS,
      acquireTimeoutMs: e.DATABASE_ACQUIRE_TIMEOUT_MS,
      queryTimeoutMs: e.DATABASE_QUERY_TIMEOUT_MS,
    }),
    inputLimits: Object.freeze({
      adminBodyBytes: e.ADMIN_BODY_LIMIT_BYTES,
      oauthBodyBytes: e.OAUTH_BODY_LIMIT_BYTES,
      headerBytes: e.MAX_HEADER_BYTES,
    }),
    corsOrigins: Object.freeze(corsOrigins),
  });
}
