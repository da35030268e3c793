/**
 * Discovery (OIDC Discovery 1.0 §4, RFC 8414 §3) is built from PUBLIC_URL only: a forged `Host`,
 * `X-Forwarded-Host` or `X-Forwarded-Proto` never changes an advertised URL, with or without
 * TRUST_PROXY, and an https PUBLIC_URL stays https behind a TLS-terminating proxy. `ctx.ip`
 * follows `X-Forwarded-For` only when TRUST_PROXY is set (design.md §3 "Host header").
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp } from '../helpers/test-app.ts';
import type { TestApp } from '../helpers/test-app.ts';

const PUBLIC_URL = 'https://auth.example.com:8443';
const PATHS = ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server'];
const URL_FIELDS = [
  'issuer',
  'authorization_endpoint',
  'token_endpoint',
  'jwks_uri',
  'userinfo_endpoint',
  'introspection_endpoint',
  'revocation_endpoint',
  'end_session_endpoint',
];
const EXPECTED = {
  issuer: PUBLIC_URL,
  authorization_endpoint: `${PUBLIC_URL}/auth/v3/oauth/authorize`,
  token_endpoint: `${PUBLIC_URL}/auth/v3/oauth/token`,
  jwks_uri: `${PUBLIC_URL}/auth/v3/oauth/jwks`,
  userinfo_endpoint: `${PUBLIC_URL}/auth/v3/openid/userinfo`,
  introspection_endpoint: `${PUBLIC_URL}/auth/v3/oauth/introspect`,
  revocation_endpoint: `${PUBLIC_URL}/auth/v3/oauth/revoke`,
  end_session_endpoint: `${PUBLIC_URL}/auth/v3/oauth/logout`,
};

const FORGED = [
  {},
  { Host: 'evil.example.net' },
  { 'X-Forwarded-Host': 'evil.example.net', 'X-Forwarded-Proto': 'http' },
  { Host: 'evil.example.net:80', 'X-Forwarded-Host': 'evil.example.net', 'X-Forwarded-Proto': 'http', 'X-Forwarded-Port': '80' },
];

function requestLogIps(t: TestApp): string[] {
  return t
    .logs()
    .map((l) => JSON.parse(l) as { msg?: string; ip?: string; path?: string })
    .filter((l) => l.msg === 'request' && l.path === '/auth/v3/oauth/jwks')
    .map((l) => l.ip ?? '');
}

for (const trustProxy of ['false', 'true']) {
  describe(`TRUST_PROXY=${trustProxy}`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ PUBLIC_URL, TRUST_PROXY: trustProxy });
    });
    afterAll(async () => {
      await t.close();
    });

    for (const path of PATHS) {
      it(`${path} advertises PUBLIC_URL whatever Host / X-Forwarded-* say`, async () => {
        for (const headers of FORGED) {
          const res = await t.request.get(path).set(headers);
          expect(res.status).toBe(200);
          expect(res.headers['content-type']).toMatch(/^application\/json/);
          for (const field of URL_FIELDS) expect(res.body[field], `${field} with ${JSON.stringify(headers)}`).toBe(EXPECTED[field as keyof typeof EXPECTED]);
          expect(JSON.stringify(res.body)).not.toContain('evil.example.net');
          expect(JSON.stringify(res.body)).not.toContain('http://');
        }
      });
    }

    it('serves the same metadata at both well-known paths', async () => {
      const [oidc, oauth] = await Promise.all(PATHS.map((p) => t.request.get(p)));
      expect(oauth!.body).toEqual(oidc!.body);
      expect(oidc!.body.code_challenge_methods_supported).toEqual(['S256']);
      // private_key_jwt with the client's registered keys (RFC 7523 §2.2); never client_secret_jwt
      expect(oidc!.body.token_endpoint_auth_methods_supported).toEqual(['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none']);
      expect(oidc!.body.response_types_supported).toEqual(['code']);
    });

    it(`ctx.ip ${trustProxy === 'true' ? 'follows' : 'ignores'} X-Forwarded-For`, async () => {
      const before = requestLogIps(t).length;
      await t.request.get('/auth/v3/oauth/jwks').set('X-Forwarded-For', '203.0.113.7');
      const ips = requestLogIps(t).slice(before);
      expect(ips).toHaveLength(1);
      if (trustProxy === 'true') expect(ips[0]).toBe('203.0.113.7');
      else expect(ips[0]).not.toBe('203.0.113.7');
    });
  });
}
