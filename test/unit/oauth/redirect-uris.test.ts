/**
 * The redirect URI matcher: exact match plus the Genesys bare-origin rule (src/oauth/redirect-uris.ts).
 */
import { describe, expect, it } from 'vitest';
import { bareOrigin, installRedirectUriRules, redirectUriMatches } from '../../../src/oauth/redirect-uris.ts';

describe('bareOrigin', () => {
  it('recognizes scheme://host[:port] with nothing after it, or a single slash', () => {
    expect(bareOrigin('https://wwe.example.com')).toBe('https://wwe.example.com');
    expect(bareOrigin('https://wwe.example.com/')).toBe('https://wwe.example.com');
    expect(bareOrigin('https://WWE.Example.com:8443')).toBe('https://wwe.example.com:8443');
    expect(bareOrigin('http://localhost:3000')).toBe('http://localhost:3000');
  });

  it('rejects anything with a path, query, fragment, user information or another scheme', () => {
    for (const uri of [
      'https://wwe.example.com/app',
      'https://wwe.example.com//',
      'https://wwe.example.com?x=1',
      'https://wwe.example.com/?x=1',
      'https://wwe.example.com#f',
      'https://user@wwe.example.com',
      'ftp://wwe.example.com',
      'com.example.app://callback',
      'wwe.example.com',
      '',
    ]) {
      expect(bareOrigin(uri), uri).toBeUndefined();
    }
  });
});

describe('redirectUriMatches', () => {
  const registered = ['https://wwe.example.com', 'https://gws.example.com/', 'https://app.example.com/callback', 'https://q.example.com/cb?tenant=1'];

  it('matches registered URIs exactly', () => {
    for (const uri of registered) expect(redirectUriMatches(uri, registered), uri).toBe(true);
  });

  it('matches any path under a URI registered as a bare origin', () => {
    for (const uri of [
      'https://wwe.example.com/',
      'https://wwe.example.com/ui/wwe/index.html',
      'https://wwe.example.com/a/b/c',
      'https://wwe.example.com:443/callback',
      'https://WWE.example.com/callback',
      'https://gws.example.com/ui/callback',
      'https://gws.example.com',
    ]) {
      expect(redirectUriMatches(uri, registered), uri).toBe(true);
    }
  });

  it('does not loosen anything else', () => {
    for (const uri of [
      'http://wwe.example.com/callback', // other scheme
      'https://wwe.example.com:8443/callback', // other port
      'https://evil.wwe.example.com/callback', // subdomain
      'https://wwe.example.com.evil.net/callback', // suffix
      'https://evilwwe.example.com/', // prefix
      'https://wwe.example.com/callback?x=1', // query under the origin rule
      'https://wwe.example.com/?', // empty query
      'https://wwe.example.com/callback#frag', // fragment
      'https://user@wwe.example.com/callback', // user information
      'https://wwe.example.com@evil.net/', // authority confusion
      'https://wwe.example.com\\@evil.net/', // backslash
      'https://app.example.com/callback/more', // path under a URI that has a path
      'https://app.example.com/', // the origin of a URI that has a path
      'https://app.example.com/Callback', // case of the path
      'https://q.example.com/cb', // registered with a query: exact only
      'https://q.example.com/cb?tenant=2',
      'https://other.example.com/',
      'javascript:alert(1)',
      '',
    ]) {
      expect(redirectUriMatches(uri, registered), uri).toBe(false);
    }
  });

  it('is false for non-strings and huge values', () => {
    expect(redirectUriMatches(undefined, registered)).toBe(false);
    expect(redirectUriMatches(['https://wwe.example.com/'], registered)).toBe(false);
    expect(redirectUriMatches(`https://wwe.example.com/${'a'.repeat(3000)}`, registered)).toBe(false);
  });
});

describe('installRedirectUriRules', () => {
  class FakeClient {
    redirectUris: string[] = ['https://wwe.example.com'];
    postLogoutRedirectUris: string[] = ['https://logout.example.com/bye'];
    redirectUriAllowed(value: string): boolean {
      return this.redirectUris.includes(value) || value === 'http://127.0.0.1:5555/native';
    }
    postLogoutRedirectUriAllowed(value: string): boolean {
      return this.postLogoutRedirectUris.includes(value);
    }
  }

  it('keeps the original answer and adds the origin rule', () => {
    installRedirectUriRules(FakeClient);
    const c = new FakeClient();
    expect(c.redirectUriAllowed('https://wwe.example.com')).toBe(true);
    expect(c.redirectUriAllowed('http://127.0.0.1:5555/native')).toBe(true); // original rule kept
    expect(c.redirectUriAllowed('https://wwe.example.com/any/path')).toBe(true);
    expect(c.redirectUriAllowed('https://evil.example.com/')).toBe(false);
    expect(c.postLogoutRedirectUriAllowed('https://logout.example.com/bye')).toBe(true);
    expect(c.postLogoutRedirectUriAllowed('https://wwe.example.com/signed-out')).toBe(true);
    expect(c.postLogoutRedirectUriAllowed('https://logout.example.com/other')).toBe(false);
  });
});
