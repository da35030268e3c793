/**
 * Reading a SAML 2.0 identity provider's metadata (SAML 2.0 Metadata §2.3.2 EntityDescriptor,
 * §2.4.3 IDPSSODescriptor, §2.4.1.1 KeyDescriptor). The document is parsed with @xmldom/xmldom;
 * a document type declaration is refused (no entity expansion of any kind).
 */
import { X509Certificate } from 'node:crypto';
import { DOMParser } from '@xmldom/xmldom';
import type { SamlBinding, SamlIdpMetadata } from '../domain/identity-provider.ts';

const MD = 'urn:oasis:names:tc:SAML:2.0:metadata';
const DS = 'http://www.w3.org/2000/09/xmldsig#';

/** SAML binding URIs (SAML 2.0 Bindings §3.4.1, §3.5.1). */
export const BINDING_URIS: Record<SamlBinding, string> = {
  redirect: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect',
  post: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST',
};

/** Largest metadata document accepted, in characters. */
export const MAX_METADATA_CHARS = 1_000_000;

/** Thrown when metadata cannot be used; `message` is safe to show to an ops admin. */
export class MetadataError extends Error {
  override name = 'MetadataError';
}

/** Wraps base64 DER in PEM armour. */
export function pemCertificate(base64: string): string {
  const b64 = base64.replace(/\s+/g, '');
  return `-----BEGIN CERTIFICATE-----\n${b64.replace(/(.{64})/g, '$1\n').trimEnd()}\n-----END CERTIFICATE-----\n`;
}

/**
 * Parses IdP metadata.
 * @param xml an `md:EntityDescriptor` (or an `md:EntitiesDescriptor` holding exactly one IdP)
 * @param binding the binding the AuthnRequest will use: the IdP must offer it
 * @throws MetadataError when the text is not XML, has a DOCTYPE, holds no IDPSSODescriptor, no
 *   signing certificate (or an unreadable one), or no SingleSignOnService for `binding`
 */
export function parseIdpMetadata(xml: string, binding: SamlBinding): SamlIdpMetadata {
  if (xml.length > MAX_METADATA_CHARS) throw new MetadataError(`metadata must be at most ${MAX_METADATA_CHARS} characters`);
  if (/<!DOCTYPE/i.test(xml)) throw new MetadataError('metadata must not contain a document type declaration');
  const problems: string[] = [];
  const record = (msg: string) => problems.push(msg);
  const doc = new DOMParser({ errorHandler: { warning: () => undefined, error: record, fatalError: record } }).parseFromString(xml, 'text/xml');
  if (problems.length || !doc?.documentElement) throw new MetadataError('metadata is not well-formed XML');
  const descriptors = Array.from(doc.getElementsByTagNameNS(MD, 'IDPSSODescriptor'));
  if (descriptors.length !== 1) {
    throw new MetadataError(descriptors.length === 0 ? 'metadata has no md:IDPSSODescriptor (is it an identity provider\'s metadata?)' : 'metadata must describe exactly one identity provider');
  }
  const idp = descriptors[0]!;
  const entity = idp.parentNode as Element | null;
  const entityId = entity && entity.localName === 'EntityDescriptor' ? entity.getAttribute('entityID') : null;
  if (!entityId) throw new MetadataError('metadata has no entityID');

  const signingCertificates: string[] = [];
  for (const kd of Array.from(idp.getElementsByTagNameNS(MD, 'KeyDescriptor'))) {
    if (kd.parentNode !== idp) continue;
    const use = kd.getAttribute('use');
    if (use && use !== 'signing') continue;
    for (const c of Array.from(kd.getElementsByTagNameNS(DS, 'X509Certificate'))) {
      const pem = pemCertificate(c.textContent ?? '');
      try {
        new X509Certificate(pem);
      } catch {
        throw new MetadataError('metadata holds a signing certificate that cannot be read');
      }
      if (!signingCertificates.includes(pem)) signingCertificates.push(pem);
    }
  }
  if (signingCertificates.length === 0) throw new MetadataError('metadata has no signing certificate (md:KeyDescriptor use="signing" with ds:X509Certificate)');

  const ssoUrls: Partial<Record<SamlBinding, string>> = {};
  for (const s of Array.from(idp.getElementsByTagNameNS(MD, 'SingleSignOnService'))) {
    const location = s.getAttribute('Location') ?? '';
    for (const [name, uri] of Object.entries(BINDING_URIS) as [SamlBinding, string][]) {
      if (s.getAttribute('Binding') === uri && !ssoUrls[name] && /^https?:\/\//i.test(location)) ssoUrls[name] = location;
    }
  }
  if (!ssoUrls[binding]) throw new MetadataError(`the identity provider offers no SingleSignOnService with the ${binding === 'post' ? 'HTTP-POST' : 'HTTP-Redirect'} binding`);
  return { entityId, ssoUrls, signingCertificates };
}
