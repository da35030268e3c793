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
