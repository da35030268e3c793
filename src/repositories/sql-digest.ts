/**
 * SQL expressions shared by the token-path statements (payload-reader.ts, bearer-tokens.repository.ts).
 */

/**
 * The token digest of security/tokens.ts `digestToken` (SHA-256 of the UTF-8 text, base64url
 * without padding) as a PostgreSQL expression, so one statement can follow a stored raw id (a
 * token's `grant_id`) to the row stored under its digest. PostgreSQL ≥ 11 (`sha256`); PGlite too.
 * test/integration/sql-digest.test.ts checks it against `digestToken`.
 * @param expr SQL expression of type text
 */
export function sqlTokenDigest(expr: string): string {
  return `translate(rtrim(encode(sha256(convert_to(${expr}, 'UTF8')), 'base64'), '='), '+/', '-_')`;
}

/**
 * The users.id (uuid) of an account id `user:<uuid>` (domain/user.ts USER_ACCOUNT_PREFIX) as a
 * PostgreSQL expression: NULL for any other account id, including a malformed uuid (never a cast
 * error). For joins from a token row to its user.
 * @param expr SQL expression of type text (an account id)
 */
export function sqlUserId(expr: string): string {
  return `(CASE WHEN ${expr} LIKE 'user:%' AND substr(${expr}, 6) ~ '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' THEN substr(${expr}, 6)::uuid END)`;
}
