/**
 * The ordered list of migrations, served to knex through a custom migration source so that the
 * TypeScript files load the same way under `node`, vitest and the CLI. Append only.
 */
import type { Knex } from 'knex';
import * as m001 from './001_clients.ts';
import * as m002 from './002_environments.ts';
import * as m003 from './003_users.ts';
import * as m004 from './004_oidc_payloads.ts';
import * as m005 from './005_client_options.ts';
import * as m008 from './008_refresh_successor.ts';
import * as m007 from './007_signing_keys.ts';
import * as m006 from './006_login_attempts.ts';
import * as m009 from './009_integrations.ts';
import * as m010 from './010_client_previous_secret.ts';
import * as m011 from './011_audit_events.ts';
import * as m012 from './012_console_sessions.ts';
import * as m013 from './013_rate_limits.ts';
import * as m014 from './014_canonical_login_names.ts';
import * as m015 from './015_client_dpop_bound_access_tokens.ts';
import * as m019 from './019_audit_retention.ts';
import * as m020 from './020_integration_products.ts';
import * as m026 from './026_password_policy.ts';
import * as m021 from './021_client_keys.ts';
import * as m022 from './022_used_assertion_ids.ts';
import * as m023 from './023_single_sign_on.ts';

interface Migration {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

export const MIGRATIONS: ReadonlyArray<readonly [string, Migration]> = [
  ['001_clients', m001],
  ['002_environments', m002],
  ['003_users', m003],
  ['004_oidc_payloads', m004],
  ['005_client_options', m005],
  ['008_refresh_successor', m008],
  ['007_signing_keys', m007],
  ['006_login_attempts', m006],
  ['009_integrations', m009],
  ['010_client_previous_secret', m010],
  ['011_audit_events', m011],
  ['012_console_sessions', m012],
  ['013_rate_limits', m013],
  ['014_canonical_login_names', m014],
  ['015_client_dpop_bound_access_tokens', m015],
  ['019_audit_retention', m019],
  ['020_integration_products', m020],
  ['026_password_policy', m026],
  ['021_client_keys', m021],
  ['022_used_assertion_ids', m022],
  ['023_single_sign_on', m023],
];
