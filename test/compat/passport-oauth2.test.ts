/**
 * passport-oauth2 1.8 in an express app, configured exactly as its README shows
 * (`authorizationURL`, `tokenURL`, `clientID`, `clientSecret`, `callbackURL`, and no `scope`
 * option): the authorization request carries no `scope`, so ccauth applies the client's default
 * (RFC 6749 §3.3). A {@link Person} signs in on ccauth's pages. Row of docs/compatibility.md
 * (test/compat/helpers/matrix.ts).
 */
import { Strategy as OAuth2Strategy } from 'passport-oauth2';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { AGENT, startCompatServer } from './helpers/compat-server.ts';
import type { CompatServer } from './helpers/compat-server.ts';
import { startPassportApp } from './helpers/express-app.ts';
import { compatTest } from './helpers/matrix.ts';
import { Person } from './helpers/person.ts';

let s: CompatServer;
let web: { base: string; close(): Promise<void> };

beforeAll(async () => {
  s = await startCompatServer();
  web = await startPassportApp(async (app, passport, base) => {
    const credentials = await s.createClient({ client_id: 'passport-web', name: 'passport app', authorizedGrantTypes: ['authorization_code', 'refresh_token'], redirectURIs: [`${base}/auth/example/callback`] });
    // the README's strategy: no scope option
    passport.use(
      new OAuth2Strategy(
        {
          authorizationURL: `${s.issuer}/auth/v3/oauth/authorize`,
          tokenURL: `${s.issuer}/auth/v3/oauth/token`,
          clientID: credentials.clientId,
          clientSecret: credentials.secret,
          callbackURL: `${base}/auth/example/callback`,
        },
        (accessToken: string, refreshToken: string, _profile: unknown, cb: (err: unknown, user?: Express.User) => void) => cb(null, { accessToken, refreshToken }),
      ),
    );
    app.get('/auth/example', passport.authenticate('oauth2'));
    app.get('/auth/example/callback', passport.authenticate('oauth2', { failureRedirect: '/login' }), (_req, res) => res.redirect('/me'));
  });
});

afterAll(async () => {
  await web?.close();
  await s?.close();
});

describe('passport-oauth2 (README configuration)', () => {
  compatTest('passport-oauth2-code', async () => {
    const person = new Person();
    const landed = await person.browse(`${web.base}/auth/example`, (u) => u.origin === web.base && (u.pathname === '/me' || u.pathname === '/login'));
    expect(landed.pathname, person.seen.map((x) => `${x.status} ${x.url}`).join('\n')).toBe('/me');
    const me = await person.request(landed.toString());
    expect(me.status).toBe(200);
    const user = JSON.parse(me.text) as { accessToken: string; refreshToken: string };
    expect(user.refreshToken).toEqual(expect.any(String));
    // the token is the person's: the Genesys user details name them
    const info = await fetch(`${s.issuer}/auth/v3/userinfo`, { headers: { authorization: `Bearer ${user.accessToken}` } });
    expect(info.status).toBe(200);
    expect(await info.json()).toMatchObject({ loginName: AGENT.username, contactCenterId: s.ccid, dbid: s.dbid });
  });
});
