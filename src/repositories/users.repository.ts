/**
 * SQL for `users` (contact-center users, migrations/003_users.ts). Pass a transaction as `db` to
 * take part in it. Returned users never carry the password hash, except from `findForLogin`.
 */
import type { Knex } from 'knex';
import type { User, UserWithContext } from '../domain/user.ts';
import { PASSWORD_SETTINGS } from '../domain/password-policy.ts';
import { queryPrepared } from './payload-writer.ts';

export interface UserRow {
  id: string;
  ccid: string;
  username: string;
  dbid: string | number;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  authorities: string[];
  properties: Record<string, string>;
  enabled: boolean;
  must_change_password: boolean;
  password_changed_at: Date;
  created_at: Date;
  external_id?: string | null;
  environment_id?: string;
}

const COLUMNS = ['u.id', 'u.ccid', 'u.username', 'u.dbid', 'u.first_name', 'u.last_name', 'u.email', 'u.authorities', 'u.properties', 'u.enabled', 'u.must_change_password', 'u.password_changed_at', 'u.created_at', 'u.external_id'];

export function toUser(r: UserRow): User {
  return {
    id: r.id,
    ccid: r.ccid,
    username: r.username,
    dbid: Number(r.dbid),
    firstName: r.first_name,
    lastName: r.last_name,
    email: r.email,
    authorities: r.authorities,
    properties: r.properties ?? {},
    enabled: r.enabled,
    mustChangePassword: r.must_change_password,
    passwordChangedAt: new Date(r.password_changed_at).getTime(),
    createdAt: new Date(r.created_at).getTime(),
    externalId: r.external_id ?? null,
  };
}

/** Fields of a new user; `passwordHash` is an argon2id PHC string. */
export interface NewUser {
  id: string;
  ccid: string;
  username: string;
  usernameCanonical: string;
  passwordHash: string;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  authorities: string[];
  properties: Record<string, string>;
  enabled: boolean;
  mustChangePassword?: boolean;
  /** Genesys "Use External User ID" (single sign-on); null or absent = none. */
  externalId?: string | null;
}

/** Updatable fields; absent keys are left unchanged. A new `passwordHash` also sets `password_changed_at`. */
export type UserChanges = Partial<Omit<NewUser, 'id' | 'ccid'>>;

/** Repository over `users`; `db` is the knex instance or a transaction. */
export function createUsersRepository(db: Knex) {
  return {
    /** Inserts a user; returns it with its server-assigned dbid. Unique violation (23505) on a duplicate username. */
    async insert(u: NewUser): Promise<User> {
      const [row] = await db('users')
        .insert({
          id: u.id,
          ccid: u.ccid,
          username: u.username,
          username_canonical: u.usernameCanonical,
          password_hash: u.passwordHash,
          first_name: u.firstName,
          last_name: u.lastName,
          email: u.email,
          authorities: u.authorities,
          properties: JSON.stringify(u.properties),
          enabled: u.enabled,
          must_change_password: u.mustChangePassword ?? false,
          external_id: u.externalId ?? null,
        })
        .returning(COLUMNS.map((c) => c.slice(2)));
      return toUser(row as UserRow);
    },

    /** Users of one contact center ordered by dbid. */
    async listByContactCenter(ccid: string): Promise<User[]> {
      const rows = await db('users as u').select(COLUMNS).where('u.ccid', ccid).orderBy('u.dbid');
      return (rows as UserRow[]).map(toUser);
    },

    /** One user of a contact center. */
    async find(ccid: string, id: string): Promise<User | undefined> {
      const row = await db('users as u').select(COLUMNS).where({ 'u.ccid': ccid, 'u.id': id }).first();
      return row ? toUser(row as UserRow) : undefined;
    },

    /** A user with its environment id, by user id (the account id of tokens). */
    async findWithContext(id: string): Promise<UserWithContext | undefined> {
      // on every refresh and code exchange (oidc-provider's findAccount): a prepared statement
      const [row] = await queryPrepared(db, {
        name: 'ccauth_users_find_with_context',
        text: `SELECT ${COLUMNS.join(', ')}, c.environment_id FROM users u JOIN contact_centers c ON c.id = u.ccid WHERE u.id = $1 LIMIT 1`,
        values: [id],
        method: 'first',
      });
      return row ? { ...toUser(row as UserRow), environmentId: (row as UserRow).environment_id! } : undefined;
    },

    /**
     * The login lookup: the user whose contact center owns `domain` and whose canonical username is
     * `usernameCanonical`, with its password hash.
     */
    async findForLogin(domain: string, usernameCanonical: string): Promise<(UserWithContext & { passwordHash: string; passwordMaxAgeDays: string | null }) | undefined> {
      const row = await db('contact_center_domains as d')
        .join('users as u', 'u.ccid', 'd.ccid')
        .join('contact_centers as c', 'c.id', 'u.ccid')
        .leftJoin('contact_center_settings as s', (j) => j.on('s.ccid', 'u.ccid').andOnVal('s.name', PASSWORD_SETTINGS.maxAgeDays))
        .select([...COLUMNS, 'c.environment_id', 'u.password_hash', 's.value as password_max_age_days'])
        .where({ 'd.domain': domain, 'u.username_canonical': usernameCanonical })
        .first();
      if (!row) return undefined;
      const r = row as UserRow & { password_hash: string; password_max_age_days: string | null };
      return { ...toUser(r), environmentId: r.environment_id!, passwordHash: r.password_hash, passwordMaxAgeDays: r.password_max_age_days };
    },

    /** The stored password hash of a user of `ccid` (argon2id PHC string), or undefined. */
    async findPasswordHash(ccid: string, id: string): Promise<string | undefined> {
      const row = await db('users').select('password_hash').where({ ccid, id }).first();
      return row ? (row as { password_hash: string }).password_hash : undefined;
    },

    /**
     * The user of contact center `ccid` an identity provider's answer names (single sign-on,
     * src/federation/): by canonical username, external id, or email (case-insensitive; only when
     * exactly one user has it). Disabled users are returned too (the caller refuses them).
     */
    async findForSso(ccid: string, match: 'username' | 'externalId' | 'email', value: string): Promise<UserWithContext | undefined> {
      const q = db('users as u').join('contact_centers as c', 'c.id', 'u.ccid').select([...COLUMNS, 'c.environment_id']).where('u.ccid', ccid).limit(2);
      if (match === 'username') q.where('u.username_canonical', value);
      else if (match === 'externalId') q.where('u.external_id', value);
      else q.whereRaw('lower(u.email) = lower(?)', [value]);
      const rows = (await q) as UserRow[];
      if (rows.length !== 1) return undefined;
      return { ...toUser(rows[0]!), environmentId: rows[0]!.environment_id! };
    },

    /** Applies changes; returns the updated user or undefined when it does not exist. */
    async update(ccid: string, id: string, c: UserChanges): Promise<User | undefined> {
      const patch: Record<string, unknown> = { updated_at: db.fn.now() };
      if (c.username !== undefined) patch.username = c.username;
      if (c.usernameCanonical !== undefined) patch.username_canonical = c.usernameCanonical;
      if (c.passwordHash !== undefined) {
        patch.password_hash = c.passwordHash;
        patch.password_changed_at = db.fn.now();
      }
      if (c.mustChangePassword !== undefined) patch.must_change_password = c.mustChangePassword;
      if (c.firstName !== undefined) patch.first_name = c.firstName;
      if (c.lastName !== undefined) patch.last_name = c.lastName;
      if (c.email !== undefined) patch.email = c.email;
      if (c.authorities !== undefined) patch.authorities = c.authorities;
      if (c.properties !== undefined) patch.properties = JSON.stringify(c.properties);
      if (c.enabled !== undefined) patch.enabled = c.enabled;
      if (c.externalId !== undefined) patch.external_id = c.externalId;
      const [row] = await db('users').where({ ccid, id }).update(patch).returning(COLUMNS.map((x) => x.slice(2)));
      return row ? toUser(row as UserRow) : undefined;
    },

    /** Deletes a user; false when it did not exist. */
    async delete(ccid: string, id: string): Promise<boolean> {
      return (await db('users').where({ ccid, id }).delete(['id'])).length > 0;
    },

    /** True when the contact center `ccid` exists (users are addressed under it). */
    async contactCenterExists(ccid: string): Promise<boolean> {
      return (await db('contact_centers').select('id').where({ id: ccid }).first()) !== undefined;
    },

    /** How many users a contact center has (delete guard). */
    async countByContactCenter(ccid: string): Promise<number> {
      const row = await db('users').where({ ccid }).count<{ count: string }[]>('* as count').first();
      return Number(row?.count ?? 0);
    },
  };
}

export type UsersRepository = ReturnType<typeof createUsersRepository>;
