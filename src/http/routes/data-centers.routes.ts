/**
 * (stub, to be implemented) /environment/v3/data-centers routes.
 */
import Router from '@koa/router';
import type { EnvironmentServices } from '../../services/environment-services.ts';

export function createDataCentersRouter(services: EnvironmentServices): Router {
  void services;
  return new Router({ prefix: '/environment/v3/data-centers' });
}
