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

/**
 * One step of the set-up of an integration in the other product: the label of a field on that
 * product's own form, and what to enter there. `value` is text that may hold the placeholders of
 * {@link SETUP_PLACEHOLDERS}, filled in by {@link resolveSetupSteps}.
 */
export interface SetupStep {
  /** The field as the product's form names it, e.g. "Client Identifier". At most 200 characters. */
  field: string;
  /** What to enter, e.g. `{client_id}` or "OAuth2". At most 500 characters. */
  value: string;
}

/** Most set-up steps one entry may have. */
export const MAX_SETUP_STEPS = 20;

/**
 * The ccauth values a set-up step may name, as `{placeholder}`: the activation's `client_id` and
 * `client_secret`, the `scopes` (space-delimited), the `token_endpoint`, `authorization_endpoint`
 * and `userinfo_endpoint` (absolute URLs), and the issuer's `issuer_host` (host[:port]),
 * `issuer_protocol` (`HTTPS` or `HTTP`) and the `token_path`.
 */
export const SETUP_PLACEHOLDERS = [
  'client_id',
  'client_secret',
  'scopes',
  'token_endpoint',
  'authorization_endpoint',
  'userinfo_endpoint',
  'issuer_host',
  'issuer_protocol',
  'token_path',
] as const;
export type SetupPlaceholder = (typeof SETUP_PLACEHOLDERS)[number];

/**
 * Fills the placeholders of `steps` from `values`; a placeholder without a value becomes its
 * `fallback` text (e.g. "the Client ID shown at activation") or stays as written.
 */
export function resolveSetupSteps(
  steps: readonly SetupStep[],
  values: Partial<Record<SetupPlaceholder, string>>,
  fallback: Partial<Record<SetupPlaceholder, string>> = {},
): SetupStep[] {
  return steps.map((s) => ({
    field: s.field,
    value: s.value.replace(/\{([a-z_]+)\}/g, (whole, name: string) => values[name as SetupPlaceholder] ?? fallback[name as SetupPlaceholder] ?? whole),
  }));
}

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
  /** Which ccauth value goes into which field of the other product's form, in order. */
  setupSteps: SetupStep[];
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
