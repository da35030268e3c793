import { describe, expect, it } from 'vitest';
import { resolveGrantedScope } from '../../../src/oauth/scopes.ts';
import { DECLARED_SCOPES, clientOidcScope } from '../../../src/oauth/client-metadata.ts';
import { assertRequestedResource, createJwtAccessTokens } from '../../../src/oauth/jwt-access-tokens.ts';

describe('resolveGrantedScope (RFC 6749 §3.3, Genesys "*")', () => {
  const star = { ccauth_scopes: ['*'] };
  const restricted = { ccauth_scopes: ['mail.read', 'mail.send'] };

  it('grants "*" to a star client that asks for nothing, and whatever it asks for otherwise', () => {
    expect(resolveGrantedScope(star, undefined)).toBe('*');
    expect(resolveGrantedScope(star, '')).toBe('*');
    expect(resolveGrantedScope(star, 'a b a')).toBe('a b');
  });

  it('grants a restricted client its whole list or the subset it asks for', () => {
    expect(resolveGrantedScope(restricted, undefined)).toBe('mail.read mail.send');
    expect(resolveGrantedScope(restricted, 'mail.read')).toBe('mail.read');
  });

  it('throws invalid_scope naming the refused scope', () => {
    try {
      resolveGrantedScope(restricted, 'mail.read admin');
      expect.unreachable();
    } catch (err) {
      expect((err as { error: string }).error).toBe('invalid_scope');
      expect((err as { scope: string }).scope).toBe('admin');
    }
  });
});

describe('clientOidcScope (the OIDC scope metadata oidc-provider checks at the authorization endpoint)', () => {
  it('lists every declared scope for a * client', () => {
    expect(clientOidcScope(['*'])).toBe('openid offline_access profile email *');
    expect(clientOidcScope(['*']).split(' ').sort()).toEqual([...DECLARED_SCOPES].sort());
  });

  it('gives a restricted client openid, offline_access and the declared scopes of its list, never *', () => {
    expect(clientOidcScope(['chat.read'])).toBe('openid offline_access');
    expect(clientOidcScope(['email', 'chat.read'])).toBe('openid offline_access email');
  });
});

describe('assertRequestedResource (RFC 8707 §2)', () => {
  const jwt = createJwtAccessTokens({ audience: 'https://ccauth.example.com/api', signingAlg: 'ES256' });
  const jwtClient = { ccauth_access_token_format: 'jwt' } as never;
  const opaqueClient = { ccauth_access_token_format: 'opaque' } as never;
  const errorOf = (fn: () => void) => {
    try {
      fn();
      return undefined;
    } catch (err) {
      return (err as { error: string }).error;
    }
  };

  it('accepts no resource, and the API resource (once or repeated) from a jwt client', () => {
    expect(errorOf(() => assertRequestedResource(jwt, jwtClient, undefined))).toBeUndefined();
    expect(errorOf(() => assertRequestedResource(jwt, opaqueClient, undefined))).toBeUndefined();
    expect(errorOf(() => assertRequestedResource(jwt, jwtClient, 'https://ccauth.example.com/api'))).toBeUndefined();
    expect(errorOf(() => assertRequestedResource(jwt, jwtClient, ['https://ccauth.example.com/api', 'https://ccauth.example.com/api']))).toBeUndefined();
  });

  it('refuses another resource, two resources, any resource of an opaque client, and any without JWT access tokens', () => {
    expect(errorOf(() => assertRequestedResource(jwt, jwtClient, 'https://ccauth.example.com/api/'))).toBe('invalid_target');
    expect(errorOf(() => assertRequestedResource(jwt, jwtClient, ['https://ccauth.example.com/api', 'https://other.example.com/']))).toBe('invalid_target');
    expect(errorOf(() => assertRequestedResource(jwt, opaqueClient, 'https://ccauth.example.com/api'))).toBe('invalid_target');
    expect(errorOf(() => assertRequestedResource(undefined, jwtClient, 'https://ccauth.example.com/api'))).toBe('invalid_target');
  });
});
