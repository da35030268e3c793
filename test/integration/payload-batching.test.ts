/**
 * The batched `oidc_payloads` writer and reader (src/repositories/payload-writer.ts,
 * payload-reader.ts): concurrent rows go out in few statements, each caller learns when its row is
 * stored, the last of two writes of one key wins, a failed statement fails every caller in it; the
 * reader answers exactly like the repository's `find` (live rows only). PostgreSQL and PGlite.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOidcPayloadsRepository } from '../../src/repositories/oidc-payloads.repository.ts';
import type { UpsertPayload } from '../../src/repositories/oidc-payloads.repository.ts';
import { createPayloadWriter } from '../../src/repositories/payload-writer.ts';
import { createPayloadReader } from '../../src/repositories/payload-reader.ts';
import { sqlTokenDigest } from '../../src/repositories/sql-digest.ts';
import { digestToken } from '../../src/security/tokens.ts';
import { createTestDatabase } from '../helpers/test-db.ts';
import type { TestDatabase } from '../helpers/test-db.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.close();
});

const row = (id: string, over: Partial<UpsertPayload> = {}): UpsertPayload => ({
  model: 'ClientCredentials',
  idDigest: id,
  payload: { kind: 'ClientCredentials', clientId: 'c1', scope: '*', n: id },
  grantId: null,
  uid: null,
  userCode: null,
  clientId: 'c1',
  accountId: null,
  expiresAt: new Date(Date.now() + 3_600_000),
  ...over,
});

describe('payload writer', () => {
  it('stores 200 concurrent rows in far fewer statements, each readable once its promise settles', async () => {
    const writer = createPayloadWriter(db.knex, { maxInFlight: 2 });
    const ids = Array.from({ length: 200 }, (_, i) => `w-${i}`);
    let answered = 0; // statements announced through knex's events (query metrics count them)
    const onResponse = () => void (answered += 1);
    db.knex.on('query-response', onResponse);
    await Promise.all(ids.map((id) => writer.upsert(row(id))));
    db.knex.off('query-response', onResponse);
    expect(writer.stats.rows).toBe(200);
    expect(writer.stats.statements).toBeLessThan(20);
    expect(answered).toBe(writer.stats.statements);
    const repo = createOidcPayloadsRepository(db.knex);
    const found = await repo.find('ClientCredentials', 'w-123');
    expect(found?.payload).toEqual({ kind: 'ClientCredentials', clientId: 'c1', scope: '*', n: 'w-123' });
    expect(Number((await db.knex('oidc_payloads').where('id_digest', 'like', 'w-%').count({ n: '*' }))[0]!.n)).toBe(200);
  });

  it('replaces an existing row, and keeps the later of two writes of one key in a batch', async () => {
    const writer = createPayloadWriter(db.knex, { maxInFlight: 1 });
    await writer.upsert(row('dup', { grantId: 'g0' }));
    await Promise.all([writer.upsert(row('blocker')), writer.upsert(row('dup', { grantId: 'g1' })), writer.upsert(row('dup', { grantId: 'g2' }))]);
    const r = await db.knex('oidc_payloads').where({ model: 'ClientCredentials', id_digest: 'dup' }).first();
    expect(r.grant_id).toBe('g2');
  });

  it('a row refused for its values fails only its own caller, and the writer keeps working', async () => {
    const writer = createPayloadWriter(db.knex, { maxInFlight: 1 });
    const bad = row('bad', { model: null as unknown as string }); // NOT NULL violation
    const before = writer.stats.statements;
    const results = await Promise.allSettled([writer.upsert(row('ok-0')), writer.upsert(bad), writer.upsert(row('ok-1'))]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(String((results[1] as PromiseRejectedResult).reason)).toMatch(/null value|not-null|violates/i);
    expect(writer.stats.statements - before).toBe(4); // the batch of three, then each row alone
    for (const id of ['ok-0', 'ok-1']) expect(await db.knex('oidc_payloads').where({ id_digest: id }).first()).toBeDefined();
    await writer.upsert(row('ok-2'));
    expect(await db.knex('oidc_payloads').where({ id_digest: 'ok-2' }).first()).toBeDefined();
  });
});

describe('payload reader', () => {
  it('answers concurrent lookups (hits, misses, duplicates, expired rows) like the repository, in few statements', async () => {
    const writer = createPayloadWriter(db.knex);
    await Promise.all(Array.from({ length: 50 }, (_, i) => writer.upsert(row(`r-${i}`, { model: i % 2 ? 'AccessToken' : 'ClientCredentials' }))));
    await writer.upsert(row('r-expired', { expiresAt: new Date(Date.now() - 1000) }));
    await db.knex('oidc_payloads').where({ id_digest: 'r-3' }).update({ consumed_at: db.knex.fn.now() });
    const repo = createOidcPayloadsRepository(db.knex);
    const reader = createPayloadReader(db.knex);
    const keys: [string, string][] = [];
    for (let i = 0; i < 50; i++) for (const model of ['AccessToken', 'ClientCredentials', 'RefreshToken']) keys.push([model, `r-${i}`]);
    keys.push(['ClientCredentials', 'r-expired'], ['ClientCredentials', 'r-0'], ['AccessToken', 'nope']);
    const got = await Promise.all(keys.map(([m, d]) => reader.find(m, d)));
    const want = await Promise.all(keys.map(([m, d]) => repo.find(m, d)));
    expect(got).toEqual(want);
    expect(got.filter(Boolean)).toHaveLength(51);
    expect(got[keys.findIndex(([m, d]) => m === 'AccessToken' && d === 'r-3')]!.consumed_at).toBeInstanceOf(Date);
    expect(reader.stats.lookups).toBe(keys.length);
    expect(reader.stats.statements).toBeLessThan(10);
  });
});

describe('the grant read with its token (issue 6)', () => {
  it('sqlTokenDigest computes digestToken in SQL, for ASCII and non-ASCII ids', async () => {
    for (const id of ['grant-abc', 'Ünïcødé \u4e2d\u6587 id', 'x'.repeat(300), 'a+b/c=']) {
      const r = await db.knex.raw(`SELECT ${sqlTokenDigest('?::text')} AS d`, [id]);
      expect((r as { rows: Array<{ d: string }> }).rows[0]!.d).toBe(digestToken(id));
    }
  });

  it("a token row comes with its grant's live row, null when the grant is gone or expired, nothing without a grant", async () => {
    const writer = createPayloadWriter(db.knex);
    const reader = createPayloadReader(db.knex);
    const grant = (id: string, expiresAt: Date) =>
      row(digestToken(id), { model: 'Grant', payload: { kind: 'Grant', clientId: 'c1', accountId: 'ops' }, clientId: 'c1', expiresAt });
    const token = (digest: string, grantId: string) => row(digest, { model: 'AccessToken', payload: { kind: 'AccessToken', grantId }, grantId });
    await writer.upsert(grant('g-live', new Date(Date.now() + 3_600_000)));
    await writer.upsert(grant('g-expired', new Date(Date.now() - 1000)));
    await writer.upsert(token('at-live', 'g-live'));
    await writer.upsert(token('at-expired-grant', 'g-expired'));
    await writer.upsert(token('at-no-grant-row', 'g-missing'));
    await writer.upsert(row('cc-no-grant'));
    const [live, expired, missing, none, grantItself] = await Promise.all([
      reader.find('AccessToken', 'at-live'),
      reader.find('AccessToken', 'at-expired-grant'),
      reader.find('AccessToken', 'at-no-grant-row'),
      reader.find('ClientCredentials', 'cc-no-grant'),
      reader.find('Grant', digestToken('g-live')),
    ]);
    expect(live?.grant?.payload).toEqual({ kind: 'Grant', clientId: 'c1', accountId: 'ops' });
    expect(expired?.payload).toEqual({ kind: 'AccessToken', grantId: 'g-expired' });
    expect(expired?.grant).toBeNull();
    expect(missing?.grant).toBeNull();
    expect(none).toBeDefined();
    expect(none!.grant).toBeUndefined();
    expect(grantItself).toBeDefined();
    expect(grantItself!.grant).toBeUndefined();
  });
});
