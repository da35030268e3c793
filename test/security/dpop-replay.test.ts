/**
 * DPoP proof single use across processes (RFC 9449 §11.1; README "Security model" → "DPoP"): two
 * ccauth apps, each with its own connection pool, on one PostgreSQL database, as two processes of a
 * deployment would be. A proof accepted by one is refused by the other, at the token endpoint and
 * on a resource route, and of the same proof sent to both at once exactly one request succeeds
 * (the `jti` is recorded by one atomic statement, not read then written).
 * Skipped without DATABASE_URL: the embedded PGlite database belongs to one process.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { CryptoKey, JWK } from 'jose';
import supertest from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import type { CcauthApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config/config.ts';
import { createDatabase } from '../../src/db/knex.ts';
import type { Database } from '../../src/db/knex.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createTestDatabase } from '../helpers/test-db.ts';
import type { TestDatabase } from '../helpers/test-db.ts';
import { RELAXED_RATE_LIMITS, basic, seedClientBody } from '../helpers/test-app.ts';

const hasPostgres = !!process.env.DATABASE_URL;
if (!hasPostgres) console.warn('dpop-replay: skipped: needs DATABASE_URL (PGlite is a single-process database)');

const ISSUER = 'http://ccauth.test';
const TOKEN = '/auth/v3/oauth/token';
const USERINFO = '/auth/v3/userinfo';

let db: TestDatabase | undefined;
let secondDb: Database | undefined;
const apps: CcauthApp[] = [];
let a: TestAgent;
let b: TestAgent;
let client: { clientId: string; secret: string };
let key: { privateKey: CryptoKey; jwk: JWK; jkt: string };

async function proof(htm: string, path: string, extra: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT({ htm, htu: `${ISSUER}${path}`, iat: Math.floor(Date.now() / 1000), jti: randomUUID(), ...extra })
    .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: key.jwk })
    .sign(key.privateKey);
}

const clientCredentials = (agent: TestAgent, p: string) =>
  agent.post(TOKEN).set('Authorization', basic(client.clientId, client.secret)).set('DPoP', p).type('form').send({ grant_type: 'client_credentials' });

describe.skipIf(!hasPostgres)('DPoP proofs are single use across two app instances on one database', () => {
  beforeAll(async () => {
    db = await createTestDatabase();
    secondDb = createDatabase({ kind: 'postgres', url: db.url!, poolMax: 10 });
    const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'warn', PUBLIC_URL: ISSUER, ...RELAXED_RATE_LIMITS });
    const keyEncryptionKeys = [randomBytes(32)];
    const quiet = () => createLogger({ level: 'warn', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
    apps.push(await createApp({ config, db, logger: quiet(), keyEncryptionKeys }));
    apps.push(await createApp({ config, db: secondDb, logger: quiet(), keyEncryptionKeys }));
    a = supertest(apps[0]!.app.callback());
    b = supertest(apps[1]!.app.callback());
    const created = await a.post('/auth/v3/ops/clients').set('Authorization', basic('ops', 'ops')).send(seedClientBody({ client_id: 'replay_client' }));
    expect(created.status).toBe(200);
    client = { clientId: 'replay_client', secret: created.body.data.client_secret };
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const jwk = await exportJWK(publicKey);
    key = { privateKey, jwk, jkt: await calculateJwkThumbprint(jwk) };
  }, 60_000);

  afterAll(async () => {
    for (const app of apps) app.stop();
    await secondDb?.close();
    await db?.close();
  });

  it('token endpoint: a proof used on one instance is refused on the other', async () => {
    const p = await proof('POST', TOKEN);
    const first = await clientCredentials(a, p);
    expect(first.status, first.text).toBe(200);
    expect(first.body.token_type).toBe('DPoP');
    const again = await clientCredentials(b, p);
    expect(again.status).toBe(400);
    expect(again.body.error).toBe('invalid_dpop_proof');
  });

  it('token endpoint: of one proof sent to both instances at once, exactly one request gets a token', async () => {
    for (let round = 0; round < 5; round++) {
      const p = await proof('POST', TOKEN);
      const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => clientCredentials(i % 2 ? b : a, p)));
      const ok = answers.filter((r) => r.status === 200);
      expect(ok, `round ${round}: ${answers.map((r) => r.status).join(',')}`).toHaveLength(1);
      for (const r of answers.filter((x) => x.status !== 200)) expect(r.body.error).toBe('invalid_dpop_proof');
    }
  });

  it('resource route: a proof used on one instance is refused on the other, and at once only one succeeds', async () => {
    const issued = await clientCredentials(a, await proof('POST', TOKEN));
    const token = issued.body.access_token as string;
    const ath = createHash('sha256').update(token).digest('base64url');
    const get = (agent: TestAgent, p: string) => agent.get(USERINFO).set('Authorization', `DPoP ${token}`).set('DPoP', p);

    const p = await proof('GET', USERINFO, { ath });
    const first = await get(b, p);
    expect(first.status, first.text).toBe(200);
    const again = await get(a, p);
    expect(again.status).toBe(401);
    expect(again.headers['www-authenticate']).toContain('error="invalid_dpop_proof"');

    for (let round = 0; round < 5; round++) {
      const q = await proof('GET', USERINFO, { ath });
      const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => get(i % 2 ? b : a, q)));
      expect(answers.filter((r) => r.status === 200), `round ${round}`).toHaveLength(1);
    }
  });
});
