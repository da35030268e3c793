/**
 * Single sign-on per contact center (README "Signing in" → "Single sign-on"): the identity-provider
 * configuration (with its audit events), which scheme a login name uses, sending a browser to the
 * IdP, accepting the IdP's answer (SAML here; verification in saml-sp.ts), matching it to a
 * contact-center user (optionally creating one), and handing the result to the interaction that
 * asked for it — exactly once.
 *
 * Answers are tied to interactions through `sso_requests` (the AuthnRequest ID → the oidc-provider
 * interaction uid), so the ACS, which the IdP posts to cross-site and which therefore sees none of
 * the interaction's SameSite cookies, never needs them; the interaction is finished afterwards on a
 * same-site GET that does carry its cookie (http/routes/saml.routes.ts).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { canonicalDomain } from '../domain/environment.ts';
import type { AuditContext } from '../domain/audit-event.ts';
import type { IdentityProvider, IdentityProviderSettings, OidcSettings, SamlBinding, SamlSettings, UserMatch } from '../domain/identity-provider.ts';
import { USER_ACCOUNT_PREFIX, canonicalUsername, usernameProblem } from '../domain/user.ts';
import type { UserWithContext } from '../domain/user.ts';
import { AppError, notFound } from '../errors/app-error.ts';
import { createIdentityProvidersRepository } from '../repositories/identity-providers.repository.ts';
import { createSsoRequestsRepository } from '../repositories/sso-requests.repository.ts';
import { createUsersRepository } from '../repositories/users.repository.ts';
import { hashSecret } from '../security/passwords.ts';
import type { Sealer } from '../security/seal.ts';
import { recordAudit } from '../services/audit.service.ts';
import { splitLogin } from '../services/principals.service.ts';
import { MAX_METADATA_CHARS, MetadataError, parseIdpMetadata } from './saml-metadata.ts';
import { SamlRefusal, buildAuthnRequest, spMetadataXml, verifySamlResponse } from './saml-sp.ts';
import type { SamlAuthnRequest, SamlIdentity } from './saml-sp.ts';
import { createSpKeyStore } from './sp-key.ts';
import { OidcRefusal, createOidcRelyingParty } from './oidc-rp.ts';
import type { IdTokenClaims, OidcUpstream } from './oidc-rp.ts';
import { digestToken } from '../security/tokens.ts';

/** How long the IdP has to answer a sign-in, in seconds (the interaction itself lives 1 hour). */
export const SSO_REQUEST_TTL_SECONDS = 600;
/** How old fetched metadata may get before it is fetched again, in milliseconds. */
export const METADATA_REFRESH_MS = 6 * 3600_000;
/** Time allowed for fetching metadata, in milliseconds. */
export const METADATA_FETCH_TIMEOUT_MS = 10_000;

/** The scheme of a login name (`POST /auth/v3/auth-scheme`). */
export type AuthScheme = 'saml' | 'oidc' | 'basic';

/** A validated `PUT .../identity-provider` body (http/routes/identity-provider.schemas.ts). */
export type IdentityProviderInput =
  | (Omit<SamlSettings, 'metadataUrl'> & { metadataXml: string | null; metadataUrl: string | null })
  | (Omit<OidcSettings, 'authorizationEndpoint'> & { /** absent: keep the stored one */ clientSecret?: string | undefined });

/** What an identity provider said about the user, whatever the protocol. */
interface ExternalIdentity {
  /** The user's name (SAML NameID or `usernameAttribute`; OIDC `usernameClaim`); null when absent. */
  name: string | null;
  /** The IdP's stable id of the user (SAML NameID; OIDC `sub`). */
  externalId: string;
  email: string | null;
  givenName: string | null;
  familyName: string | null;
}

/** How the browser is sent to the IdP. */
export type SignInRedirect = SamlAuthnRequest | { binding: 'oidc'; requestId: string; url: string };

/** The result of an IdP's answer at the ACS. */
export type SsoOutcome =
  | { ok: true; interactionUid: string }
  /** IdP-initiated: the one-time token the browser must carry to the client's next authorization */
  | { ok: true; interactionUid: null; idpInitiatedToken: string }
  | { ok: false; reason: string; /** the interaction to send the browser back to, when known */ interactionUid: string | null };

export interface SingleSignOnService {
  /** @throws AppError not_found when the contact center has no identity provider */
  get(ccid: string): Promise<IdentityProvider>;
  /**
   * Creates or replaces the contact center's identity provider (fetching `metadataUrl` now).
   * @throws AppError not_found (contact center) | validation (metadata unusable, unreachable)
   */
  set(ccid: string, input: IdentityProviderInput, who: AuditContext): Promise<{ provider: IdentityProvider; created: boolean }>;
  /** @throws AppError not_found when there is none */
  remove(ccid: string, who: AuditContext): Promise<void>;
  /** The identity provider a login name (`domain\user`, or user + tenant) signs in with, if any. */
  providerForLogin(login: string, tenant?: string): Promise<IdentityProvider | undefined>;
  /** The scheme of a login name: decided by its domain only, so users cannot be enumerated. */
  schemeFor(login: string, tenant?: string): Promise<AuthScheme>;
  /** True when the contact center's users may not sign in with a password. */
  isSsoOnly(ccid: string): Promise<boolean>;
  /**
   * Origins of the SAML IdPs a login page may send its form to (CSP `form-action` also governs the
   * redirects after a form post): those of the client's contact centers, or of every contact center
   * when the client is bound to none.
   */
  formActionOrigins(ccids: readonly string[]): Promise<string[]>;
  /**
   * Builds the request to the IdP for interaction `interactionUid` and records it: a signed SAML
   * AuthnRequest, or an OIDC authorization request (PKCE, state, nonce).
   * @throws AppError unavailable-style errors from discovery as OidcRefusal (caller shows a page)
   */
  beginSignIn(provider: IdentityProvider, interactionUid: string): Promise<SignInRedirect>;
  /** Verifies the upstream OIDC callback of `ccid` (`currentUrl` with code/state or error) and records the outcome. */
  acceptOidcCallback(ccid: string, currentUrl: URL, who: AuditContext): Promise<SsoOutcome>;
  /** ccauth's SP metadata for contact center `ccid`. @throws AppError not_found (contact center) */
  spMetadata(ccid: string): Promise<string>;
  /**
   * Verifies a SAMLResponse posted to the ACS of `ccid` and records the outcome. `idpClient` is the
   * client RelayState names (IdP-initiated sign-in only; null when it names none).
   */
  acceptSamlResponse(ccid: string, samlResponse: string, who: AuditContext, idpClient?: { clientId: string; contactCenterIds: string[] } | null): Promise<SsoOutcome>;
  /** Takes an IdP-initiated sign-in for `clientId` (once) by the browser's token, binding it to interaction `interactionUid`. */
  takeIdpInitiated(token: string, clientId: string, interactionUid: string): Promise<{ accountId: string; ccid: string } | undefined>;
  /** The accepted answer for interaction `uid`, once; undefined when there is none. */
  takeAnswer(interactionUid: string): Promise<{ accountId: string; ccid: string } | undefined>;
  /** Deletes expired requests and assertion IDs. */
  purge(): Promise<number>;
}

/** Fetches metadata from a URL. @throws MetadataError */
async function fetchMetadata(url: string): Promise<string> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(METADATA_FETCH_TIMEOUT_MS), redirect: 'follow', headers: { accept: 'application/samlmetadata+xml, application/xml, text/xml' } });
  } catch {
    throw new MetadataError('metadataUrl could not be fetched');
  }
  if (!res.ok) throw new MetadataError(`metadataUrl answered HTTP ${res.status}`);
  const text = await res.text();
  if (text.length > MAX_METADATA_CHARS) throw new MetadataError(`metadata must be at most ${MAX_METADATA_CHARS} characters`);
  return text;
}

/** Values of an attribute as strings. */
function attributeValues(identity: SamlIdentity, name: string): string[] {
  const v = identity.attributes[name];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** The first value among attribute names (common SAML names of person attributes). */
function firstAttribute(identity: SamlIdentity, names: string[]): string | null {
  for (const n of names) {
    const v = attributeValues(identity, n)[0];
    if (v && v.trim()) return v.trim().slice(0, 254);
  }
  return null;
}

const EMAIL_ATTRIBUTES = ['email', 'mail', 'emailAddress', 'urn:oid:0.9.2342.19200300.100.1.3', 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress'];
const GIVEN_NAME_ATTRIBUTES = ['givenName', 'firstName', 'urn:oid:2.5.4.42', 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname'];
const SURNAME_ATTRIBUTES = ['sn', 'surname', 'lastName', 'urn:oid:2.5.4.4', 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname'];

/** Builds the service. `sealer` seals the SP key (and upstream client secrets). */
export function createSingleSignOnService(deps: { knex: Knex; sealer: Sealer; publicUrl: string; /** plain-http OIDC issuers (not in production) */ allowPlainHttp?: boolean }): SingleSignOnService {
  const { knex, publicUrl } = deps;
  const rp = createOidcRelyingParty({ publicUrl, allowInsecure: deps.allowPlainHttp === true });
  const secretAd = (ccid: string) => `idp-oidc-client-secret:${ccid}`;
  /** The upstream of an OIDC provider, its client secret opened. */
  const upstreamOf = (p: IdentityProvider): OidcUpstream => {
    const s = p.settings as OidcSettings;
    return { ccid: p.ccid, issuer: s.issuer, clientId: s.clientId, clientSecret: deps.sealer.open(p.clientSecretSealed ?? '', secretAd(p.ccid)), scope: s.scope };
  };
  const providers = createIdentityProvidersRepository(knex);
  const requests = createSsoRequestsRepository(knex);
  const spKey = createSpKeyStore(deps);
  /** SSO origin of a provider's stored metadata, by ccid, valid while `updatedAt`/`metadataFetchedAt` hold. */
  const originMemo = new Map<string, { stamp: string; origin: string | null }>();
  const originOf = (p: IdentityProvider): string | null => {
    if (p.settings.type === 'oidc') {
      try {
        return p.settings.authorizationEndpoint ? new URL(p.settings.authorizationEndpoint).origin : null;
      } catch {
        return null;
      }
    }
    const stamp = `${p.updatedAt}:${p.metadataFetchedAt}`;
    const memo = originMemo.get(p.ccid);
    if (memo && memo.stamp === stamp) return memo.origin;
    let origin: string | null = null;
    try {
      const s = p.settings as SamlSettings;
      origin = new URL(parseIdpMetadata(p.metadataXml ?? '', s.binding).ssoUrls[s.binding]!).origin;
    } catch {
      origin = null;
    }
    if (originMemo.size > 1000) originMemo.clear();
    originMemo.set(p.ccid, { stamp, origin });
    return origin;
  };

  /** The IdP metadata of a SAML provider, refreshed from its URL when old (a failure keeps the old copy). */
  const metadataOf = async (p: IdentityProvider, settings: SamlSettings) => {
    let xml = p.metadataXml ?? '';
    if (settings.metadataUrl && (p.metadataFetchedAt === null || Date.now() - p.metadataFetchedAt > METADATA_REFRESH_MS)) {
      try {
        const fresh = await fetchMetadata(settings.metadataUrl);
        parseIdpMetadata(fresh, settings.binding);
        await providers.saveFetchedMetadata(p.ccid, fresh);
        xml = fresh;
      } catch (err) {
        await providers.saveMetadataError(p.ccid, err instanceof MetadataError ? err.message : 'metadata refresh failed');
      }
    }
    return parseIdpMetadata(xml, settings.binding);
  };

  const audit = (who: AuditContext, action: string, ccid: string, details: Record<string, unknown>) =>
    recordAudit(knex, who, { action, targetType: 'contact_center', targetId: ccid, details });

  /** Finds (or, with JIT, creates) the user an identity names; a refusal reason otherwise. */
  const matchUser = async (ccid: string, settings: IdentityProviderSettings, identity: ExternalIdentity): Promise<{ user: UserWithContext } | { reason: string }> => {
    const users = createUsersRepository(knex);
    const match: UserMatch = settings.userMatch;
    const name = identity.name?.trim() || null;
    if (match === 'username' && !name) return { reason: settings.type === 'saml' ? `assertion has no ${settings.usernameAttribute} attribute` : `ID token has no ${settings.usernameClaim} claim` };
    if (match === 'email' && !identity.email) return { reason: 'the identity provider gave no (verified) email address' };
    const value = match === 'username' ? canonicalUsername(name!) : match === 'externalId' ? identity.externalId : identity.email!;
    const found = await users.findForSso(ccid, match, value);
    if (found) return found.enabled ? { user: found } : { reason: 'user is disabled' };
    if (!settings.jitProvisioning) return { reason: 'no user matches the identity and just-in-time provisioning is off' };
    const username = name ?? identity.email ?? '';
    const problem = usernameProblem(username);
    if (problem) return { reason: `cannot provision a user named by the identity provider: username ${problem}` };
    try {
      await users.insert({
        id: randomUUID(),
        ccid,
        username,
        usernameCanonical: canonicalUsername(username),
        // no password: a random one nobody knows (the user signs in through the IdP)
        passwordHash: await hashSecret(randomBytes(32).toString('base64url')),
        firstName: identity.givenName,
        lastName: identity.familyName,
        email: identity.email && /^[^\s@]+@[^\s@]+$/.test(identity.email) ? identity.email : null,
        authorities: [],
        properties: {},
        enabled: true,
        externalId: identity.externalId,
      });
    } catch {
      return { reason: 'cannot provision the user: the name or external id is taken' };
    }
    const created = await users.findForSso(ccid, match, value);
    return created ? { user: created } : { reason: 'provisioned user not found' };
  };

  /** The identity of a verified SAML assertion. */
  const samlIdentity = (settings: SamlSettings, a: SamlIdentity): ExternalIdentity => ({
    name: settings.usernameAttribute ? firstAttribute(a, [settings.usernameAttribute]) : a.nameId,
    externalId: a.nameId,
    email: firstAttribute(a, EMAIL_ATTRIBUTES),
    givenName: firstAttribute(a, GIVEN_NAME_ATTRIBUTES),
    familyName: firstAttribute(a, SURNAME_ATTRIBUTES),
  });

  /** The identity of a verified ID token (OIDC Core §5.1 standard claims). */
  const oidcIdentity = (settings: OidcSettings, c: IdTokenClaims): ExternalIdentity => {
    const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() ? v.trim().slice(0, 254) : null);
    return {
      name: str(c[settings.usernameClaim]),
      externalId: c.sub,
      email: c.email_verified === false ? null : str(c.email),
      givenName: str(c.given_name),
      familyName: str(c.family_name),
    };
  };

  /** Records the outcome of an answer to request `requestId` of interaction `interactionUid`. */
  const conclude = async (ccid: string, protocol: 'saml' | 'oidc', requestId: string, interactionUid: string, settings: IdentityProviderSettings, identity: ExternalIdentity, who: AuditContext, refuse: (reason: string, uid: string | null) => Promise<SsoOutcome>): Promise<SsoOutcome> => {
    const matched = await matchUser(ccid, settings, identity);
    if ('reason' in matched) {
      await requests.answer(ccid, requestId, null);
      return refuse(matched.reason, interactionUid);
    }
    const accountId = `${USER_ACCOUNT_PREFIX}${matched.user.id}`;
    if (!(await requests.answer(ccid, requestId, accountId))) return refuse('sign-in request already answered', interactionUid);
    await providers.recordOutcome(ccid, { ok: true, user: matched.user.username });
    await audit(who, 'sso.signed_in', ccid, { protocol, accountId, username: matched.user.username });
    return { ok: true, interactionUid };
  };

  /** Creates or replaces an OIDC upstream: discovery must succeed; the client secret is sealed. */
  const setOidc = async (ccid: string, input: Extract<IdentityProviderInput, { type: 'oidc' }>, who: AuditContext) => {
    const existing = await providers.find(ccid);
    let clientSecret = input.clientSecret;
    if (clientSecret === undefined) {
      if (existing?.settings.type !== 'oidc' || !existing.clientSecretSealed) {
        throw new AppError('validation', 'validation failed: data.clientSecret: required for a new OpenID Connect identity provider', [{ field: 'data.clientSecret', message: 'required for a new OpenID Connect identity provider' }]);
      }
      clientSecret = deps.sealer.open(existing.clientSecretSealed, secretAd(ccid));
    }
    let authorizationEndpoint: string;
    try {
      ({ authorizationEndpoint } = await rp.discover({ ccid, issuer: input.issuer, clientId: input.clientId, clientSecret, scope: input.scope }));
    } catch (err) {
      if (!(err instanceof OidcRefusal)) throw err;
      throw new AppError('validation', `validation failed: data.issuer: ${err.message}`, [{ field: 'data.issuer', message: err.message }]);
    }
    const { clientSecret: _s, ...rest } = input;
    const settings: OidcSettings = { ...rest, authorizationEndpoint };
    return knex.transaction(async (trx) => {
      const r = await createIdentityProvidersRepository(trx).upsert({ ccid, settings, metadataXml: null, metadataFetched: false, clientSecretSealed: deps.sealer.seal(clientSecret, secretAd(ccid)) });
      await recordAudit(trx, who, {
        action: 'identity_provider.set',
        targetType: 'contact_center',
        targetId: ccid,
        details: { type: 'oidc', issuer: settings.issuer, clientId: settings.clientId, userMatch: settings.userMatch, ssoOnly: settings.ssoOnly, jitProvisioning: settings.jitProvisioning, created: r.created },
      });
      return r;
    });
  };

  return {
    async get(ccid) {
      const p = await providers.find(ccid);
      if (!p) throw notFound(`identity provider of contact center ${ccid}`);
      return p;
    },

    async set(ccid, input, who) {
      if (!(await createUsersRepository(knex).contactCenterExists(ccid))) throw notFound(`contact center ${ccid}`);
      if (input.type === 'oidc') return setOidc(ccid, input, who);
      let metadataXml = input.metadataXml;
      const fetched = metadataXml === null && input.metadataUrl !== null;
      try {
        if (fetched) metadataXml = await fetchMetadata(input.metadataUrl!);
        parseIdpMetadata(metadataXml ?? '', input.binding);
      } catch (err) {
        if (!(err instanceof MetadataError)) throw err;
        const field = fetched ? 'data.metadataUrl' : 'data.metadataXml';
        throw new AppError('validation', `validation failed: ${field}: ${err.message}`, [{ field, message: err.message }]);
      }
      const { metadataXml: _x, ...rest } = input as Extract<IdentityProviderInput, { type: 'saml' }>;
      const settings: IdentityProviderSettings = { ...rest, type: 'saml' };
      const result = await knex.transaction(async (trx) => {
        const r = await createIdentityProvidersRepository(trx).upsert({ ccid, settings, metadataXml, metadataFetched: fetched, clientSecretSealed: null });
        await recordAudit(trx, who, {
          action: 'identity_provider.set',
          targetType: 'contact_center',
          targetId: ccid,
          details: { type: settings.type, binding: settings.binding, userMatch: settings.userMatch, ssoOnly: settings.ssoOnly, jitProvisioning: settings.jitProvisioning, created: r.created },
        });
        return r;
      });
      return result;
    },

    async remove(ccid, who) {
      await knex.transaction(async (trx) => {
        if (!(await createIdentityProvidersRepository(trx).delete(ccid))) throw notFound(`identity provider of contact center ${ccid}`);
        await recordAudit(trx, who, { action: 'identity_provider.removed', targetType: 'contact_center', targetId: ccid, details: {} });
      });
    },

    async providerForLogin(login, tenant) {
      if (typeof login !== 'string' || login.length > 512) return undefined;
      const parts = splitLogin(login, tenant);
      if (!parts || !parts.domain || parts.domain.includes('\u0000')) return undefined;
      return providers.findByDomain(canonicalDomain(parts.domain));
    },

    async schemeFor(login, tenant) {
      const p = await this.providerForLogin(login, tenant);
      return p ? p.settings.type : 'basic';
    },

    async isSsoOnly(ccid) {
      const p = await providers.find(ccid);
      return p?.settings.ssoOnly === true;
    },

    async formActionOrigins(ccids) {
      const list = await providers.list(ccids.length ? ccids : undefined);
      return [...new Set(list.map(originOf).filter((o): o is string => o !== null))];
    },

    async beginSignIn(provider, interactionUid) {
      if (provider.settings.type === 'oidc') {
        const start = await rp.begin(upstreamOf(provider));
        const requestId = digestToken(start.state);
        const state = { codeVerifier: deps.sealer.seal(start.codeVerifier, `sso-request:${requestId}`), nonce: start.nonce };
        await requests.insert({ id: requestId, ccid: provider.ccid, interactionUid, state }, SSO_REQUEST_TTL_SECONDS);
        return { binding: 'oidc', requestId, url: start.url };
      }
      const settings = provider.settings as SamlSettings;
      const metadata = await metadataOf(provider, settings);
      const request = await buildAuthnRequest({ publicUrl, ccid: provider.ccid, key: await spKey(), metadata, binding: settings.binding as SamlBinding }, '');
      await requests.insert({ id: request.requestId, ccid: provider.ccid, interactionUid, state: {} }, SSO_REQUEST_TTL_SECONDS);
      return request;
    },

    async spMetadata(ccid) {
      if (!(await createUsersRepository(knex).contactCenterExists(ccid))) throw notFound(`contact center ${ccid}`);
      return spMetadataXml(publicUrl, ccid, await spKey());
    },

    async acceptSamlResponse(ccid, samlResponse, who, idpClient) {
      const refuse = async (reason: string, interactionUid: string | null): Promise<SsoOutcome> => {
        await providers.recordOutcome(ccid, { ok: false, reason });
        await audit(who, 'sso.refused', ccid, { protocol: 'saml', reason });
        return { ok: false, reason, interactionUid };
      };
      const provider = await providers.find(ccid);
      if (!provider || provider.settings.type !== 'saml') return { ok: false, reason: 'no SAML identity provider is configured for this contact center', interactionUid: null };
      const settings = provider.settings;
      let identity: SamlIdentity;
      try {
        identity = await verifySamlResponse({ publicUrl, ccid, key: await spKey(), metadata: await metadataOf(provider, settings) }, samlResponse);
      } catch (err) {
        if (err instanceof SamlRefusal || err instanceof MetadataError) return refuse(err.message, null);
        throw err;
      }
      // SP-initiated: the signed InResponseTo must name a pending request of this contact center
      let interactionUid: string | null = null;
      if (identity.inResponseTo !== null) {
        const pending = await requests.findPending(ccid, identity.inResponseTo);
        if (!pending) return refuse('InResponseTo names no pending sign-in request (unknown, expired or already answered)', null);
        interactionUid = pending.interactionUid;
      } else if (!settings.allowIdpInitiated) {
        return refuse('IdP-initiated sign-in is not allowed for this contact center', null);
      } else if (!idpClient) {
        return refuse('IdP-initiated sign-in: RelayState names no client', null);
      } else if (idpClient.contactCenterIds.length > 0 && !idpClient.contactCenterIds.includes(ccid)) {
        return refuse('IdP-initiated sign-in: the client named by RelayState does not accept this contact center\'s users', null);
      } else {
        // unsolicited: the assertion must not be replayed either; then a one-time token for the browser
        if (!(await requests.rememberAssertion(ccid, identity.assertionId, identity.expiresAt))) return refuse('assertion already used (replay)', null);
        const matched = await matchUser(ccid, settings, samlIdentity(settings, identity));
        if ('reason' in matched) return refuse(matched.reason, null);
        const token = randomBytes(32).toString('base64url');
        const accountId = `${USER_ACCOUNT_PREFIX}${matched.user.id}`;
        await requests.insertIdpInitiated(digestToken(token), ccid, idpClient.clientId, accountId, SSO_REQUEST_TTL_SECONDS);
        await providers.recordOutcome(ccid, { ok: true, user: matched.user.username });
        await audit(who, 'sso.signed_in', ccid, { protocol: 'saml', idpInitiated: true, clientId: idpClient.clientId, accountId, username: matched.user.username });
        return { ok: true, interactionUid: null, idpInitiatedToken: token };
      }
      // a replayed assertion fails on every process (PostgreSQL)
      if (!(await requests.rememberAssertion(ccid, identity.assertionId, identity.expiresAt))) {
        await requests.answer(ccid, identity.inResponseTo, null);
        return refuse('assertion already used (replay)', interactionUid);
      }
      return conclude(ccid, 'saml', identity.inResponseTo, interactionUid!, settings, samlIdentity(settings, identity), who, refuse);
    },

    async acceptOidcCallback(ccid, currentUrl, who) {
      const refuse = async (reason: string, interactionUid: string | null): Promise<SsoOutcome> => {
        await providers.recordOutcome(ccid, { ok: false, reason });
        await audit(who, 'sso.refused', ccid, { protocol: 'oidc', reason });
        return { ok: false, reason, interactionUid };
      };
      const provider = await providers.find(ccid);
      if (!provider || provider.settings.type !== 'oidc') return { ok: false, reason: 'no OpenID Connect identity provider is configured for this contact center', interactionUid: null };
      const state = currentUrl.searchParams.get('state') ?? '';
      if (!state || state.length > 512) return refuse('callback without state', null);
      const requestId = digestToken(state);
      const pending = await requests.findPending(ccid, requestId);
      if (!pending) return refuse('state names no pending sign-in request (unknown, expired or already answered)', null);
      const upstreamError = currentUrl.searchParams.get('error');
      if (upstreamError) {
        await requests.answer(ccid, requestId, null);
        return refuse(`the identity provider answered ${upstreamError.slice(0, 64)}`, pending.interactionUid);
      }
      let claims: IdTokenClaims;
      try {
        claims = await rp.finish(upstreamOf(provider), currentUrl, {
          state,
          nonce: pending.state.nonce ?? '',
          codeVerifier: deps.sealer.open(pending.state.codeVerifier ?? '', `sso-request:${requestId}`),
        });
      } catch (err) {
        if (!(err instanceof OidcRefusal)) throw err;
        await requests.answer(ccid, requestId, null);
        return refuse(err.message, pending.interactionUid);
      }
      return conclude(ccid, 'oidc', requestId, pending.interactionUid, provider.settings, oidcIdentity(provider.settings, claims), who, refuse);
    },

    takeAnswer: (uid) => requests.consumeAnswer(uid),
    takeIdpInitiated: (token, clientId, uid) => (token.length > 100 ? Promise.resolve(undefined) : requests.consumeIdpInitiated(digestToken(token), clientId, uid)),
    purge: () => requests.purgeExpired(),
  };
}
