/**
 * SQL for `data_centers` (genesys-api.md E10-E11). Pass a transaction as `db` to take part in it.
 */
import type { Knex } from 'knex';
import type { DataCenter } from '../domain/environment.ts';

interface DataCenterRow {
  id: string;
  location: string;
  entry_point: string;
  read_only: boolean;
  created_at: Date;
}

/** Stored fields of a data center (everything but createdAt). */
export type DataCenterRecord = Omit<DataCenter, 'createdAt'>;

const COLUMNS = ['id', 'location', 'entry_point', 'read_only', 'created_at'];

function toDataCenter(r: DataCenterRow): DataCenter {
  return {
    id: r.id,
    location: r.location,
    entryPoint: r.entry_point,
    readOnly: r.read_only,
    createdAt: new Date(r.created_at).getTime(),
  };
}

/** Repository over `data_centers`. */
export function createDataCentersRepository(db: Knex) {
  return {
    /** The data center, or undefined. */
    async find(id: string): Promise<DataCenter | undefined> {
      const row = await db('data_centers').select(COLUMNS).where({ id }).first();
      return row ? toDataCenter(row as DataCenterRow) : undefined;
    },

    /** Like `find`, but locks the row (`FOR UPDATE`) until the transaction ends. */
    async findForUpdate(id: string): Promise<DataCenter | undefined> {
      const row = await db('data_centers').select(COLUMNS).where({ id }).forUpdate().first();
      return row ? toDataCenter(row as DataCenterRow) : undefined;
    },

    /** All data centers ordered by location. */
    async list(): Promise<DataCenter[]> {
      const rows = await db('data_centers').select(COLUMNS).orderBy([{ column: 'location' }, { column: 'id' }]);
      return (rows as DataCenterRow[]).map(toDataCenter);
    },

    /** The id of another data center whose location equals `location` ignoring case, if any. */
    async findLocationOwner(location: string, exceptId?: string): Promise<string | undefined> {
      const q = db('data_centers').select('id').whereRaw('lower(location) = lower(?)', [location]);
      if (exceptId) q.whereNot({ id: exceptId });
      const row = (await q.first()) as { id: string } | undefined;
      return row?.id;
    },

    /** Inserts a data center. Throws the driver's unique violation (23505) on a duplicate id or location. */
    async insert(dc: DataCenterRecord): Promise<void> {
      await db('data_centers').insert({ id: dc.id, location: dc.location, entry_point: dc.entryPoint, read_only: dc.readOnly });
    },

    /** Replaces the stored fields; false when the data center does not exist. */
    async update(dc: DataCenterRecord): Promise<boolean> {
      const rows = await db('data_centers')
        .where({ id: dc.id })
        .update({ location: dc.location, entry_point: dc.entryPoint, read_only: dc.readOnly, updated_at: db.fn.now() }, ['id']);
      return rows.length > 0;
    },

    /** Deletes a data center; false when it did not exist. */
    async delete(id: string): Promise<boolean> {
      return (await db('data_centers').where({ id }).delete(['id'])).length > 0;
    },
  };
}

/** The data-centers repository's interface. */
export type DataCentersRepository = ReturnType<typeof createDataCentersRepository>;
