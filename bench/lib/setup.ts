/**
 * Benchmark fixtures: a throwaway PostgreSQL database, clients and users created through ccauth's
 * real HTTP API, and (`--large`) bulk rows written with set-based SQL.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** A database created for one run; `drop()` removes it (WITH FORCE). */
export interface BenchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

async function admin<T = unknown>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

/** Creates `<prefix>_<hex>` (default `ccauth_bench_<hex>`) on the server of `baseUrl`. */
export async function createBenchDatabase(baseUrl: string, prefix = 'ccauth_bench'): Promise<BenchDatabase> {
  if (!/^[a-z_]+$/.test(prefix)) throw new Error(`bad database prefix ${prefix}`);
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  await admin(baseUrl, `CREATE DATABASE ${name}`);
  const u = new URL(baseUrl);
  u.pathname = `/${name}`;
  let dropped = false;
  return {
    name,
    url: u.toString(),
    async drop() {
      if (dropped) return;
      dropped = true;
      await admin(baseUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

/** Pids of the PostgreSQL backends connected to `dbName` (for their CPU time). */
export async function backendPids(baseUrl: string, dbName: string): Promise<number[]> {
  const rows = await admin<{ pid: number }>(baseUrl, 'SELECT pid FROM pg_stat_activity WHERE datname = $1', [dbName]);
  return rows.map((r) => r.pid);
}

/** Credentials made for the run (the same on ccauth and the stock server). */
export interface Fixtures {
  clients: { clientId: string; secret: string }[];
  /** `username` is the full login (`bench\userN`). */
  users: { username: string; password: string }[];
}

export const BENCH_DOMAIN = 'bench';
export const BENCH_PASSWORD = 'Bench-Password-1';

async function call(base: string, auth: string, method: string, path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(base + path, {
    method,
    headers: { authorization: auth, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (res.status !== 200) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/**
 * Creates an environment, a contact center (domain `bench`), `users` users and `clients` clients
 * through ccauth's Environment and ops APIs (argon2id hashing included), two at a time.
 */
export async function createFixtures(base: string, ops: { username: string; password: string }, counts: { clients: number; users: number }): Promise<Fixtures> {
  const auth = `Basic ${Buffer.from(`${ops.username}:${ops.password}`).toString('base64')}`;
  const env = await call(base, auth, 'POST', '/environment/v3/environments', { data: { username: 'default', password: 'password' } });
  const envId = String(env.path).split('/')[2];
  const cc = await call(base, auth, 'POST', '/environment/v3/contact-centers', { data: { environmentId: envId, domains: [BENCH_DOMAIN], auth: 'configServer' } });
  const ccid = String(cc.path).split('/')[2];

  const fixtures: Fixtures = { clients: [], users: [] };
  const userIdx = Array.from({ length: counts.users }, (_, i) => i + 1);
  const clientIdx = Array.from({ length: counts.clients }, (_, i) => i + 1);
  const inPairs = async (items: number[], fn: (i: number) => Promise<void>) => {
    for (let i = 0; i < items.length; i += 2) await Promise.all(items.slice(i, i + 2).map(fn));
  };
  await inPairs(userIdx, async (i) => {
    await call(base, auth, 'POST', `/environment/v3/contact-centers/${ccid}/users`, { data: { username: `user${i}`, password: BENCH_PASSWORD, firstName: 'Bench', lastName: `User${i}` } });
    fixtures.users.push({ username: `${BENCH_DOMAIN}\\user${i}`, password: BENCH_PASSWORD });
  });
  await inPairs(clientIdx, async (i) => {
    const res = await call(base, auth, 'POST', '/auth/v3/ops/clients', {
      data: {
        client_id: `bench-client-${i}`,
        name: `bench client ${i}`,
        clientType: 'CONFIDENTIAL',
        internalClient: true,
        authorities: ['ROLE_INTERNAL_CLIENT'],
        scope: ['*'],
        authorizedGrantTypes: ['client_credentials', 'password', 'refresh_token'],
        redirectURIs: [],
        accessTokenExpirationTimeout: 3600,
        refreshTokenExpirationTimeout: 86_400,
      },
    });
    const data = res.data as { client_id: string; client_secret: string };
    fixtures.clients.push({ clientId: data.client_id, secret: data.client_secret });
  });
  fixtures.users.sort((a, b) => a.username.localeCompare(b.username));
  fixtures.clients.sort((a, b) => a.clientId.localeCompare(b.clientId));
  return fixtures;
}

/**
 * `--large`: adds `clients` clients (sharing one argon2id hash, no contact centers) and `tokens`
 * live `oidc_payloads` rows (a mix of AccessToken, ClientCredentials, RefreshToken and Grant rows
 * spread over those clients), with set-based INSERT ... SELECT generate_series, then VACUUM (ANALYZE).
 * @returns seconds spent.
 */
export async function fillLarge(url: string, counts: { clients: number; tokens: number }, secretHash: string): Promise<number> {
  const started = Date.now();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(
      `INSERT INTO clients (client_id, name, client_type, internal_client, secret_hash, authorities, scope,
         authorized_grant_types, redirect_uris, access_token_ttl_seconds, refresh_token_ttl_seconds)
       SELECT 'bulk-client-' || g, 'bulk client ' || g, 'CONFIDENTIAL', false, $1, '{}', '{*}',
         '{client_credentials,refresh_token,password}', '{}', 3600, 86400
       FROM generate_series(1, $2::int) g`,
      [secretHash, counts.clients],
    );
    // batches of 250k rows keep each statement's memory bounded
    const batch = 250_000;
    for (let from = 1; from <= counts.tokens; from += batch) {
      const to = Math.min(counts.tokens, from + batch - 1);
      await client.query(
        `INSERT INTO oidc_payloads (model, id_digest, payload, grant_id, client_id, account_id, expires_at)
         SELECT (ARRAY['AccessToken','ClientCredentials','RefreshToken','Grant'])[1 + g % 4],
                encode(sha256(('bulk-token-' || g)::bytea), 'base64'),
                jsonb_build_object('kind', (ARRAY['AccessToken','ClientCredentials','RefreshToken','Grant'])[1 + g % 4],
                  'clientId', 'bulk-client-' || (1 + g % $3::int), 'scope', '*',
                  'iat', extract(epoch from now())::int, 'exp', extract(epoch from now())::int + 86400),
                'bulk-grant-' || (g / 4), 'bulk-client-' || (1 + g % $3::int),
                CASE WHEN g % 4 = 1 THEN NULL ELSE 'user:bulk-' || (g % 50000) END,
                now() + interval '1 day'
         FROM generate_series($1::int, $2::int) g`,
        [from, to, counts.clients],
      );
    }
    // VACUUM too, as after any bulk load: otherwise autovacuum's insert-triggered pass over the
    // million new rows ran during the first large-database scenario and slowed both servers
    await client.query('VACUUM (ANALYZE) clients');
    await client.query('VACUUM (ANALYZE) oidc_payloads');
  } finally {
    await client.end();
  }
  return (Date.now() - started) / 1000;
}
