/**
 * Hostile input at the OAuth endpoints (README "Security model" → "Hostile input"; RFC 6749 §3.1,
 * §3.2, §5.2, Appendix A; RFC 6750 §2; OWASP ASVS 5.0 V1.2, V13.1): wrong content types, oversized
 * and chunked bodies, malformed forms, NUL and control characters in every parameter, duplicated
 * parameters, SQL metacharacters, prototype keys. Every answer is a 4xx with RFC 6749 JSON, never a
 * 5xx or a stack trace, and a refused request stores nothing.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContactCenter } from '../helpers/fixtures.ts';
import { OPS, basic, createClient, startTestApp } from '../helpers/test-app.ts';
import type { TestApp } from '../helpers/test-app.ts';
import { expectNoPrototypePollution, expectOAuthError, listen, rawExchange, rowCounts } from './hostile-helpers.ts';

const TOKEN = '/auth/v3/oauth/token';
const INTROSPECT = '/auth/v3/oauth/introspect';
const REVOKE = '/auth/v3/oauth/revoke';
const AUTHORIZE = '/auth/v3/oauth/authorize';
const REDIRECT = 'https://chat.example.com/callback';
const PASSWORD = 'User-Password-123';
/** Failure limits high enough that these tests never meet the brute-force limiter. */
const NO_RATE_LIMITS = {
  RATE_LIMIT_CLIENT_ADDRESS_FAILURES: '1000000',
  RATE_LIMIT_CLIENT_FAILURES: '1000000',
  RATE_LIMIT_USER_FAILURES: '1000000',
  RATE_LIMIT_ADDRESS_FAILURES: '1000000',
  LOGIN_MAX_FAILURES: '1000',
};

let t: TestApp;
let client: { clientId: string; secret: string };
let ccid: string;

/** One chunk of a chunked body (RFC 9112 §7.1). */
const chunked = (data: string): string => `${Buffer.byteLength(data).toString(16)}\r\n${data}\r\n`;
const form = (path: string, body: string, c = client) => t.request.post(path).set('Authorization', basic(c.clientId, c.secret)).type('form').send(body);

beforeAll(async () => {
  t = await startTestApp(NO_RATE_LIMITS);
  client = await createClient(t, { client_id: 'hostile_app', redirectURIs: [REDIRECT] });
  ccid = (await createContactCenter(t.db.knex, { domains: ['t100'] })).ccid;
  const res = await t.request
    .post(`/environment/v3/contact-centers/${ccid}/users`)
    .set('Authorization', basic(OPS.username, OPS.password))
    .send({ data: { username: 'agent', password: PASSWORD } });
  expect(res.status).toBe(200);
});
afterAll(async () => {
  await t.close();
});

describe('content types', () => {
  it.each([
    ['JSON', 'application/json', '{"grant_type":"client_credentials"}'],
    ['plain text', 'text/plain', 'grant_type=client_credentials'],
    ['multipart', 'multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="grant_type"\r\n\r\nclient_credentials\r\n--x--\r\n'],
    ['XML', 'application/xml', '<grant_type>client_credentials</grant_type>'],
  ])('refuses a %s body at the token endpoint with 400 invalid_request', async (_label, type, body) => {
    const res = await t.request.post(TOKEN).set('Authorization', basic(client.clientId, client.secret)).set('Content-Type', type).send(body);
    expectOAuthError(res, 400, 'invalid_request');
    expect(res.body.error_description).toBe('only application/x-www-form-urlencoded content-type bodies are supported on POST /auth/v3/oauth/token');
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it.each([INTROSPECT, REVOKE])('refuses a JSON body at %s with 400 invalid_request', async (path) => {
    const res = await t.request.post(path).set('Authorization', basic(client.clientId, client.secret)).set('Content-Type', 'application/json').send('{"token":"x"}');
    expectOAuthError(res, 400, 'invalid_request');
  });

  it('answers a body without a content type at the token endpoint with 400 invalid_request (no parameters)', async () => {
    const res = await t.request.post(TOKEN).set('Authorization', basic(client.clientId, client.secret)).send(Buffer.from('grant_type=client_credentials'));
    expectOAuthError(res, 400, 'invalid_request');
  });
});

describe('body size (OAUTH_BODY_LIMIT_BYTES, default 16384)', () => {
  it.each([TOKEN, INTROSPECT, REVOKE])('answers 413 RFC 6749 JSON for a body over the limit at %s, and stores nothing', async (path) => {
    const before = await rowCounts(t.db.knex);
    const res = await form(path, `grant_type=client_credentials&token=x&pad=${'a'.repeat(17_000)}`);
    expectOAuthError(res, 413, 'invalid_request');
    expect(res.body).toEqual({ error: 'invalid_request', error_description: 'request body is larger than 16384 bytes' });
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers.connection).toBe('close');
    expect(await rowCounts(t.db.knex)).toEqual(before);
  });

  it.each(['/auth/v3/userinfo', '/auth/v3/openid/userinfo'])('answers 413 RFC 6749 JSON at %s for a declared body over the limit', async (path) => {
    const res = await t.request.post(path).type('form').send(`access_token=${'a'.repeat(17_000)}`);
    expectOAuthError(res, 413, 'invalid_request');
    expect(res.body).toEqual({ error: 'invalid_request', error_description: 'request body is larger than 16384 bytes' });
  });

  it('refuses NUL in a userinfo query parameter with 400 invalid_request', async () => {
    const res = await t.request.get('/auth/v3/userinfo?access_token=a%00b');
    expectOAuthError(res, 400, 'invalid_request');
  });

  it('accepts a body just under the limit', async () => {
    const body = `grant_type=client_credentials&pad=`;
    const res = await form(TOKEN, body + 'a'.repeat(16_384 - body.length));
    expect(res.status).toBe(200);
    expect(res.body.token_type).toBe('bearer');
  });

  it('answers 413 from the Content-Length alone, before reading the body', async () => {
    const srv = await listen(t);
    try {
      const res = await rawExchange(srv.port, [
        `POST ${TOKEN} HTTP/1.1\r\nHost: ccauth.test\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 10000000\r\n\r\ngrant_type=`,
      ]);
      expect(res.status).toBe(413);
      expect(JSON.parse(res.body)).toEqual({ error: 'invalid_request', error_description: 'request body is larger than 16384 bytes' });
      expect(res.headers.connection).toBe('close');
    } finally {
      await srv.close();
    }
  });

  it('answers 413 for a chunked body (no Content-Length) that grows past the limit', async () => {
    const srv = await listen(t);
    try {
      const piece = chunked('a'.repeat(8000));
      const res = await rawExchange(srv.port, [
        `POST ${TOKEN} HTTP/1.1\r\nHost: ccauth.test\r\nAuthorization: ${basic(client.clientId, client.secret)}\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n`,
        chunked('grant_type=client_credentials'),
        chunked('&pad='),
        piece,
        piece,
        piece,
        '0\r\n\r\n',
      ]);
      expect(res.status).toBe(413);
      expect(JSON.parse(res.body)).toEqual({ error: 'invalid_request', error_description: 'request body is larger than 16384 bytes' });
    } finally {
      await srv.close();
    }
  });

  it('survives a client that hangs up in the middle of its body: nothing stored, the next request served', async () => {
    const srv = await listen(t);
    try {
      const before = await rowCounts(t.db.knex, ['oidc_payloads']);
      // requests the token route has finished (its duration histogram counts each once it ends)
      const finished = async () =>
        ((await t.request.get('/metrics')).text.match(/^ccauth_http_request_duration_seconds_count\{[^}]*route="\/auth\/v3\/oauth\/token"[^}]*\} \d+$/gm) ?? [])
          .reduce((n, line) => n + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
      const finishedBefore = await finished();
      const socket = net.connect(srv.port, '127.0.0.1');
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      socket.write(
        `POST ${TOKEN} HTTP/1.1\r\nHost: ccauth.test\r\nAuthorization: ${basic(client.clientId, client.secret)}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 200\r\n\r\ngrant_type=client_credentials&pad=`,
      );
      await new Promise((r) => setTimeout(r, 50));
      socket.destroy();
      await new Promise((r) => setTimeout(r, 100));
      expect(await rowCounts(t.db.knex, ['oidc_payloads'])).toEqual(before);
      expect(await finished()).toBe(finishedBefore + 1); // the cut request ended; it does not hang
      const res = await form(TOKEN, 'grant_type=client_credentials');
      expect(res.status).toBe(200);
      expect(res.body.token_type).toBe('bearer');
    } finally {
      await srv.close();
    }
  });

  it('serves a small chunked body normally', async () => {
    const srv = await listen(t);
    try {
      const res = await rawExchange(srv.port, [
        `POST ${TOKEN} HTTP/1.1\r\nHost: ccauth.test\r\nAuthorization: ${basic(client.clientId, client.secret)}\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n`,
        `${chunked('grant_type=client_credentials')}0\r\n\r\n`,
      ]);
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body).token_type).toBe('bearer');
    } finally {
      await srv.close();
    }
  });

  it('takes the limit from OAUTH_BODY_LIMIT_BYTES', async () => {
    const small = await startTestApp({ ...NO_RATE_LIMITS, OAUTH_BODY_LIMIT_BYTES: '2048' });
    try {
      const c = await createClient(small, { client_id: 'small_limit' });
      const over = await small.request.post(TOKEN).set('Authorization', basic(c.clientId, c.secret)).type('form').send(`grant_type=client_credentials&pad=${'a'.repeat(2100)}`);
      expect(over.status).toBe(413);
      expect(over.body).toEqual({ error: 'invalid_request', error_description: 'request body is larger than 2048 bytes' });
      const under = await small.request.post(TOKEN).set('Authorization', basic(c.clientId, c.secret)).type('form').send(`grant_type=client_credentials&pad=${'a'.repeat(1500)}`);
      expect(under.status).toBe(200);
    } finally {
      await small.close();
    }
  });
});

describe('malformed forms', () => {
  it.each([
    ['broken percent-encoding', 'grant_type=client_credentials&scope=%ZZ%'],
    ['invalid UTF-8', 'grant_type=password&username=t100%5C%FF%FE&password=%C3%28'],
    ['no = signs', 'grant_type&&&&'],
    ['only separators', '&&&=&=='],
    ['a huge parameter name', `${'n'.repeat(10_000)}=1&grant_type=client_credentials`],
    ['a thousand parameters', Array.from({ length: 1000 }, (_, i) => `p${i}=${i}`).join('&') + '&grant_type=client_credentials'],
    ['prototype keys', 'grant_type=client_credentials&__proto__=x&__proto__[polluted]=1&constructor[prototype][polluted]=1'],
  ])('answers %s with a 2xx/4xx RFC 6749 answer, never a 5xx', async (_label, body) => {
    const res = await form(TOKEN, body);
    expect(res.status).toBeLessThan(500);
    if (res.status >= 400) expectOAuthError(res);
    else expect(res.body.token_type).toBe('bearer');
    expectNoPrototypePollution();
  });
});

describe('NUL, control characters and unpaired surrogates in parameters', () => {
  const nasty = ['%00', 'a%00b', '%0D%0A', '%07', '%1B', '%7F', '%ED%A0%80'];
  const tokenParams = ['grant_type', 'client_id', 'client_secret', 'scope', 'username', 'password', 'tenant', 'refresh_token', 'code', 'redirect_uri', 'code_verifier', 'resource'];

  it.each(tokenParams.flatMap((p) => nasty.slice(0, 6).map((n) => [p, n] as const)))('refuses %s=%s at the token endpoint with 400 invalid_request', async (param, value) => {
    const before = await rowCounts(t.db.knex);
    const base: Record<string, string> = { grant_type: 'password', username: 't100%5Cagent', password: PASSWORD };
    base[param] = value;
    const body = Object.entries(base)
      .map(([k, v]) => `${k}=${v}`)
      .join('&');
    const res = await form(TOKEN, body);
    expectOAuthError(res, 400, 'invalid_request');
    expect(res.body.error_description).toBe(`'${param}' parameter contains a control character, NUL or an unpaired surrogate`);
    expect(await rowCounts(t.db.knex)).toEqual(before);
  });

  it('turns invalid UTF-8 (an encoded surrogate) into U+FFFD rather than a lone surrogate: an ordinary refusal', async () => {
    const res = await form(TOKEN, `grant_type=password&username=t100%5Cag%ED%A0%80ent&password=${PASSWORD}`);
    expectOAuthError(res, 400, 'invalid_grant');
    expect(res.body.error_description).toBe('Bad credentials');
  });

  it('refuses NUL in client_secret_post credentials (no 500 from the client lookup)', async () => {
    const res = await t.request.post(TOKEN).type('form').send('grant_type=client_credentials&client_id=a%00b&client_secret=x');
    expectOAuthError(res, 400, 'invalid_request');
  });

  it.each([TOKEN, INTROSPECT, REVOKE])('answers a Basic client_id with U+0000 or other non-VSCHAR characters exactly as an unknown client at %s: 401 invalid_client', async (path) => {
    const send = (userPass: string) =>
      t.request
        .post(path)
        .set('Authorization', `Basic ${Buffer.from(userPass).toString('base64')}`)
        .type('form')
        .send(path === TOKEN ? 'grant_type=client_credentials' : 'token=abcdefghijklmnopqrstuvwxyz');
    const unknown = await send('no-such-app:secret');
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual({ error: 'invalid_client', error_description: 'client authentication failed' });
    for (const userPass of ['hostile%00app:secret', 'hostile\u0000app:secret', '\u0000:secret', 'cl\u00efent:secret', 'tab%09app:secret', `${client.clientId}%00:${client.secret}`]) {
      const res = await send(userPass);
      expect(res.status, userPass).toBe(401);
      expect(res.body).toEqual(unknown.body);
      expect(res.headers['www-authenticate']).toBe(unknown.headers['www-authenticate']);
      expect(res.headers['content-type']).toBe(unknown.headers['content-type']);
    }
  });

  it('still refuses a Basic header whose percent-encoding is broken with 400 invalid_request', async () => {
    const res = await t.request.post(TOKEN).set('Authorization', `Basic ${Buffer.from('bad%zzapp:secret').toString('base64')}`).type('form').send('grant_type=client_credentials');
    expectOAuthError(res, 400, 'invalid_request');
  });

  it.each([INTROSPECT, REVOKE])('refuses NUL in the token parameter at %s', async (path) => {
    const res = await form(path, 'token=abc%00def&token_type_hint=access_token');
    expectOAuthError(res, 400, 'invalid_request');
  });

  it.each(['client_id', 'redirect_uri', 'state', 'scope', 'nonce', 'code_challenge', 'login_hint'])('refuses NUL in the authorize parameter %s without redirecting', async (param) => {
    const before = await rowCounts(t.db.knex);
    const q = new URLSearchParams({ client_id: client.clientId, redirect_uri: REDIRECT, response_type: 'code', scope: 'openid', state: 's', nonce: 'n', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' });
    q.set(param, `${q.get(param) ?? ''}\u0000`);
    const res = await t.request.get(`${AUTHORIZE}?${q.toString()}`);
    expectOAuthError(res, 400, 'invalid_request');
    expect(res.headers.location).toBeUndefined();
    expect(await rowCounts(t.db.knex)).toEqual(before);
  });

  it('refuses a redirect_uri with NUL under a registered bare origin (it would have been stored with the interaction)', async () => {
    const q = new URLSearchParams({ client_id: client.clientId, redirect_uri: 'https://chat.example.com/\u0000', response_type: 'code', scope: 'openid' });
    const res = await t.request.get(`${AUTHORIZE}?${q.toString()}`);
    expectOAuthError(res, 400, 'invalid_request');
  });

  it('does not serve POST authorization requests at all (404 JSON), so their bodies are never read', async () => {
    const res = await t.request.post(AUTHORIZE).type('form').send(`client_id=${client.clientId}&response_type=code&scope=openid&redirect_uri=${encodeURIComponent(REDIRECT)}&state=%00`);
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: 'not_found', error_description: 'no such endpoint' });
  });

  it('refuses NUL in the RP-initiated logout confirmation form', async () => {
    const res = await t.request.post('/auth/v3/oauth/logout/confirm').type('form').send('xsrf=abc%00&logout=yes');
    expectOAuthError(res, 400, 'invalid_request');
    expect(res.body.error_description).toBe("'xsrf' parameter contains a control character, NUL or an unpaired surrogate");
  });

  it('accepts a TAB in a password (RFC 6749 Appendix A UNICODECHARNOCRLF allows it)', async () => {
    const res = await form(TOKEN, `grant_type=password&username=t100%5Cagent&password=${encodeURIComponent('wrong\tpassword')}`);
    expectOAuthError(res, 400, 'invalid_grant');
  });
});

describe('duplicated parameters (RFC 6749 §3.1, §3.2: MUST NOT be included more than once)', () => {
  it.each([
    ['grant_type', 'grant_type=client_credentials&grant_type=client_credentials'],
    ['scope', 'grant_type=client_credentials&scope=a&scope=b'],
    ['username', `grant_type=password&username=t100%5Cagent&username=t100%5Cagent&password=${PASSWORD}`],
    ['password', `grant_type=password&username=t100%5Cagent&password=${PASSWORD}&password=${PASSWORD}`],
    ['refresh_token', 'grant_type=refresh_token&refresh_token=a&refresh_token=b'],
    ['code', `grant_type=authorization_code&code=a&code=b&redirect_uri=${encodeURIComponent(REDIRECT)}`],
    ['redirect_uri', `grant_type=authorization_code&code=a&redirect_uri=${encodeURIComponent(REDIRECT)}&redirect_uri=${encodeURIComponent(REDIRECT)}`],
  ])('refuses a repeated %s at the token endpoint with 400 invalid_request', async (param, body) => {
    const before = await rowCounts(t.db.knex);
    const res = await form(TOKEN, body);
    expectOAuthError(res, 400, 'invalid_request');
    expect(res.body.error_description).toBe(`'${param}' parameter must not be provided twice`);
    expect(await rowCounts(t.db.knex)).toEqual(before);
  });

  it('refuses a repeated client_id (client_secret_post)', async () => {
    const res = await t.request.post(TOKEN).type('form').send(`grant_type=client_credentials&client_id=${client.clientId}&client_id=${client.clientId}&client_secret=${client.secret}`);
    expectOAuthError(res, 400, 'invalid_request');
    expect(res.body.error_description).toBe("'client_id' parameter must not be provided twice");
  });

  it.each([INTROSPECT, REVOKE])('refuses a repeated token at %s', async (path) => {
    const res = await form(path, 'token=a&token=b');
    expectOAuthError(res, 400, 'invalid_request');
    expect(res.body.error_description).toBe("'token' parameter must not be provided twice");
  });

  it('refuses a repeated state at the authorization endpoint', async () => {
    const res = await t.request.get(`${AUTHORIZE}?client_id=${client.clientId}&response_type=code&scope=openid&redirect_uri=${encodeURIComponent(REDIRECT)}&state=a&state=b`);
    expect(res.status).toBeLessThan(500);
    // an authorization error goes back to the (valid) redirect URI as error=invalid_request (RFC 6749 §4.1.2.1)
    const location = new URL(res.headers.location!);
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT);
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('error_description')).toBe("'state' parameter must not be provided twice");
  });

  it('refuses a repeated access_token in a userinfo form body with 400 invalid_request', async () => {
    const res = await t.request.post('/auth/v3/userinfo').type('form').send('access_token=a&access_token=b');
    expectOAuthError(res, 400, 'invalid_request');
  });
});

describe('SQL metacharacters', () => {
  const meta = ["' OR '1'='1", "'; DROP TABLE clients; --", '" OR ""="', '\\', '%', '_', "admin'--", '1; SELECT pg_sleep(10)'];

  it.each(meta)('a client_id of %j is an unknown client (401 invalid_client)', async (value) => {
    const res = await t.request.post(TOKEN).type('form').send({ grant_type: 'client_credentials', client_id: value, client_secret: 'x' });
    expectOAuthError(res, 401, 'invalid_client');
  });

  it.each(meta)('a username or password of %j is Bad credentials', async (value) => {
    for (const body of [
      { grant_type: 'password', username: `t100\\${value}`, password: PASSWORD },
      { grant_type: 'password', username: 't100\\agent', password: value },
      { grant_type: 'password', username: value, password: value },
      { grant_type: 'password', username: 'agent', tenant: value, password: PASSWORD },
    ]) {
      const res = await t.request.post(TOKEN).set('Authorization', basic(client.clientId, client.secret)).type('form').send(body);
      expectOAuthError(res, 400, 'invalid_grant');
      expect(res.body.error_description).toBe('Bad credentials');
    }
  });

  it.each(meta)('a token of %j introspects as inactive and revokes as a no-op', async (value) => {
    const internal = await t.request.post(INTROSPECT).set('Authorization', basic(client.clientId, client.secret)).type('form').send({ token: value });
    expect(internal.status).toBe(200);
    expect(internal.body).toEqual({ active: false });
    const revoked = await t.request.post(REVOKE).set('Authorization', basic(client.clientId, client.secret)).type('form').send({ token: value });
    expect(revoked.status).toBe(200);
  });

  it('the tables are all still there and the account still works', async () => {
    const res = await form(TOKEN, `grant_type=password&username=t100%5Cagent&password=${PASSWORD}`);
    expect(res.status).toBe(200);
    expect(Object.keys(await rowCounts(t.db.knex))).toHaveLength(11);
  });
});

describe('headers', () => {
  it('answers 401 invalid_client for a huge Basic header within the header limit', async () => {
    const res = await t.request.post(TOKEN).set('Authorization', `Basic ${Buffer.from(`${'u'.repeat(6000)}:${'p'.repeat(4000)}`).toString('base64')}`).type('form').send('grant_type=client_credentials');
    expectOAuthError(res, 401, 'invalid_client');
  });

  it('answers malformed Basic credentials with a 4xx RFC 6749 error', async () => {
    for (const header of ['Basic', 'Basic !!!', 'Basic ' + Buffer.from('no-colon').toString('base64'), 'Basic ' + Buffer.from('%ZZ:%ZZ').toString('base64'), 'Bearer x', 'Basic ' + Buffer.from('\u00ff\u00fe:x', 'latin1').toString('base64')]) {
      const res = await t.request.post(TOKEN).set('Authorization', header).type('form').send('grant_type=client_credentials');
      expectOAuthError(res);
    }
  });

  it('answers 431 with a JSON body for a header block over MAX_HEADER_BYTES, on the real server', async () => {
    const srv = await listen(t);
    try {
      const res = await rawExchange(srv.port, [`POST ${TOKEN} HTTP/1.1\r\nHost: ccauth.test\r\nX-Big: ${'a'.repeat(20_000)}\r\nContent-Length: 0\r\n\r\n`]);
      expect(res.status).toBe(431);
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(res.headers.connection).toBe('close');
      expect(JSON.parse(res.body)).toEqual({
        error: 'invalid_request',
        error_description: 'request headers are larger than 16384 bytes',
        status: { code: 2, message: 'request headers are larger than 16384 bytes' },
      });
    } finally {
      await srv.close();
    }
  });
});
