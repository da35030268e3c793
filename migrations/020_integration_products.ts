/**
 * The shipped integration catalogue in the products' own words (README "Prebuilt integrations and
 * the ops console"): each entry names the product and feature it serves, and carries its set-up
 * steps — which ccauth value goes into which field of that product's own form — taken from the
 * vendors' documents:
 *
 * - Cisco Webex Connect, "Event Authorization" (UCCE digital channels: activate, copy Client ID
 *   and Client Secret, configure them in Unified Contact Center Enterprise Management);
 * - Avaya OneCloud CCaaS, "Adding a data store with OAuth 2.0 authorization" (Configuration Server
 *   web portal, Administration > Customer Journey > Data Store);
 * - NICE CXone, "OAuth in Digital Experience" (authorization code, refresh token, customer data);
 * - Genpact Cora SeQuence, "Configure OAuth 2.0 Credentials" (OAuth2 Client Credentials for Email
 *   Listener activities).
 *
 * Adds `integrations.setup_steps` (jsonb array of `{field, value}`; `value` may hold the
 * placeholders of domain/integration.ts, filled in by the console). Operator edits win: a shipped
 * row's name and description are replaced only while they still equal the text migration 009
 * shipped, and its steps are filled only while its grant types and client authentication are
 * still the shipped ones. The shipped text is recognized by {@link SHIPPED_009}, fixed here (as
 * well as by migration 009's current source), so this migration gives the same result on
 * databases made before and after an edit of that source.
 */
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { SHIPPED_INTEGRATIONS } from './009_integrations.ts';

/**
 * What migration 009 wrote for each shipped entry: its name, the SHA-256 (hex) of its description,
 * its grant types and client authentication methods.
 */
export const SHIPPED_009: Readonly<Record<string, { name: string; descriptionSha256: string; grantTypes: readonly string[]; clientAuthMethods: readonly string[] }>> = {
  'contact-center-event-delivery': {
    name: 'Contact center event delivery',
    descriptionSha256: '5db96dab20794afe6a1d92203c1fed404c0344573deeee69602ae9dcb3173c0a',
    grantTypes: ['client_credentials'],
    clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
  },
  'journey-data-store': {
    name: 'Journey data store',
    descriptionSha256: 'e8d9add0268b8a353dc145eec1abddc0a628d2474f725cc7c010eb2f919665e4',
    grantTypes: ['password'],
    clientAuthMethods: ['none'],
  },
  'chat-customer-authentication': {
    name: 'Chat with customer authentication',
    descriptionSha256: '555dab99ec275c5f8e65d783189428e122b09fdb39cd8d0f7070a187461c597e',
    grantTypes: ['authorization_code', 'refresh_token'],
    clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
  },
  'workflow-email-listener': {
    name: 'Workflow email listener',
    descriptionSha256: '4ee1ccefc91a0092ed52c76a113c0259662c8427c01a5514f9725f218bfece01',
    grantTypes: ['client_credentials'],
    clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
  },
};

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

/** One step of a product's set-up form: the field's label there and the ccauth value to enter. */
interface Step {
  field: string;
  value: string;
}

/** The product wording and set-up steps of each shipped entry, by id. */
export const PRODUCT_INTEGRATIONS: Readonly<Record<string, { name: string; description: string; setupSteps: readonly Step[] }>> = {
  'contact-center-event-delivery': {
    name: 'Cisco Webex Connect — Event Authorization for UCCE digital channels',
    description:
      'Unified Contact Center Enterprise posts asynchronous events to Webex Connect digital channels with a client-credentials token. Activate it, copy the Client ID and Client Secret, and configure them with the Access Token URL in Unified Contact Center Enterprise Management under Digital Channel Settings (Cisco Webex Connect, "Event Authorization").',
    setupSteps: [
      { field: 'Access Token URL (Unified Contact Center Enterprise Management > Digital Channel Settings)', value: '{token_endpoint}' },
      { field: 'Client ID', value: '{client_id}' },
      { field: 'Client Secret', value: '{client_secret}' },
    ],
  },
  'journey-data-store': {
    name: 'Avaya OneCloud CCaaS — Data store with OAuth 2.0',
    description:
      "A customer-journey data store that gets tokens with a contact-center user's User Name and Password (resource owner password grant) before it records journey events. Public client: no secret. Configure it on the Configuration Server web portal under Administration > Customer Journey > Data Store, Authentication Details (Avaya OneCloud CCaaS, \"Adding a data store with OAuth 2.0 authorization\").",
    setupSteps: [
      { field: 'Authorization Type', value: 'OAuth2' },
      { field: 'Resource Server (FQDN/IP)', value: '{issuer_host}' },
      { field: 'Endpoint Path', value: '{token_path}' },
      { field: 'User Name', value: 'a contact-center user, as domain\\user' },
      { field: 'Password', value: "that user's password" },
      { field: 'Protocol (OAuth2)', value: '{issuer_protocol}' },
    ],
  },
  'chat-customer-authentication': {
    name: 'NICE CXone — OAuth in Digital Experience',
    description:
      "The Digital Experience back end redeems the authorization code (with its PKCE verifier) that the customer's chat window obtained, keeps the refresh token, and calls the endpoint to retrieve customer data on every message. Needs the redirect URIs of the chat window at activation (NICE CXone, \"OAuth in Digital Experience\").",
    setupSteps: [
      { field: 'Authorization endpoint (the chat window sends the customer here)', value: '{authorization_endpoint}' },
      { field: 'Token endpoint (authorization code and refresh token)', value: '{token_endpoint}' },
      { field: 'Endpoint to retrieve customer data', value: '{userinfo_endpoint}' },
      { field: 'Client ID', value: '{client_id}' },
      { field: 'Client Secret', value: '{client_secret}' },
    ],
  },
  'workflow-email-listener': {
    name: 'Genpact Cora SeQuence — OAuth2 Client Credentials',
    description:
      'Cora SeQuence gets client-credentials tokens with space-delimited scopes for its Email Listener activities, sending its credentials with HTTP Basic or in the request body. Add them on the Admin console under Administration > Global Settings > Credentials > + Add Credentials > OAuth2 Client Credentials (Genpact Cora SeQuence, "Configure OAuth 2.0 Credentials").',
    setupSteps: [
      { field: 'Client Identifier', value: '{client_id}' },
      { field: 'Client Secret', value: '{client_secret}' },
      { field: 'Token Endpoint', value: '{token_endpoint}' },
      { field: 'Scopes', value: '{scopes}' },
      { field: 'Authentication Method', value: 'Send credentials using the HTTP Basic authentication scheme' },
    ],
  },
};

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x) => b.includes(x));

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('integrations', (t) => {
    t.jsonb('setup_steps').notNullable().defaultTo('[]');
  });
  for (const [id, shipped] of Object.entries(SHIPPED_009)) {
    const product = PRODUCT_INTEGRATIONS[id]!;
    const row = (await knex('integrations').where({ id }).first()) as
      | { name: string; description: string; grant_types: string[]; client_auth_methods: string[] }
      | undefined;
    if (!row) continue; // deleted by an operator
    // the text as 009 first shipped it, or as 009's source reads now (what a fresh install inserted)
    const current = SHIPPED_INTEGRATIONS.find((i) => i.id === id);
    const patch: Record<string, unknown> = {};
    if (row.name === shipped.name || row.name === current?.name) patch.name = product.name;
    if (sha256(row.description) === shipped.descriptionSha256 || row.description === current?.description) patch.description = product.description;
    if (sameSet(row.grant_types, shipped.grantTypes) && sameSet(row.client_auth_methods, shipped.clientAuthMethods)) {
      patch.setup_steps = JSON.stringify(product.setupSteps);
    }
    // an operator may have given another entry the new name: keep theirs
    if (patch.name !== undefined && (await knex('integrations').whereRaw('lower(name) = lower(?)', [product.name]).whereNot({ id }).first())) delete patch.name;
    if (Object.keys(patch).length) await knex('integrations').where({ id }).update(patch);
  }
}

export async function down(knex: Knex): Promise<void> {
  for (const shipped of SHIPPED_INTEGRATIONS) {
    const product = PRODUCT_INTEGRATIONS[shipped.id]!;
    await knex('integrations').where({ id: shipped.id, name: product.name }).update({ name: shipped.name });
    await knex('integrations').where({ id: shipped.id, description: product.description }).update({ description: shipped.description });
  }
  await knex.schema.alterTable('integrations', (t) => {
    t.dropColumn('setup_steps');
  });
}
