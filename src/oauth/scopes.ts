/**
 * Scope rules (RFC 6749 §3.3) for Genesys clients: a client whose scope list contains `*` may ask
 * for any scope and gets `*` when it asks for none (seed 003: `"scope": "*"`); any other client
 * may ask only for scopes in its list and gets its whole list when it asks for none.
 */
import { errors } from 'oidc-provider';
import type { CcauthClientExtras } from './client-metadata.ts';
import { ANY_SCOPE } from './client-metadata.ts';

/**
 * The scope string to grant for a request.
 * @param requested the raw `scope` parameter (space-delimited), possibly undefined.
 * @throws errors.InvalidScope when a requested scope is not allowed for the client.
 */
export function resolveGrantedScope(client: Pick<CcauthClientExtras, 'ccauth_scopes'>, requested: string | undefined): string {
  const allowed = client.ccauth_scopes ?? [];
  const asked = [...new Set((requested ?? '').split(' ').filter(Boolean))];
  if (allowed.includes(ANY_SCOPE)) return asked.length ? asked.join(' ') : ANY_SCOPE;
  const denied = asked.filter((s) => !allowed.includes(s) && s !== 'openid' && s !== 'offline_access');
  if (denied.length) throw new errors.InvalidScope('requested scope is not allowed', denied.join(' '));
  return (asked.length ? asked : allowed).join(' ');
}
