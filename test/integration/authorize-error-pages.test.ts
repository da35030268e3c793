/**
 * Authorization errors that cannot be sent back to the client (RFC 6749 §4.1.2.1: an invalid or
 * unregistered redirect URI, an unknown or missing client) are shown to the person as an HTML page
 * in the login page's look (README "Signing in" → "Error pages"): what went wrong, in plain words,
 * what to tell the site that sent them, the error code for that site; never a redirect, never raw
 * JSON, everything HTML-escaped, with the page security headers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, startTestApp } from '../helpers/test-app.ts';
import type { TestApp } from '../helpers/test-app.ts';

const AUTHORIZE = '/auth/v3/oauth/authorize';
const REDIRECT = 'https://app.example.com/cb';
let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
  await createClient(t, { client_id: 'chat_widget', name: 'Chat <b>Widget</b>', redirectURIs: [REDIRECT] });
});
afterAll(async () => {
  await t.close();
});

type Answer = { status: number; headers: Record<string, string>; text: string };

/** An HTML error page with the page headers and no redirect. */
function expectErrorPage(res: Answer, status: number): void {
  expect(res.status, res.text).toBe(status);
  expect(res.headers.location).toBeUndefined();
  expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
  expect(res.text.startsWith('<!DOCTYPE html>')).toBe(true);
  expect(res.text).toContain('<p class="brand">ccauth</p>');
  expect(res.text).not.toContain('<script');
  expect(res.text).not.toMatch(/^\s*\{/);
  expect(res.headers['cache-control']).toBe('no-store');
  expect(res.headers['x-frame-options']).toBe('DENY');
  const csp = res.headers['content-security-policy']!;
  expect(csp).toContain("default-src 'none'");
  const nonce = /style-src 'nonce-([^']+)'/.exec(csp)?.[1];
  expect(res.text).toContain(`<style nonce="${nonce}">`);
}

const authorize = (q: Record<string, string>) => t.request.get(AUTHORIZE).set('Accept', 'text/html,application/xhtml+xml').query({ response_type: 'code', scope: 'openid', state: 's', ...q });

describe('authorization errors shown to the person', () => {
  it('an unregistered redirect_uri: a page naming the application and what to tell it, no redirect', async () => {
    const res = await authorize({ client_id: 'chat_widget', redirect_uri: 'https://evil.example.com/cb' });
    expectErrorPage(res, 400);
    expect(res.text).toContain('<h1>This sign-in link cannot be used</h1>');
    expect(res.text).toContain('<strong>Chat &lt;b&gt;Widget&lt;/b&gt;</strong>');
    expect(res.text).not.toContain('<b>Widget</b>');
    expect(res.text).toContain('has not registered');
    expect(res.text).toContain('Tell the site that sent you');
    expect(res.text).toContain('<code>invalid_redirect_uri</code>');
    expect(res.text).not.toContain('evil.example.com');
  });

  it('an unknown client: a page, and the client_id from the link is never echoed', async () => {
    const res = await authorize({ client_id: '<img src=x onerror=alert(1)>', redirect_uri: REDIRECT });
    expectErrorPage(res, 400);
    expect(res.text).toContain('<h1>Unknown application</h1>');
    expect(res.text).toContain('<code>invalid_client</code>');
    expect(res.text).not.toContain('<img');
    expect(res.text).not.toContain('onerror');
  });

  it('a missing client_id: a page with the technical detail for the site', async () => {
    const res = await authorize({ redirect_uri: REDIRECT });
    expectErrorPage(res, 400);
    expect(res.text).toContain('<h1>This sign-in request is not valid</h1>');
    expect(res.text).toContain('<code>invalid_request</code>');
    expect(res.text).toContain("missing required parameter &#39;client_id&#39;");
  });

  it('is logged and counted like every authorization error', async () => {
    await authorize({ client_id: 'chat_widget', redirect_uri: 'https://evil.example.com/cb' });
    const logged = t.logs().map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.event === 'authorization_error');
    expect(logged.map((l) => l.error)).toEqual(expect.arrayContaining(['invalid_redirect_uri', 'invalid_client', 'invalid_request']));
    const metrics = (await t.request.get('/metrics')).text;
    expect(metrics).toMatch(/^ccauth_authorization_requests_total\{outcome="error",error="invalid_redirect_uri"\} [1-9]/m);
  });

  it('other oidc-provider endpoints in a browser (RP-initiated logout) get the page too, in neutral words', async () => {
    const res = await t.request.get('/auth/v3/oauth/logout').set('Accept', 'text/html').query({ id_token_hint: 'not-a-jwt' });
    expectErrorPage(res, 400);
    expect(res.text).toContain('<h1>This request cannot be completed</h1>');
    expect(res.text).not.toContain('sign-in request');
    expect(res.text).toContain('<code>invalid_request</code>');
  });

  it('still answers JSON to a caller that asks for JSON only', async () => {
    const res = await t.request.get(AUTHORIZE).set('Accept', 'application/json').query({ client_id: 'nobody', redirect_uri: REDIRECT, response_type: 'code' });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toMatchObject({ error: 'invalid_client' });
  });
});
