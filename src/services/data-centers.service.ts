/**
 * Business rules behind `/environment/v3/data-centers` (genesys-api.md E10-E11; Genesys "Provision Genesys Authentication", "Add a
 * data center").
 *
 * - The id is the caller's UUID or a generated one.
 * - `location` (a region path such as `/usw1`) is unique, compared case-insensitively because
 *   Genesys writes the same region as `/USW1` and `/usw1`; a clash → code 18.
 * - Updates are partial merges.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { DataCenter } from '../domain/environment.ts';
import { AppError, notFound } from '../errors/app-error.ts';
import { PG_UNIQUE_VIOLATION, isPgError } from '../db/knex.ts';
import { createDataCentersRepository } from '../repositories/data-centers.repository.ts';

/** Input of `create` (validated at the edge). */
export interface DataCenterInput {
  /** Caller-chosen UUID (lowercase); generated when absent. */
  id?: string | undefined;
  location: string;
  /** Absolute http(s) URL. */
  entryPoint: string;
  readOnly: boolean;
}

/** Fields `update` may change; absent keys keep their value. */
export type DataCenterPatch = Partial<Omit<DataCenterInput, 'id'>>;

/** Data centers (E10-E11). */
export interface DataCentersService {
  /** Creates a data center (E10). @throws AppError already_exists (id or location) */
  create(input: DataCenterInput): Promise<DataCenter>;
  /** All data centers ordered by location (E11). */
  list(): Promise<DataCenter[]>;
  /** @throws AppError not_found */
  get(id: string): Promise<DataCenter>;
  /** Partial merge. @throws AppError not_found | already_exists (location) */
  update(id: string, patch: DataCenterPatch): Promise<DataCenter>;
  /** @throws AppError not_found */
  delete(id: string): Promise<void>;
}

const locationTaken = (location: string) => new AppError('already_exists', `data center location ${location} already exists`);

/** Builds the service; every write runs in one transaction on `deps.knex`. */
export function createDataCentersService(deps: { knex: Knex }): DataCentersService {
  const { knex } = deps;

  return {
    async create(input) {
      const id = input.id ?? randomUUID();
      return knex
        .transaction(async (trx) => {
          const repo = createDataCentersRepository(trx);
          if (await repo.find(id)) throw new AppError('already_exists', `data center ${id} already exists`);
          if (await repo.findLocationOwner(input.location)) throw locationTaken(input.location);
          await repo.insert({ id, location: input.location, entryPoint: input.entryPoint, readOnly: input.readOnly });
          return (await repo.find(id))!;
        })
        .catch((err: unknown) => {
          if (isPgError(err, PG_UNIQUE_VIOLATION)) {
            throw err.constraint === 'data_centers_pkey' ? new AppError('already_exists', `data center ${id} already exists`) : locationTaken(input.location);
          }
          throw err;
        });
    },

    list() {
      return createDataCentersRepository(knex).list();
    },

    async get(id) {
      const dc = await createDataCentersRepository(knex).find(id);
      if (!dc) throw notFound(`data center ${id}`);
      return dc;
    },

    async update(id, patch) {
      return knex
        .transaction(async (trx) => {
          const repo = createDataCentersRepository(trx);
          const current = await repo.findForUpdate(id);
          if (!current) throw notFound(`data center ${id}`);
          const next = {
            id,
            location: patch.location ?? current.location,
            entryPoint: patch.entryPoint ?? current.entryPoint,
            readOnly: patch.readOnly ?? current.readOnly,
          };
          if (await repo.findLocationOwner(next.location, id)) throw locationTaken(next.location);
          await repo.update(next);
          return (await repo.find(id))!;
        })
        .catch((err: unknown) => {
          if (isPgError(err, PG_UNIQUE_VIOLATION)) throw locationTaken(String(patch.location)); // only a changed location can clash
          throw err;
        });
    },

    async delete(id) {
      await knex.transaction(async (trx) => {
        if (!(await createDataCentersRepository(trx).delete(id))) throw notFound(`data center ${id}`);
      });
    },
  };
}
