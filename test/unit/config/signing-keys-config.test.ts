/**
 * Signing-key configuration (src/config/config.ts; README "Signing keys"): KEY_ENCRYPTION_KEY
 * parsing and its production requirement, rotation and refresh periods, the JWT audience.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config/config.ts';

const PROD = { NODE_ENV: 'production', OPS_PASSWORD: 'a-long-ops-password', COOKIE_KEYS: 'k1-0123456789abcdef0123456789abcdef' };

describe('signing-key configuration', () => {
  it('has defaults: ES256, 3600 s rotation delay, 5 s refresh, audience under PUBLIC_URL, no KEK outside production', () => {
    const c = loadConfig({ PUBLIC_URL: 'https://auth.example.com/' });
    expect(c.signingKeyAlg).toBe('ES256');
    expect(c.keyRotationDelaySeconds).toBe(3600);
    expect(c.keyRefreshIntervalMs).toBe(5000);
    expect(c.jwtAccessTokenAudience).toBe('https://auth.example.com/api');
    expect(c.keyEncryptionKeys).toBeUndefined();
  });

  it('requires KEY_ENCRYPTION_KEY in production', () => {
    expect(() => loadConfig(PROD)).toThrow(/KEY_ENCRYPTION_KEY: required in production/);
    const k = randomBytes(32);
    expect(loadConfig({ ...PROD, KEY_ENCRYPTION_KEY: k.toString('base64') }).keyEncryptionKeys).toEqual([k]);
  });

  it('accepts a key ring (first seals) in hex, base64 or base64url, and reports a bad key without echoing it', () => {
    const a = randomBytes(32);
    const b = randomBytes(32);
    expect(loadConfig({ KEY_ENCRYPTION_KEY: `${a.toString('hex')}, ${b.toString('base64url')}` }).keyEncryptionKeys).toEqual([a, b]);
    try {
      loadConfig({ KEY_ENCRYPTION_KEY: 'too-short-secret' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).issues.join('\n')).toMatch(/^KEY_ENCRYPTION_KEY: .*32 bytes/m);
      expect((err as Error).message).not.toContain('too-short-secret');
    }
  });

  it('validates the other variables', () => {
    const c = loadConfig({ SIGNING_KEY_ALG: 'RS256', KEY_ROTATION_DELAY_SECONDS: '0', KEY_REFRESH_INTERVAL_SECONDS: '30', JWT_ACCESS_TOKEN_AUDIENCE: 'urn:ccauth:api' });
    expect(c).toMatchObject({ signingKeyAlg: 'RS256', keyRotationDelaySeconds: 0, keyRefreshIntervalMs: 30_000, jwtAccessTokenAudience: 'urn:ccauth:api' });
    expect(() => loadConfig({ SIGNING_KEY_ALG: 'HS256' })).toThrow(/SIGNING_KEY_ALG/);
    expect(() => loadConfig({ KEY_REFRESH_INTERVAL_SECONDS: '0' })).toThrow(/KEY_REFRESH_INTERVAL_SECONDS/);
    expect(() => loadConfig({ JWT_ACCESS_TOKEN_AUDIENCE: 'not a uri' })).toThrow(/JWT_ACCESS_TOKEN_AUDIENCE/);
    expect(() => loadConfig({ JWT_ACCESS_TOKEN_AUDIENCE: 'https://api.example.com/#x' })).toThrow(/JWT_ACCESS_TOKEN_AUDIENCE/);
  });
});
