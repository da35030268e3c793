import { canonicalLoginName, confusableNameProblem } from './user.ts';

/**
 * Environments, contact centers, data centers and settings (genesys-api.md §3 E1-E11, §5.4, §6;
 * Genesys "Provision Genesys Authentication"). Timeouts are in seconds, timestamps in epoch milliseconds.
 */

/** A Configuration Server address of an environment (E1 `configServers[]`). Ports are TCP ports. */
export interface ConfigServer {
  primaryAddress: string;
  primaryPort: number;
  backupAddress?: string;
  backupPort?: number;
  readOnly: boolean;
  /** Region path such as `/USW1`; `/` means all regions. */
  locations: string;
}

/** A Genesys environment: the Configuration Server connection of a tenant (E1-E3). */
export interface Environment {
  id: string;
  tenant: string;
  appName: string;
  username: string;
  /** True when a Configuration Server password is stored (as an argon2id hash, never returned). */
  hasPassword: boolean;
  /** `addp` (default) or another CS connection protocol name. */
  connectionProtocol: string;
  /** ADDP local timeout, seconds. */
  localTimeout: number;
  /** ADDP remote timeout, seconds. */
  remoteTimeout: number;
  /** One of {@link TRACE_MODES}. */
  traceMode: string;
  tlsEnabled: boolean;
  configServers: ConfigServer[];
  createdAt: number;
}

/** Genesys CfgTraceMode values accepted for `traceMode` (E1 uses `CFGTMBoth`). */
export const TRACE_MODES = ['CFGTMNoTraceMode', 'CFGTMCSideOnly', 'CFGTMSSideOnly', 'CFGTMBoth'] as const;

/** A contact center (E4-E6); its id is the CCID. */
export interface ContactCenter {
  /** The CCID. */
  id: string;
  environmentId: string;
  /**
   * Login prefixes (`domain\user`), stored lowercase, unique across all contact centers, 1-64
   * characters without `.`, `\`, `/` or whitespace ({@link isValidDomain}).
   */
  domains: string[];
  /** How users authenticate; `configServer` is the only value Genesys documents. */
  auth: string;
  createdAt: number;
}

/** A data center (region) of the deployment (E10-E11). */
export interface DataCenter {
  id: string;
  /** Region path such as `/usw1`. Unique (case-insensitively). */
  location: string;
  /** Absolute http(s) URL of the region's entry point. */
  entryPoint: string;
  readOnly: boolean;
  createdAt: number;
}

/** One contact-center setting (E7-E8), e.g. `cors-origins`. */
export interface Setting {
  /** 1-128 characters `[A-Za-z0-9._-]` ({@link SETTING_NAME_PATTERN}). */
  name: string;
  /** Region path; `/` means all regions. */
  location: string;
  shared: boolean;
  /** At most {@link MAX_SETTING_VALUE_BYTES} bytes of UTF-8. */
  value: string;
}

/** The setting that lists a contact center's CORS origins, comma-separated (genesys-api.md §6). */
export const CORS_ORIGINS_SETTING = 'cors-origins';

/** Allowed setting names: 1-128 letters, digits, `.`, `_`, `-`. */
export const SETTING_NAME_PATTERN = /^[A-Za-z0-9._-]{1,128}$/;

/** Largest setting value, in bytes of UTF-8 (64 KiB). */
export const MAX_SETTING_VALUE_BYTES = 64 * 1024;

/** Default `auth` of a contact center (E4). */
export const DEFAULT_CONTACT_CENTER_AUTH = 'configServer';

/**
 * Canonical form of a login domain: the same as a username's ({@link canonicalLoginName}: NFKC,
 * invisible characters removed, case folded). Use it wherever a domain is stored or looked up, so
 * `T100\agent`, `t100\agent` and `ｔ１００\agent` reach the same contact center.
 */
export function canonicalDomain(domain: string): string {
  return canonicalLoginName(domain);
}

/**
 * Why a login domain cannot be used, or undefined when it can. Checks the value as given (invisible
 * or bidirectional formatting characters, mixed Latin/Greek/Cyrillic letters, unpaired surrogates)
 * and its canonical form: 1-64 characters, no `.`, `\`, `/`, whitespace or control characters.
 */
export function domainProblem(domain: string): string | undefined {
  if (/\p{Cs}/u.test(domain)) return 'must be valid Unicode (no unpaired surrogates)';
  const confusable = confusableNameProblem(domain);
  if (confusable) return confusable;
  if (!isValidDomain(canonicalDomain(domain))) return 'must be 1-64 characters without ".", "\\", "/" or whitespace';
  return undefined;
}

/** True for a valid canonical login domain: 1-64 characters, no `.`, `\`, `/`, whitespace or control characters. */
export function isValidDomain(domain: string): boolean {
  return domain.length >= 1 && domain.length <= 64 && !/[.\\/\s\p{Cc}\p{Cs}]/u.test(domain);
}

/**
 * Checks one CORS origin as written in a `cors-origins` value: `scheme://host[:port]` with http or
 * https and nothing else (an optional trailing `/` is allowed). Returns the serialized origin
 * (`new URL(x).origin`: lowercase host, default port dropped) or a reason it is not one.
 */
export function normalizeOrigin(raw: string): { origin: string } | { error: string } {
  if (raw.includes('*')) return { error: 'wildcards are not allowed' };
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#@\s\\]+\/?$/.test(raw)) {
    return { error: 'must be scheme://host[:port] with no path, query, fragment or user information' };
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { error: 'is not a valid URL' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { error: 'must use http or https' };
  if (url.username || url.password || url.search || url.hash || url.pathname !== '/') {
    return { error: 'must be scheme://host[:port] with no path, query, fragment or user information' };
  }
  return { origin: url.origin };
}

/**
 * Parses and normalizes a `cors-origins` value (genesys-api.md §6): comma-separated origins, spaces
 * around each trimmed (Genesys scripts write `a, b`), empty items dropped, duplicates removed
 * (first kept), each normalized with {@link normalizeOrigin}. Returns the list, or the first bad
 * item with the reason.
 */
export function parseCorsOrigins(value: string): { origins: string[] } | { bad: string; error: string } {
  const origins: string[] = [];
  for (const item of value.split(',')) {
    const trimmed = item.trim();
    if (!trimmed) continue;
    const r = normalizeOrigin(trimmed);
    if ('error' in r) return { bad: trimmed, error: r.error };
    if (!origins.includes(r.origin)) origins.push(r.origin);
  }
  return { origins };
}
