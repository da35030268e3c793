/**
 * Business rules behind `/environment/v3/contact-centers/{ccid}/settings` (genesys-api.md E7-E9,
 * §6; seed 003 "Update CORS settings").
 *
 * - `put` replaces the named setting as a whole (Genesys: "POST overwrites the whole value"; to add
 *   a CORS origin, read the list, append, write it back).
 * - `cors-origins` is a comma-separated list of origins: each is trimmed, checked to be exactly
 *   `scheme://host[:port]` over http(s), normalized (`URL.origin`) and deduplicated; the value is
 *   stored as `origin1,origin2`. A bad item → code 10 on `data.value` naming it.
 * - The password-policy settings (`password-min-length`, `password-history`, `password-max-age-days`,
 *   `password-min-score`; domain/password-policy.ts) are whole numbers within their ranges; another
 *   value → code 10 on `data.value`.
 * - An unknown contact center → code 6.
 * - Writing or deleting `cors-origins` with an audit context records `contact_center.cors_updated`
 *   (details: the stored `origins`, `via`) in the transaction of the change (README "Audit and
 *   secrets hygiene"), from the Environment API and the console alike.
 */
import type { Knex } from 'knex';
import type { AuditContext } from '../domain/audit-event.ts';
import { CORS_ORIGINS_SETTING, parseCorsOrigins } from '../domain/environment.ts';
import type { Setting } from '../domain/environment.ts';
import { checkPasswordSetting, isPasswordSetting } from '../domain/password-policy.ts';
import { AppError, notFound } from '../errors/app-error.ts';
import { PG_FOREIGN_KEY_VIOLATION, isPgError } from '../db/knex.ts';
import { createContactCentersRepository } from '../repositories/contact-centers.repository.ts';
import { createSettingsRepository } from '../repositories/settings.repository.ts';
import { recordAudit } from './audit.service.ts';

/** Who changed a setting and through which surface, for the audit trail. */
export interface SettingsAudit extends AuditContext {
  via: 'environment_api' | 'console';
}

/** Records a CORS change (`origins`: the list now in force, empty when deleted) in `db`'s transaction. */
async function auditCors(db: Knex, who: SettingsAudit | undefined, ccid: string, origins: string[]): Promise<void> {
  if (!who) return;
  await recordAudit(db, { actor: who.actor, sourceIp: who.sourceIp }, {
    action: 'contact_center.cors_updated',
    targetType: 'contact_center',
    targetId: ccid,
    details: { origins, via: who.via },
  });
}

/** Contact-center settings (E7-E9), `cors-origins` among them. */
export interface SettingsService {
  /** The contact center's settings ordered by name (E7). @throws AppError not_found (contact center) */
  list(ccid: string): Promise<Setting[]>;
  /**
   * Creates or wholly replaces the setting `s.name` (E8); returns what was stored (a `cors-origins`
   * value normalized). With `who`, a `cors-origins` write is audited in the same transaction.
   * @throws AppError not_found (contact center) | validation (a bad origin)
   */
  put(ccid: string, s: Setting, who?: SettingsAudit): Promise<Setting>;
  /**
   * Deletes one setting (E9); with `who`, deleting `cors-origins` is audited in the same
   * transaction. @throws AppError not_found (contact center or setting)
   */
  delete(ccid: string, name: string, who?: SettingsAudit): Promise<void>;
}

/** Applies the per-name value rules; returns the value to store. @throws AppError validation */
export function normalizeSettingValue(name: string, value: string): string {
  if (isPasswordSetting(name)) {
    const checked = checkPasswordSetting(name, value);
    if ('error' in checked) throw new AppError('validation', `validation failed: data.value: ${checked.error}`, [{ field: 'data.value', message: checked.error }]);
    return checked.value;
  }
  if (name !== CORS_ORIGINS_SETTING) return value;
  const parsed = parseCorsOrigins(value);
  if ('bad' in parsed) {
    const shown = parsed.bad.length > 200 ? `${parsed.bad.slice(0, 200)}...` : parsed.bad;
    const message = `"${shown}" is not a valid CORS origin: ${parsed.error}`;
    throw new AppError('validation', `validation failed: data.value: ${message}`, [{ field: 'data.value', message }]);
  }
  return parsed.origins.join(',');
}

/** Builds the service; every write runs in one transaction on `deps.knex`. */
export function createSettingsService(deps: { knex: Knex }): SettingsService {
  const { knex } = deps;
  const ccNotFound = (ccid: string) => notFound(`contact center ${ccid}`);

  return {
    async list(ccid) {
      if (!(await createContactCentersRepository(knex).exists(ccid))) throw ccNotFound(ccid);
      return createSettingsRepository(knex).list(ccid);
    },

    async put(ccid, s, who) {
      const stored: Setting = { ...s, value: normalizeSettingValue(s.name, s.value) };
      await knex
        .transaction(async (trx) => {
          if (!(await createContactCentersRepository(trx).exists(ccid))) throw ccNotFound(ccid);
          await createSettingsRepository(trx).upsert(ccid, stored);
          if (s.name === CORS_ORIGINS_SETTING) await auditCors(trx, who, ccid, stored.value.split(',').filter(Boolean));
        })
        .catch((err: unknown) => {
          if (isPgError(err, PG_FOREIGN_KEY_VIOLATION)) throw ccNotFound(ccid);
          throw err;
        });
      return stored;
    },

    async delete(ccid, name, who) {
      await knex.transaction(async (trx) => {
        if (!(await createContactCentersRepository(trx).exists(ccid))) throw ccNotFound(ccid);
        if (!(await createSettingsRepository(trx).delete(ccid, name))) throw notFound(`setting ${name}`);
        if (name === CORS_ORIGINS_SETTING) await auditCors(trx, who, ccid, []);
      });
    },
  };
}
