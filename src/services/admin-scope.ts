/**
 * The contact-center binding of an Environment API caller (design.md §3b; README "API" → "Who may
 * call the Environment API"), applied in one place: a view of {@link EnvironmentServices} limited
 * to the contact centers an internal client is bound to (`contactCenterIds`).
 *
 * Bound to none (the ops principal, an internal client with no `contactCenterIds`): the services
 * themselves, the deployment-wide view Genesys has. Bound to some:
 *
 * - contact centers: `list` returns only the bound ones; `get`, `update` and `delete` of any other
 *   throw exactly the `not_found` an absent id gets (no oracle for which CCIDs exist); `create` is
 *   refused (`forbidden`, 403 code 3): a new contact center would be bound to nobody. `update` may
 *   move a contact center only into an environment the caller sees, otherwise it fails as for an
 *   environment that does not exist;
 * - users, settings and CORS origins (sub-resources of a contact center): every method of another contact center
 *   throws its `not_found`, before any work (a password is not even hashed);
 * - environments: `list` and `get` show only the environments of the bound contact centers (others
 *   `not_found`); `create`, `update` and `delete` are refused (`forbidden`): an environment is a
 *   Configuration Server that may serve other contact centers;
 * - data centers (the deployment's regions, no tenant data): readable; writes refused (`forbidden`).
 */
import { AppError, notFound } from '../errors/app-error.ts';
import { unknownEnvironment } from './contact-centers.service.ts';
import type { EnvironmentServices } from './environment-services.ts';

const refuse = (what: string): never => {
  throw new AppError('forbidden', `this client is bound to contact centers and cannot ${what}`);
};

/**
 * The services as seen by a caller bound to `contactCenterIds` (module comment).
 * @param contactCenterIds the caller's binding (lowercase CCIDs); empty = the deployment-wide view,
 *   for which `base` itself is returned.
 * @returns services whose methods throw AppError `not_found` for contact centers (and their users,
 *   settings and environments) outside the binding, and `forbidden` for deployment-wide writes.
 */
export function scopeEnvironmentServices(base: EnvironmentServices, contactCenterIds: readonly string[]): EnvironmentServices {
  if (contactCenterIds.length === 0) return base;
  const bound = new Set(contactCenterIds);
  const requireContactCenter = (ccid: string): void => {
    if (!bound.has(ccid)) throw notFound(`contact center ${ccid}`);
  };
  /** Environments of the bound contact centers (read at call time: a contact center may move). */
  const visibleEnvironments = async (): Promise<Set<string>> => {
    const all = await base.contactCenters.list();
    return new Set(all.filter((cc) => bound.has(cc.id)).map((cc) => cc.environmentId));
  };
  const requireEnvironment = async (id: string): Promise<void> => {
    if (!(await visibleEnvironments()).has(id)) throw notFound(`environment ${id}`);
  };
  const { contactCenters, environments, dataCenters, settings, users, corsOrigins } = base;

  return {
    contactCenters: {
      create: async () => refuse('create contact centers'),
      list: async () => (await contactCenters.list()).filter((cc) => bound.has(cc.id)),
      async get(id) {
        requireContactCenter(id);
        return contactCenters.get(id);
      },
      async update(id, patch) {
        requireContactCenter(id);
        if (patch.environmentId !== undefined && !(await visibleEnvironments()).has(patch.environmentId)) throw unknownEnvironment();
        return contactCenters.update(id, patch);
      },
      async delete(id) {
        requireContactCenter(id);
        return contactCenters.delete(id);
      },
    },
    users: {
      async create(ccid, input) {
        requireContactCenter(ccid);
        return users.create(ccid, input);
      },
      async list(ccid) {
        requireContactCenter(ccid);
        return users.list(ccid);
      },
      async get(ccid, id) {
        requireContactCenter(ccid);
        return users.get(ccid, id);
      },
      async update(ccid, id, patch) {
        requireContactCenter(ccid);
        return users.update(ccid, id, patch);
      },
      async delete(ccid, id) {
        requireContactCenter(ccid);
        return users.delete(ccid, id);
      },
    },
    settings: {
      async list(ccid) {
        requireContactCenter(ccid);
        return settings.list(ccid);
      },
      async put(ccid, s, who) {
        requireContactCenter(ccid);
        return settings.put(ccid, s, who);
      },
      async delete(ccid, name, who) {
        requireContactCenter(ccid);
        return settings.delete(ccid, name, who);
      },
    },
    corsOrigins: {
      list: async () => (await corsOrigins.list()).filter((o) => bound.has(o.contactCenterId)),
      async add(ccid, origin, who) {
        requireContactCenter(ccid);
        return corsOrigins.add(ccid, origin, who);
      },
      async remove(ccid, origin, who) {
        requireContactCenter(ccid);
        return corsOrigins.remove(ccid, origin, who);
      },
    },
    environments: {
      create: async () => refuse('create environments'),
      async list() {
        const visible = await visibleEnvironments();
        return (await environments.list()).filter((e) => visible.has(e.id));
      },
      async get(id) {
        await requireEnvironment(id);
        return environments.get(id);
      },
      async update(id) {
        await requireEnvironment(id);
        return refuse('change environments');
      },
      async delete(id) {
        await requireEnvironment(id);
        return refuse('delete environments');
      },
    },
    dataCenters: {
      list: () => dataCenters.list(),
      get: (id) => dataCenters.get(id),
      create: async () => refuse('create data centers'),
      update: async () => refuse('change data centers'),
      delete: async () => refuse('delete data centers'),
    },
  };
}
