/**
 * Failed-authentication counters of the rate limiters (docs/security-model.md "Security model";
 * src/repositories/rate-limits.repository.ts), in the layout rate-limiter-flexible's
 * `RateLimiterPostgres` expects, so every ccauth process shares them.
 *
 * `key` is `<limiter>:<SHA-256 base64url of the limited subject>` (a client id, a login name, an
 * address, or a pair of them): never a name or an address in clear. `expire` is epoch milliseconds
 * (null: never); `points` is the failures counted in the current window.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('rate_limits', (t) => {
    t.string('key', 255).primary();
    t.integer('points').notNullable().defaultTo(0);
    t.bigInteger('expire');
    t.index(['expire']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('rate_limits');
}
