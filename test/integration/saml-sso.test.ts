/**
 * Single sign-on through a contact center's SAML 2.0 identity provider (README "Signing in" →
 * "Single sign-on"): the configuration API, the SP metadata, the SP-initiated journey (login page →
 * signed AuthnRequest → ACS → code → tokens → userinfo), and one refusal per attack the SAML
 * profile must withstand, each with a response built and signed in the test (test/helpers/saml-idp.ts).
 */
import { randomBytes, X509Certificate } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPS, basic, createClient, startTestApp } from '../helpers/test-app.ts';
import type { TestApp } from '../helpers/test-app.ts';
import { createContactCenter } from '../helpers/fixtures.ts';
import { authorizeUrl, continuedTo, followInside, newBrowser, pathOf, pkce, postSignIn, startSignIn } from '../helpers/interaction-flow.ts';
import type { Browser } from '../helpers/interaction-flow.ts';
import { assertionXml, authnRequestOf, b64, idpMetadata, newKeyPair, responseXml, signElement } from '../helpers/saml-idp.ts';
import type { AssertionOptions, TestKeyPair } from '../helpers/saml-idp.ts';

const PUBLIC = 'http://ccauth.test';
const REDIRECT = 'https://wwe.example.com/callback';
const IDP_ENTITY = 'https://idp.example.com/saml';
const IDP_SSO = 'https://idp.example.com/sso';

let t: TestApp;
let ccid: string;
let client: { clientId: string; secret: string };
let idp: TestKeyPair;
let acsUrl: string;
let spEntity: string;
const ops = () => basic(OPS.username, OPS.password);
/** A readable certificate for metadata built before the test IdP exists (test.each tables). */
const OTHER_CERT = newKeyPair('other').certificateB64;

async function createUser(username: string, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await t.request
    .post(`/environment/v3/contact-centers/${ccid}/users`)
    .set('Authorization', ops())
    .send({ data: { username, password: 'correct horse battery', email: `${username}@corp.example.com`, ...extra } });
  expect(res.status, res.text).toBe(200);
  return res.body.data?.id ?? (res.body.path as string).split('/').pop()!;
}

const putIdp = (data: Record<string, unknown>) => t.request.put(`/environment/v3/contact-centers/${ccid}/identity-provider`).set('Authorization', ops()).send({ data });

beforeAll(async () => {
  t = await startTestApp();
  ({ ccid } = await createContactCenter(t.db.knex, { domains: ['t100'] }));
  client = await createClient(t, { client_id: 'workspace', redirectURIs: [REDIRECT] });
  idp = newKeyPair('test idp');
  acsUrl = `${PUBLIC}/auth/v3/saml/${ccid}/acs`;
  spEntity = `${PUBLIC}/auth/v3/saml/${ccid}`;
  await createUser('agent');
  const res = await putIdp({ type: 'saml', metadataXml: idpMetadata({ entityId: IDP_ENTITY, ssoUrl: IDP_SSO, certificateB64: idp.certificateB64 }), binding: 'redirect', userMatch: 'username' });
  expect(res.status, res.text).toBe(200);
}, 60_000);
afterAll(async () => {
  await t?.close();
});

/** authorize → login page → `t100\<name>` without a password → 303 to the IdP; returns the AuthnRequest. */
async function toIdp(name = 'agent', ssoUrl = IDP_SSO): Promise<{ browser: Browser; requestId: string; verifier: string; location: string }> {
  const browser = newBrowser(t);
  const { verifier, challenge } = pkce();
  const { page } = await startSignIn(browser, authorizeUrl({ clientId: client.clientId, redirectUri: REDIRECT, state: 's1', challenge }));
  const res = await postSignIn(browser, page, { username: `t100\\${name}`, password: '' });
  expect(res.status, res.text).toBe(303);
  const location = res.headers.location!;
  expect(location.startsWith(`${ssoUrl}?`)).toBe(true);
  const request = authnRequestOf(location);
  expect(request.signed).toBe(true);
  return { browser, requestId: request.id, verifier, location };
}

function signedResponse(o: Partial<AssertionOptions> & { requestId: string | null }, how: 'assertion' | 'response' | 'none' = 'assertion', key = idp): string {
  const assertion = assertionXml({ issuer: IDP_ENTITY, audience: spEntity, recipient: acsUrl, inResponseTo: o.requestId, nameIdXml: 'agent', ...o });
  let xml = responseXml({ issuer: IDP_ENTITY, destination: acsUrl, inResponseTo: o.requestId, assertion });
  if (how === 'assertion') xml = signElement(xml, 'Assertion', key);
  if (how === 'response') xml = signElement(xml, 'Response', key);
  return b64(xml);
}

const postAcs = (samlResponse: string) => t.request.post(`/auth/v3/saml/${ccid}/acs`).type('form').send({ SAMLResponse: samlResponse, RelayState: '' });

/** Follows the ACS answer to the client; returns the code (or undefined) and the final response. */
async function finish(browser: Browser, acsLocation: string) {
  const { location, res } = await followInside(browser, acsLocation);
  const code = location ? new URL(location).searchParams.get('code') ?? undefined : undefined;
  return { code, location, res };
}

async function redeem(code: string, verifier: string) {
  return t.request
    .post('/auth/v3/oauth/token')
    .set('Authorization', basic(client.clientId, client.secret))
    .type('form')
    .send({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier });
}

async function lastAudit(action: string) {
  return t.db.knex('audit_events').where({ action }).orderBy('id', 'desc').first();
}

describe('identity-provider configuration API', () => {
  it('GET returns the settings, what the metadata says and the SP endpoints to give the IdP', async () => {
    const res = await t.request.get(`/environment/v3/contact-centers/${ccid}/identity-provider`).set('Authorization', ops());
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({
      contactCenterId: ccid,
      type: 'saml',
      binding: 'redirect',
      userMatch: 'username',
      ssoOnly: false,
      jitProvisioning: false,
      allowIdpInitiated: false,
      idp: { entityId: IDP_ENTITY, ssoUrls: { redirect: IDP_SSO, post: IDP_SSO }, signingCertificates: 1 },
      serviceProvider: { entityId: spEntity, acsUrl, metadataUrl: `${spEntity}/metadata` },
    });
    expect(await lastAudit('identity_provider.set')).toMatchObject({ actor: 'ops', target_id: ccid });
  });

  it.each([
    ['not XML', 'this is not xml <', 'data.metadataXml', 'not well-formed XML'],
    ['no signing certificate', idpMetadata({ entityId: IDP_ENTITY, ssoUrl: IDP_SSO, certificateB64: 'x' }).replace(/<md:KeyDescriptor[\s\S]*?<\/md:KeyDescriptor>/, ''), 'data.metadataXml', 'no signing certificate'],
    ['a binding the IdP does not offer', idpMetadata({ entityId: IDP_ENTITY, ssoUrl: IDP_SSO, certificateB64: OTHER_CERT, bindings: ['redirect'] }), 'data.metadataXml', 'HTTP-POST'],
    ['a DOCTYPE', '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>', 'data.metadataXml', 'document type'],
  ])('refuses metadata with %s (400, code 10, status.detail.errors)', async (_name, xml, field, message) => {
    const binding = _name.startsWith('a binding') ? 'post' : 'redirect';
    const res = await putIdp({ type: 'saml', metadataXml: xml, binding });
    expect(res.status, res.text).toBe(400);
    expect(res.body.status.code).toBe(10);
    expect(res.body.status.detail.errors).toEqual([expect.objectContaining({ field, message: expect.stringContaining(message) })]);
  });

  it('refuses bad fields one by one with clear messages, and changes nothing', async () => {
    const res = await putIdp({ type: 'saml', binding: 'artifact', userMatch: 'phone', ssoOnly: 'yes' });
    expect(res.status).toBe(400);
    const fields = (res.body.status.detail.errors as { field: string }[]).map((e) => e.field).sort();
    expect(fields).toEqual(expect.arrayContaining(['data.binding', 'data.userMatch', 'data.ssoOnly']));
    const type = await putIdp({ type: 'ldap' });
    expect(type.status).toBe(400);
    expect(type.body.status.detail.errors).toEqual([{ field: 'data.type', message: 'type must be "saml" or "oidc"' }]);
    const get = await t.request.get(`/environment/v3/contact-centers/${ccid}/identity-provider`).set('Authorization', ops());
    expect(get.body.data.binding).toBe('redirect');
  });

  it('answers 404 for an unknown contact center and 401 without credentials', async () => {
    const res = await t.request.put(`/environment/v3/contact-centers/00000000-0000-4000-8000-000000000000/identity-provider`).set('Authorization', ops()).send({ data: { type: 'saml', metadataXml: idpMetadata({ entityId: IDP_ENTITY, ssoUrl: IDP_SSO, certificateB64: idp.certificateB64 }) } });
    expect(res.status).toBe(404);
    expect(res.body.status.code).toBe(6);
    const anon = await t.request.get(`/environment/v3/contact-centers/${ccid}/identity-provider`);
    expect(anon.status).toBe(401);
    expect(anon.headers['www-authenticate']).toBeDefined();
  });

  it('follows the contact-center binding of an internal client: another contact center is 404 and unchanged', async () => {
    const other = await createContactCenter(t.db.knex, { domains: ['elsewhere'] });
    const bound = await createClient(t, { client_id: 'idp_admin_bound', contactCenterIds: [other.ccid] });
    const tok = (await t.request.post('/auth/v3/oauth/token').set('Authorization', basic(bound.clientId, bound.secret)).type('form').send({ grant_type: 'client_credentials' })).body.access_token as string;
    const before = await t.request.get(`/environment/v3/contact-centers/${ccid}/identity-provider`).set('Authorization', ops());
    const read = await t.request.get(`/environment/v3/contact-centers/${ccid}/identity-provider`).set('Authorization', `Bearer ${tok}`);
    expect([read.status, read.body.status.code]).toEqual([404, 6]);
    const removed = await t.request.delete(`/environment/v3/contact-centers/${ccid}/identity-provider`).set('Authorization', `Bearer ${tok}`);
    expect(removed.status).toBe(404);
    const replaced = await t.request.put(`/environment/v3/contact-centers/${ccid}/identity-provider`).set('Authorization', `Bearer ${tok}`).send({ data: { type: 'saml', metadataXml: idpMetadata({ entityId: 'https://evil.example.com', ssoUrl: IDP_SSO, certificateB64: idp.certificateB64 }) } });
    expect(replaced.status).toBe(404);
    const after = await t.request.get(`/environment/v3/contact-centers/${ccid}/identity-provider`).set('Authorization', ops());
    expect(after.body.data).toEqual(before.body.data);
  });
});

describe('SP metadata', () => {
  it('serves entityID, the ACS (HTTP-POST) and the signing certificate', async () => {
    const res = await t.request.get(`/auth/v3/saml/${ccid}/metadata`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('application/samlmetadata+xml');
    const xml = res.text;
    expect(xml).toContain(`entityID="${spEntity}"`);
    expect(xml).toContain(`Location="${acsUrl}"`);
    expect(xml).toContain('urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST');
    expect(xml).toContain('AuthnRequestsSigned="true"');
    const cert = /<(?:ds:)?X509Certificate>([^<]+)</.exec(xml)![1]!;
    expect(new X509Certificate(Buffer.from(cert, 'base64')).subject).toContain('CN=ccauth SAML service provider');
  });
  it('answers 404 for an unknown contact center', async () => {
    expect((await t.request.get('/auth/v3/saml/00000000-0000-4000-8000-000000000000/metadata')).status).toBe(404);
  });
});

describe('auth-scheme', () => {
  it.each([
    [{ userName: 't100\\agent' }, 'saml'],
    [{ userName: 'agent', tenant: 'T100' }, 'saml'],
    [{ userName: 't100\\nobody' }, 'saml'],
    [{ userName: 'nodomain\\agent' }, 'basic'],
    [{ userName: 'ops' }, 'basic'],
  ])('%j → %s', async (data, scheme) => {
    const res = await t.request.post('/auth/v3/auth-scheme').send({ data });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: { code: 0 }, data: { scheme } });
  });
  it('refuses a body without userName with the envelope', async () => {
    const res = await t.request.post('/auth/v3/auth-scheme').send({ data: {} });
    expect(res.status).toBe(400);
    expect(res.body.status.detail.errors[0].field).toBe('data.userName');
  });
});

describe('SP-initiated sign-in', () => {
  it('signs the agent in: login page → IdP → ACS → code → tokens → userinfo', async () => {
    const { browser, requestId, verifier } = await toIdp();
    const acs = await postAcs(signedResponse({ requestId }));
    expect(acs.status, acs.text).toBe(200);
    expect(acs.text).not.toContain('<script');
    expect(continuedTo(acs)).toMatch(/^\/auth\/v3\/sign-in\/sso\?uid=/);
    const { code } = await finish(browser, continuedTo(acs));
    expect(code).toBeDefined();
    const tokens = await redeem(code!, verifier);
    expect(tokens.status, tokens.text).toBe(200);
    const info = await t.request.get('/auth/v3/userinfo').set('Authorization', `Bearer ${tokens.body.access_token}`);
    expect(info.status).toBe(200);
    expect(JSON.stringify(info.body)).toContain('agent');
    const audit = await lastAudit('sso.signed_in');
    expect(audit).toMatchObject({ target_id: ccid });
    expect(JSON.stringify(audit.details)).not.toContain('Assertion');
    const get = await t.request.get(`/environment/v3/contact-centers/${ccid}/identity-provider`).set('Authorization', ops());
    expect(get.body.data.lastSuccess).toMatchObject({ username: 'agent' });
  });

  it('accepts a signed response wrapping an unsigned assertion', async () => {
    const { browser, requestId } = await toIdp();
    const acs = await postAcs(signedResponse({ requestId }, 'response'));
    expect((await finish(browser, continuedTo(acs))).code).toBeDefined();
  });

  it('HTTP-POST binding: a page whose form carries the signed AuthnRequest, base64 without DEFLATE (Bindings §3.5.4)', async () => {
    const metadataXml = idpMetadata({ entityId: IDP_ENTITY, ssoUrl: IDP_SSO, certificateB64: idp.certificateB64 });
    expect((await putIdp({ type: 'saml', metadataXml, binding: 'post' })).status).toBe(200);
    try {
      const browser = newBrowser(t);
      const { challenge } = pkce();
      const { page } = await startSignIn(browser, authorizeUrl({ clientId: client.clientId, redirectUri: REDIRECT, state: 's', challenge }));
      const res = await postSignIn(browser, page, { username: 't100\\agent', password: '' });
      expect(res.status).toBe(200);
      expect(res.headers['content-security-policy']).toContain('form-action');
      expect(res.headers['content-security-policy']).toContain('https://idp.example.com');
      expect(res.text).toContain(`action="${IDP_SSO}"`);
      expect(res.text).not.toContain('<script');
      const request = Buffer.from(/name="SAMLRequest" value="([^"]+)"/.exec(res.text)![1]!, 'base64').toString('utf8');
      expect(request).toMatch(/^(<\?xml[^>]*>)?<samlp:AuthnRequest /);
      expect(request).toContain(`AssertionConsumerServiceURL="${acsUrl}"`);
      expect(request).toContain('<Signature');
    } finally {
      await putIdp({ type: 'saml', metadataXml, binding: 'redirect' });
    }
  });

  it('the login page lets its form lead to the IdP (CSP form-action covers the redirect)', async () => {
    const browser = newBrowser(t);
    const { challenge } = pkce();
    const a = await browser.get(authorizeUrl({ clientId: client.clientId, redirectUri: REDIRECT, state: 's', challenge }));
    const entry = await browser.get(pathOf(a.headers.location!));
    const page = await browser.get(pathOf(entry.headers.location!));
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toMatch(/form-action [^;]*https:\/\/idp\.example\.com/);
  });

  it('an answer cannot finish another browser\'s interaction (the interaction cookie is required)', async () => {
    const { requestId } = await toIdp();
    const acs = await postAcs(signedResponse({ requestId }));
    const other = newBrowser(t);
    const res = await other.get(continuedTo(acs));
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toContain('text/html');
  });
});

describe('refusals (each would otherwise sign someone in)', () => {
  /** Posts `samlResponse` and checks nobody was signed in: 400 page, or back to the form with error=sso. */
  async function expectRefused(browser: Browser, samlResponse: string, reason: RegExp) {
    const before = Number((await t.db.knex('audit_events').where({ action: 'sso.refused' }).count({ c: '*' }).first())!.c);
    const acs = await postAcs(samlResponse);
    if (acs.status === 303) {
      expect(acs.headers.location).toMatch(/^\/auth\/v3\/sign-in\?uid=.*&error=sso$/);
      const page = await browser.get(pathOf(acs.headers.location!));
      expect(page.status).toBe(200);
      expect(page.text).toContain("Your organization&#39;s sign-in did not succeed");
    } else {
      expect(acs.status).toBe(400);
      expect(acs.headers['content-type']).toContain('text/html');
      expect(acs.text).toContain('Sign-in refused');
    }
    const audit = await lastAudit('sso.refused');
    expect(Number((await t.db.knex('audit_events').where({ action: 'sso.refused' }).count({ c: '*' }).first())!.c)).toBe(before + 1);
    expect(audit.details.reason).toMatch(reason);
    expect(JSON.stringify(audit.details)).not.toMatch(/Assertion|SAMLResponse|PHNhbWxw/);
    return acs;
  }

  it('unsigned assertion', async () => {
    const { browser, requestId } = await toIdp();
    await expectRefused(browser, signedResponse({ requestId }, 'none'), /signature/i);
  });

  it('assertion signed by a foreign key that carries its own certificate in KeyInfo', async () => {
    const { browser, requestId } = await toIdp();
    const xml = signElement(
      responseXml({ issuer: IDP_ENTITY, destination: acsUrl, inResponseTo: requestId, assertion: assertionXml({ issuer: IDP_ENTITY, audience: spEntity, recipient: acsUrl, inResponseTo: requestId, nameIdXml: 'agent' }) }),
      'Assertion',
      newKeyPair('attacker'),
      { keyInfo: true },
    );
    expect(xml).toContain('<ds:X509Certificate>');
    await expectRefused(browser, b64(xml), /signature/i);
  });

  it('signature wrapping: a forged assertion first, the genuinely signed one hidden inside it', async () => {
    const { browser, requestId } = await toIdp('nobody-here');
    await createUser('admin');
    // a genuine response for a user the IdP really signed in ("nobody-here")
    const genuine = Buffer.from(signedResponse({ requestId, nameIdXml: 'nobody-here' }), 'base64').toString('utf8');
    const signedAssertion = /<saml:Assertion[\s\S]*<\/saml:Assertion>/.exec(genuine)![0];
    const forged = assertionXml({ issuer: IDP_ENTITY, audience: spEntity, recipient: acsUrl, inResponseTo: requestId, nameIdXml: 'admin', id: /ID="([^"]+)"/.exec(signedAssertion)![1] });
    // XSW: the forged assertion carries the genuine (signed) one inside its Subject's Extensions-like slot
    const wrapped = forged.replace('</saml:Subject>', `</saml:Subject><saml:Advice>${signedAssertion}</saml:Advice>`);
    const xml = responseXml({ issuer: IDP_ENTITY, destination: acsUrl, inResponseTo: requestId, assertion: wrapped });
    await expectRefused(browser, b64(xml), /signature/i);
    // and the other classic: the signed assertion as a sibling after the forged one
    const { browser: b2, requestId: r2 } = await toIdp('nobody-here');
    const genuine2 = Buffer.from(signedResponse({ requestId: r2, nameIdXml: 'nobody-here' }), 'base64').toString('utf8');
    const signed2 = /<saml:Assertion[\s\S]*<\/saml:Assertion>/.exec(genuine2)![0];
    const forged2 = assertionXml({ issuer: IDP_ENTITY, audience: spEntity, recipient: acsUrl, inResponseTo: r2, nameIdXml: 'admin' });
    await expectRefused(b2, b64(responseXml({ issuer: IDP_ENTITY, destination: acsUrl, inResponseTo: r2, assertion: forged2 + signed2 })), /multiple assertions|signature/i);
  });

  it('a comment inside the NameID does not truncate it to another user', async () => {
    // the IdP signed "agent.evil" for someone; a comment splits the text after signing (c14n drops comments)
    const { browser, requestId } = await toIdp('agent.evil');
    const genuine = Buffer.from(signedResponse({ requestId, nameIdXml: 'agent.evil' }), 'base64').toString('utf8');
    const tampered = genuine.replace('>agent.evil</saml:NameID>', '>agent<!---->.evil</saml:NameID>');
    expect(tampered).not.toBe(genuine);
    // read from the signed (canonical) XML, the NameID is still "agent.evil": no such user, refused
    await expectRefused(browser, b64(tampered), /no user matches/);
  });

  it('wrong Audience', async () => {
    const { browser, requestId } = await toIdp();
    await expectRefused(browser, signedResponse({ requestId, audience: 'https://other-sp.example.com' }), /audience/i);
  });

  it('an assertion whose Issuer is another entity (even if signed with the pinned key)', async () => {
    const { browser, requestId } = await toIdp();
    await expectRefused(browser, signedResponse({ requestId, issuer: 'https://evil.example.com/saml' }), /Issuer/);
  });

  it('wrong Recipient', async () => {
    const { browser, requestId } = await toIdp();
    await expectRefused(browser, signedResponse({ requestId, recipient: 'https://other-sp.example.com/acs' }), /Recipient/);
  });

  it('wrong Destination', async () => {
    const { browser, requestId } = await toIdp();
    const xml = signElement(
      responseXml({ issuer: IDP_ENTITY, destination: 'https://other-sp.example.com/acs', inResponseTo: requestId, assertion: assertionXml({ issuer: IDP_ENTITY, audience: spEntity, recipient: acsUrl, inResponseTo: requestId, nameIdXml: 'agent' }) }),
      'Response',
      idp,
    );
    await expectRefused(browser, b64(xml), /Destination/);
  });

  it('expired assertion (NotOnOrAfter more than the skew ago)', async () => {
    const { browser, requestId } = await toIdp();
    const past = Date.now() - 10 * 60_000;
    await expectRefused(browser, signedResponse({ requestId, notOnOrAfterMs: past, notBeforeMs: past - 60_000 }), /expired/i);
  });

  it('replayed response (the assertion ID is remembered in PostgreSQL)', async () => {
    const { browser, requestId } = await toIdp();
    const response = signedResponse({ requestId });
    const first = await postAcs(response);
    expect((await finish(browser, continuedTo(first))).code).toBeDefined();
    await expectRefused(browser, response, /InResponseTo names no pending|replay/);
    const rows = await t.db.knex('saml_assertion_ids').where({ ccid }).count({ c: '*' }).first();
    expect(Number(rows!.c)).toBeGreaterThan(0);
  });

  it('replayed assertion under a new request (same assertion ID)', async () => {
    const { requestId } = await toIdp();
    const id = `_a${randomBytes(8).toString('hex')}`;
    const ok = await postAcs(signedResponse({ requestId, id }));
    expect(continuedTo(ok)).toMatch(/^\/auth\/v3\/sign-in\/sso/);
    const { browser, requestId: r2 } = await toIdp();
    await expectRefused(browser, signedResponse({ requestId: r2, id }), /replay/);
  });

  it('wrong InResponseTo (no such request)', async () => {
    const { browser } = await toIdp();
    await expectRefused(browser, signedResponse({ requestId: `_${randomBytes(20).toString('hex')}` }), /InResponseTo/);
  });

  it('unsolicited (IdP-initiated) response when allowIdpInitiated is off', async () => {
    const { browser } = await toIdp();
    await expectRefused(browser, signedResponse({ requestId: null }), /IdP-initiated/);
  });

  it('unknown NameID with JIT provisioning off', async () => {
    const { browser, requestId } = await toIdp('stranger');
    await expectRefused(browser, signedResponse({ requestId, nameIdXml: 'stranger' }), /no user matches/);
    expect(await t.db.knex('users').where({ ccid, username: 'stranger' }).first()).toBeUndefined();
  });

  it('a disabled user', async () => {
    const id = await createUser('disabled-agent', { enabled: false });
    expect(id).toBeDefined();
    const { browser, requestId } = await toIdp('disabled-agent');
    await expectRefused(browser, signedResponse({ requestId, nameIdXml: 'disabled-agent' }), /disabled/);
  });
});

describe('ssoOnly', () => {
  it('sends a user who types a password to the IdP, and the password grant refuses them with invalid_grant', async () => {
    const res = await putIdp({ type: 'saml', metadataXml: idpMetadata({ entityId: IDP_ENTITY, ssoUrl: IDP_SSO, certificateB64: idp.certificateB64 }), ssoOnly: true });
    expect(res.status).toBe(200);
    try {
      const browser = newBrowser(t);
      const { challenge } = pkce();
      const { page } = await startSignIn(browser, authorizeUrl({ clientId: client.clientId, redirectUri: REDIRECT, state: 's', challenge }));
      const post = await postSignIn(browser, page, { username: 't100\\agent', password: 'correct horse battery' });
      expect(post.status).toBe(303);
      expect(post.headers.location!.startsWith(IDP_SSO)).toBe(true);

      const grant = await t.request
        .post('/auth/v3/oauth/token')
        .set('Authorization', basic(client.clientId, client.secret))
        .type('form')
        .send({ grant_type: 'password', username: 't100\\agent', password: 'correct horse battery' });
      expect(grant.status).toBe(400);
      expect(grant.body.error).toBe('invalid_grant');
      expect(grant.body.error_description).toMatch(/single sign-on/);
      // a wrong password still answers "Bad credentials" (nothing learnt without the password)
      const wrong = await t.request
        .post('/auth/v3/oauth/token')
        .set('Authorization', basic(client.clientId, client.secret))
        .type('form')
        .send({ grant_type: 'password', username: 't100\\agent', password: 'wrong password!' });
      expect(wrong.body.error_description).toBe('Bad credentials');
    } finally {
      await putIdp({ type: 'saml', metadataXml: idpMetadata({ entityId: IDP_ENTITY, ssoUrl: IDP_SSO, certificateB64: idp.certificateB64 }) });
    }
  });

  it('without ssoOnly, a user who types a password signs in with it as before', async () => {
    const grant = await t.request
      .post('/auth/v3/oauth/token')
      .set('Authorization', basic(client.clientId, client.secret))
      .type('form')
      .send({ grant_type: 'password', username: 't100\\agent', password: 'correct horse battery' });
    expect(grant.status, grant.text).toBe(200);
  });
});

describe('purge', () => {
  it('deletes expired assertion IDs and sign-in requests, keeps live ones', async () => {
    const k = t.db.knex;
    await k('saml_assertion_ids').insert([
      { ccid, assertion_id: '_expired', expires_at: k.raw(`now() - interval '1 minute'`) },
      { ccid, assertion_id: '_live', expires_at: k.raw(`now() + interval '1 hour'`) },
    ]);
    await k('sso_requests').insert({ id: '_old', ccid, interaction_uid: 'x', expires_at: k.raw(`now() - interval '2 hours'`) });
    await t.ccauth.purge.runOnce();
    expect(await k('saml_assertion_ids').where({ assertion_id: '_expired' }).first()).toBeUndefined();
    expect(await k('saml_assertion_ids').where({ assertion_id: '_live' }).first()).toBeDefined();
    expect(await k('sso_requests').where({ id: '_old' }).first()).toBeUndefined();
  });
});

describe('metadataUrl', () => {
  it('fetches the metadata, refreshes it when old, and keeps the last good copy when a refresh fails', async () => {
    let served: { status: number; body: string } = { status: 200, body: idpMetadata({ entityId: IDP_ENTITY, ssoUrl: IDP_SSO, certificateB64: idp.certificateB64 }) };
    const server = http.createServer((_req, res) => {
      res.writeHead(served.status, { 'content-type': 'application/samlmetadata+xml' });
      res.end(served.body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metadata`;
    const age = () => t.db.knex('identity_providers').where({ ccid }).update({ metadata_fetched_at: t.db.knex.raw(`now() - interval '7 hours'`) });
    try {
      expect((await putIdp({ type: 'saml', metadataUrl: url })).status).toBe(200);
      // the IdP is down at the next refresh: the last good copy still sends users to the IdP
      served = { status: 503, body: 'down' };
      await age();
      expect((await toIdp()).location.startsWith(IDP_SSO)).toBe(true);
      const get = await t.request.get(`/environment/v3/contact-centers/${ccid}/identity-provider`).set('Authorization', ops());
      expect(get.body.data.metadataError).toBe('metadataUrl answered HTTP 503');
      expect(get.body.data.idp.entityId).toBe(IDP_ENTITY);
      // a later refresh picks up new metadata (another SSO URL)
      served = { status: 200, body: idpMetadata({ entityId: IDP_ENTITY, ssoUrl: 'https://idp.example.com/sso-v2', certificateB64: idp.certificateB64 }) };
      await age();
      expect((await toIdp('agent', 'https://idp.example.com/sso-v2')).requestId).toMatch(/^_/);
      const after = await t.request.get(`/environment/v3/contact-centers/${ccid}/identity-provider`).set('Authorization', ops());
      expect(after.body.data.metadataError).toBeNull();
      expect(after.body.data.idp.ssoUrls.redirect).toBe('https://idp.example.com/sso-v2');
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
      await putIdp({ type: 'saml', metadataXml: idpMetadata({ entityId: IDP_ENTITY, ssoUrl: IDP_SSO, certificateB64: idp.certificateB64 }) });
    }
  });

  it('refuses a metadataUrl that cannot be fetched (400, data.metadataUrl)', async () => {
    const res = await putIdp({ type: 'saml', metadataUrl: 'http://127.0.0.1:1/metadata' });
    expect(res.status).toBe(400);
    expect(res.body.status.detail.errors).toEqual([{ field: 'data.metadataUrl', message: 'metadataUrl could not be fetched' }]);
  });
});

describe('IdP-initiated sign-in (allowIdpInitiated)', () => {
  const metadataXml = () => idpMetadata({ entityId: IDP_ENTITY, ssoUrl: IDP_SSO, certificateB64: idp.certificateB64 });
  const unsolicited = (relayState: string, nameIdXml = 'agent') => {
    const assertion = assertionXml({ issuer: IDP_ENTITY, audience: spEntity, recipient: acsUrl, inResponseTo: null, nameIdXml });
    return { SAMLResponse: b64(signElement(responseXml({ issuer: IDP_ENTITY, destination: acsUrl, assertion }), 'Assertion', idp)), RelayState: relayState };
  };

  it('lands the agent on the client\'s registered redirect URI with a code, without a password', async () => {
    expect((await putIdp({ type: 'saml', metadataXml: metadataXml(), allowIdpInitiated: true })).status).toBe(200);
    try {
      const browser = newBrowser(t);
      const acs = await browser.post(`/auth/v3/saml/${ccid}/acs`).type('form').send(unsolicited(client.clientId));
      expect(acs.status, acs.text).toBe(200);
      const next = continuedTo(acs);
      expect(next).toMatch(/^\/auth\/v3\/oauth\/authorize\?/);
      expect(new URL(next, PUBLIC).searchParams.get('redirect_uri')).toBe(REDIRECT);
      const { location } = await followInside(browser, next);
      expect(location!.startsWith(`${REDIRECT}?`)).toBe(true);
      const code = new URL(location!).searchParams.get('code')!;
      const tokens = await t.request.post('/auth/v3/oauth/token').set('Authorization', basic(client.clientId, client.secret)).type('form').send({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT });
      expect(tokens.status, tokens.text).toBe(200);
      const info = await t.request.get('/auth/v3/userinfo').set('Authorization', `Bearer ${tokens.body.access_token}`);
      expect(info.body.username).toMatch(/agent/);
      // the token was taken once, by this sign-in; the cookie is cleared
      const rows = await t.db.knex('sso_requests').where({ ccid }).whereRaw(`state->>'clientId' = ?`, [client.clientId]);
      expect(rows).toHaveLength(1);
      expect(rows[0].consumed_at).not.toBeNull();
      expect(rows[0].interaction_uid).not.toBe('');
      // a fresh browser following the same authorization gets the login form
      const other = await followInside(newBrowser(t), next);
      expect(other.res?.status).toBe(200);
      expect(other.res?.text).toContain('name="password"');
    } finally {
      await putIdp({ type: 'saml', metadataXml: metadataXml() });
    }
  });

  it('refuses a RelayState that names no client (never an open redirect)', async () => {
    expect((await putIdp({ type: 'saml', metadataXml: metadataXml(), allowIdpInitiated: true })).status).toBe(200);
    try {
      for (const relayState of ['', 'https://evil.example.com/', 'no-such-client']) {
        const acs = await t.request.post(`/auth/v3/saml/${ccid}/acs`).type('form').send(unsolicited(relayState));
        expect(acs.status).toBe(400);
        expect(acs.headers.location).toBeUndefined();
        expect(acs.text).not.toContain('evil.example.com');
      }
      expect((await t.db.knex('audit_events').where({ action: 'sso.refused' }).orderBy('id', 'desc').first()).details.reason).toMatch(/RelayState names no client/);
    } finally {
      await putIdp({ type: 'saml', metadataXml: metadataXml() });
    }
  });
});
