/**
 * SQL for `contact_centers` and `contact_center_domains` (genesys-api.md E4-E6). Pass a
 * transaction as `db` to take part in it. Domains are written as given: callers pass them already
 * canonical (`canonicalDomain`), in the order to keep.
 */
import type { Knex } from 'knex';
import type { ContactCenter } from '../domain/environment.ts';

interface ContactCenterRow {
  id: string;
  environment_id: string;
  auth: string;
  created_at: Date;
  domains: string[] | null;
}

/** Stored fields of a contact center (everything but createdAt). */
export type ContactCenterRecord = Omit<ContactCenter, 'createdAt'>;

const SELECT = `c.id, c.environment_id, c.auth, c.created_at, COALESCE((SELECT array_agg(d.domain ORDER BY d.position) FROM contact_center_domains d WHERE d.ccid = c.id), '{}') AS domains`;

function toContactCenter(r: ContactCenterRow): ContactCenter {
  return {
    id: r.id,
    environmentId: r.environment_id,
    domains: r.domains ?? [],
    auth: r.auth,
    createdAt: new Date(r.created_at).getTime(),
  };
}

/** Repository over `contact_centers` and their login domains. */
export function createContactCentersRepository(db: Knex) {
  async function setDomains(ccid: string, domains: string[]): Promise<void> {
    await db('contact_center_domains').where({ ccid }).delete();
    if (domains.length) {
      await db('contact_center_domains').insert(domains.map((domain, position) => ({ domain, ccid, position })));
    }
  }

  return {
    /** The contact center with its domains, or undefined. */
    async find(id: string): Promise<ContactCenter | undefined> {
      const row = await db('contact_centers as c').select(db.raw(SELECT)).where('c.id', id).first();
      return row ? toContactCenter(row as ContactCenterRow) : undefined;
    },

    /** True when the contact center exists. */
    async exists(id: string): Promise<boolean> {
      return (await db('contact_centers').select('id').where({ id }).first()) !== undefined;
    },

    /** Locks the contact center row (`FOR UPDATE`) until the transaction ends; false when absent. */
    async lock(id: string): Promise<boolean> {
      return (await db('contact_centers').select('id').where({ id }).forUpdate().first()) !== undefined;
    },

    /** All contact centers, oldest first. */
    async list(): Promise<ContactCenter[]> {
      const rows = await db('contact_centers as c').select(db.raw(SELECT)).orderBy([{ column: 'c.created_at' }, { column: 'c.id' }]);
      return (rows as ContactCenterRow[]).map(toContactCenter);
    },

    /**
     * Which of `domains` already belong to a contact center other than `exceptCcid`, as
     * `{domain, ccid}` pairs.
     */
    async findDomainOwners(domains: string[], exceptCcid?: string): Promise<{ domain: string; ccid: string }[]> {
      if (!domains.length) return [];
      const q = db('contact_center_domains').select(['domain', 'ccid']).whereIn('domain', domains);
      if (exceptCcid) q.whereNot({ ccid: exceptCcid });
      return (await q.orderBy('domain')) as { domain: string; ccid: string }[];
    },

    /**
     * Inserts a contact center and its domains. Throws the driver's unique violation (23505) on a
     * duplicate id (constraint `contact_centers_pkey`) or a taken domain (`contact_center_domains_pkey`),
     * and a foreign-key violation (23503) on an unknown environment.
     */
    async insert(cc: ContactCenterRecord): Promise<void> {
      await db('contact_centers').insert({ id: cc.id, environment_id: cc.environmentId, auth: cc.auth });
      await setDomains(cc.id, cc.domains);
    },

    /** Replaces the stored fields and the whole domain list; false when the contact center does not exist. */
    async update(cc: ContactCenterRecord): Promise<boolean> {
      const rows = await db('contact_centers')
        .where({ id: cc.id })
        .update({ environment_id: cc.environmentId, auth: cc.auth, updated_at: db.fn.now() }, ['id']);
      if (rows.length === 0) return false;
      await setDomains(cc.id, cc.domains);
      return true;
    },

    /**
     * Deletes a contact center (its domains and settings cascade); false when it did not exist.
     * Throws the driver's foreign-key violation (23503) while users or clients refer to it.
     */
    async delete(id: string): Promise<boolean> {
      return (await db('contact_centers').where({ id }).delete(['id'])).length > 0;
    },

    /** How many users and bound clients refer to the contact center (both block deletion). */
    async countDependents(id: string): Promise<{ users: number; clients: number }> {
      const row = (await db
        .select({
          users: db('users').count('*').where({ ccid: id }),
          clients: db('client_contact_centers').count('*').where({ ccid: id }),
        })
        .first()) as { users: string | number; clients: string | number } | undefined;
      return { users: Number(row?.users ?? 0), clients: Number(row?.clients ?? 0) };
    },
  };
}

/** The contact-centers repository's interface. */
export type ContactCentersRepository = ReturnType<typeof createContactCentersRepository>;
