import { describe, expect, it } from 'vitest';
import { resolveGrantedScope } from '../../../src/oauth/scopes.ts';

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
