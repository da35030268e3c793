/**
 * Response bodies of the two userinfo endpoints (genesys-api.md §2 A3/A4, §5.1, §5.2), built from
 * the principal behind an access token. Pure functions: the HTTP route resolves the token
 * (oauth/token-lookup.ts) and the principal (services/principals.service.ts) and picks one.
 *
 * Who a token stands for:
 * - a contact-center user (password grant or code flow with a `user:<uuid>` account);
 * - the ops principal (`ops`, the Genesys "cloud system admin");
 * - no user at all (client credentials): the client itself, `username` = client id.
 *
 * Undecided by the Genesys documents and chosen here: a user's `username` ("system-wide unique
 * name ... includes the userName in Configuration Server, the DBID and the contact center ID",
 * CloudUserDetails in GenesysPureEngage/authentication-client-js) is `userName\dbid\ccid` — a
 * backslash cannot occur in a username, so the three parts split back unambiguously. `loginName`
 * and `cmeUserName` are the username as created. Principals that are not Configuration Server
 * users carry no `cmeUserName`/`loginName`/`dbid`/`contactCenterId`/`environmentId`, and
 * `properties` is `{}`.
 */
import type { Principal } from '../services/principals.service.ts';
import { claimsFor } from './accounts.ts';

/** A Genesys `UserRole` (genesys-api.md §5.1): roles by name; privileges are never populated. */
export interface UserRole {
  name: string;
  privileges: string[];
}

/** `GET /auth/v3/userinfo` body (Genesys CloudUserDetails, camelCase, genesys-api.md §5.1). */
export interface CloudUserDetails {
  authorities: UserRole[];
  username: string;
  loginName?: string;
  cmeUserName?: string;
  /** Configuration Server DBID (integer). */
  dbid?: number;
  contactCenterId?: string;
  environmentId?: string;
  properties: Record<string, string>;
}

/** Who an access token stands for. */
export type UserinfoSubject =
  | { kind: 'principal'; principal: Principal; clientId: string }
  | { kind: 'client'; clientId: string; authorities: readonly string[] };

const roles = (names: readonly string[]): UserRole[] => names.map((name) => ({ name, privileges: [] }));

/** The system-wide unique `username` of a contact-center user: `userName\dbid\ccid`. */
export function uniqueUsername(username: string, dbid: number, ccid: string): string {
  return `${username}\\${dbid}\\${ccid}`;
}

/** Builds the CloudUserDetails body (genesys-api.md §5.1). */
export function cloudUserDetails(s: UserinfoSubject): CloudUserDetails {
  if (s.kind === 'client') return { authorities: roles(s.authorities), username: s.clientId, properties: {} };
  const p = s.principal;
  if (p.kind === 'ops') return { authorities: [], username: p.username, properties: {} };
  const u = p.user;
  return {
    authorities: roles(u.authorities),
    username: uniqueUsername(u.username, u.dbid, u.ccid),
    loginName: u.username,
    cmeUserName: u.username,
    dbid: u.dbid,
    contactCenterId: u.ccid,
    environmentId: u.environmentId,
    properties: { ...u.properties },
  };
}

/**
 * Builds the OpenIdUserInfo body (genesys-api.md §5.2; OIDC Core §5.3.2 claims plus the Genesys
 * extras `user_name`, `contact_center_id`, `environment_id`, `dbid`, `authorities`, `properties`).
 * `aud` is the client the token was issued to. Absent values are omitted, never `null`.
 */
export function openIdUserInfo(s: UserinfoSubject): Record<string, unknown> {
  if (s.kind === 'client') {
    return { sub: s.clientId, aud: s.clientId, user_name: s.clientId, authorities: roles(s.authorities), properties: {} };
  }
  const claims = claimsFor(s.principal);
  const body: Record<string, unknown> = { ...claims, aud: s.clientId };
  if (s.principal.kind === 'ops') {
    body.authorities = [];
    body.properties = {};
  }
  for (const [k, v] of Object.entries(body)) if (v === undefined || v === null) delete body[k];
  return body;
}

/** The contact center a subject belongs to, if any (for CORS). */
export function subjectContactCenter(s: UserinfoSubject): string | undefined {
  return s.kind === 'principal' && s.principal.kind === 'user' ? s.principal.user.ccid : undefined;
}
