/**
 * ccauth as a SAML 2.0 service provider for one contact center, on @node-saml/node-saml 5.1
 * (which fixes CVE-2025-54369 and CVE-2025-54419): no XML signature is checked by hand here.
 *
 * What is checked on a response (SAML 2.0 Core §2.3.3, §3.2.2; Profiles §4.1.4.2-§4.1.4.5;
 * README "Signing in" → "Single sign-on"):
 * - node-saml: a valid signature on the assertion or on the response wrapping it, made with one of
 *   the certificates of the configured metadata (any `KeyInfo` in the message is ignored), exactly
 *   one assertion, data read only from the signed XML, `Conditions` NotBefore/NotOnOrAfter with
 *   {@link CLOCK_SKEW_MS} of skew, `AudienceRestriction` = our entity ID;
 * - here, from the signed assertion: its `Issuer` is the IdP's entityID; a bearer
 *   `SubjectConfirmation` whose `Recipient` is our ACS URL and whose `NotOnOrAfter` has not passed;
 *   its `InResponseTo` (the request this answers, empty when IdP-initiated); the assertion ID (for
 *   the replay cache); and from the response envelope: `Destination` (when present) is our ACS URL
 *   and its `InResponseTo` (when present) equals the signed one.
 */
import { randomBytes } from 'node:crypto';
import { SAML, ValidateInResponseTo } from '@node-saml/node-saml';
import type { Profile } from '@node-saml/node-saml';
import { DOMParser } from '@xmldom/xmldom';
import type { SamlBinding, SamlIdpMetadata } from '../domain/identity-provider.ts';

/** Accepted clock difference with the IdP, in milliseconds. */
export const CLOCK_SKEW_MS = 60_000;
/** Longest SAMLResponse form field accepted, in characters (base64). */
export const MAX_SAML_RESPONSE_CHARS = 512 * 1024;

/** The SP's signing key and certificate (PEM). */
export interface SamlSpKey {
  privateKeyPem: string;
  certificatePem: string;
}

/** The URLs of ccauth's SP for contact center `ccid` (README "Single sign-on"). */
export function samlSpUrls(publicUrl: string, ccid: string): { entityId: string; acsUrl: string; metadataUrl: string } {
  const entityId = `${publicUrl}/auth/v3/saml/${ccid}`;
  return { entityId, acsUrl: `${entityId}/acs`, metadataUrl: `${entityId}/metadata` };
}

/** Why a response was refused: a short reason for logs and audit rows (never the assertion). */
export class SamlRefusal extends Error {
  override name = 'SamlRefusal';
}

/** What a verified assertion says. */
export interface SamlIdentity {
  nameId: string;
  /** Attributes by name: one value or several. */
  attributes: Record<string, string | string[]>;
  assertionId: string;
  /** The request this answers (signed SubjectConfirmationData@InResponseTo); null when IdP-initiated. */
  inResponseTo: string | null;
  /** Until when the assertion could be presented (replay cache lifetime). */
  expiresAt: Date;
}

interface SpInput {
  publicUrl: string;
  ccid: string;
  key: SamlSpKey;
  metadata: SamlIdpMetadata;
  binding: SamlBinding;
  requestId?: string;
}

function saml(input: SpInput): SAML {
  const { entityId, acsUrl } = samlSpUrls(input.publicUrl, input.ccid);
  const requestId = input.requestId;
  return new SAML({
    issuer: entityId,
    callbackUrl: acsUrl,
    audience: entityId,
    entryPoint: input.metadata.ssoUrls[input.binding],
    idpCert: input.metadata.signingCertificates,
    idpIssuer: input.metadata.entityId,
    privateKey: input.key.privateKeyPem,
    publicCert: input.key.certificatePem,
    signatureAlgorithm: 'sha256',
    digestAlgorithm: 'sha256',
    // a signed response wrapping the assertion, or a signed assertion (node-saml: either suffices)
    wantAssertionsSigned: false,
    wantAuthnResponseSigned: false,
    acceptedClockSkewMs: CLOCK_SKEW_MS,
    // InResponseTo is checked against PostgreSQL by the caller, from the signed assertion
    validateInResponseTo: ValidateInResponseTo.never,
    identifierFormat: null,
    disableRequestedAuthnContext: true,
    generateUniqueId: () => requestId ?? newSamlId(),
    authnRequestBinding: input.binding === 'post' ? 'HTTP-POST' : undefined,
    // HTTP-POST carries the AuthnRequest base64 only; DEFLATE is for HTTP-Redirect (Bindings §3.5.4 vs §3.4.4.1)
    skipRequestCompression: input.binding === 'post',
  });
}

/** A fresh SAML ID (an NCName: `_` and 40 hex digits, 160 random bits). */
export function newSamlId(): string {
  return `_${randomBytes(20).toString('hex')}`;
}

/** The SP metadata document (SAML 2.0 Metadata §2.4.4) with the signing certificate. */
export function spMetadataXml(publicUrl: string, ccid: string, key: SamlSpKey): string {
  const { entityId, acsUrl } = samlSpUrls(publicUrl, ccid);
  const sp = new SAML({
    issuer: entityId,
    callbackUrl: acsUrl,
    idpCert: 'unused',
    privateKey: key.privateKeyPem,
    publicCert: key.certificatePem,
    signatureAlgorithm: 'sha256',
    identifierFormat: null,
    wantAssertionsSigned: true,
  });
  return sp.generateServiceProviderMetadata(null, key.certificatePem);
}

/** How the browser is sent to the IdP with a signed AuthnRequest. */
export type SamlAuthnRequest =
  | { binding: 'redirect'; requestId: string; url: string }
  | { binding: 'post'; requestId: string; action: string; fields: Record<string, string> };

/**
 * Builds a signed AuthnRequest (SAML 2.0 Core §3.4.1) for the configured binding.
 * @param relayState opaque value the IdP returns (SAML 2.0 Bindings §3.4.3); at most 80 bytes
 */
export async function buildAuthnRequest(input: Omit<SpInput, 'requestId'>, relayState: string): Promise<SamlAuthnRequest> {
  const requestId = newSamlId();
  const sp = saml({ ...input, requestId });
  if (input.binding === 'post') {
    const fields = (await sp.getAuthorizeMessageAsync(relayState, '', {})) as Record<string, string>;
    return { binding: 'post', requestId, action: input.metadata.ssoUrls.post!, fields };
  }
  return { binding: 'redirect', requestId, url: await sp.getAuthorizeUrlAsync(relayState, '', {}) };
}

type XmlJs = { $?: Record<string, string>; _?: string } & Record<string, unknown>;
const first = (v: unknown): XmlJs | undefined => (Array.isArray(v) ? (v[0] as XmlJs) : undefined);

/** Reads `Destination` and `InResponseTo` of the (possibly unsigned) Response element. */
function envelopeOf(samlResponse: string): { destination: string | null; inResponseTo: string | null } {
  const xml = Buffer.from(samlResponse, 'base64').toString('utf8');
  const problems: string[] = [];
  const doc = new DOMParser({ errorHandler: { warning: () => undefined, error: (m: string) => problems.push(m), fatalError: (m: string) => problems.push(m) } }).parseFromString(xml, 'text/xml');
  const root = doc?.documentElement;
  if (problems.length || !root || root.localName !== 'Response' || /<!DOCTYPE/i.test(xml)) throw new SamlRefusal('not a SAML Response document');
  return { destination: root.getAttribute('Destination') || null, inResponseTo: root.getAttribute('InResponseTo') || null };
}

/**
 * Verifies a SAMLResponse from the HTTP-POST binding (SAML 2.0 Bindings §3.5).
 * @param samlResponse the base64 `SAMLResponse` form field
 * @throws SamlRefusal with the reason, for every response that must not sign anyone in
 */
export async function verifySamlResponse(input: Omit<SpInput, 'requestId' | 'binding'>, samlResponse: string, nowMs = Date.now()): Promise<SamlIdentity> {
  if (!samlResponse || samlResponse.length > MAX_SAML_RESPONSE_CHARS || !/^[A-Za-z0-9+/=\s]+$/.test(samlResponse)) throw new SamlRefusal('SAMLResponse missing or not base64');
  const { acsUrl } = samlSpUrls(input.publicUrl, input.ccid);
  const envelope = envelopeOf(samlResponse);
  if (envelope.destination !== null && envelope.destination !== acsUrl) throw new SamlRefusal('Destination is not this ACS URL');

  let profile: Profile | null;
  try {
    ({ profile } = await saml({ ...input, binding: 'redirect' }).validatePostResponseAsync({ SAMLResponse: samlResponse }));
  } catch (err) {
    throw new SamlRefusal(refusalText(err));
  }
  if (!profile) throw new SamlRefusal('no assertion in the response');
  if (profile.issuer !== input.metadata.entityId) throw new SamlRefusal('assertion Issuer is not the configured identity provider');
  const assertion = (profile.getAssertion?.() as { Assertion?: XmlJs } | undefined)?.Assertion;
  const assertionId = assertion?.$?.ID;
  if (!assertion || !assertionId) throw new SamlRefusal('assertion has no ID');

  // a bearer SubjectConfirmation for this ACS that has not expired (Profiles §4.1.4.2)
  const subject = first(assertion.Subject);
  const confirmations = (Array.isArray(subject?.SubjectConfirmation) ? subject.SubjectConfirmation : []) as XmlJs[];
  let confirmation: { inResponseTo: string | null; notOnOrAfterMs: number } | undefined;
  for (const c of confirmations) {
    if (c.$?.Method !== 'urn:oasis:names:tc:SAML:2.0:cm:bearer') continue;
    const data = first(c.SubjectConfirmationData)?.$;
    if (!data || data.Recipient !== acsUrl) continue;
    const notOnOrAfterMs = Date.parse(data.NotOnOrAfter ?? '');
    if (!Number.isFinite(notOnOrAfterMs) || nowMs - CLOCK_SKEW_MS >= notOnOrAfterMs) continue;
    const notBeforeMs = data.NotBefore ? Date.parse(data.NotBefore) : Number.NEGATIVE_INFINITY;
    if (!(nowMs + CLOCK_SKEW_MS >= notBeforeMs)) continue;
    confirmation = { inResponseTo: data.InResponseTo || null, notOnOrAfterMs };
    break;
  }
  if (!confirmation) throw new SamlRefusal('no valid bearer SubjectConfirmation for this ACS URL (Recipient or NotOnOrAfter)');
  if (envelope.inResponseTo !== null && envelope.inResponseTo !== confirmation.inResponseTo) throw new SamlRefusal('InResponseTo of the response and of the assertion differ');
  if (!profile.nameID) throw new SamlRefusal('assertion has no NameID');

  const attributes: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries((profile.attributes ?? {}) as Record<string, unknown>)) {
    if (typeof value === 'string') attributes[name] = value;
    else if (Array.isArray(value) && value.every((v) => typeof v === 'string')) attributes[name] = value as string[];
  }
  return {
    nameId: profile.nameID,
    attributes,
    assertionId,
    inResponseTo: confirmation.inResponseTo,
    expiresAt: new Date(confirmation.notOnOrAfterMs + CLOCK_SKEW_MS),
  };
}

/** node-saml's error as a short reason (its messages never include the assertion). */
function refusalText(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  if (/signature/i.test(msg)) return `signature not valid: ${msg}`.slice(0, 200);
  return msg.slice(0, 200);
}
