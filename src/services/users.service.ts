/**
 * (stub, to be implemented) Business rules behind /environment/v3/contact-centers.
 */
import type { Knex } from 'knex';

export function createUsersService(deps: { knex: Knex }) {
  void deps;
  return {};
}

export type UsersService = ReturnType<typeof createUsersService>;
