/**
 * Demo data for `npm run seed` (never for production): environment "demo", contact center with
 * domain `demo`, a user `demo\agent`, and one client per seed-document use case. Secrets are
 * generated, stored as argon2id hashes and returned once for printing. Idempotent: rows that
 * exist are left alone (and their secrets cannot be shown again).
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { hashSecret } from '../src/security/passwords.ts';
import { generateSecret } from '../src/security/tokens.ts';

export const DEMO_DOMAIN = 'demo';

interface DemoClient {
  client_id: string;
  name: string;
  description: string;
  client_type: 'CONFIDENTIAL' | 'PUBLIC';
  internal_client: boolean;
  authorities: string[];
  scope: string[];
  authorized_grant_types: string[];
  redirect_uris: string[];
}

const CLIENTS: DemoClient[] = [
  { client_id: 'demo-backend', name: 'Demo back end', description: 'Provisioning scripts and back ends (Genesys "Provision Genesys Authentication")', client_type: 'CONFIDENTIAL', internal_client: true, authorities: ['ROLE_INTERNAL_CLIENT'], scope: ['*'], authorized_grant_types: ['client_credentials', 'password', 'refresh_token'], redirect_uris: [] },
  { client_id: 'demo-event-delivery', name: 'Contact-center event delivery', description: 'Prebuilt integration credentials (Cisco Webex Connect "Event Authorization")', client_type: 'CONFIDENTIAL', internal_client: false, authorities: [], scope: ['*'], authorized_grant_types: ['client_credentials'], redirect_uris: [] },
  { client_id: 'demo-datastore', name: 'Journey data store', description: 'Data store with OAuth 2.0 user credentials (Avaya "Adding a data store with OAuth 2.0 authorization")', client_type: 'CONFIDENTIAL', internal_client: false, authorities: [], scope: ['*'], authorized_grant_types: ['password', 'refresh_token'], redirect_uris: [] },
  { client_id: 'demo-chat', name: 'Chat with customer authentication', description: 'Authorization code + PKCE + refresh (NICE CXone "OAuth in Digital Experience")', client_type: 'CONFIDENTIAL', internal_client: false, authorities: [], scope: ['*'], authorized_grant_types: ['authorization_code', 'refresh_token'], redirect_uris: ['http://localhost:3000/callback'] },
  { client_id: 'demo-email-listener', name: 'Workflow email listener', description: 'Client credentials with space-delimited scopes (Genpact Cora SeQuence "Configure OAuth 2.0 Credentials")', client_type: 'CONFIDENTIAL', internal_client: false, authorities: [], scope: ['mail.read', 'mail.send'], authorized_grant_types: ['client_credentials'], redirect_uris: [] },
];

const IMPLIED = ['urn:ietf:params:oauth:grant-type:token-exchange', 'urn:ietf:params:oauth:grant-type:jwt-bearer'];

/** What the seed created; plaintext secrets appear only for rows created by this run. */
export interface SeedReport {
  created: string[];
  skipped: string[];
  secrets: Record<string, string>;
}

/** Inserts the demo data in one transaction. */
export async function seedDemo(knex: Knex): Promise<SeedReport> {
  const report: SeedReport = { created: [], skipped: [], secrets: {} };
  const pending = await Promise.all(
    CLIENTS.map(async (c) => {
      const secret = c.client_type === 'CONFIDENTIAL' ? generateSecret() : undefined;
      return { c, secret, hash: secret ? await hashSecret(secret) : null };
    }),
  );
  const userPassword = generateSecret().slice(0, 20);
  const userHash = await hashSecret(userPassword);

  await knex.transaction(async (trx) => {
    let cc = await trx('contact_center_domains').where({ domain: DEMO_DOMAIN }).first();
    if (!cc) {
      const envId = randomUUID();
      const ccid = randomUUID();
      await trx('environments').insert({ id: envId, tenant: 'Environment', app_name: 'Cloud', username: 'default', connection_protocol: 'addp', local_timeout_seconds: 5, remote_timeout_seconds: 7, trace_mode: 'CFGTMBoth', tls_enabled: false, config_servers: JSON.stringify([]) });
      await trx('contact_centers').insert({ id: ccid, environment_id: envId, auth: 'configServer' });
      await trx('contact_center_domains').insert({ domain: DEMO_DOMAIN, ccid, position: 0 });
      await trx('contact_center_settings').insert({ ccid, name: 'cors-origins', location: '/', shared: true, value: 'http://localhost:3000' });
      report.created.push(`environment ${envId}`, `contact center ${ccid} (domain ${DEMO_DOMAIN})`);
      cc = { ccid };
    } else {
      report.skipped.push(`contact center with domain ${DEMO_DOMAIN}`);
    }
    const existingUser = await trx('users').where({ ccid: cc.ccid, username_canonical: 'agent' }).first();
    if (!existingUser) {
      await trx('users').insert({ id: randomUUID(), ccid: cc.ccid, username: 'agent', username_canonical: 'agent', password_hash: userHash, first_name: 'Demo', last_name: 'Agent', email: 'agent@demo.example', authorities: ['ROLE_AGENT'], properties: JSON.stringify({ tier: 'gold' }) });
      report.created.push(`user ${DEMO_DOMAIN}\\agent`);
      report.secrets[`user ${DEMO_DOMAIN}\\agent password`] = userPassword;
    } else {
      report.skipped.push(`user ${DEMO_DOMAIN}\\agent`);
    }
    for (const { c, secret, hash } of pending) {
      if (await trx('clients').where({ client_id: c.client_id }).first()) {
        report.skipped.push(`client ${c.client_id}`);
        continue;
      }
      await trx('clients').insert({ ...c, authorized_grant_types: [...c.authorized_grant_types, ...IMPLIED], secret_hash: hash, access_token_ttl_seconds: 3600, refresh_token_ttl_seconds: 43_200, pkce_required: c.client_id === 'demo-chat' });
      report.created.push(`client ${c.client_id}`);
      if (secret) report.secrets[`client ${c.client_id} secret`] = secret;
    }
  });
  return report;
}
