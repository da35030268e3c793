/**
 * Guards of the admin APIs (genesys-api.md §3, §6; seed 003).
 *
 * - `requireOps`: HTTP Basic with the ops credentials (the `/auth/v3/ops/*` routes).
 * - `requireAdmin`: the ops Basic credentials, or an admin Bearer token (the `/environment/v3/*`
 *   routes). A Bearer token is an admin token only when it was issued to an internal, confidential
 *   client (design.md §3b): for the ops principal (Genesys "Provision Genesys Authentication": the
 *   password grant of `external_api_client`), or for the client itself (client credentials) when it
 *   holds ROLE_INTERNAL_CLIENT. Whom the token's client is bound to (`contactCenterIds`) rides in
 *   `ctx.state.admin.contactCenterIds`; services/admin-scope.ts applies it. Any other valid token
 *   (a user's; one a third-party or public client got, even for ops) → 403 (code 3); none or a bad
 *   one → 401.
 *   Tokens come as Bearer or, DPoP-bound ones, with the DPoP scheme and a proof (RFC 9449;
 *   presentation and proof checks: http/middleware/access-token.ts).
 *
 * 401 answers carry `WWW-Authenticate` and a body with both the Genesys envelope (code 20) and
 * Spring's `{"error":"Unauthorized","error_description":"Bad credentials"}` that Genesys scripts see.
 *
 * With an {@link OpsBasicCheck} (issue 5; http/middleware/rate-limit.ts), Basic failures are
 * limited per login name, per (name, address) and per address, and recorded as `ops_auth_failed`
 * security events; over a limit the answer is 429 with `Retry-After` and the Genesys envelope.
 */
import type { Context, Next } from 'koa';
import { ROLE_INTERNAL_CLIENT } from '../../domain/client.ts';
import { OPS_ACCOUNT_ID } from '../../domain/user.ts';
import type { ResolvedToken } from '../../oauth/token-lookup.ts';
import type { OpsCredentials } from '../../services/ops-credentials.service.ts';
import { parseBasic } from './credentials.ts';
import { dpopChallenge, parseAuthorization } from './access-token.ts';
import type { AccessTokenVerifier } from './access-token.ts';
import { REALM } from './realm.ts';
import { tooManyAttemptsEnvelope } from './rate-limit.ts';
import type { OpsBasicCheck } from './rate-limit.ts';
import type { AuthSurface } from '../../services/security-events.service.ts';

export { REALM };

/** Who is calling an admin route; routes and audit read `ctx.state.admin`. */
export interface AdminPrincipal {
  kind: 'ops-basic' | 'ops-token' | 'internal-client';
  /** ops username or client id. */
  name: string;
  /**
   * Contact centers the caller is bound to (the token's client's `contactCenterIds`); empty means
   * the deployment-wide view (ops Basic, or an internal client bound to none).
   */
  contactCenterIds: readonly string[];
}

/**
 * The admin principal a resolved Bearer token stands for, or undefined when it is no admin token
 * (module comment; design.md §3b).
 */
export function adminPrincipalOfToken(resolved: ResolvedToken): AdminPrincipal | undefined {
  const client = resolved.client;
  // a token a public client obtained proves nothing about who asked for it: never an admin token
  if (client.ccauth_internal !== true || (client as { clientAuthMethod?: string }).clientAuthMethod === 'none') return undefined;
  const contactCenterIds = [...(client.ccauth_contact_center_ids ?? [])];
  if (resolved.kind === 'access_token' && resolved.accountId === OPS_ACCOUNT_ID) {
    return { kind: 'ops-token', name: OPS_ACCOUNT_ID, contactCenterIds };
  }
  if (resolved.kind === 'client_credentials' && (client.ccauth_authorities ?? []).includes(ROLE_INTERNAL_CLIENT)) {
    return { kind: 'internal-client', name: resolved.clientId, contactCenterIds };
  }
  return undefined;
}

function unauthorized(ctx: Context, challenge: string): void {
  ctx.status = 401;
  ctx.set('WWW-Authenticate', challenge);
  ctx.set('Cache-Control', 'no-store');
  ctx.body = {
    status: { code: 20, message: 'Bad credentials' },
    error: 'Unauthorized',
    error_description: 'Bad credentials',
  };
}

function forbidden(ctx: Context): void {
  ctx.status = 403;
  ctx.set('Cache-Control', 'no-store');
  ctx.body = { status: { code: 3, message: 'the token does not grant access to this API' } };
}

/**
 * Checks presented Basic credentials: with `check`, as a limited attempt (a refusal answers 429
 * here and returns 'refused'); without, a plain verification logged on failure.
 */
async function verifyBasic(ctx: Context, ops: OpsCredentials, creds: { username: string; password: string }, surface: AuthSurface, check?: OpsBasicCheck): Promise<'ok' | 'bad' | 'refused'> {
  if (!check) {
    if (await ops.verify(creds.username, creds.password)) return 'ok';
    ctx.log?.warn({ event: 'ops_auth_failed', ip: ctx.ip }, 'ops authentication failed');
    return 'bad';
  }
  const r = await check(ctx, creds, surface);
  if (r.ok) return 'ok';
  if (r.refused) {
    tooManyAttemptsEnvelope(ctx, r.refused.retryAfterSeconds);
    return 'refused';
  }
  return 'bad';
}

/** HTTP Basic with the ops credentials; with `check`, failures are limited (see the module comment). */
export function requireOps(ops: OpsCredentials, check?: OpsBasicCheck) {
  return async function opsAuth(ctx: Context, next: Next): Promise<void> {
    const creds = parseBasic(ctx.get('authorization'));
    const outcome = creds ? await verifyBasic(ctx, ops, creds, 'ops_api', check) : 'bad';
    if (outcome === 'refused') return;
    if (!creds || outcome !== 'ok') {
      if (!creds) ctx.log?.warn({ event: 'ops_auth_failed', ip: ctx.ip }, 'ops authentication failed');
      return unauthorized(ctx, `Basic realm="${REALM}", charset="UTF-8"`);
    }
    ctx.state.admin = { kind: 'ops-basic', name: creds.username, contactCenterIds: [] } satisfies AdminPrincipal;
    await next();
  };
}

/** Ops Basic credentials or an admin access token (Bearer or DPoP); with `check`, Basic failures are limited. */
export function requireAdmin(ops: OpsCredentials, verifyAccessToken: AccessTokenVerifier, check?: OpsBasicCheck) {
  return async function adminAuth(ctx: Context, next: Next): Promise<void> {
    const header = ctx.get('authorization');
    const creds = parseBasic(header);
    if (creds) {
      const outcome = await verifyBasic(ctx, ops, creds, 'environment_api', check);
      if (outcome === 'refused') return;
      if (outcome !== 'ok') return unauthorized(ctx, `Basic realm="${REALM}", charset="UTF-8"`);
      ctx.state.admin = { kind: 'ops-basic', name: creds.username, contactCenterIds: [] } satisfies AdminPrincipal;
      return next();
    }
    const presented = parseAuthorization(header);
    if (!presented || 'malformed' in presented) {
      if (presented?.malformed === 'dpop') return unauthorized(ctx, dpopChallenge('invalid_request'));
      return unauthorized(ctx, header ? `Bearer realm="${REALM}", error="invalid_request"` : `Bearer realm="${REALM}", Basic realm="${REALM}"`);
    }
    const outcome = await verifyAccessToken(ctx, presented);
    if (!outcome.ok) return unauthorized(ctx, outcome.challenge);
    const resolved = outcome.token;
    const admin = adminPrincipalOfToken(resolved);
    if (admin) {
      ctx.state.admin = admin;
      return next();
    }
    ctx.set('WWW-Authenticate', `Bearer realm="${REALM}", error="insufficient_scope"`);
    return forbidden(ctx);
  };
}
