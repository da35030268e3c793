/**
 * Business rules behind `/environment/v3/environments` (genesys-api.md E1-E3; Genesys "Provision Genesys Authentication", "Add a
 * Genesys tenant/environment").
 *
 * - The id is the caller's UUID or a generated one (`crypto.randomUUID`).
 * - The Configuration Server password is stored only as an argon2id hash (hashed before the
 *   transaction opens) and never returned; ccauth does not connect to CS with it.
 * - Updates are partial merges; `configServers` is replaced as a whole.
 * - An environment that still has contact centers cannot be deleted (code 19).
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { ConfigServer, Environment } from '../domain/environment.ts';
import { AppError, notFound } from '../errors/app-error.ts';
import { PG_FOREIGN_KEY_VIOLATION, PG_RESTRICT_VIOLATION, PG_UNIQUE_VIOLATION, isPgError } from '../db/knex.ts';
import { createEnvironmentsRepository } from '../repositories/environments.repository.ts';
import { hashSecret } from '../security/passwords.ts';


/** Input of `create` (validated, defaults applied at the edge). Timeouts in seconds. */
export interface EnvironmentInput {
  /** Caller-chosen UUID (lowercase); generated when absent. */
  id?: string | undefined;
  username: string;
  /** Configuration Server password, plaintext; absent or empty stores no password. */
  password?: string | undefined;
  connectionProtocol: string;
  localTimeout: number;
  remoteTimeout: number;
  appName: string;
  traceMode: string;
  tlsEnabled: boolean;
  tenant: string;
  configServers: ConfigServer[];
}

/** Fields `update` may change; absent keys (and an empty password) keep their value. */
export type EnvironmentPatch = Partial<Omit<EnvironmentInput, 'id'>>;

/** Environments (E1-E3); timeouts in seconds, `createdAt` in epoch ms. */
export interface EnvironmentsService {
  /** Creates an environment (E1). @throws AppError already_exists (duplicate id) */
  create(input: EnvironmentInput): Promise<Environment>;
  /** All environments, oldest first (E2). */
  list(): Promise<Environment[]>;
  /** @throws AppError not_found */
  get(id: string): Promise<Environment>;
  /** Partial merge (E3). @throws AppError not_found */
  update(id: string, patch: EnvironmentPatch): Promise<Environment>;
  /** Deletes an environment (E3). @throws AppError not_found | in_use (it has contact centers) */
  delete(id: string): Promise<void>;
}

/** Builds the service; every write runs in one transaction on `deps.knex`. */
export function createEnvironmentsService(deps: { knex: Knex }): EnvironmentsService {
  const { knex } = deps;
  const inUse = (id: string, n?: number) =>
    new AppError('in_use', `environment ${id} is in use by ${n ?? 'one or more'} contact center(s); delete them first`);

  return {
    async create(input) {
      const id = input.id ?? randomUUID();
      const passwordHash = input.password ? await hashSecret(input.password) : null;
      return knex
        .transaction(async (trx) => {
          const repo = createEnvironmentsRepository(trx);
          await repo.insert({
            id,
            username: input.username,
            passwordHash,
            connectionProtocol: input.connectionProtocol,
            localTimeout: input.localTimeout,
            remoteTimeout: input.remoteTimeout,
            appName: input.appName,
            traceMode: input.traceMode,
            tlsEnabled: input.tlsEnabled,
            tenant: input.tenant,
            configServers: input.configServers,
          });
          return (await repo.find(id))!;
        })
        .catch((err: unknown) => {
          if (isPgError(err, PG_UNIQUE_VIOLATION)) throw new AppError('already_exists', `environment ${id} already exists`);
          throw err;
        });
    },

    list() {
      return createEnvironmentsRepository(knex).list();
    },

    async get(id) {
      const env = await createEnvironmentsRepository(knex).find(id);
      if (!env) throw notFound(`environment ${id}`);
      return env;
    },

    async update(id, patch) {
      const passwordHash = patch.password ? await hashSecret(patch.password) : undefined;
      return knex.transaction(async (trx) => {
        const repo = createEnvironmentsRepository(trx);
        const current = await repo.findForUpdate(id);
        if (!current) throw notFound(`environment ${id}`);
        await repo.update(id, {
          username: patch.username ?? current.username,
          passwordHash,
          connectionProtocol: patch.connectionProtocol ?? current.connectionProtocol,
          localTimeout: patch.localTimeout ?? current.localTimeout,
          remoteTimeout: patch.remoteTimeout ?? current.remoteTimeout,
          appName: patch.appName ?? current.appName,
          traceMode: patch.traceMode ?? current.traceMode,
          tlsEnabled: patch.tlsEnabled ?? current.tlsEnabled,
          tenant: patch.tenant ?? current.tenant,
          configServers: patch.configServers ?? current.configServers,
        });
        return (await repo.find(id))!;
      });
    },

    async delete(id) {
      await knex
        .transaction(async (trx) => {
          const repo = createEnvironmentsRepository(trx);
          const n = await repo.countContactCenters(id);
          if (n > 0) throw inUse(id, n);
          if (!(await repo.delete(id))) throw notFound(`environment ${id}`);
        })
        .catch((err: unknown) => {
          // a contact center created concurrently after the count
          if (isPgError(err, PG_FOREIGN_KEY_VIOLATION) || isPgError(err, PG_RESTRICT_VIOLATION)) throw inUse(id);
          throw err;
        });
    },
  };
}
