/**
 * Audit events (issue 4; design.md §4 `audit_events`): who did what to which object, when and from
 * which address. Timestamps are epoch milliseconds. `details` never holds a secret.
 */

/** Actions written today. The hardening work adds security events with its own names. */
export type AuditAction =
  | 'client.created'
  | 'client.updated'
  | 'client.deleted'
  | 'integration.created'
  | 'integration.updated'
  | 'integration.deleted'
  | 'integration.activated'
  | 'integration.deactivated'
  | 'integration.secret_rotated'
  | 'contact_center.cors_updated'
  | 'user.updated'
  | 'user.password_changed'
  | 'console.signed_in'
  | 'console.signed_out';

/** Who acted and from where: the ops username (or a client id) and the source IP address. */
export interface AuditContext {
  actor: string;
  /** The caller's address as koa sees it (`ctx.ip`, X-Forwarded-For only with TRUST_PROXY); null when unknown. */
  sourceIp: string | null;
}

/** One stored event. */
export interface AuditEvent {
  /** Increasing id; `before` cursor of the audit API. */
  id: number;
  /** Epoch milliseconds (the database clock at the start of the writing transaction). */
  at: number;
  actor: string;
  action: string;
  /** `client`, `integration`, `activation`, `contact_center`, `console_session`, ... */
  targetType: string;
  targetId: string;
  sourceIp: string | null;
  details: Record<string, unknown>;
}

/** What a writer gives; `at` and `id` come from the database. */
export interface NewAuditEvent {
  action: AuditAction | (string & {});
  targetType: string;
  targetId: string;
  details?: Record<string, unknown>;
}
