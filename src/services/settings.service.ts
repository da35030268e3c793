/**
 * (stub, to be implemented) Business rules behind /environment/v3/contact-centers.
 */
import type { Knex } from 'knex';

export function createSettingsService(deps: { knex: Knex }) {
  void deps;
  return {};
}

export type SettingsService = ReturnType<typeof createSettingsService>;
