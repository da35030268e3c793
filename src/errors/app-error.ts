/**
 * The one error type of the admin APIs, and the table that maps each error code to an HTTP status
 * and a Genesys `status.code` (genesys-api.md §4.1, GWS 8.6 code table; design.md §5.2).
 *
 * OAuth endpoints do not use this: oidc-provider answers them with RFC 6749 §5.2 error JSON.
 */

/** Symbolic error codes used in services and routes. */
export type ErrorCode =
  | 'missing_parameter'
  | 'invalid_parameter'
  | 'forbidden'
  | 'internal'
  | 'not_found'
  | 'validation'
  | 'already_exists'
  | 'in_use'
  | 'not_authenticated'
  | 'unavailable'
  | 'payload_too_large'
  | 'unsupported_media_type';

/** code → [HTTP status, Genesys status.code]. */
export const ERROR_TABLE: Readonly<Record<ErrorCode, readonly [number, number]>> = {
  missing_parameter: [400, 1],
  invalid_parameter: [400, 2],
  forbidden: [403, 3],
  internal: [500, 4],
  not_found: [404, 6],
  validation: [400, 10],
  already_exists: [409, 18],
  in_use: [409, 19],
  not_authenticated: [401, 20],
  unavailable: [503, 4],
  payload_too_large: [413, 2],
  unsupported_media_type: [415, 2],
};

/** One field-level validation problem, echoed to the caller in `status.detail.errors`. */
export interface FieldIssue {
  /** Dotted path of the offending field, e.g. `data.redirectURIs.0`. */
  field: string;
  message: string;
}

/**
 * An expected, client-visible failure. `message` is shown to the caller verbatim, so it must never
 * contain a secret, SQL or a stack trace.
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly issues: readonly FieldIssue[] | undefined;
  constructor(code: ErrorCode, message: string, issues?: FieldIssue[]) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.issues = issues;
  }
  /** HTTP status for this error (ERROR_TABLE). */
  get httpStatus(): number {
    return ERROR_TABLE[this.code][0];
  }
  /** Genesys `status.code` for this error (ERROR_TABLE). */
  get genesysCode(): number {
    return ERROR_TABLE[this.code][1];
  }
}

/** Shorthand for a 404 with Genesys code 6. */
export const notFound = (what: string): AppError => new AppError('not_found', `${what} not found`);
