/**
 * SQL for `password_history` (migrations/026_password_policy.ts): the earlier password hashes of a
 * user (argon2id PHC strings), newest first. Pass a transaction as `db` to take part in it.
 */
import type { Knex } from 'knex';

/** Repository over the password history of users. */
export function createPasswordHistoryRepository(db: Knex) {
  return {
    /** The `limit` newest earlier hashes of `userId`, newest first (none when `limit` is 0). */
    async recent(userId: string, limit: number): Promise<string[]> {
      if (limit <= 0) return [];
      const rows = await db('password_history').select('password_hash').where({ user_id: userId }).orderBy('id', 'desc').limit(limit);
      return (rows as { password_hash: string }[]).map((r) => r.password_hash);
    },

    /** Records `passwordHash` (the password being replaced) and keeps only the `keep` newest rows of the user. */
    async push(userId: string, passwordHash: string, keep: number): Promise<void> {
      await db('password_history').insert({ user_id: userId, password_hash: passwordHash });
      await db('password_history')
        .where({ user_id: userId })
        .whereNotIn('id', db('password_history').select('id').where({ user_id: userId }).orderBy('id', 'desc').limit(Math.max(keep, 0)))
        .delete();
    },
  };
}
