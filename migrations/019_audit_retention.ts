/**
 * Indexes for keeping and exporting the audit trail (README "Audit and secrets hygiene"):
 * `at` for the retention purge (AUDIT_RETENTION_DAYS) and time-range filters, and `(actor, id)`,
 * `(action, id)`, `(target_id, id)` for `GET /auth/v3/ops/audit?actor=&event=&subject=`, whose
 * pages are walked by descending `id`.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE INDEX audit_events_at_idx ON audit_events (at)');
  await knex.raw('CREATE INDEX audit_events_actor_idx ON audit_events (actor, id)');
  await knex.raw('CREATE INDEX audit_events_action_idx ON audit_events (action, id)');
  await knex.raw('CREATE INDEX audit_events_target_id_idx ON audit_events (target_id, id)');
}

export async function down(knex: Knex): Promise<void> {
  for (const name of ['audit_events_target_id_idx', 'audit_events_action_idx', 'audit_events_actor_idx', 'audit_events_at_idx']) {
    await knex.raw(`DROP INDEX IF EXISTS ${name}`);
  }
}
