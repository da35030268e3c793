/**
 * Hostile input at the JSON admin APIs (ops clients, ops integrations and activations, Environment
 * API: environments, contact centers, data centers, settings, users), the ops console forms, the
 * browser sign-in pages and the HTTP server itself (README "Security model" → "Hostile input";
 * OWASP ASVS 5.0 V1.2, V2.2, V4.1, V13.1): wrong content types, oversized and compressed bodies,
 * malformed and deeply nested JSON, prototype keys, NUL and unpaired surrogates in every string
 * field, SQL metacharacters in every string field, duplicated keys, huge headers. Every refusal is
 * a 4xx with the endpoint's error shape, never a 5xx or a stack trace, and stores nothing.
 */
import { gzipSync } from 'node:zlib';
import type { Response } from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContactCenter, createEnvironment } from '../helpers/fixtures.ts';
import { OPS, basic, createClient, startTestApp } from '../helpers/test-app.ts';
import type { TestApp } from '../helpers/test-app.ts';
import { authorizeUrl, newBrowser, pkce, postSignIn, startSignIn } from '../helpers/interaction-flow.ts';
import {
  STACK_TRACE,
  adminWrites,
  expectEnvelopeError,
  expectNoPrototypePollution,
  listen,
  rawExchange,
  rowCounts,
  stringLeaves,
  withLeaf,
} from './hostile-helpers.ts';
import type { AdminWrite } from './hostile-helpers.ts';

const OPS_AUTH = basic(OPS.username, OPS.password);
const CLIENTS = '/auth/v3/ops/clients';
const ENVIRONMENTS = '/environment/v3/environments';
let t: TestApp;
let ccid: string;
let environmentId: string;
let writes: AdminWrite[];
let counter = 0;
const next = () => ++counter;

const send = (w: AdminWrite, body: unknown) => t.request[w.method](w.path).set('Authorization', OPS_AUTH).send(body as object);
const raw = (method: 'post' | 'put', path: string, type: string | undefined, body: string | Buffer) => {
  const req = t.request[method](path).set('Authorization', OPS_AUTH);
  if (type !== undefined) req.set('Content-Type', type);
  return req.send(body);
};

beforeAll(async () => {
  t = await startTestApp({ LOGIN_MAX_FAILURES: '1000' });
  environmentId = await createEnvironment(t.db.knex);
  ccid = (await createContactCenter(t.db.knex, { domains: ['t100'] })).ccid;
  const client = await createClient(t, { client_id: 'existing_client', redirectURIs: ['https://app.example.com/cb'] });
  const integration = await t.request
    .post('/auth/v3/ops/integrations')
    .set('Authorization', OPS_AUTH)
    .send({ data: { id: 'code-flow', name: 'Code flow', authorizedGrantTypes: ['authorization_code', 'refresh_token'], scope: ['chat'], clientAuthMethods: ['client_secret_basic'] } });
  expect(integration.status).toBe(200);
  writes = adminWrites({ ccid, environmentId, codeIntegrationId: 'code-flow', clientId: client.clientId });
});
afterAll(async () => {
  await t.close();
});

describe('the valid bodies used below are accepted', () => {
  it('creates or updates with each endpoint’s valid body', async () => {
    for (const w of writes) {
      const res = await send(w, w.body(next()));
      expect(res.status, `${w.name}: ${res.text}`).toBe(200);
    }
  });
});

describe('content types (JSON admin APIs)', () => {
  it.each([
    ['text/plain', 'text/plain', '{"data":{}}'],
    ['form', 'application/x-www-form-urlencoded', 'data=1'],
    ['multipart', 'multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="data"\r\n\r\n{}\r\n--x--\r\n'],
    ['XML', 'application/xml', '<data/>'],
    ['no content type', undefined, '{"data":{"client_id":"x"}}'],
    ['JSON in Latin-1', 'application/json; charset=iso-8859-1', '{"data":{}}'],
    ['JSON in UTF-16', 'application/json; charset=utf-16', '{"data":{}}'],
  ])('answers %s with 415 code 2 on every write endpoint, storing nothing', async (_label, type, body) => {
    for (const w of writes) {
      const before = await rowCounts(t.db.knex);
      const res = await raw(w.method, w.path, type, Buffer.from(body));
      expectEnvelopeError(res, 415, 2);
      expect(res.body.status.message).toMatch(/^(unsupported content type; send application\/json|JSON must be sent as UTF-8 \(RFC 8259 §8\.1\))$/);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(await rowCounts(t.db.knex)).toEqual(before);
    }
  });

  it('accepts a +json media type and an explicit UTF-8 charset', async () => {
    const w = writes.find((x) => x.name === 'data center')!;
    const viaPlus = await raw('post', w.path, 'application/merge-patch+json', JSON.stringify(w.body(next())));
    expect(viaPlus.status).toBe(200);
    const viaCharset = await raw('post', w.path, 'application/json; charset=UTF-8', JSON.stringify(w.body(next())));
    expect(viaCharset.status).toBe(200);
  });

  it('leaves a bodiless POST to the route: "missing data" is code 1', async () => {
    const res = await t.request.post(CLIENTS).set('Authorization', OPS_AUTH);
    expectEnvelopeError(res, 400, 1);
  });

  it('answers 401 before looking at the body of an unauthenticated request', async () => {
    const res = await t.request.post(CLIENTS).set('Content-Type', 'text/plain').send('x'.repeat(200_000));
    expect(res.status).toBe(401);
    expect(res.body.status).toEqual({ code: 20, message: 'Bad credentials' });
  });
});

describe('body size (ADMIN_BODY_LIMIT_BYTES, default 102400)', () => {
  it.each([CLIENTS, ENVIRONMENTS])('answers 413 code 2 for a body over the limit at %s', async (path) => {
    const before = await rowCounts(t.db.knex);
    const res = await raw('post', path, 'application/json', JSON.stringify({ data: { username: 'x', description: 'a'.repeat(110_000) } }));
    expectEnvelopeError(res, 413, 2);
    expect(res.body).toEqual({ status: { code: 2, message: 'request body is larger than 102400 bytes' } });
    expect(await rowCounts(t.db.knex)).toEqual(before);
  });

  it('counts decompressed bytes: a gzip bomb is refused with 413', async () => {
    const bomb = gzipSync(Buffer.from(JSON.stringify({ data: { description: '0'.repeat(5_000_000) } })));
    expect(bomb.length).toBeLessThan(20_000);
    const srv = await listen(t);
    try {
      const res = await rawExchange(srv.port, [
        `POST ${CLIENTS} HTTP/1.1\r\nHost: ccauth.test\r\nAuthorization: ${OPS_AUTH}\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: ${bomb.length}\r\n\r\n`,
        bomb,
      ]);
      expect(res.status).toBe(413);
      expect(JSON.parse(res.body)).toEqual({ status: { code: 2, message: 'request body is larger than 102400 bytes' } });
    } finally {
      await srv.close();
    }
  });

  it('answers invalid UTF-8 bytes and a corrupt gzip stream with 400 code 2', async () => {
    const srv = await listen(t);
    try {
      for (const [encoding, body] of [
        ['identity', Buffer.from([0x7b, 0x22, 0x64, 0x61, 0x74, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d])],
        ['gzip', Buffer.from('not gzip at all')],
      ] as const) {
        const res = await rawExchange(srv.port, [
          `POST ${CLIENTS} HTTP/1.1\r\nHost: ccauth.test\r\nAuthorization: ${OPS_AUTH}\r\nContent-Type: application/json\r\nContent-Encoding: ${encoding}\r\nContent-Length: ${body.length}\r\n\r\n`,
          body,
        ]);
        expect(res.status).toBe(400);
        expect(JSON.parse(res.body).status.code).toBe(encoding === 'gzip' ? 2 : 10);
      }
    } finally {
      await srv.close();
    }
  });

  it('answers an unknown Content-Encoding with 415 code 2', async () => {
    const res = await t.request.post(CLIENTS).set('Authorization', OPS_AUTH).set('Content-Type', 'application/json').set('Content-Encoding', 'compress').send('{"data":{}}');
    expectEnvelopeError(res, 415, 2);
  });

  it('answers a Content-Length over the limit with 413 before reading the body', async () => {
    const srv = await listen(t);
    try {
      const res = await rawExchange(srv.port, [`POST ${CLIENTS} HTTP/1.1\r\nHost: ccauth.test\r\nAuthorization: ${OPS_AUTH}\r\nContent-Type: application/json\r\nContent-Length: 50000000\r\n\r\n{"data":`]);
      expect(res.status).toBe(413);
      expect(JSON.parse(res.body)).toEqual({ status: { code: 2, message: 'request body is larger than 102400 bytes' } });
    } finally {
      await srv.close();
    }
  });

  it('takes the limit from ADMIN_BODY_LIMIT_BYTES', async () => {
    const small = await startTestApp({ ADMIN_BODY_LIMIT_BYTES: '2048' });
    try {
      const res = await small.request.post(CLIENTS).set('Authorization', OPS_AUTH).send({ data: { client_id: 'x', description: 'a'.repeat(3000) } });
      expectEnvelopeError(res, 413, 2);
      expect(res.body.status.message).toBe('request body is larger than 2048 bytes');
    } finally {
      await small.close();
    }
  });
});

describe('malformed JSON', () => {
  it.each([
    ['truncated', '{"data":'],
    ['a trailing comma', '{"data":{"client_id":"x",}}'],
    ['single quotes', "{'data':{}}"],
    ['a bare string', '"data"'],
    ['a number', '42'],
    ['NaN', '{"data":NaN}'],
    ['comments', '{"data":{} /* x */}'],
    ['a BOM then garbage', '\ufeff{{'],
    ['an unterminated string', '{"data":"abc'],
  ])('answers %s with a 400 envelope', async (_label, body) => {
    for (const w of writes) {
      const res = await raw(w.method, w.path, 'application/json', body);
      expectEnvelopeError(res);
      expect(res.status).toBe(400);
    }
  });

  it('answers a body without data with code 1 and a non-object data with code 10', async () => {
    const w = writes[0]!;
    expectEnvelopeError(await raw('post', w.path, 'application/json', '{}'), 400, 1);
    expectEnvelopeError(await raw('post', w.path, 'application/json', '[]'), 400, 10);
    expectEnvelopeError(await raw('post', w.path, 'application/json', '{"data":[1,2]}'), 400, 10);
    expectEnvelopeError(await raw('post', w.path, 'application/json', '{"data":"x"}'), 400, 10);
  });
});

describe('deeply nested JSON', () => {
  it.each([33, 1000, 40_000])('answers %i levels of nesting with 400 code 2', async (depth) => {
    const body = `{"data":${'['.repeat(depth)}${']'.repeat(depth)}}`;
    for (const w of writes) {
      const res = await raw(w.method, w.path, 'application/json', body);
      expectEnvelopeError(res, 400, 2);
      expect(res.body.status.message).toBe('request body is nested more than 32 levels deep');
    }
  });

  it('answers deep objects inside a user’s properties with 400 code 2', async () => {
    let nested: unknown = 'v';
    for (let i = 0; i < 60; i++) nested = { k: nested };
    const w = writes.find((x) => x.name === 'user')!;
    const res = await send(w, withLeaf(w.body(next()), ['data', 'properties'], nested));
    expectEnvelopeError(res, 400, 2);
  });

  it('accepts the nesting real bodies need', async () => {
    const w = writes.find((x) => x.name === 'environment')!;
    expect((await send(w, w.body(next()))).status).toBe(200);
  });
});

describe('prototype pollution', () => {
  const attacks = [
    ['top-level __proto__', '{"__proto__":{"polluted":"yes"},"data":{"client_id":"p1","authorizedGrantTypes":["client_credentials"]}}'],
    ['__proto__ inside data', '{"data":{"client_id":"p2","authorizedGrantTypes":["client_credentials"],"__proto__":{"polluted":"yes"}}}'],
    ['constructor.prototype', '{"data":{"client_id":"p3","authorizedGrantTypes":["client_credentials"],"constructor":{"prototype":{"polluted":"yes"}}}}'],
    ['a constructor key', '{"data":{"client_id":"p4","authorizedGrantTypes":["client_credentials"],"constructor":"x"}}'],
    ['a prototype key', '{"data":{"client_id":"p5","authorizedGrantTypes":["client_credentials"],"prototype":{"polluted":"yes"}}}'],
    ['__proto__ in an array element', '{"data":{"client_id":"p6","authorizedGrantTypes":["client_credentials"],"redirectURIs":[{"__proto__":{"polluted":"yes"}}]}}'],
  ] as const;

  it.each(attacks)('refuses %s with 400 code 2 on every endpoint, stores nothing, pollutes nothing', async (_label, body) => {
    for (const w of writes) {
      const before = await rowCounts(t.db.knex);
      const res = await raw(w.method, w.path, 'application/json', body);
      expectEnvelopeError(res, 400, 2);
      expect(res.body.status.message).toBe('request body must not contain "__proto__", "constructor" or "prototype" keys');
      expect(await rowCounts(t.db.knex)).toEqual(before);
      expectNoPrototypePollution();
    }
  });

  it('refuses prototype keys as user property names', async () => {
    const w = writes.find((x) => x.name === 'user')!;
    for (const key of ['__proto__', 'constructor', 'prototype']) {
      const res = await raw('post', w.path, 'application/json', `{"data":{"username":"proto-${key}","password":"User-Password-1","properties":{"${key}":"x"}}}`);
      expectEnvelopeError(res, 400, 2);
    }
    expectNoPrototypePollution();
  });

  it('is not polluted through query strings', async () => {
    const res = await t.request.get(`${CLIENTS}?__proto__[polluted]=yes&constructor[prototype][polluted]=yes&__proto__.polluted=yes`).set('Authorization', OPS_AUTH);
    expect(res.status).toBe(200);
    expectNoPrototypePollution();
  });
});

describe('NUL and unpaired surrogates in every string field', () => {
  const bad = [
    ['NUL', 'a\u0000b'],
    ['a lone high surrogate', 'a\ud800b'],
    ['a lone low surrogate', '\udc00'],
  ] as const;

  it.each(bad)('refuses %s in each string of each write body with 400 code 10 naming the field, storing nothing', async (_label, value) => {
    let checked = 0;
    for (const w of writes) {
      const body = w.body(next());
      for (const path of stringLeaves(body)) {
        const before = await rowCounts(t.db.knex);
        const res = await send(w, withLeaf(body, path, value));
        expectEnvelopeError(res, 400, 10);
        expect(res.body.status.detail.errors).toContainEqual({ field: path.join('.'), message: 'must not contain NUL characters or unpaired surrogates' });
        expect(await rowCounts(t.db.knex)).toEqual(before);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(40);
  });

  it('refuses NUL in a property name without echoing the name', async () => {
    const w = writes.find((x) => x.name === 'user')!;
    const res = await raw('post', w.path, 'application/json', '{"data":{"username":"nulprop","password":"User-Password-1","properties":{"a\\u0000b":"x"}}}');
    expectEnvelopeError(res, 400, 10);
    expect(res.body.status.detail.errors).toEqual([{ field: 'data.properties', message: 'names must not contain NUL characters or unpaired surrogates' }]);
  });

  it.each([
    `${CLIENTS}?x=a%00b`,
    '/auth/v3/ops/integrations?q=a%00b',
    '/auth/v3/ops/audit?before=%00',
    `${ENVIRONMENTS}?%00=1`,
  ])('refuses NUL in the query string of GET %s with 400 code 10', async (path) => {
    const res = await t.request.get(path).set('Authorization', OPS_AUTH);
    expectEnvelopeError(res, 400, 10);
  });

  it.each([`${CLIENTS}/a%00b`, `${ENVIRONMENTS}/%00`, '/environment/v3/contact-centers/%ED%A0%80/users', '/auth/v3/ops/integrations/%E0%A4%A'])('answers a hostile path parameter (%s) with 404 code 6', async (path) => {
    const res = await t.request.get(path).set('Authorization', OPS_AUTH);
    expectEnvelopeError(res, 404, 6);
  });
});

describe('SQL metacharacters in every string field', () => {
  const metas = ["' OR '1'='1", "'); DROP TABLE clients; --", '"; DELETE FROM users; --', "\\' OR 1=1 --", '%_%', '$1::text', "x'||pg_sleep(5)||'"];

  it.each(metas)('%j: each field is refused with a 4xx envelope, or stored verbatim', async (meta) => {
    let stored = 0;
    for (const w of writes) {
      for (const path of stringLeaves(w.body(0))) {
        const n = next();
        const before = await rowCounts(t.db.knex);
        const res = await send(w, withLeaf(w.body(n), path, meta));
        expect(res.status, `${w.name} ${path.join('.')}: ${res.text}`).toBeLessThan(500);
        expect(res.text).not.toMatch(STACK_TRACE);
        // secrets and passwords are only ever stored hashed, never listed
        const hashed = ['client_secret', 'password'].includes(String(path[path.length - 1]));
        if (res.status === 200) {
          const list = await t.request.get(w.list).set('Authorization', OPS_AUTH);
          // stored as given (the login-domain field is stored in canonical, lowercase form)
          if (!hashed) expect(JSON.stringify(list.body).toLowerCase(), `${w.name} ${path.join('.')}`).toContain(JSON.stringify(meta).slice(1, -1).toLowerCase());
          stored++;
        } else {
          expectEnvelopeError(res);
          if (w.method === 'post') expect(await rowCounts(t.db.knex)).toEqual(before);
        }
      }
    }
    expect(stored).toBeGreaterThan(5);
    // every table is still there
    expect(Object.keys(await rowCounts(t.db.knex))).toHaveLength(11);
  });
});

describe('duplicate keys', () => {
  it('keeps the last of duplicated JSON keys (JSON.parse semantics; documented)', async () => {
    const res = await raw('post', CLIENTS, 'application/json', '{"data":{"client_id":"first_dup","client_id":"last_dup","authorizedGrantTypes":["client_credentials"]}}');
    expect(res.status).toBe(200);
    expect(res.body.data.client_id).toBe('last_dup');
    expect((await t.request.get(`${CLIENTS}/first_dup`).set('Authorization', OPS_AUTH)).status).toBe(404);
  });
});

describe('dangerous stored values', () => {
  it.each([
    ['javascript:', 'javascript:alert(1)', 'must use https (or http)'],
    ['data:', 'data:text/html,<script>alert(1)</script>', 'must use https (or http)'],
    ['vbscript:', 'vbscript:msgbox(1)', 'must use https (or http)'],
    ['a private-use scheme', 'com.example.app:/cb', 'must use https (or http)'],
    ['a fragment', 'https://app.example.com/cb#frag', 'must not contain a fragment'],
    ['an empty fragment', 'https://app.example.com/cb#', 'must not contain a fragment'],
    ['a wildcard host', 'https://*.example.com/cb', 'must not contain wildcards'],
    ['a wildcard path', 'https://app.example.com/*', 'must not contain wildcards'],
    ['user information', 'https://user:pass@app.example.com/cb', 'must not contain user information'],
    ['an empty userinfo', 'https://@app.example.com/cb', 'must not contain user information'],
    ['a backslash host trick', 'https://evil.example\\@app.example.com/cb', 'must not contain a backslash'],
    ['a relative URI', '/cb', 'must be an absolute URL'],
    ['a space', 'https://app.example.com/c b', 'must be an ASCII URI without spaces or control characters (percent-encode other characters)'],
    ['non-ASCII', 'https://app.example.com/caf\u00e9', 'must be an ASCII URI without spaces or control characters (percent-encode other characters)'],
  ])('refuses a redirect URI with %s on the ops client API and integration activations', async (_label, uri, message) => {
    const client = await t.request.post(CLIENTS).set('Authorization', OPS_AUTH).send({ data: { client_id: `dangerous_${next()}`, authorizedGrantTypes: ['authorization_code'], redirectURIs: [uri] } });
    expectEnvelopeError(client, 400, 10);
    expect(client.body.status.detail.errors).toEqual([{ field: 'data.redirectURIs.0', message }]);
    const update = await t.request.put(`${CLIENTS}/existing_client`).set('Authorization', OPS_AUTH).send({ data: { redirectURIs: ['https://app.example.com/ok', uri] } });
    expectEnvelopeError(update, 400, 10);
    expect(update.body.status.detail.errors).toEqual([{ field: 'data.redirectURIs.1', message }]);
    const activation = await t.request.post('/auth/v3/ops/integrations/code-flow/activations').set('Authorization', OPS_AUTH).send({ data: { contactCenterId: ccid, redirectURIs: [uri] } });
    expectEnvelopeError(activation, 400, 10);
    expect(activation.body.status.detail.errors).toEqual([{ field: 'data.redirectURIs.0', message }]);
  });

  it('allows plain http to any host outside production (NODE_ENV=test)', async () => {
    const res = await t.request.post(CLIENTS).set('Authorization', OPS_AUTH).send({ data: { client_id: `http_dev_${next()}`, authorizedGrantTypes: ['authorization_code'], redirectURIs: ['http://app.example.com/cb'] } });
    expect(res.status).toBe(200);
  });

  it.each([
    ['a path', 'https://chat.example.com/path', 'must be scheme://host[:port] with no path, query, fragment or user information'],
    ['a wildcard', 'https://*.example.com', 'wildcards are not allowed'],
    ['a query', 'https://chat.example.com?x=1', 'must be scheme://host[:port] with no path, query, fragment or user information'],
    ['user information', 'https://u@chat.example.com', 'must be scheme://host[:port] with no path, query, fragment or user information'],
    ['another scheme', 'ftp://chat.example.com', 'must use http or https'],
    ['null', 'null', 'must be scheme://host[:port] with no path, query, fragment or user information'],
  ])('refuses a cors-origins setting with %s', async (_label, origin, message) => {
    const res = await t.request.post(`/environment/v3/contact-centers/${ccid}/settings`).set('Authorization', OPS_AUTH).send({ data: { name: 'cors-origins', value: `https://ok.example.com, ${origin}` } });
    expectEnvelopeError(res, 400, 10);
    expect(res.body.status.detail.errors).toEqual([{ field: 'data.value', message: `"${origin}" is not a valid CORS origin: ${message}` }]);
  });
});

describe('production redirect URI rule (NODE_ENV=production)', () => {
  let prod: TestApp;
  const PROD_OPS = basic('ops', 'a-strong-ops-password');
  beforeAll(async () => {
    prod = await startTestApp({
      NODE_ENV: 'production',
      OPS_PASSWORD: 'a-strong-ops-password',
      COOKIE_KEYS: 'k1-0123456789abcdef0123456789abcdef',
      KEY_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
      PUBLIC_URL: 'https://ccauth.example.com',
    });
  });
  afterAll(async () => {
    await prod.close();
  });
  const create = (uri: string) =>
    prod.request
      .post(CLIENTS)
      .set('Authorization', PROD_OPS)
      .set('X-Forwarded-Proto', 'https')
      .send({ data: { client_id: `prod_${next()}`, authorizedGrantTypes: ['authorization_code'], redirectURIs: [uri] } });

  it.each(['http://app.example.com/cb', 'http://10.0.0.5/cb', 'http://localhost.evil.example/cb', 'http://127.0.0.1.nip.io/cb'])('refuses plain http to the non-loopback %s', async (uri) => {
    const res = await create(uri);
    expectEnvelopeError(res, 400, 10);
    expect(res.body.status.detail.errors).toEqual([
      { field: 'data.redirectURIs.0', message: 'must use https: plain http is allowed only for a loopback host (127.0.0.1, [::1] or localhost; RFC 8252 §7.3)' },
    ]);
  });

  it.each(['http://127.0.0.1:51004/cb', 'http://[::1]:61023/cb', 'http://localhost:3000/cb', 'https://app.example.com/cb'])('accepts %s (loopback http, RFC 8252 §7.3; or https)', async (uri) => {
    const res = await create(uri);
    expect(res.status, res.text).toBe(200);
    expect(res.body.data.redirectURIs).toEqual([uri]);
  });

  it('refuses plain http on updates and integration activations too', async () => {
    const ok = await create('https://app.example.com/cb');
    const update = await prod.request.put(`${CLIENTS}/${ok.body.data.client_id}`).set('Authorization', PROD_OPS).send({ data: { redirectURIs: ['http://app.example.com/cb'] } });
    expectEnvelopeError(update, 400, 10);
    const cc = await createContactCenter(prod.db.knex, { domains: ['prod1'] });
    const integration = await prod.request
      .post('/auth/v3/ops/integrations')
      .set('Authorization', PROD_OPS)
      .send({ data: { id: 'prod-code', name: 'Prod code', authorizedGrantTypes: ['authorization_code'], scope: ['chat'] } });
    expect(integration.status).toBe(200);
    const activation = await prod.request.post('/auth/v3/ops/integrations/prod-code/activations').set('Authorization', PROD_OPS).send({ data: { contactCenterId: cc.ccid, redirectURIs: ['http://chat.example.com/cb'] } });
    expectEnvelopeError(activation, 400, 10);
    expect(activation.body.status.detail.errors[0].field).toBe('data.redirectURIs.0');
  });
});

describe('ops console forms', () => {
  let cookie = '';
  const csrfOf = (html: string) => /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
  const setCookies = (res: Response): string[] => {
    const h = res.headers['set-cookie'] as unknown;
    return Array.isArray(h) ? (h as string[]) : typeof h === 'string' ? [h] : [];
  };
  const page = (path: string) => t.request.get(path).set('Cookie', cookie);
  const post = (path: string, form: Record<string, string | string[]>) => t.request.post(path).set('Cookie', cookie).type('form').send(form);

  beforeAll(async () => {
    const form = await t.request.get('/console/sign-in');
    const pre = setCookies(form).find((c) => c.startsWith('ccauth_console_signin='))!.split(';')[0]!;
    const res = await t.request.post('/console/sign-in').set('Cookie', pre).type('form').send({ csrf: csrfOf(form.text), username: OPS.username, password: OPS.password, next: '/console/integrations' });
    expect(res.status).toBe(303);
    cookie = setCookies(res).find((c) => c.startsWith('ccauth_console='))!.split(';')[0]!;
  });

  it.each([
    ['a javascript: redirect URI', { redirectURIs: 'javascript:alert(1)' }, 'redirectURIs', 'must use https (or http)'],
    ['a redirect URI with a fragment', { redirectURIs: 'https://app.example.com/cb#x' }, 'redirectURIs', 'must not contain a fragment'],
    ['NUL in the name', { name: 'a\u0000b' }, 'name', 'must not contain NUL characters'],
    ['a bidi override in the name', { name: 'evil\u202etxt.exe' }, 'name', 'must not contain control characters, bidirectional formatting characters or unpaired surrogates'],
    ['NUL in the description', { description: 'a\u0000b' }, 'description', 'must not contain NUL characters or unpaired surrogates'],
  ])('refuses %s in the new-client form in place, storing nothing', async (_label, fields, field, message) => {
    const before = await rowCounts(t.db.knex);
    const form = await page('/console/clients/new');
    const res = await post('/console/clients', {
      csrf: csrfOf(form.text),
      client_id: `console_${next()}`,
      clientType: 'CONFIDENTIAL',
      authorizedGrantTypes: ['authorization_code'],
      scope: 'a.read',
      redirectURIs: 'https://app.example.com/cb',
      ...fields,
    });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/console/clients/new');
    const shown = await page(res.headers.location!);
    expect(shown.status).toBe(200);
    expect(shown.text).toContain('<div class="notice error" role="alert">Some values need attention.</div>');
    // the form shows field messages under the fields that have a message slot (description has none)
    if (field !== 'description') expect(shown.text).toContain(`id="${field}-error">${message}</span>`);
    expect(await rowCounts(t.db.knex)).toEqual(before);
  });

  it('refuses a dangerous redirect URI when activating an integration from the console', async () => {
    const before = await rowCounts(t.db.knex);
    const form = await page('/console/integrations/code-flow');
    const res = await post('/console/integrations/code-flow/activate', { csrf: csrfOf(form.text), contactCenterId: ccid, redirectURIs: 'data:text/html,x' });
    expect(res.status).toBe(303);
    const shown = await page(res.headers.location!);
    expect(shown.text).toContain('must use https (or http)');
    expect(await rowCounts(t.db.knex)).toEqual(before);
  });

  it('answers an oversized or malformed console form with a 4xx page, never a 5xx', async () => {
    const big = await t.request.post('/console/clients').set('Cookie', cookie).type('form').send(`csrf=x&name=${'a'.repeat(70_000)}`);
    expect(big.status).toBe(403);
    expect(big.headers['content-type']).toBe('text/html; charset=utf-8');
    const json = await t.request.post('/console/clients').set('Cookie', cookie).set('Content-Type', 'application/json').send('{"csrf":"x"}');
    expect(json.status).toBe(403);
    expect(big.text + json.text).not.toMatch(STACK_TRACE);
  });
});

describe('browser sign-in page', () => {
  it('answers an oversized, malformed or hostile sign-in form with a page, never a 5xx', async () => {
    const client = await createClient(t, { client_id: 'browser_app', redirectURIs: ['https://wwe.example.com/callback'] });
    await t.request.post(`/environment/v3/contact-centers/${ccid}/users`).set('Authorization', OPS_AUTH).send({ data: { username: 'browser-agent', password: 'User-Password-1' } });
    const browser = newBrowser(t);
    const { page } = await startSignIn(browser, authorizeUrl({ clientId: client.clientId, redirectUri: 'https://wwe.example.com/callback', state: 's', challenge: pkce().challenge }));
    const attempts: Record<string, string>[] = [
      { username: 't100\\browser-agent\u0000', password: 'User-Password-1' },
      { username: 't100\\browser-agent', password: 'User-Password-1\u0000' },
      { username: "t100\\' OR '1'='1", password: "' OR ''='" },
      { username: 't100\\browser-agent', tenant: '\u0000', password: 'x' },
      { username: 'x'.repeat(600), password: 'y'.repeat(2000) },
    ];
    for (const fields of attempts) {
      const res = await postSignIn(browser, page, fields);
      expect(res.status, JSON.stringify(fields).slice(0, 80)).toBe(303);
      expect(res.headers.location).toMatch(/^\/auth\/v3\/sign-in\?uid=[^&]+&error=credentials$/);
    }
    const big = await browser.post('/auth/v3/sign-in').type('form').send(`uid=x&csrf=x&username=${'a'.repeat(20_000)}`);
    expect([400, 403]).toContain(big.status);
    expect(big.headers['content-type']).toBe('text/html; charset=utf-8');
    const json = await browser.post('/auth/v3/sign-in').set('Content-Type', 'application/json').send('{"uid":"x"}');
    expect([400, 403]).toContain(json.status);
    expect(big.text + json.text).not.toMatch(STACK_TRACE);
  });
});

describe('sign-out', () => {
  it('answers hostile redirectUri values without a 5xx, and redirects only to a registered origin', async () => {
    const client = await createClient(t, { client_id: 'signout_app', redirectURIs: ['https://wwe.example.com'] });
    for (const redirectUri of ['javascript:alert(1)', 'https://wwe.example.com/\u0000', 'https://wwe.example.com/%0d%0aSet-Cookie:x=1', '//evil.example', 'https://wwe.example.com@evil.example', 'https://evil.example\\@wwe.example.com', 'x'.repeat(5000), '\ud800']) {
      const login = await t.request.post('/auth/v3/oauth/token').set('Authorization', basic(client.clientId, client.secret)).type('form').send({ grant_type: 'password', username: 'ops', password: 'ops' });
      expect(login.status).toBe(200);
      const res = await t.request.get(`/auth/v3/sign-out?redirectUri=${encodeURIComponent(redirectUri.replace(/[\ud800-\udfff]/g, '\ufffd'))}`).set('Authorization', `Bearer ${login.body.access_token}`);
      expect(res.status, redirectUri.slice(0, 60)).toBeLessThan(500);
      expect(res.text).not.toMatch(STACK_TRACE);
      if (res.status === 303) {
        expect(new URL(res.headers.location!).origin).toBe('https://wwe.example.com');
        expect(res.headers.location).not.toMatch(/[\r\n\u0000]/);
        expect(res.headers['set-cookie'] ?? []).not.toContainEqual(expect.stringContaining('x=1'));
      } else {
        expect(res.status).toBe(200);
        expect(res.body.status.code).toBe(0);
      }
    }
  });
});

describe('the HTTP server (MAX_HEADER_BYTES, default 16384)', () => {
  it('answers 431 with a JSON body both error shapes understand for a header block over the limit', async () => {
    const srv = await listen(t);
    try {
      for (const head of [`X-Big: ${'a'.repeat(17_000)}`, Array.from({ length: 400 }, (_, i) => `X-H${i}: ${'b'.repeat(40)}`).join('\r\n'), `Cookie: ${'c=1; '.repeat(4000)}`]) {
        const res = await rawExchange(srv.port, [`GET ${CLIENTS} HTTP/1.1\r\nHost: ccauth.test\r\nAuthorization: ${OPS_AUTH}\r\n${head}\r\n\r\n`]);
        expect(res.status).toBe(431);
        expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
        expect(res.headers['cache-control']).toBe('no-store');
        expect(JSON.parse(res.body)).toEqual({
          error: 'invalid_request',
          error_description: 'request headers are larger than 16384 bytes',
          status: { code: 2, message: 'request headers are larger than 16384 bytes' },
        });
      }
    } finally {
      await srv.close();
    }
  });

  it('answers a malformed request with 400 JSON and closes the connection', async () => {
    const srv = await listen(t);
    try {
      for (const request of ['GARBAGE\r\n\r\n', `GET ${CLIENTS} HTTP/1.1\r\nHost: ccauth.test\r\nBad Header\r\n\r\n`, `GET ${CLIENTS} HTTP/1.1\r\nHost: ccauth.test\r\nX: a\u0000b\r\n\r\n`, `GET ${CLIENTS} HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n`]) {
        const res = await rawExchange(srv.port, [request]);
        expect(res.status, JSON.stringify(request)).toBe(400);
        expect(JSON.parse(res.body)).toEqual({ error: 'invalid_request', error_description: 'malformed HTTP request', status: { code: 2, message: 'malformed HTTP request' } });
        expect(res.headers.connection).toBe('close');
      }
      // HTTP/1.1 without Host: node's own 400 (RFC 9112 §3.2), no body
      const noHost = await rawExchange(srv.port, [`GET ${CLIENTS} HTTP/1.1\r\n\r\n`]);
      expect(noHost.status).toBe(400);
      expect(noHost.headers.connection).toBe('close');
    } finally {
      await srv.close();
    }
  });

  it('serves a large header block under a raised MAX_HEADER_BYTES', async () => {
    const roomy = await startTestApp({ MAX_HEADER_BYTES: '65536' });
    const srv = await listen(roomy);
    try {
      const res = await rawExchange(srv.port, [`GET ${CLIENTS} HTTP/1.1\r\nHost: ccauth.test\r\nAuthorization: ${OPS_AUTH}\r\nX-Big: ${'a'.repeat(30_000)}\r\nConnection: close\r\n\r\n`]);
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body).status).toEqual({ code: 0 });
    } finally {
      await srv.close();
      await roomy.close();
    }
  });
});
