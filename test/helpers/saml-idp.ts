/**
 * A SAML 2.0 identity provider built in the test: an RSA key pair with a self-signed certificate,
 * its metadata, and Responses built and signed with xml-crypto (the XML-DSig library node-saml
 * itself verifies with), so each refusal case can be made exactly: unsigned, signed by a foreign
 * key (with that key's certificate in KeyInfo), signature wrapping, a comment inside the NameID,
 * wrong Audience, expired, another InResponseTo.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import { SignedXml } from 'xml-crypto';
import { selfSignedCertificate } from '../../src/federation/x509.ts';

export interface TestKeyPair {
  privateKeyPem: string;
  certificatePem: string;
  /** The certificate's base64 DER (for metadata / KeyInfo). */
  certificateB64: string;
}

/** A fresh RSA key pair with a self-signed certificate. */
export function newKeyPair(cn = 'test idp'): TestKeyPair {
  const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const certificatePem = selfSignedCertificate(keys, cn, 30);
  return {
    privateKeyPem: keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    certificatePem,
    certificateB64: certificatePem.replace(/-----[^-]+-----|\s/g, ''),
  };
}

/** IdP metadata (SAML 2.0 Metadata §2.4.3) for `entityId` with SSO endpoints of both bindings. */
export function idpMetadata(p: { entityId: string; ssoUrl: string; certificateB64: string; bindings?: ('redirect' | 'post')[] }): string {
  const bindings = p.bindings ?? ['redirect', 'post'];
  const sso = bindings
    .map((b) => `<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:${b === 'post' ? 'HTTP-POST' : 'HTTP-Redirect'}" Location="${p.ssoUrl}"/>`)
    .join('');
  return `<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${p.entityId}">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol" WantAuthnRequestsSigned="true">
    <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${p.certificateB64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified</md:NameIDFormat>
    ${sso}
  </md:IDPSSODescriptor>
</md:EntityDescriptor>`;
}

/** The AuthnRequest carried by a HTTP-Redirect URL (SAML 2.0 Bindings §3.4.4.1: DEFLATE + base64). */
export function authnRequestOf(url: string): { xml: string; id: string; signed: boolean } {
  const u = new URL(url);
  const xml = inflateRawSync(Buffer.from(u.searchParams.get('SAMLRequest') ?? '', 'base64')).toString('utf8');
  const id = /\sID="([^"]+)"/.exec(xml)?.[1] ?? '';
  return { xml, id, signed: u.searchParams.has('Signature') && u.searchParams.get('SigAlg') === 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256' };
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export interface AssertionOptions {
  issuer: string;
  audience: string;
  recipient: string;
  inResponseTo?: string | null;
  /** NameID text as raw XML (so a comment can be put inside). */
  nameIdXml: string;
  attributes?: Record<string, string>;
  notOnOrAfterMs?: number;
  notBeforeMs?: number;
  id?: string;
}

/** An unsigned Assertion element. */
export function assertionXml(o: AssertionOptions): string {
  const now = Date.now();
  const notOnOrAfter = iso(o.notOnOrAfterMs ?? now + 5 * 60_000);
  const notBefore = iso(o.notBeforeMs ?? now - 30_000);
  const irt = o.inResponseTo ? ` InResponseTo="${o.inResponseTo}"` : '';
  const attrs = Object.entries(o.attributes ?? {})
    .map(([k, v]) => `<saml:Attribute Name="${k}"><saml:AttributeValue>${v}</saml:AttributeValue></saml:Attribute>`)
    .join('');
  return `<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${o.id ?? `_a${randomBytes(16).toString('hex')}`}" Version="2.0" IssueInstant="${iso(now)}"><saml:Issuer>${o.issuer}</saml:Issuer><saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified">${o.nameIdXml}</saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="${notOnOrAfter}" Recipient="${o.recipient}"${irt}/></saml:SubjectConfirmation></saml:Subject><saml:Conditions NotBefore="${notBefore}" NotOnOrAfter="${notOnOrAfter}"><saml:AudienceRestriction><saml:Audience>${o.audience}</saml:Audience></saml:AudienceRestriction></saml:Conditions><saml:AuthnStatement AuthnInstant="${iso(now)}" SessionIndex="_s1"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>${attrs ? `<saml:AttributeStatement>${attrs}</saml:AttributeStatement>` : ''}</saml:Assertion>`;
}

/** Signs the element with local name `localName` (enveloped signature after its Issuer). */
export function signElement(xml: string, localName: 'Assertion' | 'Response', key: TestKeyPair, opts: { keyInfo?: boolean } = {}): string {
  const sig = new SignedXml({
    privateKey: key.privateKeyPem,
    publicCert: opts.keyInfo ? key.certificatePem : undefined,
    signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  });
  const path = `/*[local-name(.)='Response']${localName === 'Assertion' ? "/*[local-name(.)='Assertion']" : ''}`;
  sig.addReference({ xpath: path, digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256', transforms: ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', 'http://www.w3.org/2001/10/xml-exc-c14n#'] });
  sig.computeSignature(xml, { prefix: 'ds', location: { reference: `${path}/*[local-name(.)='Issuer']`, action: 'after' } });
  return sig.getSignedXml();
}

/** A Response wrapping `assertion` (SAML 2.0 Core §3.3.3). */
export function responseXml(p: { issuer: string; destination?: string | null; inResponseTo?: string | null; assertion: string }): string {
  const dest = p.destination ? ` Destination="${p.destination}"` : '';
  const irt = p.inResponseTo ? ` InResponseTo="${p.inResponseTo}"` : '';
  return `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r${randomBytes(16).toString('hex')}" Version="2.0" IssueInstant="${iso(Date.now())}"${dest}${irt}><saml:Issuer>${p.issuer}</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>${p.assertion}</samlp:Response>`;
}

/** Base64 of an XML document (the `SAMLResponse` form field). */
export const b64 = (xml: string): string => Buffer.from(xml, 'utf8').toString('base64');
