/**
 * Recomputes the stored canonical login names after the canonical form changed from "NFC +
 * lowercase" to {@link canonicalLoginName} (NFKC, default-ignorable characters removed, white space
 * trimmed and collapsed, full case folding; docs/security-model.md "Security model" → "Hostile input"):
 * `users.username_canonical` from each user's display `username`, and `contact_center_domains.domain`
 * (which is stored canonical only) from its current value. Rows whose value does not change are
 * left alone; a fresh or empty database has nothing to do.
 *
 * When two rows would end up with the same canonical value (two users of one contact center such as
 * `alice` and `ａｌｉｃｅ`, or two domains such as `t100` and `ｔ１００`), they are the confusable
 * duplicates the new rule exists to prevent: the migration stops with an error naming them (and
 * changes nothing) so that an operator renames or removes one with the previous release first.
 * Values are moved through a temporary form so that a chain of renames cannot trip the unique
 * constraints half way.
 *
 * Applies the canonical form of the code it ships with (src/domain/user.ts).
 */
import type { Knex } from 'knex';
import { canonicalLoginName } from '../src/domain/user.ts';

/** Prefix of the temporary values (cannot be a canonical name: it starts with a control character). */
const TEMP = '\u0001migrating:';

export async function up(knex: Knex): Promise<void> {
  const users = (await knex('users').select('id', 'ccid', 'dbid', 'username', 'username_canonical').orderBy('dbid')) as {
    id: string;
    ccid: string;
    dbid: string | number;
    username: string;
    username_canonical: string;
  }[];
  const seen = new Map<string, string | number>();
  const problems: string[] = [];
  const changedUsers: { id: string; canonical: string }[] = [];
  for (const u of users) {
    const canonical = canonicalLoginName(u.username);
    const key = `${u.ccid}\u0000${canonical}`;
    const first = seen.get(key);
    if (first !== undefined) problems.push(`contact center ${u.ccid}: users dbid ${first} and dbid ${u.dbid} now name the same login`);
    else seen.set(key, u.dbid);
    if (canonical !== u.username_canonical) changedUsers.push({ id: u.id, canonical });
  }

  const domains = (await knex('contact_center_domains').select('domain', 'ccid')) as { domain: string; ccid: string }[];
  const seenDomains = new Map<string, string>();
  const changedDomains: { domain: string; canonical: string }[] = [];
  for (const d of domains) {
    const canonical = canonicalLoginName(d.domain);
    const first = seenDomains.get(canonical);
    if (first !== undefined) problems.push(`domains "${first}" and "${d.domain}" now name the same login domain`);
    else seenDomains.set(canonical, d.domain);
    if (canonical !== d.domain) changedDomains.push({ domain: d.domain, canonical });
  }
  if (problems.length) {
    throw new Error(`014_canonical_login_names: confusable duplicates must be resolved first (rename or delete one of each):\n  - ${problems.join('\n  - ')}`);
  }

  for (const c of changedUsers) await knex('users').where({ id: c.id }).update({ username_canonical: `${TEMP}${c.id}` });
  for (const c of changedUsers) await knex('users').where({ id: c.id }).update({ username_canonical: c.canonical });
  for (const [i, c] of changedDomains.entries()) await knex('contact_center_domains').where({ domain: c.domain }).update({ domain: `${TEMP}${i}` });
  for (const [i, c] of changedDomains.entries()) await knex('contact_center_domains').where({ domain: `${TEMP}${i}` }).update({ domain: c.canonical });
}

/** Restores the previous canonical form (NFC + lowercase), which is finer, so it cannot collide. */
export async function down(knex: Knex): Promise<void> {
  const users = (await knex('users').select('id', 'username')) as { id: string; username: string }[];
  for (const u of users) await knex('users').where({ id: u.id }).update({ username_canonical: u.username.normalize('NFC').toLowerCase() });
}
