/**
 * `GET|POST /auth/v3/userinfo` (Genesys CloudUserDetails), `GET|POST /auth/v3/openid/userinfo`
 * (OIDC claims) and `GET /auth/v3/jwt-userinfo` (`{"status":{"code":0}}` and the CloudUserDetails as
 * a signed JWT in the `X-GWS-User` header, oauth/user-jwt.ts) — genesys-api.md §2 A3/A4/A5, §5.1, §5.2. Served here, not by oidc-provider (whose
 * userinfo needs the `openid` scope; Genesys password-grant tokens carry `*`).
 *
 * - Token: `Authorization: Bearer <token>` (scheme case-insensitive, RFC 6750 §2.1), or on POST
 *   an `access_token` field of a form body (§2.2). Both at once, or a repeated field → `400
 *   invalid_request`. Query-string tokens (§2.3) are not accepted:
 *   a `?access_token=` or a header with another scheme gets a 401 saying so (http/token-refusals.ts),
 *   not "an access token is required". A DPoP-bound token comes as
 *   `Authorization: DPoP <token>` with a `DPoP` proof, and only so (RFC 9449 §7;
 *   http/middleware/access-token.ts): as Bearer it is refused `401` with a `DPoP` challenge.
 * - Any live access token works: password grant, code flow, refresh, client credentials (the
 *   client is then the subject). No scope is required.
 * - `401` for a missing, unknown, expired or revoked token, for a revoked grant and for a user
 *   that is gone or disabled: `WWW-Authenticate: Bearer realm="ccauth"` plus `, error="invalid_token"`
 *   unless the request carried no token at all (RFC 6750 §3.1), and the body
 *   `{"error":"invalid_token","error_description":...}`.
 * - Plain JSON, `Cache-Control: no-store`. Cost per call (the chat back end calls it on every
 *   message, genesys-api.md §8.4): no argon2; database round trips = token row + client row +
 *   grant row + user row (4) for user tokens, 3 for client-credentials tokens.
 * - CORS: `Access-Control-Allow-Origin` for an origin listed by the token user's contact center,
 *   one of the client's, or `CORS_ORIGINS`; a 401 gets it for an origin listed anywhere (the
 *   browser may then read the error and re-authenticate). Preflights: http/middleware/cors.ts.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import { parseAuthorization } from '../middleware/access-token.ts';
import type { AccessTokenVerifier, PresentedToken } from '../middleware/access-token.ts';
import { cloudUserDetails, openIdUserInfo, subjectContactCenter } from '../../oauth/userinfo.ts';
import type { UserinfoSubject } from '../../oauth/userinfo.ts';
import type { UserJwtSigner } from '../../oauth/user-jwt.ts';
import type { CorsPolicy } from '../../services/cors.service.ts';
import type { PrincipalsService } from '../../services/principals.service.ts';
import { REALM } from '../middleware/admin-auth.ts';
import { markCorsDecided } from '../middleware/cors.ts';
import { refusedTokenForm } from '../token-refusals.ts';

/** Genesys CloudUserDetails endpoint (A3). */
export const USERINFO_PATH = '/auth/v3/userinfo';
/** OIDC / Genesys OpenIdUserInfo endpoint (A4); also the `userinfo_endpoint` in discovery. */
export const OPENID_USERINFO_PATH = '/auth/v3/openid/userinfo';
/** Genesys jwt-userinfo (A5): an envelope, and the CloudUserDetails as a JWT in `X-GWS-User`. */
export const JWT_USERINFO_PATH = '/auth/v3/jwt-userinfo';
/** The response header of {@link JWT_USERINFO_PATH}. */
export const GWS_USER_HEADER = 'X-GWS-User';

export interface UserinfoRouterDeps {
  /** Bearer or DPoP presentation and verification (http/middleware/access-token.ts). */
  verifyAccessToken: AccessTokenVerifier;
  principals: Pick<PrincipalsService, 'principalOf'>;
  cors: CorsPolicy;
  /** Signs the `X-GWS-User` JWT of jwt-userinfo (oauth/user-jwt.ts). */
  signUserJwt: UserJwtSigner;
}

type Extracted = { presented: PresentedToken } | { missing: true } | { invalidRequest: string };

/** Largest form body read on POST, bytes. */
const FORM_LIMIT_BYTES = 16 * 1024;

/**
 * The `access_token` values of a POST form body (RFC 6750 §2.2): `[]` when there is no form body,
 * undefined when the body is too large or cannot be read.
 */
async function formTokens(ctx: Context): Promise<string[] | undefined> {
  if (ctx.method !== 'POST' || !ctx.is('application/x-www-form-urlencoded')) return [];
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > FORM_LIMIT_BYTES) return undefined;
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8')).getAll('access_token');
}

/** Finds the access token in the header or (POST) the form body, per RFC 6750 §2.1-2.2. */
async function extractToken(ctx: Context): Promise<Extracted> {
  const header = ctx.get('authorization');
  const fromBody = await formTokens(ctx);
  if (!fromBody) return { invalidRequest: `the request body must be a form of at most ${FORM_LIMIT_BYTES} bytes` };
  const parsed = parseAuthorization(header);
  if (parsed && 'malformed' in parsed) return { invalidRequest: `malformed ${parsed.malformed === 'dpop' ? 'DPoP' : 'Bearer'} authorization header` };
  if (fromBody.length > 0) {
    if (parsed) return { invalidRequest: 'the access token must be sent in exactly one way' };
    if (fromBody.length > 1 || !fromBody[0]) return { invalidRequest: 'access_token must be given exactly once' };
    return { presented: { scheme: 'bearer', token: fromBody[0] } };
  }
  return parsed ? { presented: parsed } : { missing: true };
}

function unauthorized(ctx: Context, description: string, withError: boolean): void {
  ctx.status = 401;
  ctx.set('WWW-Authenticate', withError ? `Bearer realm="${REALM}", error="invalid_token"` : `Bearer realm="${REALM}"`);
  ctx.body = { error: 'invalid_token', error_description: description };
}

/** Builds the router for both userinfo paths. */
export function createUserinfoRouter(deps: UserinfoRouterDeps): Router {
  const router = new Router();

  /**
   * The subject behind the request's token and the contact centers whose origins may read the
   * answer, or undefined after writing the error response.
   */
  async function authenticate(ctx: Context): Promise<{ subject: UserinfoSubject; ccids: string[] } | undefined> {
    const extracted = await extractToken(ctx);
    if ('invalidRequest' in extracted) {
      ctx.status = 400;
      ctx.set('WWW-Authenticate', `Bearer realm="${REALM}", error="invalid_request"`);
      ctx.body = { error: 'invalid_request', error_description: extracted.invalidRequest };
      return undefined;
    }
    if ('missing' in extracted) {
      // a token sent in a form this route refuses (query string, another scheme): say so (RFC 6750 §2.3)
      unauthorized(ctx, refusedTokenForm(ctx, ['bearer', 'dpop']) ?? 'an access token is required', false);
      return undefined;
    }
    const outcome = await deps.verifyAccessToken(ctx, extracted.presented);
    if (!outcome.ok) {
      ctx.status = 401;
      ctx.set('WWW-Authenticate', outcome.challenge);
      ctx.body = { error: outcome.error, error_description: outcome.description };
      return undefined;
    }
    const resolved = outcome.token;
    const ccids = [...(resolved.client.ccauth_contact_center_ids ?? [])];
    if (resolved.kind === 'client_credentials') {
      return { subject: { kind: 'client', clientId: resolved.clientId, authorities: resolved.client.ccauth_authorities ?? [] }, ccids };
    }
    // the user row comes with the token (one statement: token-lookup.ts)
    const principal = resolved.accountId ? deps.principals.principalOf(resolved.accountId, resolved.user) : undefined;
    if (!principal) {
      unauthorized(ctx, 'the access token is invalid, expired or revoked', true);
      return undefined;
    }
    const subject: UserinfoSubject = { kind: 'principal', principal, clientId: resolved.clientId };
    const own = subjectContactCenter(subject);
    if (own) ccids.push(own);
    return { subject, ccids };
  }

  /** A route handler rendering the subject; `exposed` names response headers a cross-origin caller may read. */
  function handler(render: (s: UserinfoSubject, ctx: Context) => unknown, exposed = 'WWW-Authenticate') {
    return async (ctx: Context): Promise<void> => {
      ctx.set('Cache-Control', 'no-store');
      ctx.set('Pragma', 'no-cache');
      const origin = ctx.get('Origin');
      try {
        const found = await authenticate(ctx);
        if (found) ctx.body = await render(found.subject, ctx);
        if (origin) {
          markCorsDecided(ctx);
          const allowed = found ? deps.cors.allowedFor(origin, found.ccids) : deps.cors.allowedAnywhere(origin);
          if (allowed) {
            ctx.set('Access-Control-Allow-Origin', origin);
            ctx.set('Access-Control-Expose-Headers', exposed);
          }
        }
      } catch (err) {
        ctx.log?.error({ err, path: ctx.path }, 'userinfo failed');
        ctx.status = 500;
        ctx.body = { error: 'server_error', error_description: 'internal error' };
      }
    };
  }

  const cloud = handler(cloudUserDetails);
  const openid = handler(openIdUserInfo);
  router.get(USERINFO_PATH, cloud);
  router.post(USERINFO_PATH, cloud);
  router.get(OPENID_USERINFO_PATH, openid);
  router.post(OPENID_USERINFO_PATH, openid);
  router.get(
    JWT_USERINFO_PATH,
    handler(async (s, ctx) => {
      ctx.set(GWS_USER_HEADER, await deps.signUserJwt({ ...cloudUserDetails(s) }, String(openIdUserInfo(s).sub)));
      return { status: { code: 0 } };
    }, `WWW-Authenticate, ${GWS_USER_HEADER}`),
  );
  return router;
}
