/**
 * Prebuilt integrations (issue 4): catalogue entries that are templates for OAuth clients, and
 * their activations, each of which made one client bound to one contact center.
 *
 * Seeds: 001 (Webex Connect "Event Authorization": activate, copy Client ID and Client Secret),
 * 000 (journey data store, password grant), 002 (chat with customer authentication: authorization
 * code + PKCE + refresh), 004 (Cora SeQuence email listener: client credentials with
 * space-delimited scopes, Basic or body authentication). Durations are in seconds, timestamps in
 * epoch milliseconds.
 */

/** Grant types a catalogue entry may give its clients (the ones ccauth serves). */
export const INTEGRATION_GRANT_TYPES = ['client_credentials', 'authorization_code', 'refresh_token', 'password'] as const;
export type IntegrationGrantType = (typeof INTEGRATION_GRANT_TYPES)[number];

/**
 * Client authentication methods at the token endpoint (RFC 7591 §2 names). `client_secret_basic`
 * and `client_secret_post` make a CONFIDENTIAL client (oidc-provider accepts either one from it);
 * `none` makes a PUBLIC client without a secret and cannot be combined with the others.
 */
export const CLIENT_AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'none'] as const;
export type ClientAuthMethod = (typeof CLIENT_AUTH_METHODS)[number];

/** An integration id: a lowercase slug, 1-64 characters, letters, digits and `-`. */
export const INTEGRATION_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;

/** A catalogue entry (table `integrations`). */
export interface Integration {
  /** Slug, {@link INTEGRATION_ID_PATTERN}. */
  id: string;
  /** Display name, unique case-insensitively. */
  name: string;
  description: string;
  /** Grant types its clients get (the Genesys URNs are added by the client rules). */
  grantTypes: IntegrationGrantType[];
  /** API scopes its clients may ask for; `*` = any scope. */
  scopes: string[];
  /** How its clients authenticate; `["none"]` = a public client. */
  clientAuthMethods: ClientAuthMethod[];
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  /** PKCE (S256) required for the authorization code grant even though the client is confidential. */
  pkceRequired: boolean;
  /** Epoch milliseconds. */
  createdAt: number;
  /** Epoch milliseconds. */
  updatedAt: number;
}

/** True when activating `i` needs redirect URIs (its clients use the authorization code grant). */
export function needsRedirectUris(i: Pick<Integration, 'grantTypes'>): boolean {
  return i.grantTypes.includes('authorization_code');
}

/** True when clients of `i` are PUBLIC (no secret). */
export function isPublicIntegration(i: Pick<Integration, 'clientAuthMethods'>): boolean {
  return i.clientAuthMethods.length === 1 && i.clientAuthMethods[0] === 'none';
}

/** Status of an activation: `Activated` until deactivated (seed 001 wording). */
export type ActivationStatus = 'Activated' | 'Deactivated';

/** An activation (table `integration_activations`): one client made from an integration for one contact center. */
export interface Activation {
  /** UUID. */
  id: string;
  integrationId: string;
  /** The CCID the client is bound to. */
  contactCenterId: string;
  clientId: string;
  status: ActivationStatus;
  /** Epoch milliseconds. */
  createdAt: number;
  /** Epoch milliseconds; null while activated. */
  deactivatedAt: number | null;
  /** Epoch milliseconds of the last secret rotation; null when never rotated. */
  secretRotatedAt: number | null;
}

/** Longest grace period, in seconds, during which a rotated-out secret still works (7 days). */
export const MAX_SECRET_GRACE_SECONDS = 604_800;
