/**
 * The stock oidc-provider both reference servers of `npm run bench` run (bench/servers/stock.ts,
 * in memory; bench/servers/stock-pg.ts, on PostgreSQL): the version ccauth uses, plaintext client
 * secrets in static configuration, opaque tokens, serving the same routes and grants as ccauth:
 * client_credentials (built in), a minimal password grant, refresh_token (built in, rotating),
 * introspection, userinfo (at /auth/v3/userinfo and, by a path alias, /auth/v3/openid/userinfo)
 * and discovery.
 *
 * The password grant verifies user passwords with argon2id at ccauth's parameters (m=19 MiB, t=2,
 * p=1) so the ratio measures ccauth's overhead, not the hash. Everything else is stock.
 *
 * Input: a JSON file named by env BENCH_STOCK_CONFIG, `{ port, clients: [{clientId, secret}],
 * users: [{username, password}], databaseUrl? }`. Listens on 127.0.0.1 only. Prints nothing per request.
 */
import http from 'node:http';
import { readFileSync } from 'node:fs';
import argon2 from 'argon2';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { errors } from 'oidc-provider';
import type { Adapter, KoaContextWithOIDC } from 'oidc-provider';
import { ARGON2_OPTIONS } from '../../src/security/passwords.ts';

/** The reference servers' configuration file (written by bench/run.ts, mode 0600). */
export interface StockConfig {
  port: number;
  clients: { clientId: string; secret: string }[];
  users: { username: string; password: string }[];
  /** PostgreSQL URL of the server's own throwaway database (stock-pg only). */
  databaseUrl?: string;
}

/** Reads the file named by BENCH_STOCK_CONFIG. @throws when it is missing or not JSON. */
export function readStockConfig(): StockConfig {
  return JSON.parse(readFileSync(process.env.BENCH_STOCK_CONFIG!, 'utf8')) as StockConfig;
}

/** The second userinfo path ccauth serves (OpenID Connect's), aliased to the provider's one. */
const OPENID_USERINFO_PATH = '/auth/v3/openid/userinfo';
const USERINFO_PATH = '/auth/v3/userinfo';

/**
 * Builds the stock provider over `adapter` (undefined: oidc-provider's in-memory adapter) and
 * listens on `cfg.port`. Resolves once listening; SIGTERM closes the server and runs `onClose`.
 */
export async function startStockServer(name: string, cfg: StockConfig, adapter?: new (model: string) => Adapter, onClose?: () => Promise<void>): Promise<void> {
  const issuer = `http://127.0.0.1:${cfg.port}`;
  const users = new Map<string, { id: string; hash: string; username: string }>();
  for (const [i, u] of cfg.users.entries()) {
    users.set(u.username.toLowerCase(), { id: `user-${i}`, username: u.username, hash: await argon2.hash(u.password, ARGON2_OPTIONS) });
  }
  const byId = new Map([...users.values()].map((u) => [u.id, u]));

  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), alg: 'ES256', use: 'sig', kid: 'stock' };

  const SCOPE = 'openid offline_access';
  const provider = new Provider(issuer, {
    ...(adapter ? { adapter } : {}),
    clients: cfg.clients.map((c) => ({
      client_id: c.clientId,
      client_secret: c.secret,
      grant_types: ['client_credentials', 'password', 'refresh_token'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: SCOPE,
      id_token_signed_response_alg: 'ES256' as const,
    })),
    jwks: { keys: [jwk as never] },
    cookies: { keys: ['stock-bench-cookie-key'] },
    routes: {
      token: '/auth/v3/oauth/token',
      introspection: '/auth/v3/oauth/introspect',
      revocation: '/auth/v3/oauth/revoke',
      userinfo: USERINFO_PATH,
      jwks: '/auth/v3/oauth/jwks',
      authorization: '/auth/v3/oauth/authorize',
    },
    scopes: ['openid', 'offline_access'],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true, allowedPolicy: async () => true },
      revocation: { enabled: true },
      userinfo: { enabled: true },
    },
    rotateRefreshToken: true,
    findAccount: async (_ctx, id) => {
      const u = byId.get(id);
      return u ? { accountId: id, claims: async () => ({ sub: id, preferred_username: u.username, name: u.username }) } : undefined;
    },
    ttl: { AccessToken: 3600, ClientCredentials: 3600, RefreshToken: 86_400, Grant: 86_400 },
  });
  provider.proxy = true;

  provider.registerGrantType(
    'password',
    async (ctx: KoaContextWithOIDC) => {
      const { username, password } = ctx.oidc.params as { username?: string; password?: string };
      if (!username || !password) throw new errors.InvalidRequest('username and password are required');
      const user = users.get(username.toLowerCase());
      if (!user || !(await argon2.verify(user.hash, password))) throw new errors.InvalidGrant('Bad credentials');
      const client = ctx.oidc.client!;
      const grant = new provider.Grant({ accountId: user.id, clientId: client.clientId });
      grant.addOIDCScope(SCOPE);
      const grantId = await grant.save();
      const at = new provider.AccessToken({ accountId: user.id, client, grantId, gty: 'password', scope: SCOPE });
      ctx.oidc.entity('AccessToken', at);
      const accessToken = await at.save();
      const rt = new provider.RefreshToken({ accountId: user.id, client, grantId, gty: 'password', scope: SCOPE });
      ctx.oidc.entity('RefreshToken', rt);
      const refreshToken = await rt.save();
      ctx.body = { access_token: accessToken, token_type: 'Bearer', expires_in: at.expiration, refresh_token: refreshToken, scope: SCOPE };
    },
    ['username', 'password', 'scope'],
  );

  const callback = provider.callback();
  const server = http.createServer((req, res) => {
    // ccauth serves userinfo at both paths; the stock provider has one route (an exact-path alias)
    if (req.url === OPENID_USERINFO_PATH) req.url = USERINFO_PATH;
    return callback(req, res);
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) => server.listen(cfg.port, '127.0.0.1', resolve));
  process.stdout.write(`${name} listening on ${issuer}\n`);
  process.on('SIGTERM', () => server.close(() => void (onClose ?? (async () => {}))().finally(() => process.exit(0))));
}
