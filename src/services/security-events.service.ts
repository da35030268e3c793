/**
 * Security events (issue 5 §4; OWASP ASVS 5.0 V16.3 (security events are logged); RFC 6819
 * §4.4.3.6, §5.2.2.3): failed authentications, limit hits, refresh-token reuse and
 * authorization-code replay. Each event is
 *
 * 1. one structured log line on the request's logger: `{"event":"<name>", ...}` (warn), and
 * 2. one row in `audit_events` (action `security.<name>`), written fire-and-forget: the request
 *    never waits for it and a failed write is logged (warn), never thrown. At most
 *    `maxConcurrentWrites` (2) writes run at once and at most `maxPendingWrites` (1000) wait, so a
 *    flood of failures cannot take the database pool; beyond that a row is dropped and the drop
 *    is logged (the log line is always written).
 *
 * What an event may carry: a client id (not a secret), the source address, the surface
 * (`token`, `sign_in`, ...), OAuth error codes, limiter names and seconds. Login names are
 * carried only as {@link subjectDigest} (people type passwords into the name field); no event ever
 * carries a secret, password, code or token.
 */
import { createHash } from 'node:crypto';
import pLimit from 'p-limit';
import type { Logger } from '../observability/logger.ts';
import type { AuditService } from './audit.service.ts';

/** The events, as written to the log (`event`) and the audit trail (`security.<name>`). */
export type SecurityEventName =
  | 'client_auth_failed'
  | 'login_failed'
  | 'ops_auth_failed'
  | 'rate_limited'
  | 'refresh_token_reuse'
  | 'authorization_code_replay';

/** Where a credential was presented. */
export type AuthSurface =
  | 'token'
  | 'introspection'
  | 'revocation'
  | 'password_grant'
  | 'sign_in'
  | 'change_password'
  | 'console'
  | 'ops_api'
  | 'environment_api';

/** One event. */
export interface SecurityEvent {
  name: SecurityEventName;
  surface?: AuthSurface;
  /** The client id presented or authenticated (client ids are not secret). */
  clientId?: string;
  /** {@link subjectDigest} of the login name presented, for user/ops credentials. */
  subject?: string;
  /** The source address as koa sees it (`ctx.ip`; X-Forwarded-For only with TRUST_PROXY). */
  address: string | null;
  /** Small scalar details (limiter name, retry-after seconds, OAuth error). Never a credential. */
  detail?: Record<string, string | number | boolean>;
  /** When true the event is logged but not written to the audit table (e.g. every refused attempt after the first). */
  logOnly?: boolean;
  /** Log level (default `warn`); repeated refusals use `debug` so a flood does not flood the log. */
  level?: 'warn' | 'info' | 'debug';
}

/**
 * A short, stable pseudonym of a login name: the first 16 base64url characters of SHA-256 of
 * the canonical name (README "Security model"). An operator who suspects a name can compute it;
 * the log and the audit trail never hold the name itself.
 */
export function subjectDigest(canonicalName: string): string {
  return createHash('sha256').update(canonicalName, 'utf8').digest('base64url').slice(0, 16);
}

const MESSAGES: Record<SecurityEventName, string> = {
  client_auth_failed: 'client authentication failed',
  login_failed: 'sign-in failed',
  ops_auth_failed: 'ops authentication failed',
  rate_limited: 'refused: too many failed attempts',
  refresh_token_reuse: 'refresh token reused: grant revoked',
  authorization_code_replay: 'authorization code replayed: grant revoked',
};

/** Records security events. */
export interface SecurityEvents {
  /** Logs `event` on `log` (the request's logger; the service's own when absent) and audits it in the background. */
  record(event: SecurityEvent, log?: Logger): void;
  /** Resolves when every audit write started so far has finished (tests). */
  flush(): Promise<void>;
}

/** Builds the recorder. `audit` writes the rows; `logger` is used when a call passes none. */
export function createSecurityEvents(deps: { audit: Pick<AuditService, 'record'>; logger: Logger; maxConcurrentWrites?: number; maxPendingWrites?: number }): SecurityEvents {
  const pending = new Set<Promise<void>>();
  const writes = pLimit(deps.maxConcurrentWrites ?? 2);
  const maxPending = deps.maxPendingWrites ?? 1000;
  return {
    record(event, log = deps.logger) {
      // a presented client id is attacker-chosen: bounded before it reaches a log line or a row
      const e = event.clientId !== undefined && event.clientId.length > 200 ? { ...event, clientId: `${event.clientId.slice(0, 200)}…` } : event;
      const fields: Record<string, unknown> = { event: e.name, ip: e.address };
      if (e.surface) fields.surface = e.surface;
      if (e.clientId !== undefined) fields.client_id = e.clientId;
      if (e.subject !== undefined) fields.subject = e.subject;
      Object.assign(fields, e.detail);
      log[e.level ?? 'warn'](fields, MESSAGES[e.name]);
      if (e.logOnly) return;
      const target =
        e.subject !== undefined
          ? { targetType: 'login_name', targetId: e.subject }
          : e.clientId !== undefined
            ? { targetType: 'client', targetId: e.clientId }
            : { targetType: 'address', targetId: e.address ?? 'unknown' };
      const details: Record<string, unknown> = { ...e.detail };
      if (e.surface) details.surface = e.surface;
      if (e.subject !== undefined && e.clientId !== undefined) details.client_id = e.clientId;
      if (pending.size >= maxPending) {
        log.warn({ event: 'audit_write_dropped', action: `security.${e.name}` }, 'too many security events waiting: audit row dropped (the log line above stands)');
        return;
      }
      const who = { actor: e.name === 'refresh_token_reuse' || e.name === 'authorization_code_replay' ? (e.clientId ?? 'unknown') : 'anonymous', sourceIp: e.address };
      const write = writes(() => deps.audit.record(who, { action: `security.${e.name}`, ...target, details }))
        .catch((err: unknown) => log.warn({ err, event: 'audit_write_failed', action: `security.${e.name}` }, 'could not write a security event to the audit trail'))
        .finally(() => pending.delete(write));
      pending.add(write);
    },
    async flush() {
      while (pending.size) await Promise.all([...pending]);
    },
  };
}

interface ProviderEvents {
  on(event: string, listener: (...args: never[]) => void): unknown;
}

interface ReplayContext {
  ip?: string;
  log?: Logger;
  oidc?: {
    client?: { clientId?: string };
    entities?: { RefreshToken?: { grantId?: string }; AuthorizationCode?: { grantId?: string } };
  };
}

/**
 * `error_detail` of oidc-provider's refusals that mean a one-time credential was presented again
 * (its grant is revoked at the same time): RFC 9700 §4.14.2 refresh-token reuse detection, RFC 6749
 * §4.1.2 / §10.5 and OWASP ASVS 5.0 10.4.2 authorization-code replay.
 */
const REPLAY_DETAILS: ReadonlyMap<string, SecurityEventName> = new Map([
  ['refresh token already used', 'refresh_token_reuse'],
  ['authorization code already consumed', 'authorization_code_replay'],
]);

/**
 * Subscribes to an oidc-provider instance's `grant.error` and records `refresh_token_reuse` /
 * `authorization_code_replay` events (client id, grant id, address; never the token or code).
 */
export function observeTokenReplays(provider: ProviderEvents, events: SecurityEvents): void {
  provider.on('grant.error', ((ctx: ReplayContext, err: { error_detail?: unknown }) => {
    const name = typeof err?.error_detail === 'string' ? REPLAY_DETAILS.get(err.error_detail) : undefined;
    if (!name) return;
    const entities = ctx.oidc?.entities;
    const grantId = (name === 'refresh_token_reuse' ? entities?.RefreshToken : entities?.AuthorizationCode)?.grantId;
    const clientId = ctx.oidc?.client?.clientId;
    events.record(
      {
        name,
        surface: 'token',
        address: ctx.ip ?? null,
        ...(clientId !== undefined ? { clientId } : {}),
        ...(typeof grantId === 'string' ? { detail: { grant_id: grantId } } : {}),
      },
      ctx.log,
    );
  }) as never);
}
