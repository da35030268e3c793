/**
 * All routers of the Environment API (`/environment/v3/*`, genesys-api.md §3), mounted by app.ts
 * behind `requireAdmin` (ops Basic or an admin Bearer token). More specific prefixes come first.
 * Every handler reads its services through environment-scope.ts, which applies the caller's
 * contact-center binding (design.md §3b).
 */
import type Router from '@koa/router';
import type { EnvironmentServices } from '../../services/environment-services.ts';
import { createContactCentersRouter } from './contact-centers.routes.ts';
import { createDataCentersRouter } from './data-centers.routes.ts';
import { createEnvironmentsRouter } from './environments.routes.ts';
import { createSettingsRouter } from './settings.routes.ts';
import { createUsersRouter } from './users.routes.ts';
import { environmentServicesFor } from './environment-scope.ts';
import { createCorsRouter } from './cors.routes.ts';

/** The routers over `services`, each handler limited to its caller's binding. */
export function createEnvironmentRouters(services: EnvironmentServices): Router[] {
  const servicesFor = environmentServicesFor(services);
  return [
    createSettingsRouter(servicesFor),
    createUsersRouter(servicesFor),
    createContactCentersRouter(servicesFor),
    createEnvironmentsRouter(servicesFor),
    createDataCentersRouter(servicesFor),
    createCorsRouter(servicesFor),
  ];
}
