/**
 * Environments, contact centers, data centers and settings (genesys-api.md §3, §5.4; seed 003).
 * Timeouts are in seconds, timestamps in epoch milliseconds.
 */

/** A Configuration Server address of an environment. */
export interface ConfigServer {
  primaryAddress: string;
  primaryPort: number;
  backupAddress?: string;
  backupPort?: number;
  readOnly: boolean;
  locations: string;
}

export interface Environment {
  id: string;
  tenant: string;
  appName: string;
  username: string;
  /** True when a Configuration Server password is stored (as an argon2id hash, never returned). */
  hasPassword: boolean;
  connectionProtocol: string;
  localTimeout: number;
  remoteTimeout: number;
  traceMode: string;
  tlsEnabled: boolean;
  configServers: ConfigServer[];
  createdAt: number;
}

export interface ContactCenter {
  /** The CCID. */
  id: string;
  environmentId: string;
  /** Login prefixes (`domain\user`), unique across all contact centers, no `.` or `\`. */
  domains: string[];
  auth: string;
  createdAt: number;
}

export interface DataCenter {
  id: string;
  /** Region path such as `/usw1`. Unique. */
  location: string;
  entryPoint: string;
  readOnly: boolean;
  createdAt: number;
}

export interface Setting {
  name: string;
  location: string;
  shared: boolean;
  value: string;
}

/** The setting that lists a contact center's CORS origins, comma-separated (genesys-api.md §6). */
export const CORS_ORIGINS_SETTING = 'cors-origins';
