/**
 * SQL for `contact_center_settings` (genesys-api.md E7-E9, §6). Pass a transaction as `db` to take
 * part in it.
 */
import type { Knex } from 'knex';
import type { Setting } from '../domain/environment.ts';

interface SettingRow {
  name: string;
  location: string;
  shared: boolean;
  value: string;
}

const COLUMNS = ['name', 'location', 'shared', 'value'];

function toSetting(r: SettingRow): Setting {
  return { name: r.name, value: r.value, location: r.location, shared: r.shared };
}

/** Repository over the settings of contact centers. */
export function createSettingsRepository(db: Knex) {
  return {
    /** Every setting of a contact center, ordered by name. */
    async list(ccid: string): Promise<Setting[]> {
      const rows = await db('contact_center_settings').select(COLUMNS).where({ ccid }).orderBy('name');
      return (rows as SettingRow[]).map(toSetting);
    },

    /** One setting, or undefined. */
    async find(ccid: string, name: string): Promise<Setting | undefined> {
      const row = await db('contact_center_settings').select(COLUMNS).where({ ccid, name }).first();
      return row ? toSetting(row as SettingRow) : undefined;
    },

    /**
     * Inserts the setting or replaces the stored one of the same name as a whole (value, location,
     * shared). Throws the driver's foreign-key violation (23503) when the contact center is gone.
     */
    async upsert(ccid: string, s: Setting): Promise<void> {
      await db('contact_center_settings')
        .insert({ ccid, name: s.name, location: s.location, shared: s.shared, value: s.value })
        .onConflict(['ccid', 'name'])
        .merge({ location: s.location, shared: s.shared, value: s.value, updated_at: db.fn.now() });
    },

    /** Deletes one setting; false when it did not exist. */
    async delete(ccid: string, name: string): Promise<boolean> {
      return (await db('contact_center_settings').where({ ccid, name }).delete(['name'])).length > 0;
    },
  };
}

/** The settings repository's interface. */
export type SettingsRepository = ReturnType<typeof createSettingsRepository>;
