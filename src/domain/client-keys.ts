/**
 * What a client may register as its keys (RFC 7517 JWK Set; RFC 7523 §2.2; RFC 7591 §2 `jwks`,
 * `jwks_uri`): public asymmetric signing keys only, so that a client assertion can be verified and
 * never forged from what ccauth stores. Pure checks, used by the ops clients API and the clients
 * service (which applies the deployment's https policy to `jwks_uri`).
 */
import type { RedirectUriPolicy } from './redirect-uri.ts';

/** Most keys a registered JWK Set may hold. */
export const MAX_CLIENT_JWKS_KEYS = 10;
/** Longest `jwks_uri`, in characters. */
export const MAX_JWKS_URI_LENGTH = 2048;

/** JWK members that only a private or symmetric key has (RFC 7518 §6.2.2, §6.3.2, §6.4.1; RFC 8037 §2). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

/** Asymmetric JWS algorithms a client key may name (RFC 7518 §3.1; RFC 8037): no `none`, no HS*. */
export const CLIENT_ASSERTION_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'] as const;

/**
 * Why `jwks` cannot be registered, or undefined when it can: an object `{ "keys": [...] }` with
 * 1-{@link MAX_CLIENT_JWKS_KEYS} public keys of type RSA (with `n`, `e`), EC (P-256/P-384/P-521,
 * `x`, `y`) or OKP (Ed25519, `x`); no private or symmetric members; `use` absent or `sig`; `alg`,
 * when present, one of {@link CLIENT_ASSERTION_ALGS}; `kid`s unique. Never throws.
 */
export function clientJwksProblem(jwks: unknown): string | undefined {
  if (!jwks || typeof jwks !== 'object' || Array.isArray(jwks)) return 'must be a JWK Set: {"keys": [...]}';
  const keys = (jwks as { keys?: unknown }).keys;
  if (!Array.isArray(keys) || keys.length === 0) return 'must hold at least one key in "keys"';
  if (keys.length > MAX_CLIENT_JWKS_KEYS) return `must hold at most ${MAX_CLIENT_JWKS_KEYS} keys`;
  const kids = new Set<string>();
  for (const [i, key] of keys.entries()) {
    const problem = keyProblem(key);
    if (problem) return `keys[${i}] ${problem}`;
    const kid = (key as { kid?: unknown }).kid;
    if (typeof kid === 'string') {
      if (kids.has(kid)) return `keys[${i}] repeats kid ${JSON.stringify(kid)}`;
      kids.add(kid);
    }
  }
  return undefined;
}

function keyProblem(key: unknown): string | undefined {
  if (!key || typeof key !== 'object' || Array.isArray(key)) return 'must be a JWK object';
  const k = key as Record<string, unknown>;
  if (PRIVATE_MEMBERS.some((m) => m in k)) return 'must be a public key (no private or symmetric key members)';
  if (k.use !== undefined && k.use !== 'sig') return 'must have use "sig" (or none)';
  if (k.kid !== undefined && (typeof k.kid !== 'string' || k.kid.length === 0 || k.kid.length > 256)) return 'kid must be a string of 1-256 characters';
  if (k.alg !== undefined && !(CLIENT_ASSERTION_ALGS as readonly unknown[]).includes(k.alg)) return `alg must be one of ${CLIENT_ASSERTION_ALGS.join(', ')}`;
  const b64 = (v: unknown) => typeof v === 'string' && /^[A-Za-z0-9_-]{1,2048}$/.test(v);
  switch (k.kty) {
    case 'RSA':
      return b64(k.n) && b64(k.e) ? undefined : 'must have base64url n and e (RSA)';
    case 'EC':
      if (!['P-256', 'P-384', 'P-521'].includes(k.crv as string)) return 'crv must be P-256, P-384 or P-521';
      return b64(k.x) && b64(k.y) ? undefined : 'must have base64url x and y (EC)';
    case 'OKP':
      if (k.crv !== 'Ed25519') return 'crv must be Ed25519';
      return b64(k.x) ? undefined : 'must have base64url x (OKP)';
    default:
      return 'kty must be RSA, EC or OKP';
  }
}

/**
 * Why `uri` cannot be registered as a `jwks_uri`, or undefined when it can: an absolute https URL
 * (plain http only when `policy.allowPlainHttp`, i.e. outside production),
 * at most {@link MAX_JWKS_URI_LENGTH} characters, no user information, no fragment. Never throws.
 */
export function jwksUriProblem(uri: unknown, policy: RedirectUriPolicy): string | undefined {
  if (typeof uri !== 'string' || uri.length === 0) return 'must be a non-empty string';
  if (uri.length > MAX_JWKS_URI_LENGTH) return `must be at most ${MAX_JWKS_URI_LENGTH} characters`;
  if (!/^[\x21-\x7e]+$/.test(uri)) return 'must be an ASCII URL without spaces or control characters';
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must use https';
  if (url.username || url.password) return 'must not contain user information';
  if (url.hash || uri.includes('#')) return 'must not contain a fragment';
  if (url.protocol === 'http:' && !policy.allowPlainHttp) return 'must use https in production';
  return undefined;
}
