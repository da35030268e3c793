/**
 * (stub, to be implemented) /environment/v3/contact-centers routes.
 */
import Router from '@koa/router';
import type { EnvironmentServices } from '../../services/environment-services.ts';

export function createContactCentersRouter(services: EnvironmentServices): Router {
  void services;
  return new Router({ prefix: '/environment/v3/contact-centers' });
}
