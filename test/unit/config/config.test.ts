import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config/config.ts';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      publicUrl: 'http://localhost:8080',
      databaseUrl: undefined,
      dataDir: './data',
      nodeEnv: 'development',
      logLevel: 'info',
      trustProxy: false,
      purgeIntervalMs: 300_000,
      auditRetentionDays: 365,
    });
    expect(c.ops).toEqual({ username: 'ops', password: 'ops', passwordHash: undefined, usingDefaults: true });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('reads AUDIT_RETENTION_DAYS (0 keeps audit events forever) and refuses a negative or fractional value', () => {
    expect(loadConfig({ AUDIT_RETENTION_DAYS: '0' }).auditRetentionDays).toBe(0);
    expect(loadConfig({ AUDIT_RETENTION_DAYS: '30' }).auditRetentionDays).toBe(30);
    expect(() => loadConfig({ AUDIT_RETENTION_DAYS: '-1' })).toThrow(/AUDIT_RETENTION_DAYS/);
    expect(() => loadConfig({ AUDIT_RETENTION_DAYS: '1.5' })).toThrow(/AUDIT_RETENTION_DAYS/);
  });

  it('derives PUBLIC_URL from PORT and strips a trailing slash', () => {
    expect(loadConfig({ PORT: '9000' }).publicUrl).toBe('http://localhost:9000');
    expect(loadConfig({ PUBLIC_URL: 'https://auth.example.com/' }).publicUrl).toBe('https://auth.example.com');
  });

  it('lists every bad variable in one error', () => {
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud', PUBLIC_URL: 'ftp://x' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const issues = (err as ConfigError).issues.join('\n');
      expect(issues).toMatch(/^PORT: /m);
      expect(issues).toMatch(/^DATABASE_URL: must be a postgres/m);
      expect(issues).toMatch(/^LOG_LEVEL: /m);
      expect(issues).toMatch(/^PUBLIC_URL: /m);
    }
  });

  it('refuses the default ops credentials in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', COOKIE_KEYS: 'k1' })).toThrow(/default ops credentials/);
    expect(() => loadConfig({ NODE_ENV: 'production', OPS_USERNAME: 'admin', COOKIE_KEYS: 'k1' })).toThrow(/default password/);
    const [k1, k2] = ['1'.repeat(32), '2'.repeat(40)];
    const c = loadConfig({ NODE_ENV: 'production', OPS_PASSWORD: 'a-long-ops-password', COOKIE_KEYS: `${k1},${k2}`, KEY_ENCRYPTION_KEY: '00'.repeat(32) });
    expect(c.ops.usingDefaults).toBe(false);
    expect(c.cookieKeys).toEqual([k1, k2]);
  });

  describe('production refuses weak secrets of its own (README "Configuration")', () => {
    const KEY = 'k'.repeat(32);
    const PROD = { NODE_ENV: 'production', OPS_PASSWORD: 'twelve-chars', COOKIE_KEYS: KEY, KEY_ENCRYPTION_KEY: '00'.repeat(32) };
    const issuesOf = (env: Record<string, string>): string[] => {
      try {
        loadConfig(env);
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return [...(err as ConfigError).issues];
      }
      return [];
    };

    it('refuses OPS_PASSWORD=x COOKIE_KEYS=a with one clear message per variable, never echoing a value', () => {
      const issues = issuesOf({ ...PROD, OPS_PASSWORD: 'x', COOKIE_KEYS: 'a' });
      expect(issues).toHaveLength(2);
      expect(issues[0]).toMatch(/^OPS_PASSWORD: at least 12 characters in production \(or set OPS_PASSWORD_HASH /);
      expect(issues[1]).toMatch(/^COOKIE_KEYS: every key must be at least 32 bytes in production/);
      expect(issues.join('\n')).not.toMatch(/"x"|"a"/);
    });

    it('refuses an 11-character ops password and accepts 12 (characters, not bytes), or a hash of any password', () => {
      expect(issuesOf({ ...PROD, OPS_PASSWORD: 'elevenchars' })).toEqual([expect.stringMatching(/^OPS_PASSWORD: at least 12 characters/)]);
      expect(issuesOf({ ...PROD, OPS_PASSWORD: 'twelve-chars' })).toEqual([]);
      expect(issuesOf({ ...PROD, OPS_PASSWORD: 'éééééééééé' })).toHaveLength(1); // 10 characters, 20 bytes
      const { OPS_PASSWORD: _p, ...withoutPassword } = PROD;
      expect(issuesOf({ ...withoutPassword, OPS_PASSWORD_HASH: '$2b$10$abcdefghijklmnopqrstuu' })).toEqual([]);
      // outside production a short password is the operator's business (a warning elsewhere)
      expect(issuesOf({ OPS_PASSWORD: 'x', COOKIE_KEYS: 'a' })).toEqual([]);
    });

    it('refuses any cookie key under 32 bytes, naming which one (COOKIE_KEYS keys the cookies, the CSRF HMAC and sealed refresh successors)', () => {
      expect(issuesOf({ ...PROD, COOKIE_KEYS: `${KEY},short` })).toEqual([expect.stringMatching(/^COOKIE_KEYS: every key must be at least 32 bytes in production \(key 2 of 2 has 5\)/)]);
      expect(issuesOf({ ...PROD, COOKIE_KEYS: 'k'.repeat(31) })).toHaveLength(1);
      expect(issuesOf({ ...PROD, COOKIE_KEYS: `${KEY}, ${'é'.repeat(16)}` })).toEqual([]); // 32 bytes of UTF-8
    });

    it('keeps one message for the default ops password', () => {
      expect(issuesOf({ ...PROD, OPS_PASSWORD: 'ops' })).toEqual([expect.stringMatching(/^OPS_PASSWORD: the default ops credentials/)]);
      expect(issuesOf({ ...PROD, OPS_USERNAME: 'admin', OPS_PASSWORD: 'ops' })).toEqual([expect.stringMatching(/^OPS_PASSWORD: the default password/)]);
    });
  });

  it('accepts an argon2id or bcrypt OPS_PASSWORD_HASH but not both a hash and a password', () => {
    const c = loadConfig({ OPS_PASSWORD_HASH: '$2b$10$abcdefghijklmnopqrstuu' });
    expect(c.ops.password).toBeUndefined();
    expect(c.ops.passwordHash).toMatch(/^\$2b\$/);
    expect(() => loadConfig({ OPS_PASSWORD_HASH: 'plaintext' })).toThrow(/OPS_PASSWORD_HASH: must be an argon2id or bcrypt hash/);
    expect(() => loadConfig({ OPS_PASSWORD: 'x', OPS_PASSWORD_HASH: '$2b$10$abc' })).toThrow(/either OPS_PASSWORD or OPS_PASSWORD_HASH/);
  });
});
