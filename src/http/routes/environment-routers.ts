/**
 * All routers of the Environment API (`/environment/v3/*`, genesys-api.md §3), mounted by app.ts
 * behind `requireAdmin` (ops Basic or an admin Bearer token). More specific prefixes come first.
 */
import type Router from '@koa/router';
import type { EnvironmentServices } from '../../services/environment-services.ts';
import { createContactCentersRouter } from './contact-centers.routes.ts';
import { createDataCentersRouter } from './data-centers.routes.ts';
import { createEnvironmentsRouter } from './environments.routes.ts';
import { createSettingsRouter } from './settings.routes.ts';
import { createUsersRouter } from './users.routes.ts';
import { createCorsRouter } from './cors.routes.ts';

export function createEnvironmentRouters(services: EnvironmentServices): Router[] {
  return [
    createSettingsRouter(services),
    createUsersRouter(services),
    createContactCentersRouter(services),
    createEnvironmentsRouter(services),
    createDataCentersRouter(services),
    createCorsRouter(services),
  ];
}
