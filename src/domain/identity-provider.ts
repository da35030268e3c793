/**
 * A contact center's identity provider for single sign-on (README "Signing in" → "Single sign-on"):
 * SAML 2.0 (as Genesys Authentication has it) or an upstream OpenID Connect provider. Timestamps
 * are epoch milliseconds. Never carries the upstream client secret in clear.
 */

/** How an IdP's user is matched to a contact-center user. */
export type UserMatch = 'username' | 'externalId' | 'email';

/** SAML 2.0 bindings ccauth can send an AuthnRequest with (SAML 2.0 Bindings §3.4, §3.5). */
export type SamlBinding = 'redirect' | 'post';

/** Settings shared by both kinds. */
export interface IdentityProviderCommon {
  userMatch: UserMatch;
  /** Create a missing user from the assertion / ID token (just-in-time provisioning). */
  jitProvisioning: boolean;
  /** When true, the contact center's users can no longer sign in with a password. */
  ssoOnly: boolean;
}

/** SAML settings as configured (the metadata itself is kept apart). */
export interface SamlSettings extends IdentityProviderCommon {
  type: 'saml';
  /** Where the metadata is fetched from; null when it was pasted. */
  metadataUrl: string | null;
  binding: SamlBinding;
  /** An attribute holding the user's name instead of the NameID; null = the NameID. */
  usernameAttribute: string | null;
  allowIdpInitiated: boolean;
}

/** Upstream OpenID Connect settings (the client secret is kept apart, sealed). */
export interface OidcSettings extends IdentityProviderCommon {
  type: 'oidc';
  issuer: string;
  clientId: string;
  scope: string;
  /** The ID token claim holding the user's name. */
  usernameClaim: string;
  /** The upstream's authorization endpoint, as discovered when the provider was set. */
  authorizationEndpoint: string | null;
}

export type IdentityProviderSettings = SamlSettings | OidcSettings;

/** What the IdP metadata says (SAML 2.0 Metadata §2.4.3 IDPSSODescriptor). */
export interface SamlIdpMetadata {
  entityId: string;
  /** SingleSignOnService locations by binding. */
  ssoUrls: Partial<Record<SamlBinding, string>>;
  /** Signing certificates (PEM), pinned: the only keys a response may be signed with. */
  signingCertificates: string[];
}

/** A configured identity provider as stored. */
export interface IdentityProvider {
  ccid: string;
  settings: IdentityProviderSettings;
  /** SAML: the last good metadata document; null for OIDC. */
  metadataXml: string | null;
  metadataFetchedAt: number | null;
  metadataError: string | null;
  /** OIDC: the sealed client secret (src/security/seal.ts); null for SAML. */
  clientSecretSealed: string | null;
  lastSuccessAt: number | null;
  lastSuccessUser: string | null;
  lastFailureAt: number | null;
  lastFailureReason: string | null;
  createdAt: number;
  updatedAt: number;
}
