/**
 * (stub, to be implemented) Business rules behind /environment/v3/contact-centers.
 */
import type { Knex } from 'knex';

export function createContactCentersService(deps: { knex: Knex }) {
  void deps;
  return {};
}

export type ContactCentersService = ReturnType<typeof createContactCentersService>;
