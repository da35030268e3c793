/**
 * One origin at a time: Genesys Authentication's `/environment/v3/cors` (genesys-api.md §3 E12,
 * E13; README "CORS"). Genesys keeps those origins in a table of their own and stops reading the
 * settings-based list once it is used; ccauth keeps ONE store — the contact center's `cors-origins`
 * setting (settings.service.ts) — so the settings route, this API and the console always show and
 * enforce the same list, and nothing needs migrating.
 *
 * - `list()`: every contact center's origins, one entry per origin.
 * - `add(ccid, origin)`: the origin is normalized like every `cors-origins` value (lower-case
 *   scheme and host, default port dropped; `scheme://host[:port]` only) and appended unless present
 *   (idempotent: `changed: false`).
 * - `remove(ccid, origin)`: removes it (the setting is deleted when none is left); an origin not in
 *   the list → not_found.
 * Each change runs in one transaction holding the contact center's row lock (concurrent adds
 * never lose each other) and writes a `contact_center.cors_updated` audit event in it.
 */
import type { Knex } from 'knex';
import { CORS_ORIGINS_SETTING, normalizeOrigin } from '../domain/environment.ts';
import type { AuditContext } from '../domain/audit-event.ts';
import { AppError, notFound } from '../errors/app-error.ts';
import { createContactCentersRepository } from '../repositories/contact-centers.repository.ts';
import { createCorsOriginsRepository } from '../repositories/cors-origins.repository.ts';
import { createSettingsRepository } from '../repositories/settings.repository.ts';
import { recordAudit } from './audit.service.ts';

/** One allowed origin of one contact center (E12's item shape). */
export interface CorsOriginEntry {
  origin: string;
  contactCenterId: string;
}

/** Outcome of a change: the normalized origin, whether the list changed, and the list now. */
export interface CorsOriginChange {
  origin: string;
  changed: boolean;
  origins: string[];
}

export interface CorsOriginsService {
  /** Every contact center's origins, ordered by contact center id, then as stored. */
  list(): Promise<CorsOriginEntry[]>;
  /** @throws AppError not_found (contact center) | validation (not an origin, on `data.origin`) */
  add(ccid: string, origin: string, who: AuditContext): Promise<CorsOriginChange>;
  /** @throws AppError not_found (contact center, or an origin it does not list) | validation */
  remove(ccid: string, origin: string, who: AuditContext): Promise<CorsOriginChange>;
}

const splitOrigins = (value: string | undefined): string[] => (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);

/** The normalized origin. @throws AppError validation naming `field` */
function normalized(origin: string, field: string): string {
  const r = normalizeOrigin(origin.trim());
  if ('error' in r) {
    const message = `not a valid CORS origin: ${r.error}`;
    throw new AppError('validation', `validation failed: ${field}: ${message}`, [{ field, message }]);
  }
  return r.origin;
}

/** Builds the service over `deps.knex`. */
export function createCorsOriginsService(deps: { knex: Knex }): CorsOriginsService {
  const { knex } = deps;

  async function change(ccid: string, raw: string, who: AuditContext, op: 'add' | 'remove', field: string): Promise<CorsOriginChange> {
    const origin = normalized(raw, field);
    return knex.transaction(async (trx) => {
      if (!(await createContactCentersRepository(trx).lock(ccid))) throw notFound(`contact center ${ccid}`);
      const settings = createSettingsRepository(trx);
      const current = await settings.find(ccid, CORS_ORIGINS_SETTING);
      const before = splitOrigins(current?.value);
      const present = before.includes(origin);
      if (op === 'remove' && !present) throw notFound(`origin ${origin} of contact center ${ccid}`);
      if (op === 'add' && present) return { origin, changed: false, origins: before };
      const after = op === 'add' ? [...before, origin] : before.filter((o) => o !== origin);
      if (after.length) await settings.upsert(ccid, { name: CORS_ORIGINS_SETTING, value: after.join(','), location: current?.location ?? '/', shared: current?.shared ?? true });
      else await settings.delete(ccid, CORS_ORIGINS_SETTING);
      await recordAudit(trx, who, { action: 'contact_center.cors_updated', targetType: 'contact_center', targetId: ccid, details: { origins: after, [op === 'add' ? 'added' : 'removed']: origin, via: 'cors_api' } });
      return { origin, changed: true, origins: after };
    });
  }

  return {
    async list() {
      const rows = await createCorsOriginsRepository(knex).listAll();
      return rows
        .sort((a, b) => (a.ccid < b.ccid ? -1 : a.ccid > b.ccid ? 1 : 0))
        .flatMap((r) => splitOrigins(r.value).map((origin) => ({ origin, contactCenterId: r.ccid })));
    },
    add: (ccid, origin, who) => change(ccid, origin, who, 'add', 'data.origin'),
    remove: (ccid, origin, who) => change(ccid, origin, who, 'remove', 'origin'),
  };
}
