/**
 * SQL for `integration_activations` (migrations/009_integrations.ts). Pass a transaction as `db`
 * to take part in it.
 */
import type { Knex } from 'knex';
import type { Activation, ActivationStatus } from '../domain/integration.ts';

interface ActivationRow {
  id: string;
  integration_id: string;
  ccid: string;
  client_id: string;
  status: ActivationStatus;
  created_at: Date;
  deactivated_at: Date | null;
  secret_rotated_at: Date | null;
}

const ms = (d: Date | null): number | null => (d ? new Date(d).getTime() : null);

function toActivation(r: ActivationRow): Activation {
  return {
    id: r.id,
    integrationId: r.integration_id,
    contactCenterId: r.ccid,
    clientId: r.client_id,
    status: r.status,
    createdAt: new Date(r.created_at).getTime(),
    deactivatedAt: ms(r.deactivated_at),
    secretRotatedAt: ms(r.secret_rotated_at),
  };
}

/** Repository over `integration_activations`. */
export function createIntegrationActivationsRepository(db: Knex) {
  return {
    /**
     * Records an activation (status `Activated`). Throws the driver's 23505 on
     * `integration_activations_active_key` when the contact center already has an active one.
     */
    async insert(a: { id: string; integrationId: string; contactCenterId: string; clientId: string }): Promise<void> {
      await db('integration_activations').insert({ id: a.id, integration_id: a.integrationId, ccid: a.contactCenterId, client_id: a.clientId, status: 'Activated' });
    },

    /** The activation of `integrationId` with this id, or undefined. */
    async find(integrationId: string, id: string): Promise<Activation | undefined> {
      const row = await db('integration_activations').where({ id, integration_id: integrationId }).first();
      return row ? toActivation(row as ActivationRow) : undefined;
    },

    /** Like {@link find} with a `FOR UPDATE` lock. */
    async findForUpdate(integrationId: string, id: string): Promise<Activation | undefined> {
      const row = await db('integration_activations').where({ id, integration_id: integrationId }).forUpdate().first();
      return row ? toActivation(row as ActivationRow) : undefined;
    },

    /** Activations of one integration, newest first. */
    async listByIntegration(integrationId: string): Promise<Activation[]> {
      const rows = await db('integration_activations').where({ integration_id: integrationId }).orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id' }]);
      return (rows as ActivationRow[]).map(toActivation);
    },

    /** Every `Activated` activation, oldest first (catalogue status overviews). */
    async listActive(): Promise<Activation[]> {
      const rows = await db('integration_activations').where({ status: 'Activated' }).orderBy([{ column: 'created_at' }, { column: 'id' }]);
      return (rows as ActivationRow[]).map(toActivation);
    },

    /** How many activations of the integration are `Activated`. */
    async countActive(integrationId: string): Promise<number> {
      const row = await db('integration_activations').where({ integration_id: integrationId, status: 'Activated' }).count<{ count: string | number }[]>({ count: '*' }).first();
      return Number(row?.count ?? 0);
    },

    /** Marks an `Activated` activation `Deactivated`; returns false when it was not active. */
    async deactivate(id: string): Promise<boolean> {
      const rows = await db('integration_activations')
        .where({ id, status: 'Activated' })
        .update({ status: 'Deactivated', deactivated_at: db.fn.now() }, ['id']);
      return rows.length > 0;
    },

    /** Stamps the time of a secret rotation. */
    async markSecretRotated(id: string): Promise<void> {
      await db('integration_activations').where({ id }).update({ secret_rotated_at: db.fn.now() });
    },
  };
}

export type IntegrationActivationsRepository = ReturnType<typeof createIntegrationActivationsRepository>;
