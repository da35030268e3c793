/**
 * Builds the real application on a throwaway database for supertest, with logs captured in
 * memory (`logs()` returns every line written) instead of stdout.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import supertest from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { createApp } from '../../src/app.ts';
import type { CcauthApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config/config.ts';
import type { Config } from '../../src/config/config.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createTestDatabase } from './test-db.ts';
import type { TestDatabase } from './test-db.ts';

export interface TestApp {
  ccauth: CcauthApp;
  db: TestDatabase;
  config: Config;
  /** supertest agent bound to the app's callback. */
  request: TestAgent;
  /** Every log line written so far (raw JSON strings). */
  logs(): string[];
  close(): Promise<void>;
}

export const OPS = { username: 'ops', password: 'ops' } as const;

/**
 * Failed-authentication limits for tests (docs/security-model.md "Security model"): every test file sends all its
 * requests from one address, so the production numbers would trip files that test many failures.
 * test/security/brute-force.test.ts passes small values instead; the login-name lockout
 * (LOGIN_*) keeps its production defaults.
 */
export const RELAXED_RATE_LIMITS: Readonly<Record<string, string>> = Object.freeze({
  RATE_LIMIT_CLIENT_ADDRESS_FAILURES: '100000',
  RATE_LIMIT_CLIENT_FAILURES: '100000',
  RATE_LIMIT_USER_FAILURES: '100000',
  RATE_LIMIT_ADDRESS_FAILURES: '100000',
});

/** Starts an app; `env` overrides configuration variables. */
export async function startTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const db = await createTestDatabase();
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'debug', PUBLIC_URL: 'http://ccauth.test', ...RELAXED_RATE_LIMITS, ...env });
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      cb();
    },
  });
  const logger = createLogger({ level: config.logLevel, destination });
  // a per-app key-encryption key unless the env sets one: tests never write a key file under DATA_DIR
  const ccauth = await createApp({ config, db, logger, keyEncryptionKeys: config.keyEncryptionKeys ?? [randomBytes(32)] });
  const request = supertest(ccauth.app.callback());
  return {
    ccauth,
    db,
    config,
    request,
    logs: () => lines,
    async close() {
      await ccauth.securityEvents.flush(); // background audit rows of security events
      ccauth.stop();
      await db.close();
    },
  };
}

/** The Basic authorization header value for a username/secret pair (RFC 7617). */
export function basic(user: string, secret: string): string {
  return `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;
}

/** The client body of Genesys "Provision Genesys Authentication", with a test domain for the redirect URIs. */
export function seedClientBody(overrides: Record<string, unknown> = {}): { data: Record<string, unknown> } {
  return {
    data: {
      name: 'external_api_client',
      clientType: 'CONFIDENTIAL',
      internalClient: true,
      refreshTokenExpirationTimeout: 43200,
      client_id: 'external_api_client',
      client_secret: '',
      authorities: ['ROLE_INTERNAL_CLIENT'],
      scope: ['*'],
      authorizedGrantTypes: ['client_credentials', 'authorization_code', 'refresh_token', 'password'],
      redirectURIs: ['https://gauth.example.com', 'https://wwe.example.com', 'https://gws.example.com', 'https://prov.example.com'],
      accessTokenExpirationTimeout: 43200,
      ...overrides,
    },
  };
}

/** Creates a client through the ops API; returns its id and plaintext secret. */
export async function createClient(t: TestApp, overrides: Record<string, unknown> = {}): Promise<{ clientId: string; secret: string }> {
  const res = await t.request.post('/auth/v3/ops/clients').set('Authorization', basic(OPS.username, OPS.password)).send(seedClientBody(overrides));
  if (res.status !== 200) throw new Error(`client create failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { clientId: res.body.data.client_id, secret: res.body.data.client_secret };
}

/** A test app served on a real loopback port, its issuer (`PUBLIC_URL`) being that address. */
export interface ListeningTestApp extends TestApp {
  /** `http://127.0.0.1:<port>`: the issuer, and where real clients send their requests. */
  issuer: string;
}

/**
 * Starts an app on a free 127.0.0.1 port for clients that need a real URL (client libraries, the
 * device flow): the port is taken first, so `PUBLIC_URL` can name it before the app is built.
 * `close()` closes the server, then the app. `env` overrides configuration variables.
 */
export async function startListeningTestApp(env: Record<string, string> = {}): Promise<ListeningTestApp> {
  let handler: http.RequestListener = (_req, res) => res.end();
  const server = http.createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const t = await startTestApp({ PUBLIC_URL: issuer, ...env });
  handler = t.ccauth.app.callback();
  return {
    ...t,
    issuer,
    async close() {
      await new Promise((r) => server.close(r));
      await t.close();
    },
  };
}
