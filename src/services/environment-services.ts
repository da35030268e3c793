/**
 * The services behind `/environment/v3/*`, built together so the composition root passes one object.
 * (Filled in by the Environment API work; see services/*.service.ts.)
 */
import type { Knex } from 'knex';

export interface EnvironmentServices {
  knex: Knex;
}

export function createEnvironmentServices(deps: { knex: Knex }): EnvironmentServices {
  return { knex: deps.knex };
}
