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
import { createPayloadUpdater } from '../../src/repositories/payload-updater.ts';
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

  it('stores every column as given: millisecond expiry, no expiry, nulls, nested payloads, quotes and non-ASCII text', async () => {
    const writer = createPayloadWriter(db.knex, { maxInFlight: 1 });
    const expiresAt = new Date(Date.UTC(2031, 4, 6, 7, 8, 9, 123));
    const payload = { kind: 'RefreshToken', n: 1.5, big: 2 ** 53 - 1, nested: { a: [1, 'two', null, { b: true }] }, text: 'quote " backslash \\ {brace} ,comma 😀 é\ttab', empty: '' };
    const full = row('cols-full', { model: 'RefreshToken', payload, grantId: 'g-"1"', uid: "u,{'x'}", userCode: 'CODE-😀', clientId: 'client \\ one', accountId: 'bench\\user', expiresAt });
    const bare = row('cols-bare', { clientId: null, expiresAt: null });
    await Promise.all([writer.upsert(full), writer.upsert(bare)]);
    const got = await db.knex('oidc_payloads').whereIn('id_digest', ['cols-full', 'cols-bare']).orderBy('id_digest', 'desc');
    expect(got.map((r) => r.id_digest)).toEqual(['cols-full', 'cols-bare']);
    expect(got[0]).toMatchObject({ model: 'RefreshToken', grant_id: 'g-"1"', uid: "u,{'x'}", user_code: 'CODE-😀', client_id: 'client \\ one', account_id: 'bench\\user' });
    expect(typeof got[0].payload === 'string' ? JSON.parse(got[0].payload) : got[0].payload).toEqual(payload);
    expect(new Date(got[0].expires_at).toISOString()).toBe('2031-05-06T07:08:09.123Z');
    expect(got[1]).toMatchObject({ grant_id: null, uid: null, user_code: null, client_id: null, account_id: null, expires_at: null });
  });

  it('refuses, for its own caller only, text PostgreSQL cannot store (U+0000)', async () => {
    const writer = createPayloadWriter(db.knex, { maxInFlight: 1 });
    const results = await Promise.allSettled([writer.upsert(row('nul-ok')), writer.upsert(row('nul-bad', { payload: { kind: 'x', v: 'a\u0000b' } })), writer.upsert(row('nul-bad-2', { accountId: 'a\u0000b' }))]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected']);
    expect(await db.knex('oidc_payloads').where({ id_digest: 'nul-ok' }).first()).toBeDefined();
    expect(await db.knex('oidc_payloads').whereIn('id_digest', ['nul-bad', 'nul-bad-2'])).toEqual([]);
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

  it.skipIf(!process.env.DATABASE_URL)('a statement stuck on a row lock holds up later rows only for overlapAfterMs, then a second one overlaps it', async () => {
    const writer = createPayloadWriter(db.knex, { maxInFlight: 2, overlapAfterMs: 50 });
    await writer.upsert(row('locked'));
    const trx = await db.knex.transaction();
    try {
      await trx('oidc_payloads').where({ model: 'ClientCredentials', id_digest: 'locked' }).forUpdate().first();
      const stuck = writer.upsert(row('locked', { grantId: 'after-lock' }));
      let stuckSettled = false;
      void stuck.finally(() => void (stuckSettled = true));
      await new Promise((r) => setTimeout(r, 10)); // the stuck statement is out, waiting for the lock
      const started = performance.now();
      await writer.upsert(row('behind-the-lock'));
      const waitedMs = performance.now() - started;
      expect(stuckSettled).toBe(false);
      expect(waitedMs).toBeGreaterThanOrEqual(30); // not sent at once: it waited for the overlap delay
      expect(await db.knex('oidc_payloads').where({ id_digest: 'behind-the-lock' }).first()).toBeDefined();
      await trx.commit();
      await stuck;
      expect((await db.knex('oidc_payloads').where({ id_digest: 'locked' }).first()).grant_id).toBe('after-lock');
    } finally {
      if (!trx.isCompleted()) await trx.rollback();
    }
  });

  it.skipIf(!process.env.DATABASE_URL)('with maxInFlight 1 nothing overlaps a stuck statement', async () => {
    const writer = createPayloadWriter(db.knex, { maxInFlight: 1, overlapAfterMs: 0 });
    await writer.upsert(row('locked-1'));
    const trx = await db.knex.transaction();
    try {
      await trx('oidc_payloads').where({ model: 'ClientCredentials', id_digest: 'locked-1' }).forUpdate().first();
      const stuck = writer.upsert(row('locked-1', { grantId: 'after-lock' }));
      await new Promise((r) => setTimeout(r, 10));
      let behindSettled = false;
      const behind = writer.upsert(row('behind-1')).finally(() => void (behindSettled = true));
      await new Promise((r) => setTimeout(r, 150));
      expect(behindSettled).toBe(false);
      await trx.commit();
      await Promise.all([stuck, behind]);
      expect(await db.knex('oidc_payloads').where({ id_digest: 'behind-1' }).first()).toBeDefined();
    } finally {
      if (!trx.isCompleted()) await trx.rollback();
    }
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

describe('payload reader: one key for several models', () => {
  it('answers findIn with every live row of the digest in the given models, by model, next to plain lookups in one statement', async () => {
    const writer = createPayloadWriter(db.knex);
    await writer.upsert(row('multi-1', { model: 'AccessToken', payload: { kind: 'AccessToken', n: 1 } }));
    await writer.upsert(row('multi-1', { model: 'Grant', payload: { kind: 'Grant', n: 2 } }));
    await writer.upsert(row('multi-2', { model: 'RefreshToken', payload: { kind: 'RefreshToken', n: 3 }, expiresAt: new Date(Date.now() - 1000) }));
    const reader = createPayloadReader(db.knex);
    const [both, onlyTokens, expired, none, plain] = await Promise.all([
      reader.findIn(['AccessToken', 'Grant'], 'multi-1'),
      reader.findIn(['AccessToken', 'ClientCredentials', 'RefreshToken'], 'multi-1'),
      reader.findIn(['AccessToken', 'ClientCredentials', 'RefreshToken'], 'multi-2'),
      reader.findIn(['AccessToken'], 'no-such-digest'),
      reader.find('Grant', 'multi-1'),
    ]);
    expect([...both.keys()].sort()).toEqual(['AccessToken', 'Grant']);
    expect(both.get('AccessToken')!.payload).toEqual({ kind: 'AccessToken', n: 1 });
    expect(both.get('Grant')!.payload).toEqual({ kind: 'Grant', n: 2 });
    expect([...onlyTokens.keys()]).toEqual(['AccessToken']);
    expect(expired.size).toBe(0);
    expect(none.size).toBe(0);
    expect(plain?.payload).toEqual({ kind: 'Grant', n: 2 });
    expect(reader.stats.statements).toBe(1);
  });

  it("brings a user account's row with its token unless asked not to (withUser: false)", async () => {
    const writer = createPayloadWriter(db.knex);
    const accountId = 'user:00000000-0000-4000-8000-000000000001'; // no such user: null with the user, absent without
    await writer.upsert(row('with-user-1', { model: 'AccessToken', payload: { kind: 'AccessToken', accountId }, accountId }));
    const reader = createPayloadReader(db.knex);
    const [withUser, without] = await Promise.all([
      reader.findIn(['AccessToken', 'RefreshToken'], 'with-user-1'),
      reader.findIn(['AccessToken', 'RefreshToken'], 'with-user-1', { withUser: false }),
    ]);
    expect(withUser.get('AccessToken')!.user).toBeNull();
    expect(without.get('AccessToken')!).not.toHaveProperty('user');
    expect(without.get('AccessToken')!.payload).toEqual({ kind: 'AccessToken', accountId });
    expect(reader.stats.statements).toBe(1);
  });
});

describe('the grant read with its token (docs/performance.md)', () => {
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

describe('payload updater (batched consume and refresh successors, docs/performance.md)', () => {
  it('consumes each row once: in one statement, the first caller of a key wins and every duplicate, consumed or missing row gets false', async () => {
    const writer = createPayloadWriter(db.knex);
    await Promise.all(['c-0', 'c-1', 'c-2', 'c-old'].map((id) => writer.upsert(row(id, { model: 'RefreshToken' }))));
    const updater = createPayloadUpdater(db.knex);
    expect(await updater.consume('RefreshToken', 'c-old')).toBe(true);
    const before = updater.stats.consume;
    const results = await Promise.all([
      updater.consume('RefreshToken', 'c-0'),
      updater.consume('RefreshToken', 'c-0'),
      updater.consume('RefreshToken', 'c-1'),
      updater.consume('RefreshToken', 'c-old'), // consumed earlier
      updater.consume('RefreshToken', 'missing'),
      updater.consume('AccessToken', 'c-2'), // another model's key: no such row
      updater.consume('RefreshToken', 'c-0'),
    ]);
    expect(results).toEqual([true, false, true, false, false, false, false]);
    expect(updater.stats.consume - before).toBe(1); // one statement for the seven calls
    const consumed = await db.knex('oidc_payloads').whereIn('id_digest', ['c-0', 'c-1', 'c-2']).orderBy('id_digest').select('id_digest', 'consumed_at');
    expect(consumed.map((r: { consumed_at: Date | null }) => r.consumed_at !== null)).toEqual([true, true, false]);
    // and afterwards, alone
    expect(await updater.consume('RefreshToken', 'c-2')).toBe(true);
    expect(await updater.consume('RefreshToken', 'c-2')).toBe(false);
  });

  it('gives exactly one of 40 concurrent consumers of one row true, across two updaters (two processes)', async () => {
    await createPayloadWriter(db.knex).upsert(row('race', { model: 'AuthorizationCode' }));
    const a = createPayloadUpdater(db.knex);
    const b = createPayloadUpdater(db.knex);
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).consume('AuthorizationCode', 'race')));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('stores successors in one statement (the last call of a key wins), and a row whose value is refused fails only its caller', async () => {
    const writer = createPayloadWriter(db.knex);
    await Promise.all(['s-0', 's-1', 's-2'].map((id) => writer.upsert(row(id, { model: 'RefreshToken' }))));
    const updater = createPayloadUpdater(db.knex);
    const until = new Date(Date.now() + 10_000);
    const before = updater.stats.successor;
    await Promise.all([
      updater.setSuccessor('RefreshToken', 's-0', 'sealed-a', until),
      updater.setSuccessor('RefreshToken', 's-1', 'sealed-b', until),
      updater.setSuccessor('RefreshToken', 's-0', 'sealed-c', until),
    ]);
    expect(updater.stats.successor - before).toBe(1);
    const repo = createOidcPayloadsRepository(db.knex);
    expect((await repo.findSuccessor('RefreshToken', 's-0'))?.sealed).toBe('sealed-c');
    expect((await repo.findSuccessor('RefreshToken', 's-1'))?.sealed).toBe('sealed-b');
    const results = await Promise.allSettled([
      updater.setSuccessor('RefreshToken', 's-1', 'sealed-d', until),
      updater.setSuccessor('RefreshToken', 's-2', 'bad\u0000sealed', until), // PostgreSQL text cannot hold U+0000
      updater.setSuccessor('RefreshToken', 's-0', 'sealed-e', until),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((await repo.findSuccessor('RefreshToken', 's-1'))?.sealed).toBe('sealed-d');
    expect((await repo.findSuccessor('RefreshToken', 's-0'))?.sealed).toBe('sealed-e');
    expect((await repo.findSuccessor('RefreshToken', 's-2'))?.sealed).toBeNull();
  });
});
