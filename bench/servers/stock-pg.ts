/**
 * The reference a user would run instead of ccauth, for `npm run bench`: the stock oidc-provider
 * (bench/servers/stock-provider.ts, the same as the in-memory ceiling) with a straightforward
 * PostgreSQL adapter, written the way oidc-provider's adapter documentation (its example
 * adapters' interface: upsert, find, findByUid, findByUserCode, consume, destroy, revokeByGrantId)
 * and most projects write it: one table, the payload as `jsonb`, one statement per adapter call on
 * a `pg.Pool` of 10 connections (pg's default, and ccauth's pool size), tokens stored under their
 * own value (oidc-provider's opaque token id) and persisted before the response like ccauth's.
 *
 * Env BENCH_STOCK_CONFIG (see {@link StockConfig}); `databaseUrl` names the server's own
 * throwaway database, where it creates its table at start.
 */
import pg from 'pg';
import type { Adapter, AdapterPayload } from 'oidc-provider';
import { readStockConfig, startStockServer } from './stock-provider.ts';
import type { StockConfig } from './stock-provider.ts';

const cfg: StockConfig = readStockConfig();
if (!cfg.databaseUrl) throw new Error('stock-pg: databaseUrl missing from BENCH_STOCK_CONFIG');
const pool = new pg.Pool({ connectionString: cfg.databaseUrl, max: 10 });

await pool.query(`
  CREATE TABLE IF NOT EXISTS oidc_payloads (
    id text NOT NULL,
    type text NOT NULL,
    payload jsonb NOT NULL,
    grant_id text,
    user_code text,
    uid text,
    expires_at timestamptz,
    consumed_at timestamptz,
    PRIMARY KEY (id, type)
  );
  CREATE INDEX IF NOT EXISTS oidc_payloads_grant_id ON oidc_payloads (grant_id);
  CREATE INDEX IF NOT EXISTS oidc_payloads_user_code ON oidc_payloads (user_code);
  CREATE INDEX IF NOT EXISTS oidc_payloads_uid ON oidc_payloads (uid);
  CREATE INDEX IF NOT EXISTS oidc_payloads_expires_at ON oidc_payloads (expires_at);
`);

const LIVE = '(expires_at IS NULL OR expires_at > now())';

/** A row back into the payload oidc-provider stored, with `consumed` set once consumed. */
function toPayload(rows: { payload: AdapterPayload; consumed_at: Date | null }[]): AdapterPayload | undefined {
  const row = rows[0];
  if (!row) return undefined;
  return row.consumed_at ? { ...row.payload, consumed: Math.floor(row.consumed_at.getTime() / 1000) } : row.payload;
}

/** oidc-provider's adapter interface over one PostgreSQL table; every method is one statement. */
class PostgresAdapter implements Adapter {
  private readonly type: string;

  /** @param type oidc-provider's model name (AccessToken, Grant, …), stored in the `type` column. */
  constructor(type: string) {
    this.type = type;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    await pool.query(
      `INSERT INTO oidc_payloads (id, type, payload, grant_id, user_code, uid, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $7::int > 0 THEN now() + make_interval(secs => $7::int) END)
       ON CONFLICT (id, type) DO UPDATE SET payload = EXCLUDED.payload, grant_id = EXCLUDED.grant_id,
         user_code = EXCLUDED.user_code, uid = EXCLUDED.uid, expires_at = EXCLUDED.expires_at`,
      [id, this.type, payload, payload.grantId ?? null, payload.userCode ?? null, payload.uid ?? null, expiresIn ?? 0],
    );
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    const r = await pool.query(`SELECT payload, consumed_at FROM oidc_payloads WHERE id = $1 AND type = $2 AND ${LIVE}`, [id, this.type]);
    return toPayload(r.rows);
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    const r = await pool.query(`SELECT payload, consumed_at FROM oidc_payloads WHERE user_code = $1 AND type = $2 AND ${LIVE}`, [userCode, this.type]);
    return toPayload(r.rows);
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    const r = await pool.query(`SELECT payload, consumed_at FROM oidc_payloads WHERE uid = $1 AND type = $2 AND ${LIVE}`, [uid, this.type]);
    return toPayload(r.rows);
  }

  async consume(id: string): Promise<void> {
    await pool.query('UPDATE oidc_payloads SET consumed_at = now() WHERE id = $1 AND type = $2', [id, this.type]);
  }

  async destroy(id: string): Promise<void> {
    await pool.query('DELETE FROM oidc_payloads WHERE id = $1 AND type = $2', [id, this.type]);
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    await pool.query('DELETE FROM oidc_payloads WHERE grant_id = $1', [grantId]);
  }
}

await startStockServer('stock oidc-provider (PostgreSQL adapter)', cfg, PostgresAdapter, () => pool.end());
