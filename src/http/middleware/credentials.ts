/**
 * Parsing of the Authorization header (RFC 7617 Basic, RFC 6750 Bearer). Scheme names match
 * case-insensitively: Genesys clients send `bearer` in lowercase (genesys-api.md §2).
 */

/** Decoded HTTP Basic credentials, or undefined when the header is absent or not Basic. */
export function parseBasic(header: string | undefined): { username: string; password: string } | undefined {
  if (!header) return undefined;
  const m = /^basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header);
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i < 0) return undefined;
  return { username: decoded.slice(0, i), password: decoded.slice(i + 1) };
}

/** The bearer token, or undefined when the header is absent or not Bearer. */
export function parseBearer(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^bearer\s+([A-Za-z0-9\-._~+/]+=*)\s*$/i.exec(header);
  return m ? m[1] : undefined;
}
