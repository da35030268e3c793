/**
 * Links between grants in `oidc_payloads` (README "API" → token exchange, RFC 8693): a grant made
 * by a token exchange for another client is a child of the subject token's grant, so revoking the
 * subject's grant (sign-out, revocation, refresh-token reuse detection) revokes the child too. The
 * child's `grant_id` column names its root grant (a chain of exchanges stays one level deep).
 */
import type { Knex } from 'knex';

export interface GrantLinksRepository {
  /**
   * Makes grant `childId` a child of `parentId`'s root (the parent's own parent, or the parent).
   * @returns false when the child grant row does not exist.
   */
  link(childId: string, childDigest: string, parentId: string, parentDigest: string): Promise<boolean>;
  /** Deletes the grants that are children of `grantId`; returns how many. */
  deleteChildren(grantId: string): Promise<number>;
}

/** Builds the repository over `db`. */
export function createGrantLinksRepository(db: Knex): GrantLinksRepository {
  return {
    async link(_childId, childDigest, parentId, parentDigest) {
      const res = await db.raw(
        `UPDATE oidc_payloads SET grant_id = COALESCE(
           (SELECT p.grant_id FROM oidc_payloads p WHERE p.model = 'Grant' AND p.id_digest = ?), ?)
         WHERE model = 'Grant' AND id_digest = ?`,
        [parentDigest, parentId, childDigest],
      );
      return Number((res as { rowCount?: number }).rowCount ?? 0) === 1;
    },
    async deleteChildren(grantId) {
      const res = await db.raw(`DELETE FROM oidc_payloads WHERE model = 'Grant' AND grant_id = ?`, [grantId]);
      return Number((res as { rowCount?: number }).rowCount ?? 0);
    },
  };
}
