import { describe, expect, it } from 'vitest';
import { createCsrfTokens } from '../../../src/http/csrf.ts';
import { formActionSource, pageCsp } from '../../../src/http/middleware/security-headers.ts';
import { redirectAllowed } from '../../../src/http/routes/sign-out.routes.ts';
import { escapeHtml, html, trustedHtml } from '../../../src/http/views/html.ts';
import { signInPage } from '../../../src/http/views/sign-in.view.ts';

describe('html escaping', () => {
  it('escapes every interpolated value unless it is trusted markup', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&\``)).toBe('&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&#96;');
    expect(html`<p>${'<script>'}</p>${trustedHtml('<br>')}`.__html).toBe('<p>&lt;script&gt;</p><br>');
    expect(html`${['<a>', html`<b>`]}${undefined}${null}${false}`.__html).toBe('&lt;a&gt;<b>');
  });
  it('escapes the client name and error on the sign-in page', () => {
    const page = signInPage({ nonce: 'n', uid: 'u"x', csrf: 'c', action: '/auth/v3/sign-in', cancelUrl: '/a', clientName: '<img src=x onerror=alert(1)>', hideTenant: false, error: '<b>' });
    expect(page).not.toContain('<img');
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(page).toContain('value="u&quot;x"');
    expect(page).toContain('&lt;b&gt;');
  });
});

describe('CSRF tokens', () => {
  const csrf = createCsrfTokens(['k1', 'k0']);
  it('binds a token to its purpose and interaction', () => {
    const tok = csrf.issue('sign-in', 'uid-1');
    expect(csrf.verify('sign-in', 'uid-1', tok)).toBe(true);
    expect(csrf.verify('sign-in', 'uid-2', tok)).toBe(false);
    expect(csrf.verify('consent', 'uid-1', tok)).toBe(false);
    expect(csrf.verify('sign-in', 'uid-1', undefined)).toBe(false);
    expect(csrf.verify('sign-in', 'uid-1', '')).toBe(false);
    expect(csrf.verify('sign-in', 'uid-1', ['x'])).toBe(false);
  });
  it('still accepts tokens issued under an older key during rotation', () => {
    const old = createCsrfTokens(['k0']).issue('consent', 'u');
    expect(csrf.verify('consent', 'u', old)).toBe(true);
    expect(createCsrfTokens(['k2']).verify('consent', 'u', old)).toBe(false);
  });
});

describe('page CSP', () => {
  it('allows the client redirect origin in form-action, nothing else', () => {
    expect(formActionSource('https://wwe.example.com:8443/cb?x=1')).toBe('https://wwe.example.com:8443');
    expect(formActionSource('com.example.app:/cb')).toBe('com.example.app:');
    expect(formActionSource('not a url')).toBeUndefined();
    expect(pageCsp('N', ['https://a.example', undefined, 'https://a.example'])).toBe(
      "default-src 'none'; style-src 'nonce-N'; img-src 'self' data:; form-action 'self' https://a.example; frame-ancestors 'none'; base-uri 'none'",
    );
  });
});

describe('sign-out redirectAllowed', () => {
  const registered = ['https://wwe.example.com/callback', 'http://localhost:3000/cb'];
  it.each([
    ['https://wwe.example.com/anything?x=1', true],
    ['http://localhost:3000/', true],
    ['https://wwe.example.com:443/x', true],
    ['https://wwe.example.com:8443/x', false],
    ['http://wwe.example.com/callback', false],
    ['https://evil.example.com/', false],
    ['https://a@wwe.example.com/', false],
    ['javascript:alert(1)', false],
    ['/relative', false],
  ])('%s → %s', (uri, expected) => {
    expect(redirectAllowed(uri, registered)).toBe(expected);
  });
});
