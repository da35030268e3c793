/**
 * Rows written straight into the test database with knex, for tests that need an environment and
 * a contact center without going through the Environment API (migrations/002_environments.ts).
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';

/** What {@link createContactCenter} made. */
export interface ContactCenterFixture {
  environmentId: string;
  ccid: string;
  /** Login domains, lowercase, in order. */
  domains: string[];
}

/** Inserts an environment row (E1 shape, no password) and returns its id. */
export async function createEnvironment(knex: Knex, id: string = randomUUID()): Promise<string> {
  await knex('environments').insert({
    id,
    tenant: 'Environment',
    app_name: 'Cloud',
    username: 'default',
    password_hash: null,
    connection_protocol: 'addp',
    local_timeout_seconds: 5,
    remote_timeout_seconds: 7,
    trace_mode: 'CFGTMBoth',
    tls_enabled: false,
    config_servers: JSON.stringify([{ primaryAddress: 'cs.example.com', primaryPort: 8888, readOnly: false, locations: '/USW1' }]),
  });
  return id;
}

/**
 * Inserts a contact center (auth `configServer`) with `domains` (stored lowercase) in a new
 * environment, or in `environmentId` when given.
 */
export async function createContactCenter(
  knex: Knex,
  opts: { domains?: string[]; environmentId?: string; ccid?: string } = {},
): Promise<ContactCenterFixture> {
  const environmentId = opts.environmentId ?? (await createEnvironment(knex));
  const ccid = opts.ccid ?? randomUUID();
  const domains = (opts.domains ?? []).map((d) => d.toLowerCase());
  await knex.transaction(async (trx) => {
    await trx('contact_centers').insert({ id: ccid, environment_id: environmentId, auth: 'configServer' });
    if (domains.length) await trx('contact_center_domains').insert(domains.map((domain, position) => ({ domain, ccid, position })));
  });
  return { environmentId, ccid, domains };
}
