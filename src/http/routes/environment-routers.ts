/**
 * All routers of the Environment API (`/environment/v3/*`), mounted by app.ts behind `requireAdmin`.
 */
import Router from '@koa/router';
import type { EnvironmentServices } from '../../services/environment-services.ts';

export function createEnvironmentRouters(_services: EnvironmentServices): Router[] {
  return [];
}
