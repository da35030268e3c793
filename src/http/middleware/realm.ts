/** The `realm` of every `WWW-Authenticate` challenge ccauth sends (RFC 7235 §2.2, RFC 6750 §3). */
export const REALM = 'ccauth';
