/**
 * SQL for `used_assertion_ids` (migrations/022_used_assertion_ids.ts): single use of JWT assertion
 * `jti`s across every ccauth process (RFC 7523 §3 item 7).
 */
import type { Knex } from 'knex';

export interface UsedAssertionIdsRepository {
  /**
   * Records `idDigest` as used until `expiresAt`; true when this call recorded it first, false when
   * it was already recorded and has not expired (a replay). One atomic statement: of two
   * concurrent calls with the same digest exactly one gets true. An expired earlier record is
   * replaced (the assertion it stood for can no longer be accepted anyway).
   * @throws the driver's error (database unavailable)
   */
  markUsed(idDigest: string, expiresAt: Date): Promise<boolean>;
  /** Deletes up to `batchSize` expired records; returns how many. */
  purgeExpired(batchSize: number): Promise<number>;
}

/** Builds the repository over `db` (a knex instance or a transaction). */
export function createUsedAssertionIdsRepository(db: Knex): UsedAssertionIdsRepository {
  return {
    async markUsed(idDigest, expiresAt) {
      const res = await db.raw(
        `INSERT INTO used_assertion_ids (id_digest, expires_at) VALUES (?, ?)
         ON CONFLICT (id_digest) DO UPDATE SET expires_at = EXCLUDED.expires_at
           WHERE used_assertion_ids.expires_at < now()
         RETURNING id_digest`,
        [idDigest, expiresAt],
      );
      return ((res as { rows?: unknown[] }).rows ?? []).length === 1;
    },
    async purgeExpired(batchSize) {
      const res = await db.raw(
        `DELETE FROM used_assertion_ids WHERE id_digest IN (
           SELECT id_digest FROM used_assertion_ids WHERE expires_at < now() LIMIT ?)`,
        [batchSize],
      );
      return Number((res as { rowCount?: number }).rowCount ?? 0);
    },
  };
}
