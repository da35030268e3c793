import { describe, expect, it } from 'vitest';
import { splitLogin } from '../../../src/services/principals.service.ts';

describe('splitLogin (genesys-api.md §7)', () => {
  it('splits domain\\user and lowercases the domain only', () => {
    expect(splitLogin('T100\\Default')).toEqual({ domain: 't100', username: 'Default' });
  });

  it('splits on the first backslash', () => {
    expect(splitLogin('t100\\a\\b')).toEqual({ domain: 't100', username: 'a\\b' });
  });

  it('takes the domain from the tenant when the login has no backslash', () => {
    expect(splitLogin('default', 'T100')).toEqual({ domain: 't100', username: 'default' });
  });

  it('prefers the prefix in the login over the tenant', () => {
    expect(splitLogin('t100\\default', 't200')).toEqual({ domain: 't100', username: 'default' });
  });

  it.each([
    ['no domain and no tenant', 'ops', undefined],
    ['an empty domain', '\\default', 't100'],
    ['an empty username', 't100\\', 't100'],
  ])('returns undefined for %s', (_label, login, tenant) => {
    expect(splitLogin(login, tenant)).toBeUndefined();
  });
});
