/**
 * SQL for `console_sessions` (migrations/012_console_sessions.ts). Rows are keyed by the SHA-256
 * of the session id; the id itself never reaches this table.
 */
import type { Knex } from 'knex';

/** A live session row. Timestamps are epoch milliseconds. */
export interface ConsoleSessionRow {
  idDigest: string;
  username: string;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
  /** Sealed one-time message, or null (also null once `flash_expires_at` has passed). */
  flashSealed: string | null;
}

interface Row {
  id_digest: string;
  username: string;
  created_at: Date;
  last_seen_at: Date;
  expires_at: Date;
  flash_sealed: string | null;
}

/** Repository over `console_sessions`. */
export function createConsoleSessionsRepository(db: Knex) {
  return {
    /** Stores a new session that ends at `expiresAt`. */
    async insert(s: { idDigest: string; username: string; sourceIp: string | null; expiresAt: Date }): Promise<void> {
      await db('console_sessions').insert({ id_digest: s.idDigest, username: s.username, source_ip: s.sourceIp, expires_at: s.expiresAt });
    },

    /**
     * The session if it has not expired and was seen within `idleSeconds`; an unexpired flash is
     * included.
     */
    async findLive(idDigest: string, idleSeconds: number): Promise<ConsoleSessionRow | undefined> {
      const row = (await db('console_sessions')
        .select('id_digest', 'username', 'created_at', 'last_seen_at', 'expires_at', db.raw('CASE WHEN flash_expires_at > now() THEN flash_sealed END AS flash_sealed'))
        .where({ id_digest: idDigest })
        .andWhere('expires_at', '>', db.fn.now())
        .andWhereRaw(`last_seen_at > now() - make_interval(secs => ?)`, [idleSeconds])
        .first()) as Row | undefined;
      if (!row) return undefined;
      return {
        idDigest: row.id_digest,
        username: row.username,
        createdAt: new Date(row.created_at).getTime(),
        lastSeenAt: new Date(row.last_seen_at).getTime(),
        expiresAt: new Date(row.expires_at).getTime(),
        flashSealed: row.flash_sealed,
      };
    },

    /** Marks the session as seen now (idle timeout). */
    async touch(idDigest: string): Promise<void> {
      await db('console_sessions').where({ id_digest: idDigest }).update({ last_seen_at: db.fn.now() });
    },

    /** Stores (replaces) the sealed one-time message, valid for `ttlSeconds`. */
    async setFlash(idDigest: string, sealed: string, ttlSeconds: number): Promise<void> {
      await db('console_sessions')
        .where({ id_digest: idDigest })
        .update({ flash_sealed: sealed, flash_expires_at: db.raw(`now() + make_interval(secs => ?)`, [ttlSeconds]) });
    },

    /**
     * Clears the flash if it is still `sealed`; true only for the one caller that cleared it (so a
     * message is shown at most once even when two requests race).
     */
    async clearFlash(idDigest: string, sealed: string): Promise<boolean> {
      const rows = await db('console_sessions').where({ id_digest: idDigest, flash_sealed: sealed }).update({ flash_sealed: null, flash_expires_at: null }, ['id_digest']);
      return rows.length > 0;
    },

    /** Deletes one session; true when it existed. */
    async delete(idDigest: string): Promise<boolean> {
      return (await db('console_sessions').where({ id_digest: idDigest }).delete(['id_digest'])).length > 0;
    },

    /** Deletes expired sessions (and those idle longer than `idleSeconds`); returns how many. */
    async purgeExpired(idleSeconds: number): Promise<number> {
      const rows = await db('console_sessions')
        .where('expires_at', '<=', db.fn.now())
        .orWhereRaw(`last_seen_at <= now() - make_interval(secs => ?)`, [idleSeconds])
        .delete(['id_digest']);
      return rows.length;
    },
  };
}

export type ConsoleSessionsRepository = ReturnType<typeof createConsoleSessionsRepository>;
