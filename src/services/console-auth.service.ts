/**
 * Sign-in and sessions of the ops console (docs/integrations.md; OWASP Session Management Cheat Sheet).
 *
 * - Credentials: the ops credentials (ops-credentials.service.ts). Failures count against the same
 *   per-name lockout as the login page (login-attempts.service.ts), so the console is no easier to
 *   guess through than the OAuth sign-in page.
 * - Session id: 32 random bytes (base64url) that live only in the browser's cookie; the database
 *   keeps its SHA-256 (`console_sessions.id_digest`). A new id on every sign-in (no fixation).
 *   Sessions end after {@link CONSOLE_SESSION_TTL_SECONDS} or {@link CONSOLE_IDLE_TIMEOUT_SECONDS}
 *   without a request, whichever comes first, and at sign-out.
 * - CSRF token: HMAC-SHA256 keyed by the session id (or, before sign-in, by the pre-session id of
 *   the sign-in form), so it needs no storage, is bound to one session and reveals nothing about
 *   the id; checked in constant time.
 * - Flash: a one-time message for the next page (a notice, a form error, or newly issued
 *   credentials) sealed with AES-256-GCM under a key derived (HKDF-SHA256) from the session id:
 *   the database alone cannot open it. It is cleared when shown and expires after
 *   {@link CONSOLE_FLASH_TTL_SECONDS}.
 * Sign-in and sign-out are audited.
 */
import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { AuditContext } from '../domain/audit-event.ts';
import { createConsoleSessionsRepository } from '../repositories/console-sessions.repository.ts';
import { createSealer } from '../security/seal.ts';
import { constantTimeEqual, digestToken } from '../security/tokens.ts';
import { recordAudit } from './audit.service.ts';
import type { LoginAttemptsService } from './login-attempts.service.ts';
import type { OpsCredentials } from './ops-credentials.service.ts';

/** Absolute session lifetime: 8 hours. */
export const CONSOLE_SESSION_TTL_SECONDS = 8 * 3600;
/** Idle timeout: 30 minutes without a request. */
export const CONSOLE_IDLE_TIMEOUT_SECONDS = 30 * 60;
/** How long an unread flash (e.g. credentials not yet displayed) is kept: 10 minutes. */
export const CONSOLE_FLASH_TTL_SECONDS = 10 * 60;
/** `last_seen_at` is written at most this often per session (seconds). */
const TOUCH_INTERVAL_SECONDS = 60;

/** A signed-in console session. */
export interface ConsoleSession {
  /** The ops username. */
  username: string;
  /** The CSRF token every form of this session must carry. */
  csrfToken: string;
  /** The flash left for this request, already cleared from the store; undefined when none. */
  flash: unknown;
}

/** Outcome of {@link ConsoleAuthService.signIn}. */
export type SignInResult =
  | { ok: true; sessionId: string; maxAgeSeconds: number }
  | { ok: false; reason: 'credentials' | 'locked' };

export interface ConsoleAuthService {
  /** A new random pre-session id for the sign-in form (its CSRF key). */
  newPreSessionId(): string;
  /** The CSRF token for a session id or pre-session id. */
  csrfToken(sessionOrPreId: string): string;
  /** Constant-time check of a presented CSRF token. */
  verifyCsrf(sessionOrPreId: string, presented: unknown): boolean;
  /** Checks the ops credentials (with lockout) and opens a session. */
  signIn(username: string, password: string, sourceIp: string | null): Promise<SignInResult>;
  /**
   * The live session for a cookie value, or undefined (unknown, expired, idle too long). With
   * `takeFlash`, the flash is removed from the store and returned (shown once).
   */
  resolve(sessionId: string, opts?: { takeFlash?: boolean }): Promise<ConsoleSession | undefined>;
  /** Leaves a one-time message (JSON-serializable) for the session's next page. */
  setFlash(sessionId: string, flash: unknown): Promise<void>;
  /** Ends the session (audited when it existed). */
  signOut(sessionId: string, who: AuditContext): Promise<void>;
}

/** Session ids are 43 base64url characters; anything else is not looked up. */
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

/** Builds the console sign-in/session service (see the module comment for the rules). */
export function createConsoleAuthService(deps: { knex: Knex; ops: OpsCredentials; attempts: LoginAttemptsService }): ConsoleAuthService {
  const repo = createConsoleSessionsRepository(deps.knex);
  const csrfToken = (id: string) => createHmac('sha256', id).update('ccauth console csrf v1').digest('base64url');
  const flashSealer = (sessionId: string) => createSealer([Buffer.from(hkdfSync('sha256', sessionId, '', 'ccauth console flash v1', 32))]);

  return {
    newPreSessionId: () => randomBytes(32).toString('base64url'),
    csrfToken,
    verifyCsrf(id, presented) {
      if (typeof presented !== 'string' || presented.length === 0 || presented.length > 128 || !SESSION_ID.test(id)) return false;
      return constantTimeEqual(csrfToken(id), presented);
    },

    async signIn(username, password, sourceIp) {
      if ((await deps.attempts.lockedForSeconds(username)) > 0) return { ok: false, reason: 'locked' };
      if (!(await deps.ops.verify(username, password))) {
        const lockedFor = await deps.attempts.recordFailure(username);
        return { ok: false, reason: lockedFor > 0 ? 'locked' : 'credentials' };
      }
      await deps.attempts.recordSuccess(username);
      const sessionId = randomBytes(32).toString('base64url');
      const idDigest = digestToken(sessionId);
      await deps.knex.transaction(async (trx) => {
        const sessions = createConsoleSessionsRepository(trx);
        await sessions.purgeExpired(CONSOLE_IDLE_TIMEOUT_SECONDS);
        await sessions.insert({ idDigest, username, sourceIp, expiresAt: new Date(Date.now() + CONSOLE_SESSION_TTL_SECONDS * 1000) });
        await recordAudit(trx, { actor: username, sourceIp }, { action: 'console.signed_in', targetType: 'console_session', targetId: idDigest.slice(0, 12) });
      });
      return { ok: true, sessionId, maxAgeSeconds: CONSOLE_SESSION_TTL_SECONDS };
    },

    async resolve(sessionId, opts = {}) {
      if (!SESSION_ID.test(sessionId)) return undefined;
      const idDigest = digestToken(sessionId);
      const row = await repo.findLive(idDigest, CONSOLE_IDLE_TIMEOUT_SECONDS);
      if (!row) return undefined;
      if (Date.now() - row.lastSeenAt > TOUCH_INTERVAL_SECONDS * 1000) await repo.touch(idDigest);
      let flash: unknown;
      if (opts.takeFlash && row.flashSealed && (await repo.clearFlash(idDigest, row.flashSealed))) {
        try {
          flash = JSON.parse(flashSealer(sessionId).open(row.flashSealed, idDigest));
        } catch {
          flash = undefined; // unreadable (tampered with): dropped
        }
      }
      return { username: row.username, csrfToken: csrfToken(sessionId), flash };
    },

    async setFlash(sessionId, flash) {
      if (!SESSION_ID.test(sessionId)) return;
      const idDigest = digestToken(sessionId);
      await repo.setFlash(idDigest, flashSealer(sessionId).seal(JSON.stringify(flash), idDigest), CONSOLE_FLASH_TTL_SECONDS);
    },

    async signOut(sessionId, who) {
      if (!SESSION_ID.test(sessionId)) return;
      const idDigest = digestToken(sessionId);
      await deps.knex.transaction(async (trx) => {
        if (await createConsoleSessionsRepository(trx).delete(idDigest)) {
          await recordAudit(trx, who, { action: 'console.signed_out', targetType: 'console_session', targetId: idDigest.slice(0, 12) });
        }
      });
    },
  };
}
