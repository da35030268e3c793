/**
 * Token introspection (RFC 7662) and revocation (RFC 7009) at `/auth/v3/oauth/introspect` and
 * `/auth/v3/oauth/revoke` (oidc-provider), and authorization-code replay (RFC 6749 §4.1.2: "If an
 * authorization code is used more than once ... SHOULD revoke all tokens previously issued based on
 * that authorization code").
 *
 * Who may introspect: clients with ROLE_RESOURCE_SERVER and internal clients; everyone else gets
 * `{"active":false}` for every token, even their own (provider.ts `introspection.allowedPolicy`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic, createClient, startTestApp } from '../helpers/test-app.ts';
import type { TestApp } from '../helpers/test-app.ts';
import { digestToken } from '../../src/security/tokens.ts';
import { sqlDuring } from '../helpers/sql-capture.ts';

const TOKEN = '/auth/v3/oauth/token';
const INTROSPECT = '/auth/v3/oauth/introspect';
const REVOKE = '/auth/v3/oauth/revoke';
const REDIRECT = 'https://chat.example.com/callback';
const INACTIVE = { active: false };

type Creds = { clientId: string; secret: string };
let t: TestApp;
let app: Creds; // an ordinary confidential client: password, code, refresh grants
let resourceServer: Creds; // ROLE_RESOURCE_SERVER, not internal
let internal: Creds; // internal client without ROLE_RESOURCE_SERVER

const token = (form: Record<string, string>, c: Creds = app) =>
  t.request.post(TOKEN).set('Authorization', basic(c.clientId, c.secret)).type('form').send(form);
const introspect = (tok: string, c: Creds = resourceServer, extra: Record<string, string> = {}) =>
  t.request.post(INTROSPECT).set('Authorization', basic(c.clientId, c.secret)).type('form').send({ token: tok, ...extra });
const revoke = (tok: string, c: Creds = app, extra: Record<string, string> = {}) =>
  t.request.post(REVOKE).set('Authorization', basic(c.clientId, c.secret)).type('form').send({ token: tok, ...extra });
const userinfo = (tok: string) => t.request.get('/auth/v3/userinfo').set('Authorization', `Bearer ${tok}`);

async function opsTokens(): Promise<{ access_token: string; refresh_token: string }> {
  const res = await token({ grant_type: 'password', username: 'ops', password: 'ops' });
  expect(res.status).toBe(200);
  return res.body;
}

beforeAll(async () => {
  t = await startTestApp();
  app = await createClient(t, { client_id: 'chat_app', internalClient: false, authorities: [], redirectURIs: [REDIRECT] });
  resourceServer = await createClient(t, { client_id: 'resource_server', internalClient: false, authorities: ['ROLE_RESOURCE_SERVER'], authorizedGrantTypes: ['client_credentials'] });
  internal = await createClient(t, { client_id: 'internal_service', internalClient: true, authorities: ['ROLE_INTERNAL_CLIENT'], authorizedGrantTypes: ['client_credentials'] });
});
afterAll(async () => {
  await t.close();
});

describe('introspection (RFC 7662)', () => {
  it('describes an active user access token to a resource server', async () => {
    const { access_token } = await opsTokens();
    const before = Math.floor(Date.now() / 1000);
    const res = await introspect(access_token);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(Object.keys(res.body).sort()).toEqual(['active', 'client_id', 'exp', 'iat', 'iss', 'scope', 'sub', 'token_type']);
    expect(res.body).toMatchObject({ active: true, client_id: app.clientId, scope: '*', sub: 'ops', token_type: 'bearer', iss: t.config.publicUrl });
    expect(res.body.iat).toBeGreaterThanOrEqual(before - 5);
    expect(res.body.exp - res.body.iat).toBe(43200);
  });

  it('reads token and grant in one statement once the clients are cached (docs/performance.md), and a revoked grant still answers inactive', async () => {
    const { access_token, refresh_token } = await opsTokens();
    await new Promise((r) => setTimeout(r, 1100)); // past the client cache's settle period after the clients were created
    await introspect(access_token).expect(200); // warms both clients and the verified-secret cache
    const { result: res, statements } = await sqlDuring(t.db.knex, () => introspect(access_token));
    expect(res.body).toMatchObject({ active: true, sub: 'ops' });
    expect(statements.filter((q) => /oidc_payloads/.test(q))).toHaveLength(1);
    // the grant read with the token is the grant's state now: revoking the refresh token deletes the grant
    expect((await revoke(refresh_token)).status).toBe(200);
    expect((await introspect(access_token)).body).toEqual(INACTIVE);
  });

  it('looks the presented token up once, as one key for its three models, with or without a token_type_hint', async () => {
    // oidc-provider asks for the token as AccessToken, ClientCredentials and RefreshToken
    // (helpers/token_find.js); the adapter sends those as one key of the batched statement
    const { access_token, refresh_token } = await opsTokens();
    const cc = (await token({ grant_type: 'client_credentials' })).body.access_token as string;
    await new Promise((r) => setTimeout(r, 1100)); // past the client cache's settle period
    await introspect(access_token).expect(200);
    const keysOf = (q: string) => (q.match(/\(\d+, \$\d+::text, \$\d+::text, \$\d+::boolean\)/g) ?? []).length;
    for (const [tok, hint, expected] of [
      [access_token, undefined, { active: true, token_type: 'bearer', sub: 'ops' }],
      [cc, 'access_token', { active: true, token_type: 'bearer' }],
      [refresh_token, 'access_token', { active: true, sub: 'ops' }],
      [access_token, 'refresh_token', { active: true, token_type: 'bearer', sub: 'ops' }],
    ] as const) {
      const { result: res, statements } = await sqlDuring(t.db.knex, () => introspect(tok, resourceServer, hint ? { token_type_hint: hint } : {}));
      expect(res.body).toMatchObject(expected);
      const lookups = statements.filter((q) => /oidc_payloads/.test(q));
      expect(lookups).toHaveLength(1);
      expect(keysOf(lookups[0]!)).toBe(1);
    }
    // an unknown token: still one statement with one key, and inactive
    const { result: res, statements } = await sqlDuring(t.db.knex, () => introspect('x'.repeat(43)));
    expect(res.body).toEqual(INACTIVE);
    expect(statements.filter((q) => /oidc_payloads/.test(q)).map(keysOf)).toEqual([1]);
  });

  it('describes a client-credentials token without sub', async () => {
    const cc = await token({ grant_type: 'client_credentials' });
    const res = await introspect(cc.body.access_token, internal);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ active: true, client_id: app.clientId, scope: '*', token_type: 'bearer' });
    expect(res.body).not.toHaveProperty('sub');
  });

  it('describes a refresh token (no token_type) to an internal client', async () => {
    const { refresh_token } = await opsTokens();
    const res = await introspect(refresh_token, internal, { token_type_hint: 'refresh_token' });
    expect(res.body).toMatchObject({ active: true, client_id: app.clientId, sub: 'ops' });
    expect(res.body).not.toHaveProperty('token_type');
  });

  it('answers exactly {"active":false} to a client that may not introspect, even for its own token', async () => {
    const { access_token } = await opsTokens();
    const res = await introspect(access_token, app);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(INACTIVE);
  });

  it('answers exactly {"active":false} for unknown, expired and revoked tokens', async () => {
    const unknown = await introspect('x'.repeat(43));
    expect(unknown.status).toBe(200);
    expect(unknown.body).toEqual(INACTIVE);

    const expired = await opsTokens();
    await t.db.knex('oidc_payloads').where({ model: 'AccessToken', id_digest: digestToken(expired.access_token) }).update({ expires_at: new Date(Date.now() - 1000) });
    expect((await introspect(expired.access_token)).body).toEqual(INACTIVE);

    const revoked = await opsTokens();
    expect((await revoke(revoked.access_token)).status).toBe(200);
    expect((await introspect(revoked.access_token)).body).toEqual(INACTIVE);
  });

  it('requires client authentication', async () => {
    const { access_token } = await opsTokens();
    const none = await t.request.post(INTROSPECT).type('form').send({ token: access_token });
    expect(none.status).toBe(400);
    expect(none.body.error).toBe('invalid_request');
    const wrong = await introspect(access_token, { clientId: resourceServer.clientId, secret: 'wrong' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe('invalid_client');
    expect(JSON.stringify([none.body, wrong.body])).not.toContain(access_token);
  });
});

describe('revocation (RFC 7009)', () => {
  it('answers 200 with an empty JSON object for an unknown token (RFC 7009 §2.2; JSON so client libraries accept it)', async () => {
    const res = await revoke('y'.repeat(43));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.text).toBe('{}');
  });

  it('revoking a refresh token revokes its grant: the access token dies too', async () => {
    const { access_token, refresh_token } = await opsTokens();
    expect((await introspect(access_token)).body.active).toBe(true);
    expect((await userinfo(access_token)).status).toBe(200);

    const res = await revoke(refresh_token, app, { token_type_hint: 'refresh_token' });
    expect(res.status).toBe(200);

    expect((await introspect(access_token)).body).toEqual(INACTIVE);
    expect((await introspect(refresh_token)).body).toEqual(INACTIVE);
    expect((await userinfo(access_token)).status).toBe(401);
    const refreshed = await token({ grant_type: 'refresh_token', refresh_token });
    expect(refreshed.status).toBe(400);
    expect(refreshed.body.error).toBe('invalid_grant');
  });

  it('leaves tokens of other grants alone', async () => {
    const a = await opsTokens();
    const b = await opsTokens();
    await revoke(a.refresh_token);
    expect((await introspect(b.access_token)).body.active).toBe(true);
  });

  it("answers another client's live token exactly as an unknown one, and revokes nothing (RFC 7009 §2.2)", async () => {
    const { access_token, refresh_token } = await opsTokens();
    const unknown = await revoke('z'.repeat(43), internal);
    for (const tok of [access_token, refresh_token]) {
      const res = await revoke(tok, internal);
      expect(res.status).toBe(200);
      expect(res.text).toBe(unknown.text);
      expect(res.headers['content-type']).toBe(unknown.headers['content-type']);
      expect(res.headers['cache-control']).toBe(unknown.headers['cache-control']);
    }
    expect((await introspect(access_token)).body.active).toBe(true);
    expect((await introspect(refresh_token)).body.active).toBe(true);
  });
});

describe('authorization-code replay', () => {
  async function mintCode(): Promise<string> {
    const { provider } = t.ccauth;
    const c = await provider.Client.find(app.clientId);
    const grant = new provider.Grant({ accountId: 'ops', clientId: app.clientId });
    grant.addOIDCScope('openid offline_access *');
    const grantId = await grant.save();
    return new provider.AuthorizationCode({ accountId: 'ops', client: c!, grantId, redirectUri: REDIRECT, scope: 'openid offline_access *', gty: 'authorization_code', authTime: Math.floor(Date.now() / 1000) }).save();
  }
  const redeem = (code: string) => token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT });

  it('a replayed code is refused and revokes the tokens issued from it', async () => {
    const code = await mintCode();
    const first = await redeem(code);
    expect(first.status).toBe(200);
    const { access_token, refresh_token } = first.body;
    expect((await introspect(access_token)).body.active).toBe(true);
    expect((await userinfo(access_token)).status).toBe(200);

    const replay = await redeem(code);
    expect(replay.status).toBe(400);
    expect(replay.body.error).toBe('invalid_grant');
    expect(replay.body).not.toHaveProperty('access_token');

    expect((await introspect(access_token)).body).toEqual(INACTIVE);
    expect((await introspect(refresh_token)).body).toEqual(INACTIVE);
    const ui = await userinfo(access_token);
    expect(ui.status).toBe(401);
    expect(ui.headers['www-authenticate']).toBe('Bearer realm="ccauth", error="invalid_token"');
  });
});
