/**
 * (stub, to be implemented) Business rules behind /environment/v3/environments.
 */
import type { Knex } from 'knex';

export function createEnvironmentsService(deps: { knex: Knex }) {
  void deps;
  return {};
}

export type EnvironmentsService = ReturnType<typeof createEnvironmentsService>;
