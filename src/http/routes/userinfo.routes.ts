/**
 * `GET|POST /auth/v3/userinfo` (Genesys CloudUserDetails) and `GET|POST /auth/v3/openid/userinfo`
 * (OIDC claims) — genesys-api.md §2 A3/A4, §5.1, §5.2. Served here, not by oidc-provider (whose
 * userinfo needs the `openid` scope; Genesys password-grant tokens carry `*`).
 *
 * - Token: `Authorization: Bearer <token>` (scheme case-insensitive, RFC 6750 §2.1), or on POST
 *   an `access_token` field of a form body (§2.2). Both at once, or a repeated field → `400
 *   invalid_request`. Query-string tokens (§2.3) are not accepted: a `?access_token=` or a header
 *   with another scheme gets a 401 saying so (http/token-refusals.ts), not "an access token is required".
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
import type { TokenLookup } from '../../oauth/token-lookup.ts';
import { cloudUserDetails, openIdUserInfo, subjectContactCenter } from '../../oauth/userinfo.ts';
import type { UserinfoSubject } from '../../oauth/userinfo.ts';
import type { CorsPolicy } from '../../services/cors.service.ts';
import type { PrincipalsService } from '../../services/principals.service.ts';
import { REALM } from '../middleware/admin-auth.ts';
import { markCorsDecided } from '../middleware/cors.ts';
import { refusedTokenForm } from '../token-refusals.ts';

/** Genesys CloudUserDetails endpoint (A3). */
export const USERINFO_PATH = '/auth/v3/userinfo';
/** OIDC / Genesys OpenIdUserInfo endpoint (A4); also the `userinfo_endpoint` in discovery. */
export const OPENID_USERINFO_PATH = '/auth/v3/openid/userinfo';

export interface UserinfoRouterDeps {
  lookupToken: TokenLookup;
  principals: Pick<PrincipalsService, 'principalOf'>;
  cors: CorsPolicy;
}

type Extracted = { token: string } | { missing: true } | { invalidRequest: string };

const BEARER = /^bearer\s+([A-Za-z0-9\-._~+/]+=*)\s*$/i;

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
  let fromHeader: string | undefined;
  if (header && /^bearer(\s|$)/i.test(header)) {
    const m = BEARER.exec(header);
    if (!m) return { invalidRequest: 'malformed Bearer authorization header' };
    fromHeader = m[1];
  }
  if (fromBody.length > 0) {
    if (fromHeader) return { invalidRequest: 'the access token must be sent in exactly one way' };
    if (fromBody.length > 1 || !fromBody[0]) return { invalidRequest: 'access_token must be given exactly once' };
    return { token: fromBody[0] };
  }
  return fromHeader ? { token: fromHeader } : { missing: true };
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
      unauthorized(ctx, refusedTokenForm(ctx) ?? 'an access token is required', false);
      return undefined;
    }
    const resolved = await deps.lookupToken(extracted.token);
    if (!resolved) {
      unauthorized(ctx, 'the access token is invalid, expired or revoked', true);
      return undefined;
    }
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

  function handler(render: (s: UserinfoSubject) => unknown) {
    return async (ctx: Context): Promise<void> => {
      ctx.set('Cache-Control', 'no-store');
      ctx.set('Pragma', 'no-cache');
      const origin = ctx.get('Origin');
      try {
        const found = await authenticate(ctx);
        if (found) ctx.body = render(found.subject);
        if (origin) {
          markCorsDecided(ctx);
          const allowed = found ? deps.cors.allowedFor(origin, found.ccids) : deps.cors.allowedAnywhere(origin);
          if (allowed) {
            ctx.set('Access-Control-Allow-Origin', origin);
            ctx.set('Access-Control-Expose-Headers', 'WWW-Authenticate');
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
  return router;
}
