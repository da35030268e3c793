/** Reading IdP metadata (src/federation/saml-metadata.ts; SAML 2.0 Metadata §2.4.3). */
import { describe, expect, it } from 'vitest';
import { MetadataError, parseIdpMetadata } from '../../../src/federation/saml-metadata.ts';
import { idpMetadata, newKeyPair } from '../../helpers/saml-idp.ts';

const signing = newKeyPair('signing');
const encryption = newKeyPair('encryption');

describe('parseIdpMetadata', () => {
  it('reads entityID, SSO URLs by binding and the signing certificates (not the encryption ones)', () => {
    const xml = idpMetadata({ entityId: 'https://idp.example.com', ssoUrl: 'https://idp.example.com/sso', certificateB64: signing.certificateB64 }).replace(
      '<md:NameIDFormat>',
      `<md:KeyDescriptor use="encryption"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${encryption.certificateB64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor><md:NameIDFormat>`,
    );
    const m = parseIdpMetadata(xml, 'redirect');
    expect(m.entityId).toBe('https://idp.example.com');
    expect(m.ssoUrls).toEqual({ redirect: 'https://idp.example.com/sso', post: 'https://idp.example.com/sso' });
    expect(m.signingCertificates).toHaveLength(1);
    expect(m.signingCertificates[0]).toContain(signing.certificateB64.slice(0, 64));
  });

  it('reads an EntitiesDescriptor holding one IdP', () => {
    const one = idpMetadata({ entityId: 'https://idp.example.com', ssoUrl: 'https://idp.example.com/sso', certificateB64: signing.certificateB64 }).replace('<?xml version="1.0"?>', '');
    const xml = `<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">${one}</md:EntitiesDescriptor>`;
    expect(parseIdpMetadata(xml, 'post').entityId).toBe('https://idp.example.com');
  });

  it.each([
    ['not XML', '<md:EntityDescriptor', /well-formed/],
    ['a DOCTYPE', '<!DOCTYPE a [<!ENTITY b "c">]><a>&b;</a>', /document type/],
    ['an SP document', '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"><md:SPSSODescriptor/></md:EntityDescriptor>', /IDPSSODescriptor/],
    ['an unreadable certificate', idpMetadata({ entityId: 'e', ssoUrl: 'https://i/sso', certificateB64: 'AAAA' }), /cannot be read/],
    ['a javascript: SSO location', idpMetadata({ entityId: 'e', ssoUrl: 'javascript:alert(1)', certificateB64: signing.certificateB64 }), /HTTP-Redirect/],
  ])('refuses %s with a MetadataError', (_name, xml, message) => {
    expect(() => parseIdpMetadata(xml, 'redirect')).toThrow(MetadataError);
    expect(() => parseIdpMetadata(xml, 'redirect')).toThrow(message);
  });
});
