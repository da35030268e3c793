/**
 * Redirect URI registration rules (src/domain/redirect-uri.ts; RFC 6749 §3.1.2, RFC 9700 §4.1.3,
 * RFC 8252 §7.3).
 */
import { describe, expect, it } from 'vitest';
import { REDIRECT_URI_HTTP_MESSAGE, redirectUriProblem } from '../../../src/domain/redirect-uri.ts';

const DEV = { allowPlainHttp: true };
const PROD = { allowPlainHttp: false };

describe('redirectUriProblem', () => {
  it.each([
    'https://app.example.com/cb',
    'https://app.example.com',
    'https://app.example.com:8443/cb?tenant=a',
    'https://app.example.com/a%20b',
    'http://127.0.0.1:51004/oauth2redirect',
    'http://[::1]:61023/cb',
    'http://localhost:3000/callback',
    'http://LOCALHOST/cb',
  ])('accepts %s in production', (uri) => {
    expect(redirectUriProblem(uri, PROD)).toBeUndefined();
    expect(redirectUriProblem(uri, DEV)).toBeUndefined();
  });

  it.each(['http://app.example.com/cb', 'http://10.1.2.3/cb', 'http://localhost.example.com/cb', 'http://127.0.0.1.nip.io/cb', 'http://[::2]/cb'])(
    'refuses plain http to %s in production only',
    (uri) => {
      expect(redirectUriProblem(uri, PROD)).toBe(REDIRECT_URI_HTTP_MESSAGE);
      expect(redirectUriProblem(uri, DEV)).toBeUndefined();
    },
  );

  it.each([
    [42, 'must be a string'],
    ['', 'must not be empty'],
    [`https://a.example.com/${'x'.repeat(2048)}`, 'must be at most 2048 characters'],
    ['javascript:alert(1)', 'must use https (or http)'],
    ['JAVASCRIPT:alert(1)', 'must use https (or http)'],
    ['data:text/html;base64,PHNjcmlwdD4=', 'must use https (or http)'],
    ['vbscript:msgbox', 'must use https (or http)'],
    ['file:///etc/passwd', 'must use https (or http)'],
    ['ftp://files.example.com/', 'must use https (or http)'],
    ['com.example.app:/oauth2redirect', 'must use https (or http)'],
    ['https://app.example.com/cb#', 'must not contain a fragment'],
    ['https://app.example.com/cb#x', 'must not contain a fragment'],
    ['https://*.example.com/cb', 'must not contain wildcards'],
    ['https://app.example.com/*', 'must not contain wildcards'],
    ['https://user@app.example.com/cb', 'must not contain user information'],
    ['https://user:pw@app.example.com/cb', 'must not contain user information'],
    ['https://@app.example.com/cb', 'must not contain user information'],
    ['https://app.example.com\\@evil.example/cb', 'must not contain a backslash'],
    ['https:/\\evil.example/cb', 'must not contain a backslash'],
    ['https:app.example.com/cb', 'must be an absolute URL (scheme://host/...)'],
    ['/relative/cb', 'must be an absolute URL'],
    ['https://app.example.com/c b', 'must be an ASCII URI without spaces or control characters (percent-encode other characters)'],
    ['https://app.example.com/\u0000', 'must be an ASCII URI without spaces or control characters (percent-encode other characters)'],
    ['https://app.example.com/\r\nx', 'must be an ASCII URI without spaces or control characters (percent-encode other characters)'],
    ['https://\u0430pp.example.com/cb', 'must be an ASCII URI without spaces or control characters (percent-encode other characters)'],
    ['https://app.example.com/\ud800', 'must be an ASCII URI without spaces or control characters (percent-encode other characters)'],
  ])('refuses %j: %s', (uri, problem) => {
    expect(redirectUriProblem(uri, DEV)).toBe(problem);
  });
});
