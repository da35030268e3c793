/**
 * (stub, to be implemented) Business rules behind /environment/v3/data-centers.
 */
import type { Knex } from 'knex';

export function createDataCentersService(deps: { knex: Knex }) {
  void deps;
  return {};
}

export type DataCentersService = ReturnType<typeof createDataCentersService>;
