/**
 * The `X-GWS-User` JWT of `GET /auth/v3/jwt-userinfo` (Genesys Authentication API "jwt-userinfo",
 * genesys-api.md §2 A5): the user's CloudUserDetails signed with ccauth's current signing key, so a
 * service can verify it against the JWKS (`/auth/v3/oauth/jwks`) without calling ccauth again.
 * Genesys does not publish its claims; ccauth's choice (README "API"):
 * - header `alg` = the current key's algorithm, `kid`, `typ: "JWT"`;
 * - `iss` and `aud` = PUBLIC_URL (so the JWT is also a valid RFC 7523 jwt-bearer assertion for
 *   ccauth's own token endpoint), `sub` = the OpenID `sub` of the token's subject, `iat`, `exp` =
 *   `iat` + {@link USER_JWT_TTL_SECONDS}, a random `jti`;
 * - every CloudUserDetails field (`authorities`, `username`, `loginName`, `cmeUserName`, `dbid`,
 *   `contactCenterId`, `environmentId`, `properties`) as a claim of the same name.
 */
import { randomUUID } from 'node:crypto';
import { SignJWT, importJWK } from 'jose';
import type { CryptoKey, JWK as JoseJwk } from 'jose';
import type { JWK } from 'oidc-provider';

/** Lifetime of the JWT, seconds. */
export const USER_JWT_TTL_SECONDS = 300;

/** Signs user JWTs; `claims` are the CloudUserDetails fields, `subject` the `sub` claim. */
export type UserJwtSigner = (claims: Record<string, unknown>, subject: string) => Promise<string>;

/**
 * Builds the signer over the live signing key (read at each call: a key rotation takes effect at
 * once). Imported keys are cached per `kid`.
 * @throws from jose when the key cannot be imported (never for keys ccauth generated)
 */
export function createUserJwtSigner(deps: { issuer: string; signingKey: () => { jwk: JWK; alg: string } }): UserJwtSigner {
  const imported = new Map<string, CryptoKey | Uint8Array>();
  return async (claims, subject) => {
    const { jwk, alg } = deps.signingKey();
    const kid = String(jwk.kid);
    let key = imported.get(kid);
    if (!key) {
      key = await importJWK(jwk as JoseJwk, alg);
      imported.clear(); // only the current key signs
      imported.set(kid, key);
    }
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ ...claims })
      .setProtectedHeader({ alg, kid, typ: 'JWT' })
      .setIssuer(deps.issuer)
      .setAudience(deps.issuer)
      .setSubject(subject)
      .setIssuedAt(now)
      .setExpirationTime(now + USER_JWT_TTL_SECONDS)
      .setJti(randomUUID())
      .sign(key);
  };
}
