/**
 * The services behind `/environment/v3/*` (genesys-api.md §3), built together so the composition
 * root passes one object to the Environment API routers.
 */
import type { Knex } from 'knex';
import { createContactCentersService } from './contact-centers.service.ts';
import type { ContactCentersService } from './contact-centers.service.ts';
import { createDataCentersService } from './data-centers.service.ts';
import type { DataCentersService } from './data-centers.service.ts';
import { createEnvironmentsService } from './environments.service.ts';
import type { EnvironmentsService } from './environments.service.ts';
import { createSettingsService } from './settings.service.ts';
import type { SettingsService } from './settings.service.ts';
import { createUsersService } from './users.service.ts';
import { createCorsOriginsService } from './cors-origins.service.ts';
import type { CorsOriginsService } from './cors-origins.service.ts';
import type { UsersService } from './users.service.ts';

export interface EnvironmentServices {
  environments: EnvironmentsService;
  contactCenters: ContactCentersService;
  dataCenters: DataCentersService;
  settings: SettingsService;
  users: UsersService;
  corsOrigins: CorsOriginsService;
}

/** Builds every Environment API service over one knex instance. */
export function createEnvironmentServices(deps: { knex: Knex }): EnvironmentServices {
  return {
    environments: createEnvironmentsService(deps),
    contactCenters: createContactCentersService(deps),
    dataCenters: createDataCentersService(deps),
    settings: createSettingsService(deps),
    users: createUsersService(deps),
    corsOrigins: createCorsOriginsService(deps),
  };
}
