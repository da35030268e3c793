/**
 * SQL for `environments` (genesys-api.md E1-E3). Pass a transaction as `db` to take part in it.
 * The Configuration Server password is only ever written as a hash and never read back.
 */
import type { Knex } from 'knex';
import type { ConfigServer, Environment } from '../domain/environment.ts';

interface EnvironmentRow {
  id: string;
  tenant: string;
  app_name: string;
  username: string;
  has_password: boolean;
  connection_protocol: string;
  local_timeout_seconds: number;
  remote_timeout_seconds: number;
  trace_mode: string;
  tls_enabled: boolean;
  config_servers: ConfigServer[] | string;
  created_at: Date;
}

/** Stored fields of an environment; `passwordHash` is an argon2id PHC string or null. */
export interface EnvironmentRecord extends Omit<Environment, 'createdAt' | 'hasPassword'> {
  passwordHash: string | null;
}

/** Fields an update writes; `passwordHash` absent keeps the stored hash. */
export type EnvironmentChanges = Omit<EnvironmentRecord, 'id' | 'passwordHash'> & { passwordHash?: string | null };

const COLUMNS = [
  'id',
  'tenant',
  'app_name',
  'username',
  'connection_protocol',
  'local_timeout_seconds',
  'remote_timeout_seconds',
  'trace_mode',
  'tls_enabled',
  'config_servers',
  'created_at',
];

function toEnvironment(r: EnvironmentRow): Environment {
  return {
    id: r.id,
    tenant: r.tenant,
    appName: r.app_name,
    username: r.username,
    hasPassword: r.has_password,
    connectionProtocol: r.connection_protocol,
    localTimeout: r.local_timeout_seconds,
    remoteTimeout: r.remote_timeout_seconds,
    traceMode: r.trace_mode,
    tlsEnabled: r.tls_enabled,
    configServers: typeof r.config_servers === 'string' ? (JSON.parse(r.config_servers) as ConfigServer[]) : r.config_servers,
    createdAt: new Date(r.created_at).getTime(),
  };
}

function toRow(e: Omit<EnvironmentChanges, 'passwordHash'>) {
  return {
    tenant: e.tenant,
    app_name: e.appName,
    username: e.username,
    connection_protocol: e.connectionProtocol,
    local_timeout_seconds: e.localTimeout,
    remote_timeout_seconds: e.remoteTimeout,
    trace_mode: e.traceMode,
    tls_enabled: e.tlsEnabled,
    // pg would send a JS array as a Postgres array literal; jsonb needs JSON text
    config_servers: JSON.stringify(e.configServers),
  };
}

/** Repository over `environments`. */
export function createEnvironmentsRepository(db: Knex) {
  const select = () => db('environments').select([...COLUMNS, db.raw('(password_hash IS NOT NULL) AS has_password')]);

  return {
    /** The environment, or undefined. */
    async find(id: string): Promise<Environment | undefined> {
      const row = await select().where({ id }).first();
      return row ? toEnvironment(row as EnvironmentRow) : undefined;
    },

    /** Like `find`, but locks the row (`FOR UPDATE`) until the transaction ends. */
    async findForUpdate(id: string): Promise<Environment | undefined> {
      const row = await select().where({ id }).forUpdate().first();
      return row ? toEnvironment(row as EnvironmentRow) : undefined;
    },

    /** True when the environment exists. */
    async exists(id: string): Promise<boolean> {
      return (await db('environments').select('id').where({ id }).first()) !== undefined;
    },

    /** All environments, oldest first. */
    async list(): Promise<Environment[]> {
      const rows = await select().orderBy([{ column: 'created_at' }, { column: 'id' }]);
      return (rows as EnvironmentRow[]).map(toEnvironment);
    },

    /** Inserts an environment. Throws the driver's unique violation (23505) on a duplicate id. */
    async insert(e: EnvironmentRecord): Promise<void> {
      await db('environments').insert({ id: e.id, ...toRow(e), password_hash: e.passwordHash });
    },

    /** Replaces the stored fields; returns false when the environment does not exist. */
    async update(id: string, e: EnvironmentChanges): Promise<boolean> {
      const patch: Record<string, unknown> = { ...toRow(e), updated_at: db.fn.now() };
      if (e.passwordHash !== undefined) patch.password_hash = e.passwordHash;
      return (await db('environments').where({ id }).update(patch, ['id'])).length > 0;
    },

    /**
     * Deletes an environment; returns false when it did not exist. Throws the driver's
     * foreign-key violation (23503) while contact centers still refer to it.
     */
    async delete(id: string): Promise<boolean> {
      return (await db('environments').where({ id }).delete(['id'])).length > 0;
    },

    /** How many contact centers belong to the environment. */
    async countContactCenters(id: string): Promise<number> {
      const row = await db('contact_centers').where({ environment_id: id }).count<{ n: string | number }[]>({ n: '*' }).first();
      return Number(row?.n ?? 0);
    },
  };
}

/** The environments repository's interface. */
export type EnvironmentsRepository = ReturnType<typeof createEnvironmentsRepository>;
