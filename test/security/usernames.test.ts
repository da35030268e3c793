/**
 * Confusable and non-canonical login names (docs/security-model.md "Security model" → "Hostile input"; UTS #39,
 * RFC 8265 in spirit): full-width letters, zero-width and other default-ignorable characters,
 * combining marks, surrounding white space, case, and Latin/Greek/Cyrillic look-alikes cannot
 * create a second account next to `alice` (409 code 18 or 400 code 10), and logging in with a
 * variant either logs in as alice herself or fails — never as another account. The same holds for
 * contact-center login domains. Migration 014 recomputes stored canonical values.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContactCenter } from '../helpers/fixtures.ts';
import { OPS, basic, createClient, startTestApp } from '../helpers/test-app.ts';
import type { TestApp } from '../helpers/test-app.ts';
import { authorizeUrl, followInside, newBrowser, pathOf, pkce, postSignIn, startSignIn } from '../helpers/interaction-flow.ts';
import { down as migration014Down, up as migration014Up } from '../../migrations/014_canonical_login_names.ts';
import { expectEnvelopeError, rowCounts } from './hostile-helpers.ts';

const OPS_AUTH = basic(OPS.username, OPS.password);
const PASSWORD = 'Alice-Password-1';
const OTHER_PASSWORD = 'Other-Password-1';
const TOKEN = '/auth/v3/oauth/token';
const INTROSPECT = '/auth/v3/oauth/introspect';
const REDIRECT = 'https://wwe.example.com/callback';

let t: TestApp;
let ccid: string;
let otherCcid: string;
let client: { clientId: string; secret: string };
let aliceId: string;
let joseId: string;
let bystanderId: string;

const usersPath = (cc: string) => `/environment/v3/contact-centers/${cc}/users`;
const createUser = (cc: string, username: string, password = OTHER_PASSWORD) =>
  t.request.post(usersPath(cc)).set('Authorization', OPS_AUTH).send({ data: { username, password } });

beforeAll(async () => {
  t = await startTestApp({ LOGIN_MAX_FAILURES: '1000', RATE_LIMIT_USER_FAILURES: '1000000', RATE_LIMIT_CLIENT_ADDRESS_FAILURES: '1000000', RATE_LIMIT_ADDRESS_FAILURES: '1000000' });
  ccid = (await createContactCenter(t.db.knex, { domains: ['t100'] })).ccid;
  otherCcid = (await createContactCenter(t.db.knex, { domains: ['t200'] })).ccid;
  client = await createClient(t, { client_id: 'confusables_app', redirectURIs: [REDIRECT] });
  const alice = await createUser(ccid, 'alice', PASSWORD);
  expect(alice.status).toBe(200);
  aliceId = alice.body.data.id;
  const jose = await createUser(ccid, 'jos\u00e9', PASSWORD);
  expect(jose.status).toBe(200);
  joseId = jose.body.data.id;
  // a legitimately different name that shares alice's letters, with alice's password: a login that
  // resolved to the wrong account would land here
  const bystander = await createUser(ccid, 'alice.b', PASSWORD);
  expect(bystander.status).toBe(200);
  bystanderId = bystander.body.data.id;
  // the same name in another contact center is another account (per-contact-center uniqueness)
  expect((await createUser(otherCcid, 'alice', PASSWORD)).status).toBe(200);
});
afterAll(async () => {
  await t.close();
});

/** Variants of `alice`, with whether creating one should be a duplicate (409) or refused (400). */
const ALICE_VARIANTS: readonly (readonly [string, string, 409 | 400])[] = [
  ['upper case', 'ALICE', 409],
  ['title case', 'Alice', 409],
  ['full-width letters', '\uff41\uff4c\uff49\uff43\uff45', 409],
  ['full-width capitals', '\uff21\uff2c\uff29\uff23\uff25', 409],
  ['a trailing space', 'alice ', 409],
  ['a leading space', ' alice', 409],
  ['a trailing no-break space', 'alice\u00a0', 409],
  ['a leading ideographic space', '\u3000alice', 409],
  ['a leading BOM', '\ufeffalice', 409],
  ['a dotless i', 'al\u0131ce', 409],
  ['mathematical bold letters', '\u{1d41a}\u{1d425}\u{1d422}\u{1d41c}\u{1d41e}', 409],
  ['a zero-width space', 'ali\u200bce', 400],
  ['a zero-width non-joiner', 'al\u200cice', 400],
  ['a zero-width joiner', 'alic\u200de', 400],
  ['a BOM inside', 'ali\ufeffce', 400],
  ['a trailing zero-width space', 'alice\u200b', 400],
  ['a soft hyphen', 'ali\u00adce', 400],
  ['a word joiner', 'al\u2060ice', 400],
  ['a variation selector', 'alice\ufe0f', 400],
  ['a right-to-left override', '\u202ealice', 400],
  ['a left-to-right mark', 'alice\u200e', 400],
  ['a Cyrillic а', '\u0430lice', 400],
  ['a Cyrillic е', 'alic\u0435', 400],
  ['a Cyrillic і', 'al\u0456ce', 400],
  ['a Greek ο-like α', '\u03b1lice', 400],
  ['a Greek capital Α', '\u0391LICE', 400],
];

const JOSE_VARIANTS: readonly (readonly [string, string, 409 | 400])[] = [
  ['a combining acute accent', 'jose\u0301', 409],
  ['capitals with a combining accent', 'JOSE\u0301', 409],
  ['a precomposed capital', 'JOS\u00c9', 409],
  ['full-width letters and a combining accent', '\uff4a\uff4f\uff53e\u0301', 409],
];

describe('creating a variant of an existing username', () => {
  it.each([...ALICE_VARIANTS, ...JOSE_VARIANTS])('refuses %s (%j) with %i and stores nothing', async (_label, username, status) => {
    const before = await rowCounts(t.db.knex, ['users']);
    const res = await createUser(ccid, username);
    if (status === 409) {
      expectEnvelopeError(res, 409, 18);
      expect(res.body.status.message).toMatch(/^user .+ already exists in contact center /);
    } else {
      expectEnvelopeError(res, 400, 10);
      expect(res.body.status.detail.errors).toHaveLength(1);
      expect(res.body.status.detail.errors[0].field).toBe('data.username');
      expect(res.body.status.detail.errors[0].message).toMatch(/^must not (contain invisible or bidirectional formatting characters|mix (Latin|Greek|Cyrillic) and (Latin|Greek|Cyrillic) letters)/);
    }
    expect(await rowCounts(t.db.knex, ['users'])).toEqual(before);
  });

  it.each(ALICE_VARIANTS)('refuses renaming another user to %s (%j)', async (_label, username, status) => {
    const res = await t.request.put(`${usersPath(ccid)}/${bystanderId}`).set('Authorization', OPS_AUTH).send({ data: { username } });
    expectEnvelopeError(res, status, status === 409 ? 18 : 10);
    const got = await t.request.get(`${usersPath(ccid)}/${bystanderId}`).set('Authorization', OPS_AUTH);
    expect(got.body.data.username).toBe('alice.b');
  });

  it('still accepts legitimately different names, in one script each', async () => {
    for (const name of ['alíce', 'ålice', 'алиса', 'αλίκη', '田中', 'ali ce', 'O\u2019Brien']) {
      const res = await createUser(ccid, name);
      expect(res.status, `${name}: ${res.text}`).toBe(200);
      expect(res.body.data.username).toBe(name);
    }
  });

  it('keeps the display form as given and the canonical form for uniqueness', async () => {
    const res = await createUser(ccid, '\uff22\uff4f\uff42');
    expect(res.status).toBe(200);
    expect(res.body.data.username).toBe('\uff22\uff4f\uff42');
    const row = await t.db.knex('users').where({ id: res.body.data.id }).first();
    expect(row.username_canonical).toBe('bob');
    expectEnvelopeError(await createUser(ccid, 'BOB'), 409, 18);
  });
});

describe('logging in with a variant (password grant)', () => {
  const token = (username: string, password = PASSWORD, extra: Record<string, string> = {}) =>
    t.request.post(TOKEN).set('Authorization', basic(client.clientId, client.secret)).type('form').send({ grant_type: 'password', username, password, ...extra });
  /** The account behind an access token (introspection `sub`: `user:<uuid>`). */
  const accountOf = async (accessToken: string): Promise<string> => {
    const res = await t.request.post(INTROSPECT).set('Authorization', basic(client.clientId, client.secret)).type('form').send({ token: accessToken });
    expect(res.body.active).toBe(true);
    return res.body.sub;
  };

  const loginVariants = [
    ...ALICE_VARIANTS.map(([label, name]) => [label, `t100\\${name}`] as const),
    ['a full-width domain', '\uff54\uff11\uff10\uff10\\alice'],
    ['a capital domain', 'T100\\ALICE'],
    ['a zero-width space in the domain', 't1\u200b00\\alice'],
    ['a Cyrillic т in the domain', '\u0442100\\alice'],
    ['a full-width backslash', 't100\uff3calice'],
  ] as const;

  it.each(loginVariants)('%s (%j): logs in as alice herself, or fails with Bad credentials', async (_label, login) => {
    const res = await token(login);
    if (res.status === 200) {
      expect(await accountOf(res.body.access_token)).toBe(`user:${aliceId}`);
    } else {
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: 'invalid_grant', error_description: 'Bad credentials' });
    }
  });

  it('logs the canonical variants in as alice (they are her name)', async () => {
    for (const login of ['t100\\ALICE', 't100\\\uff41\uff4c\uff49\uff43\uff45', 'T100\\alice ', 't100\\ali\u200bce', '\uff54\uff11\uff10\uff10\\alice']) {
      const res = await token(login);
      expect(res.status, login).toBe(200);
      expect(await accountOf(res.body.access_token)).toBe(`user:${aliceId}`);
    }
  });

  it('never resolves a Latin/Cyrillic/Greek look-alike to alice', async () => {
    for (const login of ['t100\\\u0430lice', 't100\\alic\u0435', 't100\\\u03b1lice', '\u0442100\\alice']) {
      expect((await token(login)).body).toEqual({ error: 'invalid_grant', error_description: 'Bad credentials' });
    }
  });

  it('logs jos\u00e9 in from the decomposed form', async () => {
    const res = await token('t100\\JOSE\u0301');
    expect(res.status).toBe(200);
    expect(await accountOf(res.body.access_token)).toBe(`user:${joseId}`);
  });

  it('keeps the per-domain account apart: t200\\alice is not t100\\alice', async () => {
    const res = await token('\uff54\uff12\uff10\uff10\\ALICE');
    expect(res.status).toBe(200);
    const account = await accountOf(res.body.access_token);
    expect(account).not.toBe(`user:${aliceId}`);
    expect(account).not.toBe(`user:${bystanderId}`);
  });
});

describe('logging in with a variant (sign-in page)', () => {
  it.each([
    ['full-width name and domain', '\uff41\uff4c\uff49\uff43\uff45', '\uff54\uff11\uff10\uff10', true],
    ['a zero-width space', 'ali\u200bce', 't100', true],
    ['a Cyrillic а', '\u0430lice', 't100', false],
  ] as const)('%s: signs in as alice or fails', async (_label, username, tenant, succeeds) => {
    const browser = newBrowser(t);
    const { verifier, challenge } = pkce();
    const { page } = await startSignIn(browser, authorizeUrl({ clientId: client.clientId, redirectUri: REDIRECT, state: 's', challenge }));
    const res = await postSignIn(browser, page, { username, tenant, password: PASSWORD });
    expect(res.status).toBe(303);
    if (!succeeds) {
      expect(res.headers.location).toMatch(/&error=credentials$/);
      return;
    }
    expect(pathOf(res.headers.location!)).toMatch(/^\/auth\/v3\/oauth\/authorize\//);
    const back = await followInside(browser, res.headers.location!);
    const code = new URL(back.location!).searchParams.get('code')!;
    const tokens = await t.request
      .post(TOKEN)
      .set('Authorization', basic(client.clientId, client.secret))
      .type('form')
      .send({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier });
    expect(tokens.status).toBe(200);
    const introspected = await t.request.post(INTROSPECT).set('Authorization', basic(client.clientId, client.secret)).type('form').send({ token: tokens.body.access_token });
    expect(introspected.body.sub).toBe(`user:${aliceId}`);
  });
});

describe('contact-center login domains', () => {
  it.each([
    ['full-width', '\uff54\uff11\uff10\uff10', 409],
    ['capitals', 'T100', 409],
    ['surrounding spaces', ' t100 ', 409],
    ['a zero-width space', 't1\u200b00', 400],
    ['a soft hyphen', 't1\u00ad00', 400],
    ['a Latin/Cyrillic mix', 't\u0435st', 400],
    ['a full-width period', 'a\uff0eb', 400],
    ['a full-width backslash', 'a\uff3cb', 400],
  ] as const)('refuses a domain with %s (%j) with %i', async (_label, domain, status) => {
    const env = await t.db.knex('environments').select('id').first();
    const res = await t.request.post('/environment/v3/contact-centers').set('Authorization', OPS_AUTH).send({ data: { environmentId: env.id, domains: [domain] } });
    expectEnvelopeError(res, status, status === 409 ? 18 : 10);
    if (status === 400) expect(res.body.status.detail.errors[0].field).toBe('data.domains.0');
  });

  it('stores domains in canonical form', async () => {
    const env = await t.db.knex('environments').select('id').first();
    const res = await t.request.post('/environment/v3/contact-centers').set('Authorization', OPS_AUTH).send({ data: { environmentId: env.id, domains: ['\uff33\uff54\uff52\uff41\uff53\uff53\uff45'] } });
    expect(res.status).toBe(200);
    const id = res.body.path.split('/').pop();
    expect((await t.request.get(`/environment/v3/contact-centers/${id}`).set('Authorization', OPS_AUTH)).body.data.domains).toEqual(['strasse']);
  });
});

describe('migration 014 (recomputing stored canonical values)', () => {
  it('recomputes the canonical username of rows stored under the old rule, and restores the old rule on down', async () => {
    const cc = (await createContactCenter(t.db.knex, { domains: ['mig1'] })).ccid;
    const res = await createUser(cc, '\uff2d\uff41\uff52\uff59'); // full-width "Mary"
    expect(res.status).toBe(200);
    await migration014Down(t.db.knex);
    const old = await t.db.knex('users').where({ id: res.body.data.id }).first();
    expect(old.username_canonical).toBe('\uff4d\uff41\uff52\uff59'); // NFC + lowercase: still full-width
    await migration014Up(t.db.knex);
    const now = await t.db.knex('users').where({ id: res.body.data.id }).first();
    expect(now.username_canonical).toBe('mary');
    const login = await t.request.post(TOKEN).set('Authorization', basic(client.clientId, client.secret)).type('form').send({ grant_type: 'password', username: 'mig1\\MARY', password: OTHER_PASSWORD });
    expect(login.status).toBe(200);
  });

  it('stops with the duplicates named, changing nothing, when two stored rows become one login', async () => {
    const cc = (await createContactCenter(t.db.knex, { domains: ['mig2'] })).ccid;
    const first = await createUser(cc, 'carol');
    expect(first.status).toBe(200);
    // a confusable duplicate written under the old rule (bypassing the API, which now refuses it)
    await t.db.knex('users').insert({ id: crypto.randomUUID(), ccid: cc, username: '\uff43arol', username_canonical: '\uff43arol', password_hash: 'x' });
    const before = await t.db.knex('users').select('id', 'username_canonical').orderBy('id');
    await expect(migration014Up(t.db.knex)).rejects.toThrow(/confusable duplicates must be resolved first[\s\S]*now name the same login/);
    expect(await t.db.knex('users').select('id', 'username_canonical').orderBy('id')).toEqual(before);
    await t.db.knex('users').where({ username: '\uff43arol' }).delete();
  });
});
