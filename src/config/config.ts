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
 * COOKIE_KEYS (comma-separated), PURGE_INTERVAL_SECONDS (300), REFRESH_REUSE_GRACE_SECONDS (10).
 */
import { z } from 'zod';

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
    REFRESH_REUSE_GRACE_SECONDS: z.coerce.number().int().min(0).max(300).default(10),
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
  /** Seconds a rotated refresh token's successor is handed out again to a duplicate request. */
  readonly refreshReuseGraceSeconds: number;
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
  if (issues.length) throw new ConfigError(issues);

  const publicUrl = (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, '');
  const cookieKeys = e.COOKIE_KEYS
    ? e.COOKIE_KEYS.split(',').map((k) => k.trim()).filter(Boolean)
    : [`dev-only-cookie-key-${publicUrl}`];

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
    refreshReuseGraceSeconds: e.REFRESH_REUSE_GRACE_SECONDS,
  });
}
