/**
 * Links between grants in `oidc_payloads` (README "API" → token exchange, RFC 8693): a grant made
 * by a token exchange for another client is a child of the subject token's grant, so revoking the
 * subject's grant (sign-out, revocation, refresh-token reuse detection) revokes the child too. The
 * child's `grant_id` column names its root grant (a chain of exchanges stays one level deep). A
 * grant made by a token exchange whose subject token names no grant (an ID token, a JWT access
 * token) carries {@link EXCHANGE_WITHOUT_PARENT} there: it is never a root grant either.
 */

/** `grant_id` of an exchange-made grant without a parent grant. */
export const EXCHANGE_WITHOUT_PARENT = 'urn:ccauth:token-exchange';
import type { Knex } from 'knex';

export interface GrantLinksRepository {
  /**
   * Makes grant `childId` a child of `parentId`'s root (the parent's own parent, or the parent).
   * @returns false when the child grant row does not exist.
   */
  link(childId: string, childDigest: string, parentId: string, parentDigest: string): Promise<boolean>;
  /** Deletes the grants that are children of `grantId`; returns how many. */
  deleteChildren(grantId: string): Promise<number>;
  /**
   * True when `accountId` still holds a live (unexpired, unrevoked) grant with `clientId` that the
   * user gave, or that a token exchange made from one (a child dies with its parent), but not one an
   * exchange made from a token without a grant: what a signed token that names no grant (an ID
   * token, a JWT access token) can still be checked against.
   */
  hasLiveGrant(accountId: string, clientId: string): Promise<boolean>;
  /** Marks grant `childDigest` as made by an exchange without a parent grant; false when absent. */
  markWithoutParent(childDigest: string): Promise<boolean>;
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
    async hasLiveGrant(accountId, clientId) {
      const row = await db('oidc_payloads')
        .where({ model: 'Grant', account_id: accountId, client_id: clientId })
        .andWhere((q) => q.whereNull('grant_id').orWhereNot('grant_id', EXCHANGE_WITHOUT_PARENT))
        .andWhere((q) => q.whereNull('expires_at').orWhere('expires_at', '>', db.fn.now()))
        .first(db.raw('1 AS live'));
      return row !== undefined;
    },
    async markWithoutParent(childDigest) {
      const res = await db.raw(`UPDATE oidc_payloads SET grant_id = ? WHERE model = 'Grant' AND id_digest = ?`, [EXCHANGE_WITHOUT_PARENT, childDigest]);
      return Number((res as { rowCount?: number }).rowCount ?? 0) === 1;
    },
    async deleteChildren(grantId) {
      const res = await db.raw(`DELETE FROM oidc_payloads WHERE model = 'Grant' AND grant_id = ?`, [grantId]);
      return Number((res as { rowCount?: number }).rowCount ?? 0);
    },
  };
}
