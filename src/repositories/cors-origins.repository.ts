/**
 * Reads the `cors-origins` setting of every contact center at once (genesys-api.md §6), for the
 * CORS allow-list cache (services/cors.service.ts). Read-only; the settings repository writes.
 */
import type { Knex } from 'knex';
import { CORS_ORIGINS_SETTING } from '../domain/environment.ts';

/** One contact center's raw `cors-origins` value (comma-separated origins). */
export interface CorsOriginsRow {
  ccid: string;
  value: string;
}

/** Repository over the `cors-origins` rows of `contact_center_settings`. */
export function createCorsOriginsRepository(db: Knex) {
  return {
    /** Every contact center's `cors-origins` value, in one statement. */
    async listAll(): Promise<CorsOriginsRow[]> {
      const rows = await db('contact_center_settings').select(['ccid', 'value']).where({ name: CORS_ORIGINS_SETTING });
      return (rows as { ccid: string; value: string }[]).map((r) => ({ ccid: String(r.ccid), value: r.value }));
    },
  };
}

export type CorsOriginsRepository = ReturnType<typeof createCorsOriginsRepository>;
