import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config/config.ts';

describe('LOGIN_* configuration (docs/signing-in.md "Signing in")', () => {
  it('defaults to 5 failures, 60 s, at most 900 s', () => {
    expect(loadConfig({}).loginLockout).toEqual({ maxFailures: 5, lockoutSeconds: 60, lockoutMaxSeconds: 900 });
  });

  it('reads the three variables', () => {
    const c = loadConfig({ LOGIN_MAX_FAILURES: '3', LOGIN_LOCKOUT_SECONDS: '1', LOGIN_LOCKOUT_MAX_SECONDS: '2' });
    expect(c.loginLockout).toEqual({ maxFailures: 3, lockoutSeconds: 1, lockoutMaxSeconds: 2 });
  });

  it.each([
    [{ LOGIN_MAX_FAILURES: '0' }, 'LOGIN_MAX_FAILURES'],
    [{ LOGIN_LOCKOUT_SECONDS: 'soon' }, 'LOGIN_LOCKOUT_SECONDS'],
    [{ LOGIN_LOCKOUT_SECONDS: '120', LOGIN_LOCKOUT_MAX_SECONDS: '60' }, 'LOGIN_LOCKOUT_MAX_SECONDS: must be at least LOGIN_LOCKOUT_SECONDS'],
  ])('refuses %j', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});
